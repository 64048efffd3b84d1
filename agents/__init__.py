"""Who answers: router, Q&A, ticket workflow and CMDB agents, and OpsBot."""
