"""The CMDB: configuration items and relations in SQLite (or PostgreSQL), asked in plain language.

from knowledge.cmdb import CMDB
cmdb = CMDB.open("cmdb.sqlite", create=True, encoder=encoder)   # or "postgresql://..."
cmdb.load("estate.json")                                         # streamed, any size
result = cmdb.ask("prod mysql databases in sh-1 with cpu over 80%")
result.query, result.items, result.stats

cmdb.py      CMDB: open, load, ask, walk the topology
store.py     the store interface and shared reads; sqlite_store.py, postgres_store.py the two
             stores (stores.py picks one); tables.py the tables (SQLAlchemy Core), columns.py
             attribute columns and their indexes; writer.py what a load writes
loading.py   one load, chunk by chunk; loadfile.py, loadjson.py reading load files in chunks
models.py, results.py the boundary models; schema.py the schema as the data shows it,
             summary.py built from aggregates; sensitive.py secrets
semantic.py  semantic ranking; stats.py numbers
default.py   the CMDB the chat uses when none is named (seeded with the demo estate)
language/    plain language -> CMDBQuery (grammar + schema linking by attention)
sql/         CMDBQuery -> parameterised SQL
demo/        the demo estate generator
drawing/     topology pictures, charts, the HTML report (imported only to draw)
"""

from knowledge.cmdb.cmdb import CMDB, LoadReport
from knowledge.cmdb.default import (
    DEFAULT_DEMO_HOSTS,
    DEFAULT_DEMO_SEED,
    cmdb_location,
    demo_stream,
    load_demo,
    open_default,
)
from knowledge.cmdb.loadfile import LoadStream
from knowledge.cmdb.models import CMDBQuery, Condition, Hop, LoadFile, SortSpec
from knowledge.cmdb.results import CMDBResult, Edge, Item, Parsed, Stats, Topology, table_columns
from knowledge.progress import Progress

__all__ = [
    "CMDB",
    "DEFAULT_DEMO_HOSTS",
    "DEFAULT_DEMO_SEED",
    "CMDBQuery",
    "CMDBResult",
    "Condition",
    "Edge",
    "Hop",
    "Item",
    "LoadFile",
    "LoadReport",
    "LoadStream",
    "Parsed",
    "Progress",
    "SortSpec",
    "Stats",
    "Topology",
    "cmdb_location",
    "demo_stream",
    "load_demo",
    "open_default",
    "table_columns",
]
