"""The compressed index for 10⁶-10⁷+ keys: FAISS IVF-PQ codes in memory, full vectors on disk.

Why: an HNSW graph holds every key in fp32 plus its links, about 1.7 KB a key at 384
dims (1.6 GB at 10⁶, ~17 GB at 10⁷). IVF-PQ keeps a `pq_m`-byte code and an 8-byte id per
key (56 B at m=48: 0.56 GB at 10⁷). PQ distances are approximate, so the best `rerank`
candidates are scored again exactly against their fp16 vectors, read from a file beside
the store with `pread` rather than a mapping: the pages read stay in the page cache and
out of the process's resident set.

Rows shift down on delete while FAISS ids stay fixed, so, like the HNSW index, this keeps
row -> label and label -> row arrays; labels are never reused. The vectors file is
append-only, indexed by label: an update gives the row a new label (remove + add), so what
a committed save refers to is never overwritten. Below `min_train` rows there is nothing
to train on and the index scans the file exactly. It trains on a sample once it reaches
`min_train` rows, and retrains (a new, compacted vectors file) when it holds more than
`retrain_growth` × the rows it was trained on, or when over half the file is deleted rows.

Saved as: the FAISS index and row labels (temp file + os.replace), the vectors file of the
current epoch (append-only), then `ann-pq-meta.json`, the commit point.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import tempfile
import threading
import uuid
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import torch

from errors import StoreError
from knowledge.pq_files import read_rows, rows_bytes, write_rows
from knowledge.pq_params import (
    INDEX_FILE,
    KIND,
    LABELS_FILE,
    META_FILE,
    SCHEMA_VERSION,
    VECTORS_GLOB,
    PqParams,
    SavedMeta,
    new_faiss,
    pq_m,
    read_meta,
    stale_reason,
)
from knowledge.progress import Progress
from knowledge.row_labels import RowLabels
from knowledge.saved_index import digest_of, load_or_rebuild, sample_rows

__all__ = ["META_FILE", "IvfPqIndex", "PqParams"]

log = logging.getLogger(__name__)

ENCODING = "encoding PQ codes"  # the progress stage of a build (training comes first)


class IvfPqIndex:
    """Approximate top-k by dot product: IVF-PQ candidates, re-ranked on full vectors."""

    kind = KIND

    def __init__(self, dim: int, params: PqParams, folder: Path | None = None) -> None:
        self.params = params
        self.dim = dim
        self.rebuilt_because: str | None = None
        self._faiss: faiss.Index | None = None
        self._trained_rows = 0
        self._map = RowLabels.empty()
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        if folder is None:  # no store folder yet: the vectors live in a private temp folder
            self._scratch = tempfile.TemporaryDirectory(prefix="opsqkv-pq-")
            folder = Path(self._scratch.name)
        self._folder = folder
        self._epoch = uuid.uuid4().hex[:12]
        self._progress: Progress | None = None
        self._lock = threading.Lock()

    # ---- building and opening ------------------------------------------------------------

    @classmethod
    def build(
        cls,
        keys: torch.Tensor,
        params: PqParams | None = None,
        *,
        folder: Path | None = None,
        progress: Progress | None = None,
    ) -> IvfPqIndex:
        """A new index over `keys` (N, d), its vectors file in `folder` (None: a temp folder).

        `progress` hears the rows encoded so far, by chunks (training comes before the first).
        """
        params = params or PqParams()
        pq_m(params, int(keys.shape[1]))  # fail before writing anything
        index = cls(int(keys.shape[1]), params, folder)
        index._progress = progress
        index.add(keys)
        index._progress = None
        return index

    @classmethod
    def open(
        cls,
        folder: Path,
        keys: torch.Tensor,
        params: PqParams | None = None,
        *,
        progress: Progress | None = None,
    ) -> IvfPqIndex:
        """The index saved in `folder` when it was saved for these `keys`, else a new one."""
        params = params or PqParams()
        return load_or_rebuild(
            stale_reason(folder, keys),
            lambda: cls._load(folder, params),
            lambda: cls.build(keys, params, folder=folder, progress=progress),
            f"compressed index in {folder}",
        )

    @classmethod
    def _load(cls, folder: Path, params: PqParams) -> IvfPqIndex:
        meta = read_meta(folder / META_FILE)
        # The codes keep the quantizer they were trained with; query-time settings are today's.
        trained = {"pq_m", "nlist_per_sqrt", "hnsw_quantizer_from", "opq", "seed"}
        params = params.model_copy(update=meta.params.model_dump(include=trained))
        index = cls(meta.dim, params, folder)
        index._epoch = meta.epoch
        try:
            labels = np.load(folder / LABELS_FILE, allow_pickle=False)
            if meta.trained_rows:
                index._faiss = faiss.read_index(str(folder / INDEX_FILE))
            size = index._vectors_path().stat().st_size
        except (OSError, RuntimeError, ValueError) as e:
            raise StoreError(
                f"the compressed index in {folder} is unreadable ({e}); delete "
                f"{folder / META_FILE} and open the knowledge base again to rebuild it"
            ) from e
        if labels.shape != (meta.rows,) or labels.dtype != np.int64:
            raise StoreError(
                f"{folder / LABELS_FILE} holds {labels.shape} {labels.dtype}, expected "
                f"({meta.rows},) int64; delete {folder / META_FILE} to rebuild the index"
            )
        if size < meta.next_label * rows_bytes(1, meta.dim):
            raise StoreError(
                f"{index._vectors_path()} holds {size} bytes, fewer than its "
                f"{meta.next_label} vectors need; delete {folder / META_FILE} to rebuild"
            )
        index._map = RowLabels.of(labels, meta.next_label)
        index._trained_rows = meta.trained_rows
        return index

    # ---- the VectorIndex protocol --------------------------------------------------------

    def __len__(self) -> int:
        return len(self._map)

    @property
    def trained(self) -> bool:
        """Whether PQ codes exist (False: fewer than `min_train` rows, scanned exactly)."""
        return self._faiss is not None

    @property
    def nlist(self) -> int:
        """Inverted lists of the trained index (0 while untrained)."""
        return 0 if self._faiss is None else int(faiss.extract_index_ivf(self._faiss).nlist)

    def memory_bytes(self) -> int:
        """Bytes held in memory: codes and ids, centroids, the row/label arrays."""
        ivf_bytes = 0
        if self._faiss is not None:
            ivf = faiss.extract_index_ivf(self._faiss)
            ivf_bytes = ivf.ntotal * (ivf.code_size + 8) + ivf.nlist * self.dim * 4
        return int(ivf_bytes + self._map.labels.nbytes + self._map.row_of_label.nbytes)

    def search(
        self, queries: torch.Tensor, k: int, allowed_rows: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Approximate top-k by dot product; see `VectorIndex.search`."""
        q = np.ascontiguousarray(queries.reshape(-1, self.dim).float().numpy())  # (Q, d)
        limit = len(self) if allowed_rows is None else int(allowed_rows.numel())
        k = min(k, limit)
        if k <= 0:
            empty = torch.empty((q.shape[0], 0))
            return empty, empty.long()
        with self._lock:
            small = allowed_rows is not None and allowed_rows.numel() <= self.params.exact_below
            if self._faiss is None or small:
                rows = torch.arange(len(self)) if allowed_rows is None else allowed_rows
                return self._exact(q, k, rows)
            return self._search_codes(self._faiss, q, k, allowed_rows)

    def _exact(
        self, q: np.ndarray, k: int, rows: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        vectors = read_rows(
            self._vectors_path(), self._map.labels[rows.numpy()], self.dim
        )  # (M, d)
        scores = torch.from_numpy(q) @ torch.from_numpy(vectors).T  # (Q, d) @ (d, M) -> (Q, M)
        best, idx = torch.topk(scores, k, dim=-1)  # (Q, k)
        return best, rows[idx]

    def _search_codes(
        self, codes: faiss.Index, q: np.ndarray, k: int, allowed_rows: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        # FAISS keeps a raw pointer to the bitmap: `bitmap` keeps the bytes alive meanwhile.
        selector, bitmap = (None, None) if allowed_rows is None else self._selector(allowed_rows)
        ivf = faiss.extract_index_ivf(codes)
        nprobe = min(self.params.nprobe, int(ivf.nlist))
        wanted = max(self.params.rerank, k)
        out_scores = torch.empty((q.shape[0], k))
        out_rows = torch.empty((q.shape[0], k), dtype=torch.long)
        pending = np.arange(q.shape[0])
        while pending.size:
            # A query whose probed lists hold fewer than k live keys asks again with more lists.
            search = faiss.SearchParametersIVF()
            search.nprobe, search.sel = nprobe, selector
            _, labels = codes.search(q[pending], wanted, params=search)  # (P, C)
            short = []
            for i, found in zip(pending, labels, strict=True):
                found = found[found >= 0]
                if found.size < k and nprobe < ivf.nlist:
                    short.append(i)
                    continue
                vectors = read_rows(self._vectors_path(), found, self.dim)  # (C', d)
                exact = torch.from_numpy(vectors @ q[i])  # (C', d) @ (d,) -> (C',)
                best, idx = torch.topk(exact, min(k, found.size))
                out_scores[i, : best.numel()] = best
                out_rows[i, : best.numel()] = torch.from_numpy(self._map.row_of_label[found])[idx]
            pending = np.asarray(short, dtype=np.int64)
            nprobe = min(nprobe * 4, int(ivf.nlist))
        del bitmap
        return out_scores, out_rows

    def _selector(self, allowed_rows: torch.Tensor) -> tuple[faiss.IDSelector, np.ndarray]:
        bits = self._map.mask(allowed_rows.numpy())
        packed = np.packbits(bits, bitorder="little")
        return faiss.IDSelectorBitmap(self._map.next_label, faiss.swig_ptr(packed)), packed

    def add(self, vectors: torch.Tensor) -> None:
        """Append rows len..len+n-1 (training or retraining first when the size calls for it)."""
        n = int(vectors.shape[0])
        if n == 0:
            return
        with self._lock:
            first_label = self._map.next_label
            for start in range(0, n, self.params.add_chunk):
                chunk = _as_numpy(vectors[start : start + self.params.add_chunk])  # (c, d)
                write_rows(self._vectors_path(), first_label + start, chunk)
            self._map, labels = self._map.appended(n)
            if self._needs_training():
                self._train()  # encodes every row, the new ones included
            elif self._faiss is not None:
                self._encode(labels)

    def update(self, rows: torch.Tensor, vectors: torch.Tensor) -> None:
        """Give `rows` new vectors: new labels at the end of the file, old ones removed."""
        if rows.numel() == 0:
            return
        with self._lock:
            write_rows(self._vectors_path(), self._map.next_label, _as_numpy(vectors))
            self._drop_labels(self._map.labels[rows.numpy()])
            self._map, labels = self._map.relabelled(rows.numpy())
            if self._faiss is not None:
                self._encode(labels)

    def remove(self, rows: torch.Tensor) -> None:
        """Delete `rows`; later rows shift down. A file that is mostly holes is compacted."""
        if rows.numel() == 0:
            return
        with self._lock:
            gone = np.unique(rows.numpy())
            self._drop_labels(self._map.labels[gone])
            self._map = self._map.removed(gone)
            if self._faiss is not None and self._needs_training():
                self._train()

    def save(self, folder: Path) -> None:
        """Write the FAISS index, labels and vectors file, then the metadata (the commit point)."""
        folder.mkdir(parents=True, exist_ok=True)
        suffix = f".tmp{os.getpid()}"
        with self._lock:
            if folder.resolve() != self._folder.resolve():
                self._move_vectors(folder)
            (folder / META_FILE).unlink(missing_ok=True)  # no meta: a half-written index is stale
            if self._faiss is not None:
                faiss.write_index(self._faiss, str(folder / (INDEX_FILE + suffix)))
                os.replace(folder / (INDEX_FILE + suffix), folder / INDEX_FILE)
            with (folder / (LABELS_FILE + suffix)).open("wb") as f:
                np.save(f, self._map.labels, allow_pickle=False)
            os.replace(folder / (LABELS_FILE + suffix), folder / LABELS_FILE)
            meta = SavedMeta(
                schema_version=SCHEMA_VERSION, kind=self.kind, params=self.params, dim=self.dim,
                rows=len(self), next_label=self._map.next_label, trained_rows=self._trained_rows,
                epoch=self._epoch, keys_digest=self._sampled_digest(),
            )  # fmt: skip
            meta_tmp = folder / (META_FILE + suffix)
            meta_tmp.write_text(meta.model_dump_json(indent=2) + "\n", encoding="utf-8")
            os.replace(meta_tmp, folder / META_FILE)
            for old in folder.glob(VECTORS_GLOB):  # earlier epochs: no meta names them now
                if old.name != self._vectors_path().name:
                    old.unlink(missing_ok=True)

    # ---- training and encoding -----------------------------------------------------------

    def _needs_training(self) -> bool:
        live, p = len(self), self.params
        if self._faiss is None:
            return live >= p.min_train
        holes = self._map.next_label - live
        return live > p.retrain_growth * self._trained_rows or holes > max(live, p.min_train)

    def _train(self) -> None:
        """Train on a sample of the live rows, then encode them all into a compacted file."""
        if self._map.next_label != len(self):
            self._compact()
        n, p = len(self), self.params
        nlist = max(1, min(round(p.nlist_per_sqrt * math.sqrt(n)), n // 39))
        index = new_faiss(self.dim, pq_m(p, self.dim), nlist, p)
        gen = np.random.default_rng(p.seed)
        size = min(n, max(p.train_per_list * nlist, p.min_train), p.train_max)
        sample = np.sort(gen.choice(n, size=size, replace=False)).astype(np.int64)
        ivf: Any = faiss.downcast_index(faiss.extract_index_ivf(index))
        ivf.cp.niter = p.kmeans_iters  # the coarse k-means
        ivf.pq.cp.niter = p.kmeans_iters  # each sub-quantizer's 256-centroid k-means
        ivf.do_polysemous_training = False  # codes are only re-ranked: no Hamming filter
        index.train(read_rows(self._vectors_path(), sample, self.dim))
        self._faiss = index
        self._trained_rows = n
        self._encode(self._map.labels)

    def _encode(self, labels: np.ndarray) -> None:
        if self._faiss is None:
            return
        total = int(labels.shape[0])
        for start in range(0, total, self.params.add_chunk):
            chunk = labels[start : start + self.params.add_chunk]
            vectors = read_rows(self._vectors_path(), chunk, self.dim)  # (c, d), contiguous run
            self._faiss.add_with_ids(vectors, chunk)
            if self._progress is not None:
                self._progress(ENCODING, start + int(chunk.shape[0]), total)

    def _drop_labels(self, labels: np.ndarray) -> None:
        if self._faiss is not None and labels.size:
            self._faiss.remove_ids(faiss.IDSelectorBatch(labels.astype(np.int64)))

    def _compact(self) -> None:
        """Rewrite the live rows as labels 0..N-1 into a new epoch's file."""
        old_path, live = self._vectors_path(), self._map.labels
        self._epoch = uuid.uuid4().hex[:12]
        for start in range(0, live.shape[0], self.params.add_chunk):
            chunk = read_rows(old_path, live[start : start + self.params.add_chunk], self.dim)
            write_rows(self._vectors_path(), start, chunk)
        self._map = RowLabels.identity(int(live.shape[0]))
        self._faiss = None  # codes of the old labels: retrained right after

    def _move_vectors(self, folder: Path) -> None:
        target = folder / self._vectors_path().name
        shutil.copyfile(self._vectors_path(), target)
        self._folder = folder
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None

    def _vectors_path(self) -> Path:
        return self._folder / f"ann-pq-vectors-{self._epoch}.f16"

    def _sampled_digest(self) -> str:
        n = len(self)
        picks = self._map.labels[sample_rows(n).numpy()]
        sample = read_rows(self._vectors_path(), picks, self.dim)  # (s, d)
        return digest_of(n, self.dim, torch.from_numpy(sample))


def _as_numpy(vectors: torch.Tensor) -> np.ndarray:
    return np.ascontiguousarray(vectors.detach().to(torch.float32).numpy())
