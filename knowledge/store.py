"""The K/V store: keys (N×d) in safetensors, memory-mapped on open; value records beside them.

One folder holds one store:

    manifest.json              which generation is current, model fingerprint, dim, dtype, count
    keys-<gen>.safetensors     the keys, row i belongs to record i
    records-<gen>.jsonl        the records, one JSON object a line, in row order

A save writes a new generation and then swaps `manifest.json` atomically, so a crash
leaves the previous generation intact. Each record carries a digest of the text that was
encoded; an upsert whose text is unchanged never reaches the encoder (the static K/V cache).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import struct
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from safetensors.torch import save_file

from errors import InputError, StoreError

SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
KeyDtype = Literal["float32", "float16"]
_TORCH_DTYPES: dict[str, torch.dtype] = {"float32": torch.float32, "float16": torch.float16}
_FILE_DTYPES: dict[str, tuple[str, type[np.floating]]] = {
    "float32": ("F32", np.float32), "float16": ("F16", np.float16),
}  # fmt: skip


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


class _Entry(BaseModel):
    """A stored line of records-<gen>.jsonl."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    record: Record
    key_hash: str


class _Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: int
    generation: int
    fingerprint: str
    dim: int
    dtype: KeyDtype
    count: int


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
        manifest: _Manifest,
        keys: torch.Tensor,
        entries: list[_Entry],
    ) -> None:
        self.folder = folder
        self.fingerprint = manifest.fingerprint
        self.dim = manifest.dim
        self.dtype: KeyDtype = manifest.dtype
        self._generation = manifest.generation
        self._keys = keys  # (N, d); never written in place: it may be a file mapping
        self._entries = entries
        self._rows = {e.record.id: i for i, e in enumerate(entries)}

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
        manifest = _read_manifest(manifest_path)
        if manifest.fingerprint != fingerprint or manifest.dim != dim:
            raise StoreError(
                f"the store in {folder} was built with another model (fingerprint "
                f"{manifest.fingerprint}, dim {manifest.dim}; this model: {fingerprint}, dim "
                f"{dim}); use the model it was built with, or delete {folder} and ingest again"
            )
        keys = _map_keys(folder / _keys_name(manifest.generation), manifest)
        entries = _read_entries(folder / _records_name(manifest.generation), manifest.count)
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
        manifest = _Manifest(
            schema_version=SCHEMA_VERSION, generation=0, fingerprint=fingerprint, dim=dim,
            dtype=dtype, count=0,
        )  # fmt: skip
        return cls(folder, manifest, torch.empty((0, dim), dtype=_TORCH_DTYPES[dtype]), [])

    # ---- reading -------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def keys(self) -> torch.Tensor:
        """The (N, d) keys, row i for `records[i]`."""
        return self._keys

    @property
    def records(self) -> list[Record]:
        """All records in row order."""
        return [e.record for e in self._entries]

    def record(self, row: int) -> Record:
        """The record at `row`."""
        return self._entries[row].record

    def row_of(self, record_id: str) -> int | None:
        """The row of `record_id`, or None when it is not stored."""
        return self._rows.get(record_id)

    # ---- changing ------------------------------------------------------------------------

    def upsert(self, records: Sequence[Record], encode: Encode) -> StoreChanges:
        """Add new records, replace changed ones; only new or changed texts are encoded."""
        ids = [r.id for r in records]
        if len(set(ids)) != len(ids):
            dup = next(i for i in ids if ids.count(i) > 1)
            raise InputError(f"record id {dup!r} appears twice in one upsert; ids must be unique")
        added: list[Record] = []
        changed: list[tuple[int, Record]] = []  # key text changed: re-encode
        relabelled: list[tuple[int, Record]] = []  # same key text, other citation data
        unchanged = 0
        for record in records:
            row = self._rows.get(record.id)
            if row is None:
                added.append(record)
            elif self._entries[row].key_hash != record.key_hash():
                changed.append((row, record))
            elif self._entries[row].record != record:
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
            self._entries[row] = _Entry(record=record, key_hash=record.key_hash())
        start = len(self._entries)
        if added:
            keys = torch.cat([keys, vectors[len(changed) :]])  # (N+a, d)
            for record in added:
                self._rows[record.id] = len(self._entries)
                self._entries.append(_Entry(record=record, key_hash=record.key_hash()))
        self._keys = keys
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
        rows = sorted({r for i in ids if (r := self._rows.get(i)) is not None})
        if not rows:
            return StoreChanges(appended_from=len(self._entries))
        removed = [self._entries[r].record.id for r in rows]
        keep = torch.ones(len(self._entries), dtype=torch.bool)
        keep[rows] = False
        self._keys = self._keys[keep]  # (N-n, d)
        gone = set(rows)
        self._entries = [e for i, e in enumerate(self._entries) if i not in gone]
        self._rows = {e.record.id: i for i, e in enumerate(self._entries)}
        return StoreChanges(removed=removed, removed_rows=rows, appended_from=len(self._entries))

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
        with _locked(self.folder):
            on_disk = self.folder / MANIFEST
            current = _read_manifest(on_disk).generation if on_disk.exists() else 0
            if current != self._generation:
                raise StoreError(
                    f"the store in {self.folder} was changed by another process while this one "
                    "worked on it; nothing was saved, run the command again"
                )
            generation = current + 1
            keys_path = self.folder / _keys_name(generation)
            records_path = self.folder / _records_name(generation)
            save_file({"keys": self._keys.contiguous()}, str(keys_path))
            with records_path.open("w", encoding="utf-8") as f:
                for entry in self._entries:
                    f.write(entry.model_dump_json() + "\n")
            manifest = _Manifest(
                schema_version=SCHEMA_VERSION, generation=generation, fingerprint=self.fingerprint,
                dim=self.dim, dtype=self.dtype, count=len(self._entries),
            )  # fmt: skip
            tmp = self.folder / f"{MANIFEST}.tmp{os.getpid()}"
            tmp.write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
            os.replace(tmp, on_disk)  # the commit point
            self._generation = generation
            for old in (_keys_name(current), _records_name(current)):
                (self.folder / old).unlink(missing_ok=True)

    def disk_bytes(self) -> int:
        """Bytes the current generation takes on disk."""
        names = (MANIFEST, _keys_name(self._generation), _records_name(self._generation))
        return sum((self.folder / n).stat().st_size for n in names if (self.folder / n).exists())


def _keys_name(generation: int) -> str:
    return f"keys-{generation}.safetensors"


def _records_name(generation: int) -> str:
    return f"records-{generation}.jsonl"


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive advisory lock on the folder for the length of a save."""
    with (folder / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _corrupt(path: Path, what: str) -> StoreError:
    return StoreError(
        f"{path} is corrupt ({what}); delete {path.parent} and run `opsqkv kb ingest` "
        "again to rebuild the knowledge base"
    )


def _read_manifest(path: Path) -> _Manifest:
    try:
        manifest = _Manifest.model_validate_json(path.read_bytes())
    except (OSError, ValidationError) as e:
        detail = str(e).splitlines()[0] if isinstance(e, OSError) else "not a valid manifest"
        raise _corrupt(path, detail) from e
    if manifest.schema_version != SCHEMA_VERSION:
        raise StoreError(
            f"{path} has schema version {manifest.schema_version}, this opsqkv reads "
            f"{SCHEMA_VERSION}; delete {path.parent} and ingest again"
        )
    return manifest


def _map_keys(path: Path, manifest: _Manifest) -> torch.Tensor:
    """Memory-map the keys tensor of a safetensors file, checking it against the manifest."""
    code, np_dtype = _FILE_DTYPES[manifest.dtype]
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(8)
            header_len = struct.unpack("<Q", head)[0] if len(head) == 8 else -1
            if header_len < 2 or 8 + header_len > size:
                raise _corrupt(path, "bad safetensors header")
            header = json.loads(f.read(header_len))
    except FileNotFoundError as e:
        raise _corrupt(path.parent / MANIFEST, f"it names {path.name}, which is missing") from e
    except (OSError, ValueError, struct.error) as e:
        raise _corrupt(path, f"unreadable header: {e}") from e
    info = header.get("keys") if isinstance(header, dict) else None
    expected = [manifest.count, manifest.dim]
    if not isinstance(info, dict) or info.get("dtype") != code or info.get("shape") != expected:
        raise _corrupt(path, f"no {code} keys of shape ({manifest.count}, {manifest.dim})")
    begin, end = info.get("data_offsets", [0, -1])
    row_bytes = manifest.dim * np.dtype(np_dtype).itemsize
    if end - begin != manifest.count * row_bytes or 8 + header_len + end != size:
        raise _corrupt(path, "file size does not match its header (truncated?)")
    if manifest.count == 0:
        return torch.empty((0, manifest.dim), dtype=_TORCH_DTYPES[manifest.dtype])
    # Copy-on-write mapping: pages load on demand and the file itself is never written.
    mapped = np.memmap(
        path, dtype=np_dtype, mode="c", offset=8 + header_len + begin, shape=tuple(expected)
    )
    return torch.from_numpy(mapped)


def _read_entries(path: Path, count: int) -> list[_Entry]:
    entries: list[_Entry] = []
    try:
        with path.open(encoding="utf-8") as f:
            for number, line in enumerate(f, start=1):
                try:
                    entries.append(_Entry.model_validate_json(line))
                except ValidationError as e:
                    raise _corrupt(path, f"line {number} is not a valid record") from e
    except FileNotFoundError as e:
        raise _corrupt(path.parent / MANIFEST, f"it names {path.name}, which is missing") from e
    except (OSError, UnicodeDecodeError) as e:
        raise _corrupt(path, str(e).splitlines()[0]) from e
    if len(entries) != count:
        raise _corrupt(path, f"{len(entries)} records where the manifest says {count}")
    ids = [e.record.id for e in entries]
    if len(set(ids)) != len(ids):
        raise _corrupt(path, "a record id appears twice")
    return entries
