"""How the top-k keys are found: the `VectorIndex` interface, the exact index, and the factory.

Rows are positions in the K/V store (0..N-1). `remove(rows)` compacts like deleting those
list items: every later row moves down, so the index always mirrors the store row for row.
Scores are raw dot products of unit vectors (cosine), best first.

The approximate indexes (knowledge/ann.py, knowledge/ann_compressed.py) implement the same
protocol; `make_index` and `open_index` are the one place that chooses between them: "auto"
is exact below `ANN_THRESHOLD` keys (switching when a store grows), the HNSW graph from
there, and IVF-PQ with an exact re-rank from `COMPRESSED_THRESHOLD` keys (chosen on open).
"milvus" (knowledge/ann_milvus.py) is never chosen by size: it names where the keys are
searched, a milvus-lite folder (`milvus_uri` a path; by default `milvus.db` in the store's
folder) or a Milvus server (`milvus_uri` an http:// URL).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Protocol

import torch

from errors import ConfigError
from knowledge.attention import attend_selected, scaled_scores, top_k
from knowledge.progress import Progress

IndexKind = Literal["auto", "exact", "ann", "compressed", "milvus"]
INDEX_KINDS: tuple[str, ...] = ("auto", "exact", "ann", "compressed", "milvus")
# Below this many keys exact search costs a fraction of encoding the query and needs no graph
# build. At 5·10⁴ keys it was already 6-14 ms a query against 0.4-0.6 ms for the graph
# (recall@10 0.996), more than the encoder's own cost (bench/README.md, kbopen).
ANN_THRESHOLD = 20_000
# From here the HNSW graph's fp32 vectors and links (~1.7 KB a key at 384 dims: 3.4 GB at
# 2·10⁶) outgrow a small box; IVF-PQ keeps ~56 B a key in memory and the vectors on disk.
COMPRESSED_THRESHOLD = 2_000_000


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


class GrowingIndex(ExactIndex):
    """The "auto" index of a small store: exact until it holds `threshold` keys, then HNSW.

    The switch happens in `add`, so a store that grows past the threshold is saved with
    its graph and re-opens without a build. After it, every call goes to the graph.
    """

    def __init__(
        self, keys: torch.Tensor, threshold: int, progress: Progress | None = None
    ) -> None:
        super().__init__(keys)
        self.threshold = threshold
        self._progress = progress
        self._graph: VectorIndex | None = None

    @property
    def graph(self) -> VectorIndex | None:
        """The HNSW index once the switch happened, else None."""
        return self._graph

    @property
    def keys(self) -> torch.Tensor:
        """The (N, d) keys while exact; after the switch the graph holds them."""
        if self._graph is not None:
            raise AttributeError("this index switched to the HNSW graph; read keys from the store")
        return self._keys

    def __len__(self) -> int:
        return len(self._graph) if self._graph is not None else super().__len__()

    def search(
        self, queries: torch.Tensor, k: int, allowed_rows: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """See `VectorIndex.search`."""
        if self._graph is not None:
            return self._graph.search(queries, k, allowed_rows)
        return super().search(queries, k, allowed_rows)

    def add(self, vectors: torch.Tensor) -> None:
        """Append rows; reaching the threshold builds the graph over all keys."""
        if self._graph is not None:
            self._graph.add(vectors)
            return
        super().add(vectors)
        if super().__len__() >= self.threshold:
            self._graph = _build_ann(self._keys, self._progress)
            self.kind = self._graph.kind
            self._keys = self._keys[:0]  # the graph keeps its own copy

    def update(self, rows: torch.Tensor, vectors: torch.Tensor) -> None:
        """See `VectorIndex.update`."""
        if self._graph is not None:
            self._graph.update(rows, vectors)
        else:
            super().update(rows, vectors)

    def remove(self, rows: torch.Tensor) -> None:
        """See `VectorIndex.remove`; a store that shrinks keeps its graph."""
        if self._graph is not None:
            self._graph.remove(rows)
        else:
            super().remove(rows)

    def save(self, folder: Path) -> None:
        """The graph, once there is one; the exact index has nothing to save."""
        if self._graph is not None:
            self._graph.save(folder)


def make_index(
    keys: torch.Tensor,
    kind: str = "auto",
    *,
    ann_threshold: int = ANN_THRESHOLD,
    compressed_threshold: int = COMPRESSED_THRESHOLD,
    progress: Progress | None = None,
    milvus_uri: str | None = None,
) -> VectorIndex:
    """A fresh index over `keys` (N, d); "auto" picks by size (see the module docstring)."""
    chosen = _chosen_kind(kind, int(keys.shape[0]), ann_threshold, compressed_threshold)
    if chosen == "milvus":
        if milvus_uri is None:
            raise ConfigError(
                "a new milvus index needs --milvus-uri (a path ending in .db or a URL)"
            )
        return _build_milvus(keys, milvus_uri, progress)
    if chosen == "exact":
        return ExactIndex(keys)
    if chosen == "growing":
        return GrowingIndex(keys, ann_threshold, progress)
    if chosen == "compressed":
        return _build_compressed(keys, progress)
    return _build_ann(keys, progress)


def open_index(
    folder: Path,
    keys: torch.Tensor,
    kind: str = "auto",
    *,
    ann_threshold: int = ANN_THRESHOLD,
    compressed_threshold: int = COMPRESSED_THRESHOLD,
    progress: Progress | None = None,
    milvus_uri: str | None = None,
) -> VectorIndex:
    """The index saved in `folder` for these `keys`, or a fresh one when none fits.

    The ANN graph is loaded when it was saved for exactly these keys; otherwise it is
    built (and `rebuilt_because` says why). The exact index has nothing on disk. A Milvus
    collection is used when it holds exactly these keys, else rebuilt the same way.
    """
    chosen = _chosen_kind(kind, int(keys.shape[0]), ann_threshold, compressed_threshold)
    if chosen == "milvus":
        return _open_milvus(folder, keys, milvus_uri, progress)
    if chosen == "exact":
        return ExactIndex(keys)
    if chosen == "growing":
        return GrowingIndex(keys, ann_threshold, progress)
    if chosen == "compressed":
        return _open_compressed(folder, keys, progress)
    return _open_ann(folder, keys, progress)


def _chosen_kind(kind: str, n: int, ann_threshold: int, compressed_threshold: int) -> str:
    """What `kind` means for n keys: an explicit kind as given; "auto" by size, where a
    store below the ANN threshold gets the exact index that grows into a graph."""
    _check_kind(kind)
    if kind != "auto":
        return kind
    if n >= compressed_threshold:
        return "compressed"
    return "growing" if n < ann_threshold else "ann"


def attend_top_k(
    index: VectorIndex,
    queries: torch.Tensor,
    values: torch.Tensor,
    k: int,
    *,
    scale: float | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Sparse top-k attention through an index: values are read only at the k rows it finds.

    Returns (output (Q, dv), weights (Q, k'), rows (Q, k')); `scale` defaults to 1/√d.
    """
    scores, rows = index.search(queries, k)  # (Q, k'), (Q, k') unscaled dot products
    scale = queries.shape[-1] ** -0.5 if scale is None else scale
    return attend_selected(scores * scale, rows, values)


def _build_ann(keys: torch.Tensor, progress: Progress | None) -> VectorIndex:
    from knowledge.ann import HnswIndex  # imported late: ann.py builds on this module

    return HnswIndex.build(keys, progress=progress)


def _open_ann(folder: Path, keys: torch.Tensor, progress: Progress | None) -> VectorIndex:
    from knowledge.ann import HnswIndex

    return HnswIndex.open(folder, keys, progress=progress)


def _build_compressed(keys: torch.Tensor, progress: Progress | None) -> VectorIndex:
    from knowledge.ann_compressed import IvfPqIndex

    return IvfPqIndex.build(keys, progress=progress)


def _open_compressed(folder: Path, keys: torch.Tensor, progress: Progress | None) -> VectorIndex:
    from knowledge.ann_compressed import IvfPqIndex

    return IvfPqIndex.open(folder, keys, progress=progress)


def _build_milvus(keys: torch.Tensor, uri: str, progress: Progress | None) -> VectorIndex:
    from knowledge.ann_milvus import MilvusIndex  # imported late: pymilvus is slow to import

    return MilvusIndex.build(keys, uri, progress=progress)


def _open_milvus(
    folder: Path, keys: torch.Tensor, uri: str | None, progress: Progress | None
) -> VectorIndex:
    from knowledge.ann_milvus import DEFAULT_LITE_NAME, MilvusIndex

    uri = str(folder / DEFAULT_LITE_NAME) if uri is None else uri
    return MilvusIndex.open(folder, keys, uri, progress=progress)


def _check_kind(kind: str) -> None:
    if kind not in INDEX_KINDS:
        raise ConfigError(f"unknown index kind {kind!r}; use one of {', '.join(INDEX_KINDS)}")
