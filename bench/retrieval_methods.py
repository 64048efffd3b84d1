"""The methods `bench.retrieval` compares, each timed the same way: batch 1, batch 32, recall.

Every top-k method ends with the same softmax over its k scores and the same value
read-out (`attend_selected`), so their outputs are comparable; dense attention reads
all N values.
"""

from __future__ import annotations

import argparse
import gc
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import faiss
import numpy as np
import torch
from sentence_transformers import util as st_util

from bench.common import RESULTS_DIR, ProgressBar, Timing, console, time_calls
from knowledge.ann import AnnParams, HnswIndex
from knowledge.attention import attend, attend_selected, sparse_attend
from knowledge.index import (
    ExactIndex,
    GrowingIndex,
    VectorIndex,
    attend_top_k,
    make_index,
    open_index,
)

METHODS = ("dense", "sparse_scan", "default", "faiss_flat", "st_semantic_search")
DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
Search = Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]]  # (scores, rows)


@dataclass
class MethodResult:
    """One method at one N."""

    method: str
    detail: str
    build_s: float
    memory_mib: float
    recall_at_k: float
    batch1: Timing
    batch32: Timing  # per batch of 32 queries


def run_method(
    method: str,
    keys: torch.Tensor,
    queries: torch.Tensor,
    truth: torch.Tensor,
    args: argparse.Namespace,
) -> list[MethodResult]:
    """Time one method at batch 1 and batch 32 (one result per ef_search for the ANN)."""
    k, values = args.k, keys  # V = K: the read-out is an attention-weighted mix of keys
    scale = 1.0 / math.sqrt(keys.shape[1])
    if method == "dense":
        return [
            measure(
                method,
                "softmax over all N, reads N values",
                0.0,
                _mib(keys),
                lambda q: _dense(q, keys, values, k),
                queries,
                truth,
                args,
            )
        ]
    if method == "sparse_scan":
        return [
            measure(
                method,
                "full scan, softmax over top-k",
                0.0,
                _mib(keys),
                lambda q: _sparse(q, keys, values, k),
                queries,
                truth,
                args,
            )
        ]
    if method == "faiss_flat":
        start = time.perf_counter()
        flat = faiss.IndexFlatIP(keys.shape[1])
        flat.add(keys.numpy())
        built = time.perf_counter() - start
        return [
            measure(
                method,
                "IndexFlatIP",
                built,
                flat.ntotal * keys.shape[1] * 4 / 2**20,
                _topk_then_attend(lambda q: _faiss(flat, q, k), values, scale),
                queries,
                truth,
                args,
            )
        ]
    if method == "st_semantic_search":
        return [
            measure(
                method,
                "util.semantic_search",
                0.0,
                _mib(keys),
                _topk_then_attend(lambda q: _semantic(q, keys, k), values, scale),
                queries,
                truth,
                args,
            )
        ]
    if method == "default":
        return _default_path(keys, queries, truth, args)
    raise SystemExit(f"unknown method {method!r}; use some of {', '.join(METHODS)}")


def _default_path(
    keys: torch.Tensor, queries: torch.Tensor, truth: torch.Tensor, args: argparse.Namespace
) -> list[MethodResult]:
    """`make_index(keys, "auto")` as the product builds it, then `attend_top_k` over it."""
    index, built = _default_index(keys, args)
    graph = _graph_of(index)
    out: list[MethodResult] = []
    for ef in args.ann_ef_search if graph is not None else [0]:
        if graph is not None:
            graph.params = graph.params.model_copy(update={"ef_search": ef})
            detail = f"hnsw M={graph.params.m} efC={graph.params.ef_construction} ef={ef}"
        else:
            detail = f"{index.kind} {str(keys.dtype).replace('torch.', '')}"
        out.append(
            measure(
                "default",
                detail,
                built,
                graph.memory_bytes() / 2**20 if graph is not None else _mib(keys),
                lambda q: _attend_through(index, q, keys, args.k),
                queries,
                truth,
                args,
            )
        )
    return out


def _attend_through(
    index: VectorIndex, q: torch.Tensor, values: torch.Tensor, k: int
) -> tuple[torch.Tensor, torch.Tensor]:
    _, weights, rows = attend_top_k(index, q, values, k)  # values read at k rows only
    return weights, rows


def _graph_of(index: VectorIndex) -> HnswIndex | None:
    inner = index.graph if isinstance(index, GrowingIndex) else index
    return inner if isinstance(inner, HnswIndex) else None


def _default_index(keys: torch.Tensor, args: argparse.Namespace) -> tuple[VectorIndex, float]:
    """The product's index for N keys; a saved graph is reused with --reuse-index."""
    n = int(keys.shape[0])
    params = AnnParams(m=args.ann_m, ef_construction=args.ann_ef_construction)
    tuned = params != AnnParams()
    folder = RESULTS_DIR / "cache" / f"index-{n}-m{params.m}-efc{params.ef_construction}"
    if args.reuse_index and (folder / "build_s.txt").is_file():
        index: VectorIndex = (
            HnswIndex.open(folder, keys, params)
            if tuned
            else open_index(folder, keys, "auto", ann_threshold=args.ann_threshold)
        )
        if getattr(index, "rebuilt_because", None) is None:
            return index, float((folder / "build_s.txt").read_text())
    with ProgressBar(f"building the default index over {n:,} keys", n) as bar:
        start = time.perf_counter()
        if tuned:
            index = HnswIndex.build(keys, params, progress=bar.report)
        else:
            index = make_index(keys, "auto", ann_threshold=args.ann_threshold, progress=bar.report)
        built = time.perf_counter() - start
    if _graph_of(index) is not None:
        index.save(folder)
        (folder / "build_s.txt").write_text(f"{built:.3f}")
    return index, built


def _dense(
    q: torch.Tensor, keys: torch.Tensor, values: torch.Tensor, k: int
) -> tuple[torch.Tensor, torch.Tensor]:
    out, weights = attend(q, keys, values)  # (Q, d), (Q, N)
    return out, weights  # top-k of the weights is taken outside the timing (for recall only)


def _sparse(
    q: torch.Tensor, keys: torch.Tensor, values: torch.Tensor, k: int
) -> tuple[torch.Tensor, torch.Tensor]:
    _, weights, rows = sparse_attend(q, keys, values, k)  # (Q, d), (Q, k), (Q, k)
    return weights, rows


def _faiss(flat: Any, q: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    scores, rows = flat.search(np.ascontiguousarray(q.numpy()), k)  # (Q, k), (Q, k)
    return torch.from_numpy(scores), torch.from_numpy(rows)


def _semantic(q: torch.Tensor, keys: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    hits = st_util.semantic_search(q, keys, top_k=k)  # list (Q) of list (k) of dicts
    rows = torch.tensor([[h["corpus_id"] for h in per_query] for per_query in hits])
    scores = torch.tensor([[h["score"] for h in per_query] for per_query in hits])
    return scores, rows


def _topk_then_attend(search: Search, values: torch.Tensor, scale: float) -> Search:
    """Any top-k search followed by the same sparse read-out: softmax over k, read k values."""

    def run(q: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        scores, rows = search(q)  # (Q, k), (Q, k)
        _, weights, idx = attend_selected(scores * scale, rows, values)
        return weights, idx

    return run


def measure(
    method: str,
    detail: str,
    build_s: float,
    memory_mib: float,
    run: Search,
    queries: torch.Tensor,
    truth: torch.Tensor,
    args: argparse.Namespace,
) -> MethodResult:
    n_q = queries.shape[0]
    batches = [queries[i : i + 32] for i in range(0, n_q - 31, 32)] or [queries]
    batch1 = time_calls(lambda i: run(queries[i % n_q : i % n_q + 1]), n_q, budget_s=args.budget_s)
    batch32 = time_calls(
        lambda i: run(batches[i % len(batches)]), max(len(batches), 5), budget_s=args.budget_s
    )
    _, rows = run(queries)
    if method == "dense":
        rows = torch.topk(rows, args.k, dim=-1).indices  # `rows` holds the dense weights here
    recall = _recall(rows, truth)
    console.print(f"  {method:<20} {detail:<34} p50 {batch1.p50_ms:8.3f} ms  recall {recall:.3f}")
    return MethodResult(method, detail, build_s, memory_mib, recall, batch1, batch32)


def _recall(found: torch.Tensor, truth: torch.Tensor) -> float:
    hits = sum(len(set(f.tolist()) & set(t.tolist())) for f, t in zip(found, truth, strict=True))
    return hits / truth.numel()


def _mib(tensor: torch.Tensor) -> float:
    return tensor.numel() * tensor.element_size() / 2**20


def compare_dtypes(
    keys: torch.Tensor, queries: torch.Tensor, truth: torch.Tensor, args: argparse.Namespace
) -> list[dict[str, Any]]:
    """The exact path (ExactIndex) with fp32, fp16 and bf16 keys on this CPU."""
    rows = [_exact_with(DTYPES[name], keys, queries, truth, args) for name in args.dtypes]
    gc.collect()
    return rows


def _exact_with(
    dtype: torch.dtype,
    keys: torch.Tensor,
    queries: torch.Tensor,
    truth: torch.Tensor,
    args: argparse.Namespace,
) -> dict[str, Any]:
    index = ExactIndex(keys.to(dtype).contiguous())
    name = str(dtype).replace("torch.", "")
    result = measure(
        "exact",
        name,
        0.0,
        _mib(index.keys),
        lambda q: index.search(q, args.k),
        queries,
        truth,
        args,
    )
    return {
        "dtype": name,
        "recall_at_k": result.recall_at_k,
        "memory_mib": result.memory_mib,
        "batch1": result.batch1.as_dict(),
        "batch32": result.batch32.as_dict(),
    }
