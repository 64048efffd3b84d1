"""How the top-k keys are found: the `VectorIndex` interface, the exact index, and the factory.

Rows are positions in the K/V store (0..N-1). `remove(rows)` compacts like deleting those
list items: every later row moves down, so the index always mirrors the store row for row.
Scores are raw dot products of unit vectors (cosine), best first.

An approximate index (knowledge/ann.py) implements the same protocol; `make_index` and
`open_index` are the one place that chooses between them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Protocol

import torch

from errors import ConfigError
from knowledge.attention import scaled_scores, top_k

IndexKind = Literal["auto", "exact"]
INDEX_KINDS: tuple[str, ...] = ("auto", "exact")


class VectorIndex(Protocol):
    """Finds the k keys with the highest dot product for each query."""

    kind: str

    def __len__(self) -> int:
        """How many rows (keys) the index holds."""
        ...

    def search(
        self, queries: torch.Tensor, k: int, allowed_rows: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Top-k per query: (scores (Q, k'), rows (Q, k')), best first, k' = min(k, candidates).

        `allowed_rows` (1-D int64) restricts the candidates to those rows.
        """
        ...

    def add(self, vectors: torch.Tensor) -> None:
        """Append vectors (n, d) as rows len..len+n-1."""
        ...

    def update(self, rows: torch.Tensor, vectors: torch.Tensor) -> None:
        """Replace the vectors at existing `rows` (n,) with `vectors` (n, d)."""
        ...

    def remove(self, rows: torch.Tensor) -> None:
        """Delete `rows`; later rows shift down to stay aligned with the store."""
        ...

    def save(self, folder: Path) -> None:
        """Persist whatever the index needs beyond the store's keys into `folder`."""
        ...


class ExactIndex:
    """Brute force over every key: one matmul and a top-k; exact, fine to ~10⁵ keys."""

    kind = "exact"

    def __init__(self, keys: torch.Tensor) -> None:
        self._keys = keys  # (N, d) fp32 or fp16; never modified in place (it may be a mmap)

    def __len__(self) -> int:
        return int(self._keys.shape[0])

    @property
    def keys(self) -> torch.Tensor:
        """The (N, d) keys the index searches."""
        return self._keys

    def search(
        self, queries: torch.Tensor, k: int, allowed_rows: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Exact top-k by dot product; see `VectorIndex.search`."""
        queries = queries.reshape(-1, queries.shape[-1])  # (Q, d)
        keys = self._keys if allowed_rows is None else self._keys[allowed_rows]  # (M, d)
        if keys.shape[0] == 0 or k <= 0:
            empty = torch.empty((queries.shape[0], 0))
            return empty, empty.long()
        # Unit vectors: the unscaled dot product is the cosine, comparable across queries.
        scores = scaled_scores(queries.to(keys.dtype), keys, scale=1.0).float()  # (Q, M)
        best, idx = top_k(scores, k)  # (Q, k'), (Q, k')
        rows = idx if allowed_rows is None else allowed_rows[idx]  # (Q, k') store rows
        return best, rows

    def add(self, vectors: torch.Tensor) -> None:
        """Append rows."""
        self._keys = torch.cat([self._keys, vectors.to(self._keys.dtype)])  # (N+n, d)

    def update(self, rows: torch.Tensor, vectors: torch.Tensor) -> None:
        """Replace rows (copy first: the current tensor may be a read-only mapping)."""
        keys = self._keys.clone()
        keys[rows] = vectors.to(keys.dtype)
        self._keys = keys

    def remove(self, rows: torch.Tensor) -> None:
        """Drop rows and close the gaps."""
        keep = torch.ones(self._keys.shape[0], dtype=torch.bool)
        keep[rows] = False
        self._keys = self._keys[keep]  # (N-n, d)

    def save(self, folder: Path) -> None:
        """Nothing to save: the exact index is the store's keys themselves."""


def make_index(keys: torch.Tensor, kind: str = "auto") -> VectorIndex:
    """A fresh index over `keys` (N, d); "auto" picks by size (today always exact)."""
    _check_kind(kind)
    return ExactIndex(keys)


def open_index(folder: Path, keys: torch.Tensor, kind: str = "auto") -> VectorIndex:
    """The index saved in `folder` for these `keys`, or a fresh one when none fits."""
    _check_kind(kind)
    return ExactIndex(keys)


def _check_kind(kind: str) -> None:
    if kind not in INDEX_KINDS:
        raise ConfigError(f"unknown index kind {kind!r}; use one of {', '.join(INDEX_KINDS)}")
