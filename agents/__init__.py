"""Who answers: router, Q&A, ticket workflow and CMDB agents, and OpsBot."""

from agents.bot import OpsBot
from agents.reply import Reply

__all__ = ["OpsBot", "Reply"]
