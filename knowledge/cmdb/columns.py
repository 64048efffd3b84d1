"""Attribute columns on `items`, and the indexes over them that questions need.

A question restricts items by type, by categorical values and by numeric comparisons, and
groups or ranks them by an attribute. With attributes only in the EAV table, every extra
condition costs one index lookup per candidate item; with each queryable attribute also a
column of `items`, all of them are checked on the one row, and an index over
(type, attribute) serves a restriction or a grouping by itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from knowledge.cmdb.schema import AttrInfo
from knowledge.cmdb.tables import checked_column


@dataclass
class ColumnMap:
    """attribute -> (column, value class) of one store; grows as new attributes are loaded."""

    columns: dict[str, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: list[tuple[object, ...]]) -> ColumnMap:
        """From `SELECT attr, col, class FROM attr_columns` rows."""
        return cls({str(a): (checked_column(str(c)), str(k)) for a, c, k in rows})

    def column(self, attr: str) -> str | None:
        """The column holding `attr`, if it has one."""
        found = self.columns.get(attr)
        return found[0] if found else None

    def next_name(self, existing: set[str]) -> str:
        """A column name not used yet (`c1`, `c2`, ...); `existing`: the columns `items` has
        (a dropped attribute's column stays in the table, emptied, so its name is taken)."""
        taken = {c for c, _ in self.columns.values()} | existing
        used = {int(c[1:]) for c in taken if c.startswith("c") and c[1:].isdigit()}
        return f"c{max(used, default=0) + 1}"

    def names(self) -> dict[str, str]:
        """attribute -> column, for the schema summary."""
        return {attr: col for attr, (col, _) in self.columns.items()}


def wanted_indexes(attrs: dict[str, AttrInfo], columns: dict[str, str]) -> dict[str, str]:
    """Index name -> CREATE INDEX statement (the same text in SQLite and PostgreSQL) for the
    attribute columns questions query; the comments say which questions each one serves."""
    out: dict[str, str] = {}
    for attr, info in sorted(attrs.items()):
        col = columns.get(attr)
        if col is None:
            continue
        name = f"items_{checked_column(col)}"
        if info.categorical:
            # "prod hosts", "mysql databases": a value within a type is one range of this
            # index; "how many hosts per idc": the counts are read from the index alone,
            # already in group order. Not partial, so items lacking the attribute are
            # counted too (the "(none)" group).
            out[name] = f"CREATE INDEX IF NOT EXISTS {name} ON items(type, {col})"
        elif info.numeric:
            # "hosts with cpu over 80%": a range within a type, scanned in order; "top 5
            # hosts by cpu": read from the top and stopped at 5. Only items that have the
            # number are indexed: a comparison or a ranking never matches the others.
            out[name] = (
                f"CREATE INDEX IF NOT EXISTS {name} ON items(type, {col}) WHERE {col} IS NOT NULL"
            )
        # Identifiers (ip, serial) get none: a question names one value, which the attrs
        # (key, txt) index finds, and an index per identifier costs as much as the column.
    return out


def index_name(col: str) -> str:
    """The name `wanted_indexes` gives the index over `col`."""
    return f"items_{checked_column(col)}"
