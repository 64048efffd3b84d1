"""A Milvus collection behind the `VectorIndex` protocol: milvus-lite for a path, a server for a URL.

Why Milvus: past one machine the keys, their graph and the search move out of the bot's
processes into an engine that shards and replicates them, and every API worker searches the
same collection. milvus-lite runs the same client code embedded, on a local folder.

Rows shift down on delete while Milvus primary keys stay fixed, so, like the HNSW index,
this keeps row -> label and label -> row arrays; labels are never reused, and an update gives
the row a new label (delete + insert), so no vector a committed save refers to is
overwritten. The store's passages stay where they are; only the keys' search moves.

Saved beside the store: the row labels, then `milvus-meta.json` (the commit point: the
collection's name, the rows, the next label and a digest of sampled keys). `open` uses the
collection when it holds exactly what was saved: as many live rows, no label at or past the
saved next label (a change of a process that died before its save), and the sampled vectors
equal to the store's keys. Otherwise it rebuilds the collection from the keys and says why
on `rebuilt_because`. Like the store, it takes one writer at a time.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pymilvus import DataType, MilvusClient, MilvusException  # type: ignore[import-untyped]

from errors import StoreError
from knowledge.milvus_connect import connect, message_of
from knowledge.progress import Progress
from knowledge.row_labels import RowLabels
from knowledge.saved_index import SavedIndexMeta, digest_of, meta_mismatch, sample_rows

__all__ = ["DEFAULT_LITE_NAME", "META_FILE", "MilvusIndex", "MilvusParams"]

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
KIND = "milvus"
META_FILE = "milvus-meta.json"
LABELS_FILE = "milvus-labels.npy"
DEFAULT_LITE_NAME = "milvus.db"  # the embedded default, beside the store
ID, VECTOR = "id", "vector"
INSERTING = "inserting vectors into Milvus"  # the progress stage of a build


class MilvusParams(BaseModel):
    """How the collection is indexed and searched (Milvus's HNSW, inner product)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    m: int = Field(default=16, ge=4, le=64, description="HNSW graph degree")
    ef_construction: int = Field(default=100, ge=8, description="build-time beam width")
    ef_search: int = Field(default=256, ge=8, description="query-time beam width (≥ k is used)")
    insert_batch: int = Field(default=4096, ge=1, description="rows per insert call")
    timeout_s: float = Field(default=30.0, gt=0, description="connect and call timeout")


class _Meta(SavedIndexMeta):
    collection: str
    next_label: int


class MilvusIndex:
    """Top-k by dot product in a Milvus collection; rows mirror the store's rows."""

    kind = KIND

    def __init__(
        self,
        client: MilvusClient,
        uri: str,
        collection: str,
        dim: int,
        params: MilvusParams,
        labels: np.ndarray | None = None,
        next_label: int = 0,
    ) -> None:
        self.uri = uri
        self.collection = collection
        self.dim = dim
        self.params = params
        self.rebuilt_because: str | None = None  # why `open` built afresh instead of loading
        self._client = client
        self._map = RowLabels.of(np.empty(0, np.int64) if labels is None else labels, next_label)
        self._lock = threading.Lock()

    # ---- building and opening ------------------------------------------------------------

    @classmethod
    def build(
        cls,
        keys: torch.Tensor,
        uri: str,
        params: MilvusParams | None = None,
        *,
        collection: str | None = None,
        progress: Progress | None = None,
    ) -> MilvusIndex:
        """A new collection over `keys` (N, d) (`collection` is dropped first if it exists)."""
        params = params or MilvusParams()
        client = connect(uri, params.timeout_s)
        name = collection or f"opsqkv_kb_{uuid.uuid4().hex[:12]}"
        index = cls(client, uri, name, int(keys.shape[1]), params)
        index._create()
        index._append(keys, progress)
        return index

    @classmethod
    def open(
        cls,
        folder: Path,
        keys: torch.Tensor,
        uri: str,
        params: MilvusParams | None = None,
        *,
        progress: Progress | None = None,
    ) -> MilvusIndex:
        """The collection saved for `folder` when it holds these `keys`, else a rebuilt one."""
        params = params or MilvusParams()
        client = connect(uri, params.timeout_s)
        meta, missing = _saved_meta(folder)
        reason: str | None = missing
        if meta is not None:
            index = cls(client, uri, meta.collection, meta.dim, params, None, meta.next_label)
            reason = index._stale_reason(folder, meta, keys)
            if reason is None:
                return index
        if meta is not None or keys.shape[0]:  # a new, empty store has nothing to rebuild
            log.warning("rebuilding the Milvus index for %s in %s: %s", folder, uri, reason)
        name = meta.collection if meta is not None else None
        built = cls.build(keys, uri, params, collection=name, progress=progress)
        built.rebuilt_because = reason
        return built

    def _stale_reason(self, folder: Path, meta: _Meta, keys: torch.Tensor) -> str | None:
        """Why the collection cannot serve `keys`; on None the saved labels are loaded."""
        mismatch = meta_mismatch(meta, keys, kind=KIND, schema_version=SCHEMA_VERSION)
        if mismatch is not None:
            return mismatch
        if not self._call(
            "look up the collection", lambda: self._client.has_collection(self.collection)
        ):
            return f"the collection {self.collection} is not in {self.uri}"
        try:
            labels = np.load(folder / LABELS_FILE, allow_pickle=False)
        except (OSError, ValueError) as e:
            return f"{folder / LABELS_FILE} is unreadable ({e})"
        if labels.shape != (meta.rows,) or labels.dtype != np.int64:
            return f"{folder / LABELS_FILE} holds {labels.shape} {labels.dtype}"
        self._map = RowLabels.of(labels, meta.next_label)
        self._call("load the collection", lambda: self._client.load_collection(self.collection))
        if self._count(f"{ID} >= {meta.next_label}"):
            return "the collection has vectors added after the last save"
        if (live := self._count()) != meta.rows:
            return f"the collection holds {live} vectors, {meta.rows} were saved"
        if self._sampled_digest() != meta.keys_digest:
            return "the collection's vectors are not the store's keys"
        return None

    def _create(self) -> None:
        client, name = self._client, self.collection
        if self._call("look up the collection", lambda: client.has_collection(name)):
            self._call("drop the old collection", lambda: client.drop_collection(name))
        schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field(ID, DataType.INT64, is_primary=True)
        schema.add_field(VECTOR, DataType.FLOAT_VECTOR, dim=self.dim)
        indexes = client.prepare_index_params()
        hnsw = {"M": self.params.m, "efConstruction": self.params.ef_construction}
        indexes.add_index(field_name=VECTOR, index_type="HNSW", metric_type="IP", params=hnsw)
        self._call(
            "create the collection",
            lambda: client.create_collection(name, schema=schema, index_params=indexes),
        )
        self._call("load the collection", lambda: client.load_collection(name))

    # ---- the VectorIndex protocol --------------------------------------------------------

    def __len__(self) -> int:
        return len(self._map)

    def search(
        self, queries: torch.Tensor, k: int, allowed_rows: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Approximate top-k by dot product; see `VectorIndex.search`.

        `allowed_rows` becomes an `id in [...]` filter on the Milvus side.
        """
        queries = queries.reshape(-1, queries.shape[-1]).float()  # (Q, d)
        snapshot = self._map  # one consistent pair while a writer moves on
        labels, row_of_label = snapshot.labels, snapshot.row_of_label
        limit = len(labels) if allowed_rows is None else int(allowed_rows.numel())
        k = min(k, limit)
        if k <= 0:
            empty = torch.empty((queries.shape[0], 0))
            return empty, empty.long()
        where = "" if allowed_rows is None else f"{ID} in {labels[allowed_rows.numpy()].tolist()}"
        params = {"metric_type": "IP", "params": {"ef": max(self.params.ef_search, k)}}
        found = self._call(
            "search",
            lambda: self._client.search(
                self.collection,
                data=list(queries.numpy()),
                limit=k,
                filter=where,
                output_fields=[ID],
                search_params=params,
                anns_field=VECTOR,
            ),
        )
        return _as_rows(found, row_of_label, queries.shape[0])

    def add(self, vectors: torch.Tensor) -> None:
        """Append rows len..len+n-1 as new labels."""
        self._append(vectors, None)

    def _append(self, vectors: torch.Tensor, progress: Progress | None) -> None:
        n = int(vectors.shape[0])
        if n == 0:
            return
        with self._lock:
            grown, labels = self._map.appended(n)
            self._insert(labels, vectors, progress)
            self._map = grown

    def _insert(self, labels: np.ndarray, vectors: torch.Tensor, progress: Progress | None) -> None:
        step, total = self.params.insert_batch, int(labels.shape[0])
        if progress is not None:
            progress(INSERTING, 0, total)
        for start in range(0, total, step):
            chunk = _as_numpy(vectors[start : start + step])  # (b, d)
            rows = [
                {ID: int(label), VECTOR: vector}
                for label, vector in zip(labels[start : start + step], chunk, strict=True)
            ]
            self._call(
                "insert vectors", functools.partial(self._client.insert, self.collection, rows)
            )
            if progress is not None:
                progress(INSERTING, start + len(rows), total)

    def update(self, rows: torch.Tensor, vectors: torch.Tensor) -> None:
        """Give `rows` new labels holding `vectors`; their old labels are deleted."""
        if rows.numel() == 0:
            return
        with self._lock:
            picked = rows.numpy()
            old = self._map.labels[picked]
            moved, fresh = self._map.relabelled(picked)
            self._insert(fresh, vectors, None)
            self._delete(old)
            self._map = moved

    def remove(self, rows: torch.Tensor) -> None:
        """Delete `rows`' vectors; later rows shift down."""
        if rows.numel() == 0:
            return
        with self._lock:
            gone = np.unique(rows.numpy())
            self._delete(self._map.labels[gone])
            self._map = self._map.removed(gone)

    def _delete(self, labels: np.ndarray) -> None:
        ids = labels.tolist()
        for start in range(0, len(ids), self.params.insert_batch):
            batch = ids[start : start + self.params.insert_batch]
            self._call(
                "delete vectors", functools.partial(self._client.delete, self.collection, ids=batch)
            )

    def save(self, folder: Path) -> None:
        """Flush the collection, then write the row labels and the metadata (the commit point)."""
        folder.mkdir(parents=True, exist_ok=True)
        suffix = f".tmp{os.getpid()}"
        with self._lock:
            # Flushed, the inserts are durable and indexed (milvus-lite scans unflushed rows).
            self._call("flush the collection", lambda: self._client.flush(self.collection))
            labels_tmp = folder / (LABELS_FILE + suffix)
            with labels_tmp.open("wb") as f:
                np.save(f, self._map.labels, allow_pickle=False)
            meta = _Meta(
                schema_version=SCHEMA_VERSION,
                kind=KIND,
                collection=self.collection,
                dim=self.dim,
                rows=len(self),
                next_label=self._map.next_label,
                keys_digest=self._sampled_digest(),
            )
        (folder / META_FILE).unlink(missing_ok=True)  # no meta: half-written labels are stale
        os.replace(labels_tmp, folder / LABELS_FILE)
        meta_tmp = folder / (META_FILE + suffix)
        meta_tmp.write_text(meta.model_dump_json(indent=2) + "\n", encoding="utf-8")
        os.replace(meta_tmp, folder / META_FILE)

    # ---- helpers -------------------------------------------------------------------------

    def _count(self, where: str = "") -> int:
        got = self._call(
            "count vectors",
            lambda: self._client.query(self.collection, filter=where, output_fields=["count(*)"]),
        )
        return int(got[0]["count(*)"]) if got else 0

    def _sampled_digest(self) -> str:
        """`keys_digest` of the vectors the collection holds, read back at the sampled rows."""
        n = len(self)
        if n == 0:
            return digest_of(0, self.dim, torch.empty(0, self.dim))
        picks = self._map.labels[sample_rows(n).numpy()]
        got = self._call(
            "read vectors",
            lambda: self._client.get(self.collection, ids=picks.tolist(), output_fields=[VECTOR]),
        )
        by_label = {int(hit[ID]): hit[VECTOR] for hit in got}
        if len(by_label) != len(set(picks.tolist())):
            return "missing vectors"
        vectors = np.asarray([by_label[int(label)] for label in picks], dtype=np.float32)
        return digest_of(n, self.dim, torch.from_numpy(vectors))

    def _call(self, what: str, call: Callable[[], Any]) -> Any:
        """Run one client call; a Milvus failure becomes one StoreError line."""
        try:
            return call()
        except MilvusException as e:
            raise StoreError(
                f"Milvus at {self.uri} could not {what} ({message_of(e)}); check that it is "
                "running and reachable (--milvus-uri)"
            ) from e


def _as_rows(
    found: Any, row_of_label: np.ndarray, n_queries: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Milvus hits -> (scores (Q, k'), rows (Q, k')); labels this process does not know dropped.

    k' is the fewest hits any query got, so the result stays rectangular.
    """
    per_query: list[tuple[np.ndarray, np.ndarray]] = []
    for hits in found:
        labels = np.asarray(hits.ids, dtype=np.int64)  # (h,)
        scores = np.asarray(hits.distances, dtype=np.float32)  # (h,) inner products
        known = labels < row_of_label.shape[0]
        rows = np.full(labels.shape, -1, dtype=np.int64)
        rows[known] = row_of_label[labels[known]]
        keep = rows >= 0
        per_query.append((scores[keep], rows[keep]))
    width = min((len(r) for _, r in per_query), default=0)
    if not per_query:
        return torch.empty((n_queries, 0)), torch.empty((n_queries, 0), dtype=torch.long)
    best = np.stack([s[:width] for s, _ in per_query]).astype(np.float32)  # (Q, k')
    found_rows = np.stack([r[:width] for _, r in per_query]).astype(np.int64)  # (Q, k')
    return torch.from_numpy(best), torch.from_numpy(found_rows)


def _as_numpy(vectors: torch.Tensor) -> np.ndarray:
    return np.ascontiguousarray(vectors.detach().to(torch.float32).numpy())


def _saved_meta(folder: Path) -> tuple[_Meta | None, str]:
    """The saved metadata, or None and why there is none to use."""
    path = folder / META_FILE
    if not path.is_file():
        return None, "no saved index"
    try:
        return _Meta.model_validate_json(path.read_bytes()), ""
    except (OSError, ValidationError):
        return None, f"{path} is unreadable"
