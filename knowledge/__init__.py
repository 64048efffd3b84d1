"""What is known: encoder, attention math, K/V store and index, ingestion, CMDB."""

from knowledge.kb import Hit, KnowledgeBase
from knowledge.store import Record

__all__ = ["Hit", "KnowledgeBase", "Record"]
