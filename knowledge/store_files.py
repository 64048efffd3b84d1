"""The store's files: names per generation, the manifest, the folder lock, the mapped arrays.

knowledge/store.py says what a store folder holds; this module reads and names its parts.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import struct
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal, TypeVar

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, ValidationError

from errors import StoreError

SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
KeyDtype = Literal["float32", "float16"]
TORCH_DTYPES: dict[str, torch.dtype] = {"float32": torch.float32, "float16": torch.float16}
FILE_DTYPES: dict[str, tuple[str, type[np.floating]]] = {
    "float32": ("F32", np.float32), "float16": ("F16", np.float16),
}  # fmt: skip


class Manifest(BaseModel):
    """manifest.json: which generation is current, and what the keys are."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: int
    generation: int
    fingerprint: str
    dim: int
    dtype: KeyDtype
    count: int
    records: Literal["jsonl", "sqlite"] = "jsonl"  # how records-<gen>.* is stored


_Model = TypeVar("_Model", bound=BaseModel)


def read_saved_model(path: Path, model: type[_Model], fix: str) -> _Model:
    """A pydantic record saved as JSON at `path`; StoreError saying `fix` when unreadable."""
    try:
        return model.model_validate_json(path.read_bytes())
    except (OSError, ValidationError) as e:
        raise StoreError(f"{path} is unreadable ({str(e).splitlines()[0]}); {fix}") from e


def keys_name(generation: int) -> str:
    return f"keys-{generation}.safetensors"


def records_name(generation: int) -> str:
    return f"records-{generation}.jsonl"  # the format before records-<gen>.sqlite; still read


def table_name(generation: int) -> str:
    return f"records-{generation}.sqlite"


def sources_name(generation: int) -> str:
    return f"sources-{generation}.npy"  # row -> source number, see `number_sources`


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """An exclusive advisory lock on the folder for the length of a save."""
    with (folder / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# Files of one generation (keys, records, sources, the BM25 folder), and a writer's temp files.
_GENERATION_FILE = re.compile(
    r"^(?:keys|records|sources|lexical)-(\d+)(?:\.safetensors|\.jsonl|\.sqlite|\.npy)?$"
)
_TEMPORARY = re.compile(r"\.tmp(\d+)(?:-journal|-wal|-shm)?$")  # SQLite side files too


def sweep(folder: Path, generation: int) -> list[str]:
    """Remove what a killed writer left: other generations' files, dead processes' temp files.

    Call it holding `locked(folder)`: no save is then half-way, so a generation other than
    the manifest's is a leftover (older: killed between the commit and the clean-up; newer:
    killed before the commit). A temp file is removed only when its process is gone, since
    the ANN index is written outside the folder lock. Returns the names removed.
    """
    removed = []
    for path in folder.iterdir():
        stale = False
        if (found := _GENERATION_FILE.match(path.name)) is not None:
            stale = int(found.group(1)) != generation
        elif (temp := _TEMPORARY.search(path.name)) is not None:
            stale = not _alive(int(temp.group(1)))
        if stale:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path.name)
    return sorted(removed)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: leave its files alone
    return True


def corrupt(path: Path, what: str) -> StoreError:
    return StoreError(
        f"{path} is corrupt ({what}); delete {path.parent} and run `opsqkv kb ingest` "
        "again to rebuild the knowledge base"
    )


def read_manifest(path: Path) -> Manifest:
    try:
        manifest = Manifest.model_validate_json(path.read_bytes())
    except (OSError, ValidationError) as e:
        detail = str(e).splitlines()[0] if isinstance(e, OSError) else "not a valid manifest"
        raise corrupt(path, detail) from e
    if manifest.schema_version != SCHEMA_VERSION:
        raise StoreError(
            f"{path} has schema version {manifest.schema_version}, this opsqkv reads "
            f"{SCHEMA_VERSION}; delete {path.parent} and ingest again"
        )
    return manifest


def map_keys(path: Path, manifest: Manifest) -> torch.Tensor:
    """Memory-map the keys tensor of a safetensors file, checking it against the manifest."""
    code, np_dtype = FILE_DTYPES[manifest.dtype]
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(8)
            header_len = struct.unpack("<Q", head)[0] if len(head) == 8 else -1
            if header_len < 2 or 8 + header_len > size:
                raise corrupt(path, "bad safetensors header")
            header = json.loads(f.read(header_len))
    except FileNotFoundError as e:
        raise corrupt(path.parent / MANIFEST, f"it names {path.name}, which is missing") from e
    except (OSError, ValueError, struct.error) as e:
        raise corrupt(path, f"unreadable header: {e}") from e
    info = header.get("keys") if isinstance(header, dict) else None
    expected = [manifest.count, manifest.dim]
    if not isinstance(info, dict) or info.get("dtype") != code or info.get("shape") != expected:
        raise corrupt(path, f"no {code} keys of shape ({manifest.count}, {manifest.dim})")
    begin, end = info.get("data_offsets", [0, -1])
    row_bytes = manifest.dim * np.dtype(np_dtype).itemsize
    if end - begin != manifest.count * row_bytes or 8 + header_len + end != size:
        raise corrupt(path, "file size does not match its header (truncated?)")
    if manifest.count == 0:
        return torch.empty((0, manifest.dim), dtype=TORCH_DTYPES[manifest.dtype])
    # Copy-on-write mapping: pages load on demand and the file itself is never written.
    mapped = np.memmap(
        path, dtype=np_dtype, mode="c", offset=8 + header_len + begin, shape=tuple(expected)
    )
    return torch.from_numpy(mapped)


def number_sources(sources: Iterable[str]) -> np.ndarray:
    """Row -> number of its source (0, 1, ... in order of first appearance; -1: no source).

    Ranking groups a query's candidates by source file; numbers in a mapped array let it
    do that for a few hundred rows with one gather, where names would need a lookup each.
    """
    numbers: dict[str, int] = {}
    found = (numbers.setdefault(s, len(numbers)) if s else -1 for s in sources)
    return np.fromiter(found, dtype=np.int32)  # (N,)


def write_source_numbers(path: Path, numbers: np.ndarray) -> None:
    """Save `numbers` (N,) int32 to `path`, written aside and renamed; OSError when it cannot."""
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
    try:
        with tmp.open("wb") as f:
            np.save(f, np.ascontiguousarray(numbers, dtype=np.int32), allow_pickle=False)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def map_source_numbers(path: Path, count: int) -> np.ndarray | None:
    """The (count,) int32 source numbers in `path`, memory-mapped; None when missing or unfit."""
    if count == 0:
        return np.empty(0, dtype=np.int32)
    try:
        mapped = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError):
        return None  # missing (a store saved before this file existed) or damaged: rebuilt
    if not isinstance(mapped, np.ndarray) or mapped.dtype != np.int32 or mapped.shape != (count,):
        return None
    # A plain array over the same mapping: indexing an np.memmap runs Python code each time,
    # and its results are memmaps too, which is most of the cost on a few hundred rows.
    return np.asarray(mapped)
