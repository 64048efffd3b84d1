"""What a compressed index is built with and saved as: its parameters, FAISS spec, metadata.

The metadata file is the commit point of a save: it names the vectors file (by epoch) and
holds a digest of sampled keys, so an index saved for other keys is detected on open.
"""

from __future__ import annotations

from pathlib import Path

import faiss
import torch
from pydantic import BaseModel, ConfigDict, Field

from errors import ConfigError
from knowledge.saved_index import SavedIndexMeta
from knowledge.saved_index import stale_reason as saved_stale_reason
from knowledge.store_files import read_saved_model

SCHEMA_VERSION = 1
KIND = "ivfpq"
INDEX_FILE = "ann-pq.faiss"
LABELS_FILE = "ann-pq-labels.npy"
META_FILE = "ann-pq-meta.json"
VECTORS_GLOB = "ann-pq-vectors-*.f16"


class PqParams(BaseModel):
    """IVF-PQ parameters; the defaults are the ones measured at 10⁶-10⁷ (bench/README.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pq_m: int | None = Field(default=None, ge=1, description="sub-vectors; None: dim/8")
    nlist_per_sqrt: float = Field(default=4.0, gt=0, description="lists = this × √rows")
    train_per_list: int = Field(default=32, ge=1, description="sample rows per list to train")
    train_max: int = Field(default=400_000, ge=1_000, description="cap on the training sample")
    kmeans_iters: int = Field(default=10, ge=1, description="k-means passes (FAISS default 25)")
    hnsw_quantizer_from: int = Field(
        default=4096, ge=1, description="lists from which they are found by an HNSW graph"
    )
    opq: bool = Field(default=False, description="learn an OPQ rotation before the PQ")
    nprobe: int = Field(default=32, ge=1, description="lists searched per query")
    # 400: recall@10 0.92 at 10⁷ realistic keys (0.87 at 200), p50 2.4 ms (bench/README.md).
    rerank: int = Field(default=400, ge=1, description="PQ candidates scored exactly")
    min_train: int = Field(default=10_000, ge=256, description="rows before training at all")
    retrain_growth: float = Field(default=4.0, gt=1.0, description="retrain past this growth")
    exact_below: int = Field(default=20_000, ge=0, description="subsets scanned exactly")
    add_chunk: int = Field(default=65_536, ge=1, description="rows added to FAISS at a time")
    seed: int = 1234


class SavedMeta(SavedIndexMeta):
    """`ann-pq-meta.json`: what a saved compressed index holds."""

    params: PqParams
    next_label: int
    trained_rows: int  # rows when it was trained; 0: untrained (exact scan)
    epoch: str  # names the vectors file


def pq_m(params: PqParams, dim: int) -> int:
    """The number of PQ sub-vectors for `dim`; it must divide `dim`."""
    m = params.pq_m if params.pq_m is not None else max(1, dim // 8)
    if dim % m:
        raise ConfigError(f"pq_m={m} does not divide the key dimension {dim}; pick a divisor")
    return m


def new_faiss(dim: int, m: int, nlist: int, p: PqParams) -> faiss.Index:
    coarse = f"IVF{nlist}_HNSW32" if nlist >= p.hnsw_quantizer_from else f"IVF{nlist}"
    spec = f"OPQ{m},{coarse},PQ{m}" if p.opq else f"{coarse},PQ{m}"
    return faiss.index_factory(dim, spec, faiss.METRIC_INNER_PRODUCT)


def read_meta(path: Path) -> SavedMeta:
    return read_saved_model(path, SavedMeta, "delete it to rebuild the index")


def stale_reason(folder: Path, keys: torch.Tensor) -> str | None:
    """Why the index saved in `folder` cannot serve `keys`, or None when it can."""
    return saved_stale_reason(
        folder / META_FILE, SavedMeta, keys, kind=KIND, schema_version=SCHEMA_VERSION
    )
