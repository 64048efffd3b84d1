"""`Writer`: what a load does inside its transaction, in statements both databases accept.

Each store subclasses it with its bulk primitives (executemany in SQLite, COPY into staging
tables in PostgreSQL); the bookkeeping SQL (new attribute columns, relations to unknown
items, the meta rows) is written once, here.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Dialect

from knowledge.cmdb.columns import ColumnMap, index_name
from knowledge.cmdb.tables import SCHEMA_VERSION, checked_column, column_type

ItemRow = tuple[Any, ...]  # (id, type, name, lname, value of each column in order)
AttrRow = tuple[str, str, str, str | None, float | None]  # (item id, key, kind, txt, num)
RelationRow = tuple[str, str, str]  # (from id, type, to id)


class Writer(ABC):
    """One load's writes; `fresh` when the store held no items as the load began."""

    def __init__(self, dialect: Dialect, columns: ColumnMap) -> None:
        self.dialect = dialect
        self.columns = columns
        self.fresh = False

    def begin(self, *, replace: bool) -> None:
        """Empty the store first when `replace`; then note whether it is empty (a bulk load:
        indexes are built once at the end) and make the staging tables."""
        if replace:
            # No WHERE and no triggers: SQLite empties each table at once (its truncate
            # optimisation); PostgreSQL deletes inside the same transaction.
            for table in ("relations", "attrs", "items", "sensitive"):
                self.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed table names)
        self.fresh = not self.rows("SELECT 1 FROM items LIMIT 1")
        self.create_staging()

    # -- what each database does its own way -------------------------------------------

    @abstractmethod
    def create_staging(self) -> None:
        """Temporary tables of this load: `load_ids(id)` and `load_relations(n, src, type,
        dst)`, gone when the transaction ends."""

    @abstractmethod
    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement inside the load's transaction and return its rows."""

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement inside the load's transaction."""

    @abstractmethod
    def stage_ids(self, ids: list[str]) -> str | None:
        """Remember the ids of this load; return one that was already seen (a duplicate)."""

    @abstractmethod
    def write_items(self, items: list[ItemRow], attrs: list[AttrRow], columns: list[str]) -> None:
        """Upsert `items` (own fields, then `columns` in order) and replace their attributes."""

    @abstractmethod
    def stage_relations(self, relations: list[RelationRow]) -> None:
        """Keep relations by item id until every item is written (files may list them first)."""

    @abstractmethod
    def insert_relations(self) -> None:
        """Resolve the staged relations to row ids and add them (existing ones are kept)."""

    @abstractmethod
    def item_columns(self) -> set[str]:
        """Every column `items` has now."""

    @abstractmethod
    def column_indexes(self) -> set[str]:
        """Names of the attribute-column indexes now on `items` (`items_c<n>`)."""

    @abstractmethod
    def analyze(self) -> None:
        """Refresh the planner's statistics, so it picks the right index at any size."""

    # -- shared bookkeeping ------------------------------------------------------------

    def add_column(self, attr: str, value_class: str) -> str:
        """A new `items` column for `attr`; returns its name."""
        col = self.columns.next_name(self.item_columns())
        self.execute(f"ALTER TABLE items ADD COLUMN {col} {column_type(value_class, self.dialect)}")
        self.execute(
            "INSERT INTO attr_columns(attr, col, class) VALUES (?, ?, ?)", (attr, col, value_class)
        )
        self.columns.columns[attr] = (col, value_class)
        return col

    def drop_column(self, attr: str) -> None:
        """Forget `attr`'s column (now secret, or of another class): values erased, index gone."""
        col = self.columns.column(attr)
        if col is None:
            return
        self.execute(f"DROP INDEX IF EXISTS {index_name(col)}")
        self.execute(f"UPDATE items SET {checked_column(col)} = NULL WHERE {col} IS NOT NULL")  # noqa: S608 (checked column name)
        self.execute("DELETE FROM attr_columns WHERE attr = ?", (attr,))
        del self.columns.columns[attr]

    def fill_column(self, attr: str) -> None:
        """Copy `attr` from `attrs` into its column (a store written before columns existed)."""
        col, value_class = self.columns.columns[attr]
        source = "num" if value_class == "number" else "txt"
        self.execute(
            f"UPDATE items SET {checked_column(col)} = (SELECT a.{source} FROM attrs a "  # noqa: S608 (checked column name, fixed source)
            "WHERE a.item = items.rid AND a.key = ?)",
            (attr,),
        )

    def first_unknown_relation(self) -> RelationRow | None:
        """The first staged relation (in load order) whose end is no stored item."""
        found = self.rows(
            "SELECT r.src, r.type, r.dst FROM load_relations r "
            "LEFT JOIN items s ON s.id = r.src LEFT JOIN items d ON d.id = r.dst "
            "WHERE s.rid IS NULL OR d.rid IS NULL ORDER BY r.n LIMIT 1"
        )
        return (str(found[0][0]), str(found[0][1]), str(found[0][2])) if found else None

    def add_sensitive(self, names: Sequence[str]) -> None:
        """Record attribute names declared secret."""
        for name in names:
            self.execute("INSERT INTO sensitive(key) VALUES (?) ON CONFLICT DO NOTHING", (name,))

    def finish(self, schema_json: str, origin: str) -> None:
        """Bump the generation and store the summary: the last writes of a load."""
        self.execute(
            "INSERT INTO meta(key, value) VALUES ('generation', '1') ON CONFLICT(key) "
            "DO UPDATE SET value = CAST(CAST(meta.value AS INTEGER) + 1 AS TEXT)"
        )
        for key, value in (
            ("schema_version", SCHEMA_VERSION),
            ("origin", origin),
            ("schema", schema_json),
        ):
            self.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) "
                "DO UPDATE SET value = excluded.value",
                (key, value),
            )
