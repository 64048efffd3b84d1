"""bench.scale_index's data: realistic keys written to an fp16 file, and their exact top-k.

The keys are corpus.py's `extend_keys`, one block at a time, so 10⁷ × 384 keys never sit
in RAM as fp32 (15 GB); the exact top-k is a chunked matmul over the mapped file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from bench.common import console, load_average, summarize
from bench.corpus import Corpus

K = 10
BLOCK = 262_144  # rows generated, scanned or added at a time


def load_text() -> str:
    """The load average, for progress lines: every timing here is read beside it."""
    return " ".join(f"{x:.1f}" for x in load_average())


# ---- 1. keys ---------------------------------------------------------------------------


def make_keys(folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Write N realistic keys to keys.f16 block by block, and the real queries beside them."""
    info_path = folder / "keys.json"
    if info_path.is_file() and not args.fresh:
        info: dict[str, Any] = json.loads(info_path.read_text())
        if (info["n"], info["queries"], info.get("text_stride")) == (
            args.keys,
            args.queries,
            args.text_stride,
        ):
            console.print(f"keys: reusing {folder / 'keys.f16'}")
            return info
    from bench.corpus import extend_keys, nearest_neighbours

    start = time.perf_counter()
    corpus = sampled_corpus(args.text_stride, args.queries)
    base, dim = corpus.base, int(corpus.base.shape[1])
    near = nearest_neighbours(base, 10)  # (B, 10), shared by every block
    out = np.lib.format.open_memmap(folder / "keys.f16.npy", "w+", np.float16, (args.keys, dim))
    b = int(base.shape[0])
    # Block 0 is extend_keys itself (the real keys first); each later block is a fresh seed's
    # synthetic part, so every key comes from corpus.py's method and only a block is in RAM.
    for i, first in enumerate(range(0, args.keys, BLOCK)):
        size = min(BLOCK, args.keys - first)
        if i == 0:
            block = extend_keys(base, size, near=near)
        else:
            block = extend_keys(base, b + size, seed=i, near=near)[b:]
        out[first : first + size] = block.numpy().astype(np.float16)
    out.flush()
    del out
    np.save(folder / "queries.npy", corpus.queries.numpy())
    info = {
        "n": args.keys,
        "dim": dim,
        "text_stride": args.text_stride,
        "queries": int(corpus.queries.shape[0]),
        "base_real_keys": b,
        "make_s": time.perf_counter() - start,
    }
    info_path.write_text(json.dumps(info))
    console.print(f"keys: {args.keys:,} × {dim} fp16 written in {info['make_s']:.0f} s")
    return info


def sampled_corpus(stride: int, n_queries: int) -> Corpus:
    """`load_corpus` over every `stride`-th text of each file (1: all of them).

    The texts are word windows with a stride of 3 words, so every 8th one still covers each
    file; the encoder's cost, not the method, is what a larger stride saves on a busy box.
    """
    from bench.corpus import default_sources, encode_cached, load_corpus, ops_texts, real_questions
    from knowledge.encoder import Encoder

    encoder = Encoder()
    if stride == 1:
        return load_corpus(encoder, default_sources(), n_queries=n_queries)
    parts = []
    for path, texts in ops_texts(default_sources()).items():
        if texts[::stride]:
            tag = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
            parts.append(encode_cached(encoder, f"bench-text-{tag}-s{stride}", texts[::stride]))
    keys = torch.unique(torch.cat(parts), dim=0)  # (B, d)
    questions = real_questions()
    order = torch.randperm(keys.shape[0], generator=torch.Generator().manual_seed(0))
    n_held = max(n_queries - len(questions), 0)
    held, kept = order[:n_held], order[n_held:]
    asked = encode_cached(encoder, "bench-questions", questions) if questions else keys[:0]
    queries = torch.cat([asked, keys[held]])[:n_queries]  # (Q, d)
    return Corpus(
        base=keys[kept].contiguous(),
        queries=queries.contiguous(),
        base_texts=int(kept.shape[0]),
        query_texts=int(queries.shape[0]),
    )


def mapped_keys(folder: Path, n: int) -> np.ndarray:
    keys: np.ndarray = np.load(folder / "keys.f16.npy", mmap_mode="c")
    if keys.shape[0] != n:
        raise SystemExit(f"{folder / 'keys.f16.npy'} holds {keys.shape[0]} keys, not {n}")
    return keys


# ---- 2. exact truth and the exact baseline ----------------------------------------------


def exact_top_k(
    keys: np.ndarray, queries: torch.Tensor, k: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Exact top-k by dot product over fp16 keys on disk, one block in memory at a time."""
    best_s = torch.full((queries.shape[0], k), -2.0)
    best_r = torch.zeros((queries.shape[0], k), dtype=torch.long)
    for first in range(0, keys.shape[0], BLOCK):
        block = torch.from_numpy(np.asarray(keys[first : first + BLOCK], dtype=np.float32))
        scores = queries @ block.T  # (Q, d) @ (d, b) -> (Q, b)
        s, r = torch.topk(scores, min(k, scores.shape[1]), dim=-1)  # (Q, k)
        merged_s = torch.cat([best_s, s], dim=1)  # (Q, 2k)
        merged_r = torch.cat([best_r, r + first], dim=1)
        best_s, pick = torch.topk(merged_s, k, dim=-1)
        best_r = torch.gather(merged_r, 1, pick)
    return best_s, best_r


def exact_truth(folder: Path, keys: np.ndarray, args: argparse.Namespace) -> dict[str, Any]:
    queries = torch.from_numpy(np.load(folder / "queries.npy"))  # (Q, d)
    truth_path = folder / "truth.npy"
    if truth_path.is_file() and not args.fresh:
        all_s = None
    else:
        start = time.perf_counter()
        _, truth = exact_top_k(keys, queries, K)
        all_s = time.perf_counter() - start
        np.save(truth_path, truth.numpy())
    samples = []
    for i in range(args.exact_queries):  # the baseline: what exact search costs per query
        start = time.perf_counter()
        exact_top_k(keys, queries[i : i + 1], K)
        samples.append(time.perf_counter() - start)
    timing = summarize(samples)
    console.print(
        f"exact: batch-1 p50 {timing.p50_ms:,.0f} ms over the fp16 file; load {load_text()}"
    )
    return {"truth_all_queries_s": all_s, "batch1": timing.as_dict(), "load": load_average()}
