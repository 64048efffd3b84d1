"""What is known: encoder, attention math, K/V store and index, ingestion, CMDB."""
