"""What a saved vector index says it was built for, and whether it still fits the store's keys.

Every index kind that persists (HNSW, IVF-PQ, Milvus) writes a small JSON of this shape next
to its data; on open, `stale_reason` compares it with the keys the store holds now, and a
stale index is rebuilt rather than trusted.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar

import torch
from pydantic import BaseModel, ConfigDict, ValidationError

DIGEST_SAMPLE = 64  # rows hashed to tell whether a saved index belongs to these keys

log = logging.getLogger(__name__)


class SavedIndexMeta(BaseModel):
    """The fields every saved index records; each kind adds its own."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: int
    kind: str
    dim: int
    rows: int
    keys_digest: str


_Meta = TypeVar("_Meta", bound=SavedIndexMeta)


def keys_digest(keys: torch.Tensor) -> str:
    """Digest of the shape and up to 64 evenly spaced rows, rounded to fp16.

    Rounding makes the digest the same for a store's fp32 keys and their fp16 copy.
    """
    n, d = int(keys.shape[0]), int(keys.shape[1])
    return digest_of(n, d, keys[sample_rows(n)])


def sample_rows(n: int) -> torch.Tensor:
    """The rows `keys_digest` reads, (s,) long."""
    if n == 0:
        return torch.empty(0, dtype=torch.long)
    return torch.linspace(0, n - 1, min(n, DIGEST_SAMPLE)).long()  # (s,)


def digest_of(n: int, d: int, sample: torch.Tensor) -> str:
    """The digest of an (n, d) key set from its sampled rows (as an index reads them back)."""
    digest = hashlib.sha256(f"{n}x{d}".encode())
    digest.update(sample.to(torch.float16).contiguous().numpy().tobytes())
    return digest.hexdigest()[:24]


class Rebuildable(Protocol):
    """An index that can say why it was rebuilt instead of loaded."""

    rebuilt_because: str | None


_Index = TypeVar("_Index", bound=Rebuildable)


def load_or_rebuild(
    reason: str | None, load: Callable[[], _Index], build: Callable[[], _Index], what: str
) -> _Index:
    """The saved index when nothing is stale (`reason` None), else a new one saying why."""
    if reason is None:
        return load()
    log.warning("rebuilding the %s: %s", what, reason)
    index = build()
    index.rebuilt_because = reason
    return index


def stale_reason(
    path: Path, model: type[_Meta], keys: torch.Tensor, *, kind: str, schema_version: int
) -> str | None:
    """Why the index whose metadata is at `path` cannot serve `keys`, or None when it can."""
    if not path.is_file():
        return "no saved index"
    try:
        meta = model.model_validate_json(path.read_bytes())
    except (OSError, ValidationError):
        return f"{path} is unreadable"
    return meta_mismatch(meta, keys, kind=kind, schema_version=schema_version)


def meta_mismatch(
    meta: SavedIndexMeta, keys: torch.Tensor, *, kind: str, schema_version: int
) -> str | None:
    """Why saved metadata does not describe `keys` (another kind, shape or content), or None."""
    if meta.schema_version != schema_version or meta.kind != kind:
        return f"saved as {meta.kind} v{meta.schema_version}"
    if meta.rows != keys.shape[0] or meta.dim != keys.shape[1]:
        return f"saved for {meta.rows}×{meta.dim} keys, the store has {tuple(keys.shape)}"
    if meta.keys_digest != keys_digest(keys):
        return "saved for other keys (the store changed after the index was saved)"
    return None
