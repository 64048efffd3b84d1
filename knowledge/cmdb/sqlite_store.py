"""The default store: one SQLite file (stdlib driver), shared between threads.

Loads are one BEGIN IMMEDIATE ... COMMIT; while a load runs, SQLite's temporary files (the
sorts that build indexes, the load's staging tables) go to disk instead of memory, so a
load of any size stays within the page cache and the current batch.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.dialects import sqlite

from errors import CMDBError
from knowledge.cmdb.columns import ColumnMap
from knowledge.cmdb.store import Store, chunks
from knowledge.cmdb.tables import create_statements
from knowledge.cmdb.writer import AttrRow, ItemRow, RelationRow, Writer

DIALECT = sqlite.dialect()
_PAGE_CACHE_KIB = 65536  # 64 MiB of pages; sorts for index builds spill to disk beyond it
# Questions read the file through a memory map: a candidate item's row is then a memory
# read, not a system call, which halves the time of questions that check ~10^5 rows. The
# mapped pages are the OS's file cache (shared, given back under memory pressure). Loads
# read without it, so their resident memory stays the page cache and the current chunk.
_MMAP_BYTES = 1 << 31


class SQLiteStore(Store):
    """One SQLite file of CIs; one connection guarded by a lock."""

    def __init__(self, path: Path, *, create: bool) -> None:
        self.path = path
        self.where = str(path)
        if not path.exists() and not create:
            raise CMDBError(
                f"no CMDB at {path}; load one with `opsqkv cmdb load FILE` or `opsqkv cmdb demo`"
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute(f"PRAGMA cache_size=-{_PAGE_CACHE_KIB}")
            self.conn.execute("PRAGMA temp_store=MEMORY")  # small temp b-trees of questions
            self.conn.execute(f"PRAGMA mmap_size={_MMAP_BYTES}")
            for statement in create_statements(DIALECT):
                self.conn.execute(statement)
        except sqlite3.DatabaseError as e:
            raise CMDBError(
                f"{path} is not a usable CMDB file ({e}); move it away and load again"
            ) from e
        self.lock = threading.RLock()

    def close(self) -> None:
        """Close the connection."""
        with self.lock:
            self.conn.close()

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

    @contextmanager
    def loading(self, *, replace: bool) -> Iterator[Writer]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error: nothing half-written."""
        with self.lock:
            try:
                self.conn.execute("PRAGMA temp_store=FILE")
                self.conn.execute("PRAGMA mmap_size=0")
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as e:
                raise self._write_error(e) from e
            try:
                writer = _SQLiteWriter(self.conn, self.column_map())
                writer.begin(replace=replace)
                yield writer
                writer.close()
                self.conn.execute("COMMIT")
            except sqlite3.Error as e:
                self._rollback()
                raise self._write_error(e) from e
            except BaseException:
                self._rollback()
                raise
            finally:
                self.conn.execute("PRAGMA temp_store=MEMORY")
                self.conn.execute(f"PRAGMA mmap_size={_MMAP_BYTES}")

    def _rollback(self) -> None:
        # A full disk or an I/O error may have rolled the transaction back already.
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def _write_error(self, e: sqlite3.Error) -> CMDBError:
        return CMDBError(
            f"writing to the CMDB at {self.path} failed ({e}); nothing was changed: free "
            "disk space there (or fix its permissions) and load again"
        )


class _SQLiteWriter(Writer):
    """Bulk writes with executemany on the load's connection."""

    def __init__(self, conn: sqlite3.Connection, columns: ColumnMap) -> None:
        super().__init__(DIALECT, columns)
        self.conn = conn

    def create_staging(self) -> None:
        self.conn.execute("CREATE TEMP TABLE load_ids(id TEXT PRIMARY KEY) WITHOUT ROWID")
        self.conn.execute(
            "CREATE TEMP TABLE load_relations("
            "n INTEGER PRIMARY KEY, src TEXT NOT NULL, type TEXT NOT NULL, dst TEXT NOT NULL)"
        )

    def close(self) -> None:
        """Drop the staging tables before the commit."""
        self.conn.execute("DROP TABLE temp.load_ids")
        self.conn.execute("DROP TABLE temp.load_relations")

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, tuple(params)).fetchall()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.conn.execute(sql, tuple(params))

    def stage_ids(self, ids: list[str]) -> str | None:
        for chunk in chunks(ids):
            marks = ",".join("?" * len(chunk))
            seen = self.conn.execute(
                f"SELECT id FROM temp.load_ids WHERE id IN ({marks}) LIMIT 1",  # noqa: S608 (only ? marks; values are bound)
                chunk,
            ).fetchone()
            if seen is not None:
                return str(seen[0])
        self.conn.executemany("INSERT INTO temp.load_ids(id) VALUES (?)", [(i,) for i in ids])
        return None

    def write_items(self, items: list[ItemRow], attrs: list[AttrRow], columns: list[str]) -> None:
        own = ("type", "name", "lname", *columns)
        names = ", ".join(("id", *own))
        marks = ",".join("?" * (1 + len(own)))
        updates = ", ".join(f"{c} = excluded.{c}" for c in own)
        self.conn.executemany(
            f"INSERT INTO items({names}) VALUES ({marks}) "  # noqa: S608 (fixed and checked column names)
            f"ON CONFLICT(id) DO UPDATE SET {updates}",
            items,
        )
        rids = self._rids([str(it[0]) for it in items])
        if not self.fresh:
            self.conn.executemany("DELETE FROM attrs WHERE item = ?", [(r,) for r in rids.values()])
        self.conn.executemany(
            "INSERT INTO attrs(item, key, kind, txt, num) VALUES (?, ?, ?, ?, ?)",
            [(rids[iid], key, kind, txt, num) for iid, key, kind, txt, num in attrs],
        )

    def _rids(self, ids: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for chunk in chunks(ids):
            marks = ",".join("?" * len(chunk))
            for iid, rid in self.conn.execute(
                f"SELECT id, rid FROM items WHERE id IN ({marks})",  # noqa: S608 (only ? marks; values are bound)
                chunk,
            ):
                found[iid] = rid
        return found

    def stage_relations(self, relations: list[RelationRow]) -> None:
        self.conn.executemany(
            "INSERT INTO temp.load_relations(src, type, dst) VALUES (?, ?, ?)", relations
        )

    def insert_relations(self) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO relations(src, type, dst) "
            "SELECT s.rid, r.type, d.rid FROM temp.load_relations r "
            "JOIN items s ON s.id = r.src JOIN items d ON d.id = r.dst ORDER BY r.n"
        )

    def item_columns(self) -> set[str]:
        cursor = self.conn.execute("SELECT * FROM items LIMIT 0")
        return {str(d[0]) for d in cursor.description}

    def column_indexes(self) -> set[str]:
        return {
            str(r[0])
            for r in self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'items' "
                "AND name GLOB 'items_c[0-9]*'"
            )
        }

    def analyze(self) -> None:
        # A sample per index is enough to tell a selective index from a broad one.
        self.conn.execute("PRAGMA analysis_limit=1000")
        self.conn.execute("ANALYZE")
