"""The CMDB's tables, defined once with SQLAlchemy Core and compiled for SQLite or PostgreSQL.

items     one row per CI; besides its own fields, one column per queryable attribute
          (`c1`, `c2`, ... named in attr_columns), so every condition on an item is read from
          one row instead of one lookup per attribute
attrs     the store of record: one row per (item, attribute), typed (EAV); identifier lookups
          and the attribute indexes that drive selective queries read it
relations typed edges between items
attr_columns  which attribute lives in which items column, and its value class
sensitive attribute names a load file declared secret; meta: generation, schema summary
"""

from __future__ import annotations

import re

from sqlalchemy import (
    BigInteger,
    Column,
    Double,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import CreateIndex, CreateTable

SCHEMA_VERSION = "2"  # 2: attribute columns on items (1: attributes only in attrs)
COLUMN_NAME = re.compile(r"^c[0-9]{1,6}$")  # the only column names ever spliced into SQL

_ROW_ID = BigInteger().with_variant(Integer, "sqlite")  # sqlite: INTEGER PRIMARY KEY = rowid
# Byte order for text in PostgreSQL, as SQLite compares: answers sort the same in both.
_TEXT = Text().with_variant(Text(collation="C"), "postgresql")

metadata = MetaData()
items = Table(
    "items",
    metadata,
    Column("rid", _ROW_ID, primary_key=True, autoincrement=True),
    Column("id", _TEXT, nullable=False, unique=True),
    Column("type", _TEXT, nullable=False),
    Column("name", _TEXT, nullable=False),
    Column("lname", _TEXT, nullable=False),
)
Index("items_type", items.c.type)
Index("items_lname", items.c.lname)  # names in questions are matched case-insensitively
attrs = Table(
    "attrs",
    metadata,
    Column("item", BigInteger, nullable=False),
    Column("key", _TEXT, nullable=False),
    Column("kind", _TEXT, nullable=False),
    Column("txt", _TEXT),
    Column("num", Double),
    PrimaryKeyConstraint("item", "key"),
    sqlite_with_rowid=False,
)
# Key first: a condition on one attribute is one range scan, whatever the item type. They
# are dropped before a bulk load into an empty store and built once after it.
ATTR_INDEXES = (
    Index("attrs_txt", attrs.c.key, attrs.c.txt),
    Index("attrs_num", attrs.c.key, attrs.c.num),
)
relations = Table(
    "relations",
    metadata,
    Column("src", BigInteger, nullable=False),
    Column("type", _TEXT, nullable=False),
    Column("dst", BigInteger, nullable=False),
    PrimaryKeyConstraint("src", "type", "dst"),
    sqlite_with_rowid=False,
)
Index("relations_dst", relations.c.dst, relations.c.type, relations.c.src)  # walks inwards
attr_columns = Table(
    "attr_columns",
    metadata,
    Column("attr", _TEXT, primary_key=True),
    Column("col", _TEXT, nullable=False, unique=True),
    Column("class", _TEXT, nullable=False),  # number | text | bool
)
sensitive = Table("sensitive", metadata, Column("key", _TEXT, primary_key=True))
meta = Table(
    "meta",
    metadata,
    Column("key", _TEXT, primary_key=True),
    Column("value", _TEXT, nullable=False),
)


def create_statements(dialect: Dialect) -> list[str]:
    """CREATE TABLE / INDEX IF NOT EXISTS for every table, in this dialect."""
    out: list[str] = []
    for table in metadata.sorted_tables:
        out.append(str(CreateTable(table, if_not_exists=True).compile(dialect=dialect)))
        out += [
            str(CreateIndex(index, if_not_exists=True).compile(dialect=dialect))
            for index in sorted(table.indexes, key=lambda i: str(i.name))
        ]
    return out


def attr_index_statements(dialect: Dialect) -> list[str]:
    """CREATE INDEX IF NOT EXISTS for the two attrs indexes."""
    return [str(CreateIndex(i, if_not_exists=True).compile(dialect=dialect)) for i in ATTR_INDEXES]


def column_type(value_class: str, dialect: Dialect) -> str:
    """The SQL type of an attribute column: numbers as doubles, text and booleans as text."""
    kind = Double() if value_class == "number" else _TEXT
    return str(kind.compile(dialect=dialect))


def checked_column(name: str) -> str:
    """`name` if it is one of our attribute column names (`c12`); anything else is refused."""
    if not COLUMN_NAME.match(name):
        raise ValueError(f"{name!r} is not an attribute column name")
    return name
