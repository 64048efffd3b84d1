"""The store's values on disk: one SQLite file per generation, read by row, id or source.

Opening a store must not parse every record: a query reads ten. So the records of a
generation are written once into `records-<gen>.sqlite` (row, id, source, title, key
hash, the record's JSON) and opened read-only and immutable: opening is a file open,
a lookup is an index probe, and parsed records are kept in a small LRU. The file is
written under a temporary name and renamed, so a reader never sees half of it. What ranking
reads of every candidate, its source, is beside it as an array (store_files.py).
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
from knowledge.store_values import Entry, entry_row, parse_entry

PARSED_CACHE = 4096  # parsed records kept per table: a query reads tens, not thousands
_BOUND_LIMIT = 900  # rows bound in one IN (...) query; older SQLite builds allow 999 values
_SCHEMA = """
CREATE TABLE records (
    row INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, source TEXT NOT NULL,
    title TEXT NOT NULL, key_hash TEXT NOT NULL, body TEXT NOT NULL
);
CREATE INDEX records_source ON records (source);
CREATE TABLE facts (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def write_table(path: Path, entries: Iterable[Entry]) -> int:
    """Write the entries, in row order, to `path` atomically; returns how many."""
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
    tmp.unlink(missing_ok=True)
    try:
        with sqlite3.connect(tmp) as db:
            db.executescript(_SCHEMA)
            numbered = [(i, *entry_row(e)) for i, e in enumerate(entries)]
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
        self._parsed: OrderedDict[int, Entry] = OrderedDict()

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

    def entry(self, row: int) -> Entry:
        """The entry (record and key hash) of `row`."""
        return self.entries([row])[0]

    def entries(self, rows: Sequence[int]) -> list[Entry]:
        """The entries of `rows`, in the order given; one read for those not yet parsed."""
        with self._lock:
            missing = sorted({r for r in rows if r not in self._parsed})
            for start in range(0, len(missing), _BOUND_LIMIT):
                part = missing[start : start + _BOUND_LIMIT]
                marks = ",".join("?" * len(part))
                sql = f"SELECT row, body, key_hash FROM records WHERE row IN ({marks})"  # noqa: S608 (only ? marks; values are bound)
                for row, body, key_hash in self._query(sql, part):
                    self._parsed[int(row)] = parse_entry(str(body), str(key_hash))
            out = []
            for row in rows:
                entry = self._parsed.get(row)
                if entry is None:
                    raise IndexError(f"row {row} is not in {self.path}")
                self._parsed.move_to_end(row)
                out.append(entry)
            while len(self._parsed) > max(PARSED_CACHE, len(rows)):
                self._parsed.popitem(last=False)
            return out

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

    def sources(self) -> list[str]:
        """The source of every row, in row order (one read)."""
        with self._lock:
            found = self._query("SELECT source FROM records ORDER BY row", ())
        return [str(r[0]) for r in found]

    def titles(self) -> list[str]:
        """Distinct non-empty titles, in order of first appearance."""
        with self._lock:
            found = self._query(
                "SELECT title FROM records WHERE title != '' GROUP BY title ORDER BY min(row)", ()
            )
        return [str(r[0]) for r in found]

    def all_entries(self) -> Iterator[Entry]:
        """The entry of every row, in row order (what a change to the store starts from)."""
        with self._lock:
            found = self._query("SELECT body, key_hash FROM records ORDER BY row", ())
        yield from (parse_entry(str(b), str(h)) for b, h in found)

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
