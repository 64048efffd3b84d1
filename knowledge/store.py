"""The K/V store: keys (N×d) in safetensors, memory-mapped on open; value records beside them.

One folder holds one store:

    manifest.json              which generation is current, model fingerprint, dim, dtype, count
    keys-<gen>.safetensors     the keys, row i belongs to record i
    records-<gen>.sqlite       the records by row, id and source (knowledge/records.py), read
                               on demand: opening parses none of them
    sources-<gen>.npy          row -> source number, memory-mapped: what a query groups its
                               candidates by, without reading a record (store_files.py)

A save writes a new generation and then swaps `manifest.json` atomically, so a crash
leaves the previous generation intact. Each record carries a digest of the text that was
encoded; an upsert whose text is unchanged never reaches the encoder (the static K/V cache).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import save_file

from errors import InputError, StoreError
from knowledge.records import RecordTable, write_table
from knowledge.store_files import (
    MANIFEST,
    SCHEMA_VERSION,
    TORCH_DTYPES,
    KeyDtype,
    Manifest,
    corrupt,
    keys_name,
    locked,
    map_keys,
    map_source_numbers,
    number_sources,
    read_manifest,
    records_name,
    sources_name,
    sweep,
    table_name,
    write_source_numbers,
)
from knowledge.store_values import Entry, Record, read_jsonl_entries

__all__ = ["MANIFEST", "SCHEMA_VERSION", "KVStore", "KeyDtype", "Record", "StoreChanges"]


@dataclass(frozen=True)
class StoreChanges:
    """What one upsert or delete did, row by row, so an index can mirror it."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    encoded: int = 0  # texts sent to the encoder
    reencoded_rows: list[int] = field(default_factory=list)  # existing rows with new keys
    appended_from: int = 0  # rows appended_from.. are new
    removed_rows: list[int] = field(default_factory=list)  # rows before the removal


Encode = Callable[[list[str]], torch.Tensor]


class KVStore:
    """Keys and records of one folder; mutate in memory, then `save()` a new generation."""

    def __init__(
        self,
        folder: Path,
        manifest: Manifest,
        keys: torch.Tensor,
        entries: list[Entry] | None,
        table: RecordTable | None = None,
    ) -> None:
        self.folder = folder
        self.fingerprint = manifest.fingerprint
        self.dim = manifest.dim
        self.dtype: KeyDtype = manifest.dtype
        self._generation = manifest.generation
        self._keys = keys  # (N, d); never written in place: it may be a file mapping
        # Records live in `table` (on disk, read on demand) until the first change, which
        # reads them all into `_memo` (entries in row order, id -> row).
        self._table = table
        self._memo: tuple[list[Entry], dict[str, int]] | None = None
        self._source_numbers: np.ndarray | None = None  # see `source_numbers`
        self._numbering = threading.Lock()
        if entries is not None:
            self._memo = (entries, {e.record.id: i for i, e in enumerate(entries)})

    # ---- opening -------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        folder: Path | str,
        *,
        dim: int,
        fingerprint: str,
        create: bool = False,
        dtype: KeyDtype = "float32",
    ) -> KVStore:
        """Open the store in `folder` (or start an empty one there when `create`)."""
        folder = Path(folder)
        manifest_path = folder / MANIFEST
        if not manifest_path.exists():
            return cls._new(folder, dim=dim, fingerprint=fingerprint, create=create, dtype=dtype)
        manifest = read_manifest(manifest_path)
        if manifest.fingerprint != fingerprint or manifest.dim != dim:
            raise StoreError(
                f"the store in {folder} was built with another model (fingerprint "
                f"{manifest.fingerprint}, dim {manifest.dim}; this model: {fingerprint}, dim "
                f"{dim}); use the model it was built with, or delete {folder} and ingest again"
            )
        keys = map_keys(folder / keys_name(manifest.generation), manifest)
        if manifest.records == "sqlite":
            path = folder / table_name(manifest.generation)
            try:
                table = RecordTable.open(path, manifest.count)
            except StoreError as e:
                raise corrupt(path, str(e)) from e
            return cls(folder, manifest, keys, None, table)
        entries = read_jsonl_entries(folder / records_name(manifest.generation), manifest.count)
        return cls(folder, manifest, keys, entries)

    @classmethod
    def _new(
        cls, folder: Path, *, dim: int, fingerprint: str, create: bool, dtype: KeyDtype
    ) -> KVStore:
        if not create:
            raise StoreError(
                f"no knowledge base in {folder} ({MANIFEST} not found); "
                "create one with `opsqkv kb ingest PATH`"
            )
        if folder.exists() and not folder.is_dir():
            raise StoreError(f"{folder} is a file, not a folder; choose a folder for the store")
        if folder.is_dir() and any(p.name != ".lock" for p in folder.iterdir()):
            raise StoreError(
                f"{folder} has files but no {MANIFEST}: it is not an opsqkv store, or its "
                f"manifest was lost; choose an empty folder, or delete {folder} and ingest again"
            )
        manifest = Manifest(
            schema_version=SCHEMA_VERSION, generation=0, fingerprint=fingerprint, dim=dim,
            dtype=dtype, count=0,
        )  # fmt: skip
        return cls(folder, manifest, torch.empty((0, dim), dtype=TORCH_DTYPES[dtype]), [])

    # ---- reading -------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._memo[0]) if self._memo is not None else len(self._table or ())

    @property
    def generation(self) -> int:
        """The saved generation this store was opened at or last saved as (0: never saved)."""
        return self._generation

    @property
    def keys(self) -> torch.Tensor:
        """The (N, d) keys, row i for `records[i]`."""
        return self._keys

    @property
    def records(self) -> list[Record]:
        """All records in row order."""
        return [e.record for e in self._materialized()[0]]

    def record(self, row: int) -> Record:
        """The record at `row`."""
        if self._memo is None and self._table is not None:
            return self._table.entry(row).record
        return self._materialized()[0][row].record

    def row_of(self, record_id: str) -> int | None:
        """The row of `record_id`, or None when it is not stored."""
        if self._memo is None and self._table is not None:
            return self._table.row_of(record_id)
        return self._materialized()[1].get(record_id)

    def rows_of_source(self, source: str) -> list[int]:
        """The rows whose record cites `source`, in row order."""
        if self._memo is None and self._table is not None:
            return self._table.rows_of_source(source)
        return [i for i, e in enumerate(self._materialized()[0]) if e.record.source == source]

    def records_at(self, rows: Sequence[int]) -> list[Record]:
        """The records at `rows`, in the order given (one read for all of them)."""
        if self._memo is None and self._table is not None:
            return [e.record for e in self._table.entries(rows)]
        entries = self._materialized()[0]
        return [entries[r].record for r in rows]

    def source_numbers(self) -> np.ndarray:
        """Row -> number of its source file, -1 for none; (N,) int32 (`number_sources`).

        Mapped from sources-<gen>.npy. A store saved before that file existed gets it
        written on first use (once; a folder this process may not write to still serves).
        """
        numbers = self._source_numbers
        if numbers is not None:
            return numbers
        with self._numbering:  # searches run in threads: one of them writes the file
            if self._source_numbers is not None:
                return self._source_numbers
            if self._memo is not None or self._table is None:
                entries = self._memo[0] if self._memo is not None else []
                numbers = number_sources(e.record.source for e in entries)
            else:
                path = self.folder / sources_name(self._generation)
                numbers = map_source_numbers(path, len(self))
                if numbers is None:
                    numbers = number_sources(self._table.sources())
                    with contextlib.suppress(OSError):
                        write_source_numbers(path, numbers)
            self._source_numbers = numbers
            return numbers

    def titles(self) -> list[str]:
        """Distinct record titles, in row order of first appearance."""
        if self._memo is None and self._table is not None:
            return self._table.titles()
        return list(
            dict.fromkeys(e.record.title for e in self._materialized()[0] if e.record.title)
        )

    def _materialized(self) -> tuple[list[Entry], dict[str, int]]:
        """Every entry in memory (read from the table once): what a change works on."""
        if self._memo is None:
            entries = list(self._table.all_entries()) if self._table is not None else []
            self._memo = (entries, {e.record.id: i for i, e in enumerate(entries)})
        return self._memo

    # ---- changing ------------------------------------------------------------------------

    def upsert(self, records: Sequence[Record], encode: Encode) -> StoreChanges:
        """Add new records, replace changed ones; only new or changed texts are encoded."""
        ids = [r.id for r in records]
        if len(set(ids)) != len(ids):
            dup = next(i for i in ids if ids.count(i) > 1)
            raise InputError(f"record id {dup!r} appears twice in one upsert; ids must be unique")
        entries, index = self._materialized()
        added: list[Record] = []
        changed: list[tuple[int, Record]] = []  # key text changed: re-encode
        relabelled: list[tuple[int, Record]] = []  # same key text, other citation data
        unchanged = 0
        for record in records:
            row = index.get(record.id)
            if row is None:
                added.append(record)
            elif entries[row].key_hash != record.key_hash():
                changed.append((row, record))
            elif entries[row].record != record:
                relabelled.append((row, record))
            else:
                unchanged += 1
        to_encode = [r.key_text() for _, r in changed] + [r.key_text() for r in added]
        vectors = self._encode(to_encode, encode)  # (n, d)
        keys = self._keys
        if changed:
            keys = keys.clone()
            keys[[row for row, _ in changed]] = vectors[: len(changed)]
        for row, record in [*changed, *relabelled]:
            entries[row] = Entry(record=record, key_hash=record.key_hash())
        start = len(entries)
        if added:
            keys = torch.cat([keys, vectors[len(changed) :]])  # (N+a, d)
            for record in added:
                index[record.id] = len(entries)
                entries.append(Entry(record=record, key_hash=record.key_hash()))
        self._keys = keys
        self._source_numbers = None
        return StoreChanges(
            added=[r.id for r in added],
            updated=[r.id for _, r in [*changed, *relabelled]],
            unchanged=unchanged,
            encoded=len(to_encode),
            reencoded_rows=[row for row, _ in changed],
            appended_from=start,
        )

    def _encode(self, texts: list[str], encode: Encode) -> torch.Tensor:
        if not texts:
            return torch.empty((0, self.dim), dtype=self._keys.dtype)
        vectors = encode(texts)
        if tuple(vectors.shape) != (len(texts), self.dim):
            raise StoreError(
                f"the encoder returned keys of shape {tuple(vectors.shape)} for {len(texts)} "
                f"texts; this store needs dim {self.dim}"
            )
        return vectors.to(self._keys.dtype)

    def delete(self, ids: Iterable[str]) -> StoreChanges:
        """Remove the records with these ids (unknown ids are ignored); rows close up."""
        entries, index = self._materialized()
        rows = sorted({r for i in ids if (r := index.get(i)) is not None})
        if not rows:
            return StoreChanges(appended_from=len(entries))
        removed = [entries[r].record.id for r in rows]
        keep = torch.ones(len(entries), dtype=torch.bool)
        keep[rows] = False
        self._keys = self._keys[keep]  # (N-n, d)
        gone = set(rows)
        kept = [e for i, e in enumerate(entries) if i not in gone]
        self._memo = (kept, {e.record.id: i for i, e in enumerate(kept)})
        self._source_numbers = None
        return StoreChanges(removed=removed, removed_rows=rows, appended_from=len(kept))

    # ---- saving --------------------------------------------------------------------------

    def save(self) -> None:
        """Write a new generation and switch the manifest to it, atomically.

        Fails (and writes nothing) when another process saved since this one opened the
        store: two ingests racing must not silently drop one's changes.
        """
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(f"cannot create the store folder {self.folder}: {e}") from e
        with locked(self.folder):
            on_disk = self.folder / MANIFEST
            current = read_manifest(on_disk).generation if on_disk.exists() else 0
            if current != self._generation:
                raise StoreError(
                    f"the store in {self.folder} was changed by another process while this one "
                    "worked on it; nothing was saved, run the command again"
                )
            generation = current + 1
            keys_path = self.folder / keys_name(generation)
            entries = self._materialized()[0]
            manifest = Manifest(
                schema_version=SCHEMA_VERSION, generation=generation, fingerprint=self.fingerprint,
                dim=self.dim, dtype=self.dtype, count=len(entries), records="sqlite",
            )  # fmt: skip
            tmp = self.folder / f"{MANIFEST}.tmp{os.getpid()}"
            try:
                save_file({"keys": self._keys.contiguous()}, str(keys_path))
                write_table(self.folder / table_name(generation), entries)
                numbers = number_sources(e.record.source for e in entries)
                write_source_numbers(self.folder / sources_name(generation), numbers)
                tmp.write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
                os.replace(tmp, on_disk)  # the commit point
            except (OSError, SafetensorError, StoreError) as e:
                # Nothing was committed: drop the new generation's parts, keep the old one.
                parts = (table_name(generation), sources_name(generation), tmp.name)
                for part in (keys_path, *(self.folder / name for name in parts)):
                    part.unlink(missing_ok=True)
                raise StoreError(
                    f"cannot save the knowledge base in {self.folder} ({_first_line(e)}); "
                    "it still holds what it held before: free disk space there (or fix its "
                    "permissions) and run the command again"
                ) from e
            self._generation = generation
            self._source_numbers = numbers
            if self._table is not None:
                self._table.close()
                self._table = None
            sweep(self.folder, generation)  # the previous generation, and any crash's leftovers

    def sweep(self) -> list[str]:
        """Remove files a killed ingest left behind (see `store_files.sweep`); their names."""
        if not (self.folder / MANIFEST).exists():
            return []
        with locked(self.folder):
            return sweep(self.folder, read_manifest(self.folder / MANIFEST).generation)

    def disk_bytes(self) -> int:
        """Bytes the current generation takes on disk."""
        gen = self._generation
        names = (MANIFEST, keys_name(gen), records_name(gen), table_name(gen), sources_name(gen))
        return sum((self.folder / n).stat().st_size for n in names if (self.folder / n).exists())


def _first_line(error: BaseException) -> str:
    """What went wrong, in a few words: the cause of a wrapped error, else the error itself."""
    if isinstance(error, StoreError) and error.__cause__ is not None:
        error = error.__cause__
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
