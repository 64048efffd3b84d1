"""The CMDB: configuration items and relations in SQLite, asked in plain language.

from knowledge.cmdb import CMDB
cmdb = CMDB.open("cmdb.sqlite", create=True, encoder=encoder)
cmdb.load("estate.json")
result = cmdb.ask("prod mysql databases in sh-1 with cpu over 80%")
result.query, result.items, result.stats
"""

from knowledge.cmdb.cmdb import CMDB, LoadReport
from knowledge.cmdb.default import load_demo, open_default
from knowledge.cmdb.models import CMDBQuery, Condition, Hop, LoadFile, SortSpec
from knowledge.cmdb.results import CMDBResult, Edge, Item, Parsed, Stats, Topology

__all__ = [
    "CMDB",
    "CMDBQuery",
    "CMDBResult",
    "Condition",
    "Edge",
    "Hop",
    "Item",
    "LoadFile",
    "LoadReport",
    "Parsed",
    "SortSpec",
    "Stats",
    "Topology",
    "load_demo",
    "open_default",
]
