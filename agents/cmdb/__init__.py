"""The CMDB agent, and context linking: what a message names in the CMDB.

agent.py         CMDBAgent: a question -> a table, a topology picture or grouped numbers
context_link.py  ContextLinker: "the database of payment-api" through the CI's relations
"""

from agents.cmdb.agent import CMDBAgent, CMDBAnswer
from agents.cmdb.context_link import ContextLinker, Link

__all__ = ["CMDBAgent", "CMDBAnswer", "ContextLinker", "Link"]
