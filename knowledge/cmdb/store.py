"""Where CIs are kept: the interface every store gives the CMDB, and the reads they share.

Two stores implement it: `SQLiteStore` (sqlite_store.py, one file, the default) and
`PostgresStore` (postgres_store.py, for estates that outgrow one file). Both hold the same
tables (tables.py) and run the same statements: SQL text with `?` marks and bound values,
which each store hands to its driver. A load is one transaction in both: a failure leaves
the store exactly as it was.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

from knowledge.cmdb.columns import ColumnMap
from knowledge.cmdb.models import Scalar
from knowledge.cmdb.results import Item
from knowledge.cmdb.writer import Writer

_CHUNK = 900  # ids per IN (...) list: under SQLite's old 999-parameter limit


def encode_value(value: Scalar) -> tuple[str, str | None, float | None]:
    """(kind, txt, num) for one attribute value: n(umber), i(nteger), b(ool) or s(tring)."""
    if isinstance(value, bool):
        return "b", "true" if value else "false", None
    if isinstance(value, int):
        return "i", str(value), float(value)
    if isinstance(value, float):
        return "n", repr(value), value
    return "s", str(value), None


def decode_value(kind: str, txt: str | None, num: float | None) -> Scalar:
    """The original value back from its stored columns."""
    if kind == "i" and num is not None:
        return int(num)
    if kind == "n":
        return num
    if kind == "b":
        return txt == "true"
    return txt


def chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterator[list[Any]]:
    """`values` in lists of at most `size`."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


class Store(ABC):
    """The CMDB's storage: parameterised reads, and loads as one transaction."""

    where: str  # for messages: a file path, or a database URL without its password
    # Whether a selective attribute condition should drive a query through its attrs index
    # (SQLite reads one index per table); False where the planner combines indexes itself.
    drives_from_attrs: bool = True

    @abstractmethod
    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement (`?` marks, values bound) and return all rows."""

    @abstractmethod
    def loading(self, *, replace: bool) -> AbstractContextManager[Writer]:
        """One load's transaction: commits when the block ends, rolls back on any error."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection(s)."""

    # -- reads every store shares ------------------------------------------------------

    def meta(self, key: str) -> str | None:
        """A value from the meta table."""
        found = self.rows("SELECT value FROM meta WHERE key = ?", (key,))
        return str(found[0][0]) if found else None

    def generation(self) -> int:
        """Bumped by every load; caches built from the contents compare it."""
        return int(self.meta("generation") or 0)

    def count_items(self) -> int:
        """How many items are stored (a scan of the smallest index: not per question)."""
        return int(self.rows("SELECT COUNT(*) FROM items")[0][0])

    def is_empty(self) -> bool:
        """True when no item is stored; constant time at any size."""
        return not self.rows("SELECT 1 FROM items LIMIT 1")

    def sensitive_keys(self) -> set[str]:
        """Attribute names a load file declared sensitive."""
        return {str(r[0]) for r in self.rows("SELECT key FROM sensitive")}

    def column_map(self) -> ColumnMap:
        """Which attribute lives in which `items` column."""
        return ColumnMap.from_rows(self.rows("SELECT attr, col, class FROM attr_columns"))

    def items_by_rid(self, rids: Sequence[int], hidden: set[str]) -> list[Item]:
        """Items for `rids`, in that order, without hidden attributes."""
        found: dict[int, Item] = {}
        for chunk in chunks(rids):
            marks = ",".join("?" * len(chunk))
            for rid, iid, itype, name in self.rows(
                f"SELECT rid, id, type, name FROM items WHERE rid IN ({marks})",  # noqa: S608 (only ? marks; values are bound)
                chunk,
            ):
                found[int(rid)] = Item(rid=int(rid), id=iid, type=itype, name=name, attrs={})
            for rid, key, kind, txt, num in self.rows(
                f"SELECT item, key, kind, txt, num FROM attrs WHERE item IN ({marks}) "  # noqa: S608 (only ? marks; values are bound)
                "ORDER BY item, key",
                chunk,
            ):
                if key not in hidden:
                    found[int(rid)].attrs[key] = decode_value(kind, txt, num)
        return [found[r] for r in rids if r in found]

    def find_items(self, names: Sequence[str]) -> list[tuple[int, str, str, str]]:
        """(rid, id, type, name) of items whose lower-cased name or exact id is in `names`."""
        if not names:
            return []
        marks = ",".join("?" * len(names))
        return [
            (int(r[0]), str(r[1]), str(r[2]), str(r[3]))
            for r in self.rows(
                f"SELECT rid, id, type, name FROM items WHERE lname IN ({marks}) OR id IN ({marks}) "  # noqa: S608 (only ? marks; values are bound)
                "ORDER BY rid",
                [*names, *names],
            )
        ]

    def edges_touching(self, rids: Sequence[int]) -> list[tuple[int, str, int]]:
        """(src, type, dst) of every relation with an end in `rids`."""
        edges: set[tuple[int, str, int]] = set()
        for chunk in chunks(rids, _CHUNK // 2):
            marks = ",".join("?" * len(chunk))
            sql = (
                f"SELECT src, type, dst FROM relations WHERE src IN ({marks}) "  # noqa: S608 (only ? marks; values are bound)
                f"UNION SELECT src, type, dst FROM relations WHERE dst IN ({marks})"
            )
            edges.update((int(s), str(t), int(d)) for s, t, d in self.rows(sql, chunk + chunk))
        return sorted(edges)
