"""SQLite storage for CIs: items, typed attributes (EAV), relations; parameterised SQL only.

Attributes live one row per (item, key) with a text column and a numeric column, each
indexed with the key first, so a condition is an index range scan whatever the item type.
A load is one transaction: a failure leaves the file exactly as it was.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from errors import CMDBError
from knowledge.cmdb.models import LoadFile, Scalar
from knowledge.cmdb.results import Item
from knowledge.progress import Progress

SCHEMA_VERSION = "1"
_DDL = """
CREATE TABLE IF NOT EXISTS items(
    rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
    name TEXT NOT NULL, lname TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS items_type ON items(type);
CREATE INDEX IF NOT EXISTS items_lname ON items(lname);
CREATE TABLE IF NOT EXISTS attrs(
    item INTEGER NOT NULL, key TEXT NOT NULL, kind TEXT NOT NULL, txt TEXT, num REAL,
    PRIMARY KEY(item, key)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS attrs_txt ON attrs(key, txt);
CREATE INDEX IF NOT EXISTS attrs_num ON attrs(key, num);
CREATE TABLE IF NOT EXISTS relations(
    src INTEGER NOT NULL, type TEXT NOT NULL, dst INTEGER NOT NULL,
    PRIMARY KEY(src, type, dst)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS relations_dst ON relations(dst, type, src);
CREATE TABLE IF NOT EXISTS sensitive(key TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
_BATCH = 20_000


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


class Store:
    """One SQLite file of CIs; safe to share between threads (one connection, one lock)."""

    def __init__(self, path: Path, *, create: bool) -> None:
        self.path = path
        if not path.exists() and not create:
            raise CMDBError(
                f"no CMDB at {path}; load one with `opsqkv cmdb load FILE` or `opsqkv cmdb demo`"
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA cache_size=-65536")
            self.conn.execute("PRAGMA temp_store=MEMORY")
            self.conn.executescript(_DDL)
        except sqlite3.DatabaseError as e:
            raise CMDBError(
                f"{path} is not a usable CMDB file ({e}); move it away and load again"
            ) from e
        self.lock = threading.RLock()

    def close(self) -> None:
        """Close the connection."""
        with self.lock:
            self.conn.close()

    # -- reads -------------------------------------------------------------------------

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one parameterised statement and return all rows."""
        with self.lock:
            try:
                return self.conn.execute(sql, tuple(params)).fetchall()
            except sqlite3.Error as e:
                raise CMDBError(
                    f"reading the CMDB at {self.path} failed ({e}); if the file is damaged, move "
                    "it away and load the CMDB again (`opsqkv cmdb load FILE` or `cmdb demo`)"
                ) from e

    def meta(self, key: str) -> str | None:
        """A value from the meta table."""
        found = self.rows("SELECT value FROM meta WHERE key = ?", (key,))
        return str(found[0][0]) if found else None

    def generation(self) -> int:
        """Bumped by every load; caches built from the contents compare it."""
        return int(self.meta("generation") or 0)

    def count_items(self) -> int:
        """How many items are stored."""
        return int(self.rows("SELECT COUNT(*) FROM items")[0][0])

    def sensitive_keys(self) -> set[str]:
        """Attribute names a load file declared sensitive."""
        return {str(r[0]) for r in self.rows("SELECT key FROM sensitive")}

    def items_by_rid(self, rids: Sequence[int], hidden: set[str]) -> list[Item]:
        """Items for `rids`, in that order, without hidden attributes."""
        found: dict[int, Item] = {}
        for start in range(0, len(rids), 900):
            chunk = list(rids[start : start + 900])
            marks = ",".join("?" * len(chunk))
            for rid, iid, itype, name in self.rows(
                f"SELECT rid, id, type, name FROM items WHERE rid IN ({marks})",  # noqa: S608 (only ? marks; values are bound)
                chunk,
            ):
                found[rid] = Item(rid=rid, id=iid, type=itype, name=name, attrs={})
            for rid, key, kind, txt, num in self.rows(
                f"SELECT item, key, kind, txt, num FROM attrs WHERE item IN ({marks})",  # noqa: S608 (only ? marks; values are bound)
                chunk,
            ):
                if key not in hidden:
                    found[rid].attrs[key] = decode_value(kind, txt, num)
        return [found[r] for r in rids if r in found]

    def find_items(self, names: Sequence[str]) -> list[tuple[int, str, str, str]]:
        """(rid, id, type, name) of items whose lower-cased name or exact id is in `names`."""
        if not names:
            return []
        marks = ",".join("?" * len(names))
        return [
            (int(r[0]), str(r[1]), str(r[2]), str(r[3]))
            for r in self.rows(
                f"SELECT rid, id, type, name FROM items WHERE lname IN ({marks}) OR id IN ({marks})",  # noqa: S608 (only ? marks; values are bound)
                [*names, *names],
            )
        ]

    def edges_touching(self, rids: Sequence[int]) -> list[tuple[int, str, int]]:
        """(src, type, dst) of every relation with an end in `rids`."""
        edges: set[tuple[int, str, int]] = set()
        for start in range(0, len(rids), 450):
            chunk = list(rids[start : start + 450])
            marks = ",".join("?" * len(chunk))
            sql = (
                f"SELECT src, type, dst FROM relations WHERE src IN ({marks}) "  # noqa: S608 (only ? marks; values are bound)
                f"UNION SELECT src, type, dst FROM relations WHERE dst IN ({marks})"
            )
            edges.update((int(s), str(t), int(d)) for s, t, d in self.rows(sql, chunk + chunk))
        return sorted(edges)

    # -- writes ------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error: nothing half-written."""
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def write(
        self,
        data: LoadFile,
        summarize: Callable[[sqlite3.Connection, Progress], object],
        progress: Progress | None = None,
        *,
        replace: bool = False,
        origin: str = "file",
    ) -> None:
        """Upsert items (their attributes replaced), add relations and sensitive names;
        with `replace`, everything stored before goes, in the same transaction.

        The caller has validated `data` against itself and the stored items. `summarize`
        runs inside the same transaction; what it returns is stored as meta `schema`.
        `origin` ("file" or "demo") is kept so a demo estate can be swapped without asking.
        """
        report = progress or (lambda phase, done, total: None)
        try:
            with self.transaction() as conn:
                if replace:
                    for table in ("items", "attrs", "relations", "sensitive"):
                        conn.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed table names)
                fresh = conn.execute("SELECT 1 FROM items LIMIT 1").fetchone() is None
                if fresh:  # one bulk index build beats index upkeep row by row
                    conn.execute("DROP INDEX IF EXISTS attrs_txt")
                    conn.execute("DROP INDEX IF EXISTS attrs_num")
                self._write_items(conn, data, fresh, report)
                self._write_relations(conn, data, report)
                conn.executemany(
                    "INSERT OR IGNORE INTO sensitive(key) VALUES (?)",
                    [(k,) for k in data.sensitive],
                )
                if fresh:
                    report("indexing", 0, 1)
                    conn.execute("CREATE INDEX IF NOT EXISTS attrs_txt ON attrs(key, txt)")
                    conn.execute("CREATE INDEX IF NOT EXISTS attrs_num ON attrs(key, num)")
                    report("indexing", 1, 1)
                conn.execute(
                    "INSERT INTO meta(key, value) VALUES ('generation', '1') ON CONFLICT(key) "
                    "DO UPDATE SET value = CAST(value AS INTEGER) + 1"
                )
                conn.executemany(
                    "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                    [("schema_version", SCHEMA_VERSION), ("origin", origin)],
                )
                conn.execute(
                    "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema', ?)",
                    (json.dumps(summarize(conn, report)),),
                )
        except sqlite3.Error as e:
            raise CMDBError(
                f"writing to the CMDB at {self.path} failed ({e}); nothing was changed: free "
                "disk space there (or fix its permissions) and load again"
            ) from e

    def _write_items(
        self, conn: sqlite3.Connection, data: LoadFile, fresh: bool, report: Progress
    ) -> None:
        total = len(data.items)
        for start in range(0, total, _BATCH):
            batch = data.items[start : start + _BATCH]
            conn.executemany(
                "INSERT INTO items(id, type, name, lname) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET type = excluded.type, name = excluded.name, "
                "lname = excluded.lname",
                [(it.id, it.type, it.name, it.name.lower()) for it in batch],
            )
            rids = self._rids(conn, [it.id for it in batch])
            if not fresh:
                conn.executemany(
                    "DELETE FROM attrs WHERE item = ?", [(rids[it.id],) for it in batch]
                )
            conn.executemany(
                "INSERT INTO attrs(item, key, kind, txt, num) VALUES (?, ?, ?, ?, ?)",
                [
                    (rids[it.id], key, *encode_value(value))
                    for it in batch
                    for key, value in it.attrs.items()
                    if value is not None
                ],
            )
            report("items", min(start + _BATCH, total), total)

    def _write_relations(self, conn: sqlite3.Connection, data: LoadFile, report: Progress) -> None:
        total = len(data.relations)
        for start in range(0, total, _BATCH):
            batch = data.relations[start : start + _BATCH]
            rids = self._rids(conn, list({r.src for r in batch} | {r.dst for r in batch}))
            conn.executemany(
                "INSERT OR IGNORE INTO relations(src, type, dst) VALUES (?, ?, ?)",
                [(rids[r.src], r.type, rids[r.dst]) for r in batch],
            )
            report("relations", min(start + _BATCH, total), total)

    @staticmethod
    def _rids(conn: sqlite3.Connection, ids: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            marks = ",".join("?" * len(chunk))
            for iid, rid in conn.execute(f"SELECT id, rid FROM items WHERE id IN ({marks})", chunk):  # noqa: S608 (only ? marks; values are bound)
                found[iid] = rid
        return found
