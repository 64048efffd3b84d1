"""What the K/V store holds per row: the `Record` (a passage and its citation) and its entry.

An entry is a record plus the digest of the text that was encoded for it; knowledge/store.py
keeps entries in row order, knowledge/records.py stores them as SQLite rows. The JSON Lines
reader is for stores an earlier opsqkv wrote (records-<gen>.jsonl), which still open.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from knowledge.store_files import MANIFEST, corrupt

Row = tuple[str, str, str, str, str]  # id, source, title, key hash, record JSON


class Record(BaseModel):
    """One value of the store: a passage with what a citation needs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    text: str
    title: str = ""
    source: str = ""
    heading: str = ""
    lines: tuple[int, int] | None = None  # 1-based, inclusive, in `source`
    metadata: dict[str, str] = Field(default_factory=dict)

    def key_text(self) -> str:
        """What is encoded as the key: the title and heading give a passage its context."""
        context = [p for p in dict.fromkeys((self.title.strip(), self.heading.strip())) if p]
        return ". ".join([*context, self.text.strip()]) if context else self.text.strip()

    def key_hash(self) -> str:
        """Digest of `key_text()`: equal digests mean the stored key is still right."""
        return hashlib.sha256(self.key_text().encode()).hexdigest()[:24]


class Entry(BaseModel):
    """A stored record and the digest of its key text."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    record: Record
    key_hash: str


def entry_row(entry: Entry) -> Row:
    """The SQLite row of an entry: id, source, title, key hash, record JSON."""
    r = entry.record
    return (r.id, r.source, r.title, entry.key_hash, r.model_dump_json())


def parse_entry(body: str, key_hash: str) -> Entry:
    """The entry of a SQLite row's record JSON and key hash."""
    return Entry(record=Record.model_validate_json(body), key_hash=key_hash)


def read_jsonl_entries(path: Path, count: int) -> list[Entry]:
    """Every entry of an earlier opsqkv's records-<gen>.jsonl, checked against `count`."""
    entries: list[Entry] = []
    try:
        with path.open(encoding="utf-8") as f:
            for number, line in enumerate(f, start=1):
                try:
                    entries.append(Entry.model_validate_json(line))
                except ValidationError as e:
                    raise corrupt(path, f"line {number} is not a valid record") from e
    except FileNotFoundError as e:
        raise corrupt(path.parent / MANIFEST, f"it names {path.name}, which is missing") from e
    except (OSError, UnicodeDecodeError) as e:
        raise corrupt(path, str(e).splitlines()[0]) from e
    if len(entries) != count:
        raise corrupt(path, f"{len(entries)} records where the manifest says {count}")
    ids = [e.record.id for e in entries]
    if len(set(ids)) != len(ids):
        raise corrupt(path, "a record id appears twice")
    return entries
