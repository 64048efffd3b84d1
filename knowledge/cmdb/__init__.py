"""The CMDB: configuration items and relations in SQLite, asked in plain language.

from knowledge.cmdb import CMDB
cmdb = CMDB.open("cmdb.sqlite", create=True, encoder=encoder)
cmdb.load("estate.json")
result = cmdb.ask("prod mysql databases in sh-1 with cpu over 80%")
result.query, result.items, result.stats

cmdb.py      CMDB: open, load, ask, walk the topology
store.py     SQLite storage (items, typed attributes, relations); models.py, results.py the
             boundary models; schema.py the schema as the data shows it; sensitive.py secrets
loadfile.py  reading and checking load files; semantic.py semantic ranking; stats.py numbers
default.py   the CMDB the chat uses when none is named (seeded with the demo estate)
language/    plain language -> CMDBQuery (grammar + schema linking by attention)
sql/         CMDBQuery -> parameterised SQL
demo/        the demo estate generator
drawing/     topology pictures, charts, the HTML report (imported only to draw)
"""

from knowledge.cmdb.cmdb import CMDB, LoadReport
from knowledge.cmdb.default import load_demo, open_default
from knowledge.cmdb.models import CMDBQuery, Condition, Hop, LoadFile, SortSpec
from knowledge.cmdb.results import CMDBResult, Edge, Item, Parsed, Stats, Topology, table_columns
from knowledge.progress import Progress

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
    "Progress",
    "SortSpec",
    "Stats",
    "Topology",
    "load_demo",
    "open_default",
    "table_columns",
]
