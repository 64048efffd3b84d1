"""The approximate index for large N: an HNSW graph (hnswlib) behind the `VectorIndex` protocol.

Why hnswlib: on this CPU it answers one query over 10⁶ realistic keys in about a
millisecond at recall@10 ≥ 0.95, and it deletes and replaces points in place, so an
upsert or delete never rebuilds the graph (FAISS HNSW cannot delete; FAISS IVF can, but
needs a training pass and was slower per query at the same recall: bench/README.md).

Store rows shift down on delete while HNSW labels must stay fixed, so the index keeps a
row -> label array and its inverse. Labels are never reused; a deleted point's slot is.

Persisted beside the store as three files; `ann-meta.json` is written last and records a
digest of sampled keys, so an index saved for other keys (a crash between the store's save
and the index's) is detected on open and rebuilt, with the reason kept on `rebuilt_because`.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

import hnswlib
import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field

from errors import StoreError
from knowledge.index import ExactIndex
from knowledge.progress import Progress
from knowledge.row_labels import RowLabels
from knowledge.saved_index import (
    SavedIndexMeta,
    digest_of,
    load_or_rebuild,
    sample_rows,
    stale_reason,
)
from knowledge.store_files import read_saved_model

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
GRAPH_FILE = "ann-hnsw.bin"
LABELS_FILE = "ann-labels.npy"
META_FILE = "ann-meta.json"
LINKING = "linking the graph"  # the progress stage of a build


class AnnParams(BaseModel):
    """HNSW parameters; the defaults reach recall@10 ≥ 0.95 on 10⁶ keys (bench/README.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    m: int = Field(default=16, ge=4, le=128, description="graph degree")
    # 100, not hnswlib's usual 200: half the build time; a wider ef_search wins recall back.
    ef_construction: int = Field(default=100, ge=16, description="build-time beam width")
    # 512: recall@10 0.96 on 10⁶ realistic keys (0.90 at 96, 0.95 at 384), still ~1 ms a query.
    ef_search: int = Field(default=512, ge=8, description="query-time beam width (≥ k is used)")
    exact_below: int = Field(
        default=20_000, ge=0, description="`allowed_rows` sets up to this size are scanned exactly"
    )
    build_chunk: int = Field(default=20_000, ge=1, description="rows per progress callback")
    seed: int = 100


class _Meta(SavedIndexMeta):
    params: AnnParams
    capacity: int
    next_label: int


class HnswIndex:
    """Approximate top-k by dot product over an HNSW graph; rows mirror the store's rows."""

    kind = "hnsw"

    def __init__(
        self, graph: hnswlib.Index, labels: np.ndarray, next_label: int, params: AnnParams
    ) -> None:
        self.params = params
        self.rebuilt_because: str | None = None  # why `open` built afresh instead of loading
        self._graph = graph
        self._map = RowLabels.of(labels, next_label)
        self._lock = threading.Lock()  # hnswlib's ef and mutation are not safe to interleave

    # ---- building and opening ------------------------------------------------------------

    @classmethod
    def build(
        cls,
        keys: torch.Tensor,
        params: AnnParams | None = None,
        *,
        progress: Progress | None = None,
    ) -> HnswIndex:
        """A new graph over `keys` (N, d), reporting the rows linked to `progress` by chunks."""
        params = params or AnnParams()
        graph = hnswlib.Index(space="ip", dim=int(keys.shape[1]))  # distance = 1 - q·k
        graph.init_index(
            max_elements=max(int(keys.shape[0]), 1),
            M=params.m,
            ef_construction=params.ef_construction,
            random_seed=params.seed,
            allow_replace_deleted=True,
        )
        index = cls(graph, np.empty(0, dtype=np.int64), 0, params)
        index._append(keys, progress)
        return index

    @classmethod
    def open(
        cls,
        folder: Path,
        keys: torch.Tensor,
        params: AnnParams | None = None,
        *,
        progress: Progress | None = None,
    ) -> HnswIndex:
        """The graph saved in `folder` when it was saved for these `keys`, else a new one."""
        params = params or AnnParams()
        return load_or_rebuild(
            _stale_reason(folder, keys),
            lambda: cls._load(folder, params),
            lambda: cls.build(keys, params, progress=progress),
            f"ANN index in {folder}",
        )

    @classmethod
    def _load(cls, folder: Path, params: AnnParams) -> HnswIndex:
        meta = _read_meta(folder / META_FILE)
        # The graph keeps the degree it was built with; query-time settings are today's.
        graph_fields = {"m", "ef_construction", "seed"}
        params = params.model_copy(update=meta.params.model_dump(include=graph_fields))
        graph = hnswlib.Index(space="ip", dim=meta.dim)
        try:
            graph.load_index(
                str(folder / GRAPH_FILE), max_elements=meta.capacity, allow_replace_deleted=True
            )
            labels = np.load(folder / LABELS_FILE, allow_pickle=False)
        except (OSError, RuntimeError, ValueError) as e:
            raise StoreError(
                f"the ANN index in {folder} is unreadable ({e}); delete {folder / META_FILE} "
                "and open the knowledge base again to rebuild it"
            ) from e
        if labels.shape != (meta.rows,) or labels.dtype != np.int64:
            raise StoreError(
                f"{folder / LABELS_FILE} holds {labels.shape} {labels.dtype}, expected "
                f"({meta.rows},) int64; delete {folder / META_FILE} to rebuild the ANN index"
            )
        graph.set_ef(params.ef_search)
        return cls(graph, labels, meta.next_label, params)

    # ---- the VectorIndex protocol --------------------------------------------------------

    def __len__(self) -> int:
        return len(self._map)

    def memory_bytes(self) -> int:
        """Bytes the graph holds in memory (vectors fp32 + links), as hnswlib reports it."""
        return int(self._graph.index_file_size())

    @property
    def capacity(self) -> int:
        """Points the graph holds room for; deleted slots are reused before it grows."""
        return int(self._graph.get_max_elements())

    def search(
        self, queries: torch.Tensor, k: int, allowed_rows: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Approximate top-k by dot product; see `VectorIndex.search`.

        A small `allowed_rows` set is scanned exactly (a filtered graph walk finds few
        matches when most nodes are excluded); a large one filters the graph walk.
        """
        queries = queries.reshape(-1, queries.shape[-1]).float()  # (Q, d)
        limit = len(self) if allowed_rows is None else int(allowed_rows.numel())
        k = min(k, limit)
        if k <= 0:
            empty = torch.empty((queries.shape[0], 0))
            return empty, empty.long()
        if allowed_rows is not None and allowed_rows.numel() <= self.params.exact_below:
            return self._search_subset(queries, k, allowed_rows)
        keep = None if allowed_rows is None else self._filter(allowed_rows)
        # One thread for one query (no pool start-up); a Python filter needs one thread too.
        threads = 1 if queries.shape[0] == 1 or keep is not None else -1
        with self._lock:
            self._graph.set_ef(max(self.params.ef_search, k))
            labels, distances = self._graph.knn_query(
                queries.numpy(), k=k, num_threads=threads, filter=keep
            )  # (Q, k), (Q, k)
            rows = self._map.row_of_label[labels.astype(np.int64)]  # (Q, k)
        scores = 1.0 - torch.from_numpy(np.ascontiguousarray(distances, dtype=np.float32))
        return scores, torch.from_numpy(rows)

    def _search_subset(
        self, queries: torch.Tensor, k: int, allowed_rows: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        with self._lock:
            labels = self._map.labels[allowed_rows.numpy()]  # (M,)
            vectors = self._graph.get_items(labels, return_type="numpy")  # (M, d)
        subset = ExactIndex(torch.from_numpy(np.asarray(vectors, dtype=np.float32)))
        scores, picked = subset.search(queries, k)  # positions within the subset
        return scores, allowed_rows[picked]

    def _filter(self, allowed_rows: torch.Tensor) -> Callable[[int], bool]:
        allowed = self._map.mask(allowed_rows.numpy())
        return lambda label: bool(allowed[label])

    def add(self, vectors: torch.Tensor) -> None:
        """Append rows len..len+n-1, linking them into the graph."""
        self._append(vectors, None)

    def _append(self, vectors: torch.Tensor, progress: Progress | None) -> None:
        n = int(vectors.shape[0])
        if n == 0:
            return
        with self._lock:
            self._reserve(n)
            self._map, labels = self._map.appended(n)
            if progress is not None:
                progress(LINKING, 0, n)
            for start in range(0, n, self.params.build_chunk):
                chunk = vectors[start : start + self.params.build_chunk]
                self._graph.add_items(
                    _as_numpy(chunk), labels[start : start + chunk.shape[0]], replace_deleted=True
                )
                if progress is not None:
                    progress(LINKING, start + int(chunk.shape[0]), n)

    def _reserve(self, n: int) -> None:
        """Grow the graph's capacity when deleted slots cannot take `n` more points."""
        free = self._graph.get_max_elements() - len(self)
        if free < n:
            self._graph.resize_index(max(len(self) + n, 2 * self._graph.get_max_elements()))

    def update(self, rows: torch.Tensor, vectors: torch.Tensor) -> None:
        """Replace the vectors at `rows`; hnswlib re-links an updated point in place."""
        if rows.numel() == 0:
            return
        with self._lock:
            self._graph.add_items(_as_numpy(vectors), self._map.labels[rows.numpy()])

    def remove(self, rows: torch.Tensor) -> None:
        """Mark `rows` deleted (their slots are reused by later adds); later rows shift down."""
        if rows.numel() == 0:
            return
        with self._lock:
            gone = np.unique(rows.numpy())
            for label in self._map.labels[gone]:
                self._graph.mark_deleted(int(label))
            self._map = self._map.removed(gone)

    def save(self, folder: Path) -> None:
        """Write the graph, the row labels and then the metadata (the commit point)."""
        folder.mkdir(parents=True, exist_ok=True)
        suffix = f".tmp{os.getpid()}"
        with self._lock:
            graph_tmp = folder / (GRAPH_FILE + suffix)
            self._graph.save_index(str(graph_tmp))
            labels_tmp = folder / (LABELS_FILE + suffix)
            with labels_tmp.open("wb") as f:
                np.save(f, self._map.labels, allow_pickle=False)
            meta = _Meta(
                schema_version=SCHEMA_VERSION,
                kind=self.kind,
                params=self.params,
                dim=int(self._graph.dim),
                rows=len(self),
                capacity=int(self._graph.get_max_elements()),
                next_label=self._map.next_label,
                keys_digest=self._sampled_digest(),
            )
        (folder / META_FILE).unlink(missing_ok=True)  # no meta: a half-written index is stale
        os.replace(graph_tmp, folder / GRAPH_FILE)
        os.replace(labels_tmp, folder / LABELS_FILE)
        meta_tmp = folder / (META_FILE + suffix)
        meta_tmp.write_text(meta.model_dump_json(indent=2) + "\n", encoding="utf-8")
        os.replace(meta_tmp, folder / META_FILE)

    def _sampled_digest(self) -> str:
        """`keys_digest` of the vectors the graph holds, read back at the sampled rows."""
        n = len(self)
        picks = sample_rows(n).numpy()
        if n == 0:
            return digest_of(0, int(self._graph.dim), torch.empty(0, int(self._graph.dim)))
        got = self._graph.get_items(self._map.labels[picks], return_type="numpy")  # (s, d)
        return digest_of(n, int(self._graph.dim), torch.from_numpy(np.asarray(got, np.float32)))


def _as_numpy(vectors: torch.Tensor) -> np.ndarray:
    return np.ascontiguousarray(vectors.detach().to(torch.float32).numpy())


def _read_meta(path: Path) -> _Meta:
    return read_saved_model(path, _Meta, "delete it to rebuild the ANN index")


def _stale_reason(folder: Path, keys: torch.Tensor) -> str | None:
    return stale_reason(
        folder / META_FILE, _Meta, keys, kind=HnswIndex.kind, schema_version=SCHEMA_VERSION
    )
