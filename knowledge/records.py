"""The store's values on disk: one SQLite file per generation, read by row, id or source.

Opening a store must not parse every record: a query reads ten. So the records of a
generation are written once into `records-<gen>.sqlite` (row, id, source, title, key
hash, the record's JSON) and opened read-only and immutable: opening is a file open,
a lookup is an index probe, and parsed records are kept in a small LRU. The file is
written under a temporary name and renamed, so a reader never sees half of it.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from errors import StoreError

PARSED_CACHE = 4096  # parsed records kept per table: a query reads tens, not thousands
_SCHEMA = """
CREATE TABLE records (
    row INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, source TEXT NOT NULL,
    title TEXT NOT NULL, key_hash TEXT NOT NULL, body TEXT NOT NULL
);
CREATE INDEX records_source ON records (source);
CREATE TABLE facts (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
Row = tuple[str, str, str, str, str]  # id, source, title, key hash, record JSON


def write_table(path: Path, rows: Iterable[Row]) -> int:
    """Write the records, in row order, to `path` atomically; returns how many."""
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
    tmp.unlink(missing_ok=True)
    try:
        with sqlite3.connect(tmp) as db:
            db.executescript(_SCHEMA)
            numbered = [(i, *row) for i, row in enumerate(rows)]
            db.executemany("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?)", numbered)
            count = len(numbered)
            db.execute("INSERT INTO facts VALUES ('count', ?)", (str(count),))
        db.close()
        os.replace(tmp, path)
    except (sqlite3.Error, OSError) as e:
        tmp.unlink(missing_ok=True)
        raise StoreError(f"cannot write {path} ({e}); check free space and permissions") from e
    return count


class RecordTable:
    """A read-only view of one generation's records; safe to share between threads."""

    def __init__(self, path: Path, db: sqlite3.Connection, count: int) -> None:
        self.path = path
        self._db = db
        self._count = count
        self._lock = threading.Lock()
        self._parsed: OrderedDict[int, tuple[str, str]] = OrderedDict()
        # Every query groups its few hundred candidates by source: keep what was read (a
        # short string per row at most, and the same popular rows come back query after query).
        self._sources: dict[int, str] = {}

    @classmethod
    def open(cls, path: Path, expected: int) -> RecordTable:
        """Open `path`, checking it holds `expected` records; StoreError when unusable."""
        if not path.is_file():
            raise StoreError(f"{path} is missing")
        try:
            uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
            db = sqlite3.connect(uri, uri=True, check_same_thread=False)
            found = db.execute("SELECT value FROM facts WHERE name = 'count'").fetchone()
        except sqlite3.Error as e:
            raise StoreError(f"{path} is not a readable records table ({e})") from e
        if found is None or int(found[0]) != expected:
            db.close()
            raise StoreError(f"{path} holds {found and found[0]} records, not {expected}")
        return cls(path, db, expected)

    def __len__(self) -> int:
        return self._count

    def entry(self, row: int) -> tuple[str, str]:
        """(record JSON, key hash) of `row`."""
        with self._lock:
            hit = self._parsed.get(row)
            if hit is not None:
                self._parsed.move_to_end(row)
                return hit
            found = self._query("SELECT body, key_hash FROM records WHERE row = ?", (row,))
            if not found:
                raise IndexError(f"row {row} is not in {self.path}")
            entry = (str(found[0][0]), str(found[0][1]))
            self._parsed[row] = entry
            if len(self._parsed) > PARSED_CACHE:
                self._parsed.popitem(last=False)
            return entry

    def row_of(self, record_id: str) -> int | None:
        """The row of `record_id`, or None."""
        with self._lock:
            found = self._query("SELECT row FROM records WHERE id = ?", (record_id,))
        return int(found[0][0]) if found else None

    def rows_of_source(self, source: str) -> list[int]:
        """Rows citing `source`, in row order."""
        with self._lock:
            found = self._query("SELECT row FROM records WHERE source = ? ORDER BY row", (source,))
        return [int(r[0]) for r in found]

    def sources(self, rows: Sequence[int]) -> list[str]:
        """The source of each row (one query for all of them), in the order given."""
        with self._lock:
            missing = [r for r in rows if r not in self._sources]
            if missing:
                marks = ",".join("?" * len(missing))
                sql = f"SELECT row, source FROM records WHERE row IN ({marks})"  # noqa: S608 (only ? marks; values are bound)
                self._sources.update((int(r), str(s)) for r, s in self._query(sql, missing))
            return [self._sources[r] for r in rows]

    def titles(self) -> list[str]:
        """Distinct non-empty titles, in order of first appearance."""
        with self._lock:
            found = self._query(
                "SELECT title FROM records WHERE title != '' GROUP BY title ORDER BY min(row)", ()
            )
        return [str(r[0]) for r in found]

    def rows(self) -> Iterator[tuple[str, str]]:
        """(record JSON, key hash) of every row, in row order."""
        with self._lock:
            found = self._query("SELECT body, key_hash FROM records ORDER BY row", ())
        yield from ((str(b), str(h)) for b, h in found)

    def close(self) -> None:
        """Release the file."""
        with self._lock:
            self._db.close()

    def _query(self, sql: str, args: Sequence[object]) -> list[tuple[Any, ...]]:
        try:
            return list(self._db.execute(sql, tuple(args)).fetchall())
        except sqlite3.Error as e:
            raise StoreError(
                f"{self.path} is corrupt ({e}); delete {self.path.parent} and run "
                "`opsqkv kb ingest` again to rebuild the knowledge base"
            ) from e
