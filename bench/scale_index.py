"""Ten million keys: the compressed (IVF-PQ) index at scale, beside exact search and HNSW.

    python -m bench.scale_index --keys 10000000

1. keys: corpus.py's `extend_keys`, block by block, written to an fp16 file (10⁷ × 384
   fp32 would be 15 GB in RAM; the file is 7.7 GB and only one block is ever in memory);
2. truth: exact top-k of the real queries by a chunked matmul over that file, and the
   batch-1 time of that exact search (the baseline on the same keys);
3. build: `IvfPqIndex.build` over the mapped file (trains on a sample, adds in chunks), saved
   beside it like a store's index;
4. search: a fresh process opens the saved index for the mapped keys (as `open_index` does),
   times batch-1 queries for each (nprobe, rerank) and reports its peak resident memory;
5. HNSW at `--hnsw-keys` keys, the index "auto" uses below `COMPRESSED_THRESHOLD`.

Files live under bench/results/scale-index/<N>/ (gitignored); keys and index are reused
by a later run with the same N and build parameters (`--fresh` rebuilds).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import torch

from bench.common import (
    RESULTS_DIR,
    console,
    load_average,
    peak_rss_mb,
    print_footer,
    rss_mb,
    summarize,
    table,
    write_result,
)
from bench.scale_keys import K, exact_truth, load_text, make_keys, mapped_keys
from knowledge.ann import HnswIndex
from knowledge.ann_compressed import IvfPqIndex, PqParams


def main() -> None:
    args = parse_args()
    folder = RESULTS_DIR / "scale-index" / str(args.keys)
    if args.phase == "search":
        search_phase(folder, args)
        return
    folder.mkdir(parents=True, exist_ok=True)
    params = build_params(args)
    console.print(f"[bold]scale_index[/] N = {args.keys:,}, data in {folder}; load {load_text()}")
    keys_info = make_keys(folder, args)
    mapped = mapped_keys(folder, args.keys)
    truth_info = exact_truth(folder, mapped, args)
    build_info = build_index(folder, mapped, params, args)
    search_info = run_search_process(args)
    hnsw_info = hnsw_baseline(mapped, folder, args) if args.hnsw_keys else None
    payload = {
        "keys": keys_info,
        "exact": truth_info,
        "build": build_info,
        "search": search_info,
        "hnsw": hnsw_info,
    }
    print_tables(args, payload)
    path = write_result(
        f"scale_index-{args.keys}", vars(args) | {"pq": params.model_dump()}, payload
    )
    print_footer(path)


def parse_args() -> argparse.Namespace:
    defaults = PqParams()
    parser = argparse.ArgumentParser(prog="python -m bench.scale_index", description=__doc__)
    parser.add_argument("--keys", type=lambda s: int(float(s)), default=10_000_000)
    parser.add_argument("--queries", type=int, default=200, help="real query vectors")
    parser.add_argument("--pq-m", type=int, default=48)
    parser.add_argument("--nlist-per-sqrt", type=float, default=defaults.nlist_per_sqrt)
    parser.add_argument("--train-per-list", type=int, default=defaults.train_per_list)
    parser.add_argument("--kmeans-iters", type=int, default=defaults.kmeans_iters)
    parser.add_argument("--opq", action="store_true", help="learn an OPQ rotation")
    parser.add_argument("--nprobe", type=_ints, default=[16, 32, 64])
    parser.add_argument("--rerank", type=_ints, default=[100, 200])
    parser.add_argument("--threads", type=int, default=1, help="search threads (batch 1)")
    parser.add_argument("--exact-queries", type=int, default=5, help="timed exact batch-1 runs")
    parser.add_argument("--hnsw-keys", type=int, default=100_000, help="0: no HNSW baseline")
    parser.add_argument(
        "--text-stride", type=int, default=8, help="encode every n-th corpus text (1: all)"
    )
    parser.add_argument("--fresh", action="store_true", help="rebuild keys and index")
    parser.add_argument("--phase", choices=["all", "search"], default="all", help=argparse.SUPPRESS)
    return parser.parse_args()


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


def build_params(args: argparse.Namespace) -> PqParams:
    return PqParams(
        pq_m=args.pq_m,
        nlist_per_sqrt=args.nlist_per_sqrt,
        train_per_list=args.train_per_list,
        kmeans_iters=args.kmeans_iters,
        opq=args.opq,
    )


# ---- 3. build -------------------------------------------------------------------------


def build_index(
    folder: Path, keys: np.ndarray, params: PqParams, args: argparse.Namespace
) -> dict[str, Any]:
    index_dir = folder / "index"
    stamp = index_dir / "build.json"
    wanted = params.model_dump()
    if stamp.is_file() and not args.fresh:
        info: dict[str, Any] = json.loads(stamp.read_text())
        if info["params"] == wanted:
            console.print(f"build: reusing {index_dir} (built in {info['build_s']:.0f} s)")
            return info
    index_dir.mkdir(exist_ok=True)
    faiss.omp_set_num_threads(torch.get_num_threads())
    start = time.perf_counter()
    shown = 0

    def step(stage: str, done: int, total: int) -> None:  # a line every ~10 %: tens of minutes
        nonlocal shown
        if done * 10 // max(total, 1) > shown * 10 // max(total, 1):
            took = time.perf_counter() - start
            console.print(f"  {stage}: {done:,} rows, {took:,.0f} s; load {load_text()}")
            shown = done

    index = IvfPqIndex.build(torch.from_numpy(keys), params, folder=index_dir, progress=step)
    build_s = time.perf_counter() - start
    index.save(index_dir)
    save_s = time.perf_counter() - start - build_s
    info = {
        "params": wanted,
        "build_s": build_s,
        "save_s": save_s,
        "nlist": index.nlist,
        "memory_mib": index.memory_bytes() / 2**20,
        "disk_mib": sum(p.stat().st_size for p in index_dir.iterdir()) / 2**20,
        "build_peak_rss_mib": peak_rss_mb(),
        "load": load_average(),
    }
    stamp.write_text(json.dumps(info))
    console.print(f"build: {build_s:,.0f} s (+{save_s:.0f} s save), nlist {index.nlist}")
    return info


# ---- 4. search, in a fresh process ----------------------------------------------------


def run_search_process(args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.scale_index", "--phase", "search"]
    command += ["--keys", str(args.keys), "--threads", str(args.threads)]
    command += ["--nprobe", ",".join(map(str, args.nprobe))]
    command += ["--rerank", ",".join(map(str, args.rerank))]
    subprocess.run(command, check=True)  # noqa: S603 (argv list, no shell)
    out = RESULTS_DIR / "scale-index" / str(args.keys) / "search.json"
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def search_phase(folder: Path, args: argparse.Namespace) -> None:
    """Open the saved index as a fresh process would and time it; writes search.json."""
    torch.set_num_threads(args.threads)
    faiss.omp_set_num_threads(args.threads)
    rss_start = rss_mb()
    keys = torch.from_numpy(mapped_keys(folder, args.keys))
    queries = torch.from_numpy(np.load(folder / "queries.npy"))  # (Q, d)
    truth = np.load(folder / "truth.npy")  # (Q, K)
    start = time.perf_counter()
    index = IvfPqIndex.open(folder / "index", keys)
    open_s = time.perf_counter() - start
    if index.rebuilt_because is not None:
        raise SystemExit(f"the saved index was not usable: {index.rebuilt_because}")
    rss_open = rss_mb()
    settings = []
    for nprobe in args.nprobe:
        for rerank in args.rerank:
            index.params = index.params.model_copy(update={"nprobe": nprobe, "rerank": rerank})
            for i in range(3):  # warm-up
                index.search(queries[i : i + 1], K)
            found, samples, cpu = [], [], []
            for i in range(queries.shape[0]):
                t0, c0 = time.perf_counter(), time.thread_time()
                _, rows = index.search(queries[i : i + 1], K)
                samples.append(time.perf_counter() - t0)
                cpu.append(time.thread_time() - c0)  # what a query costs when not preempted
                found.append(rows[0].numpy())
            hits = sum(
                len(set(f.tolist()) & set(t.tolist())) for f, t in zip(found, truth, strict=True)
            )
            settings.append(
                {
                    "nprobe": nprobe,
                    "rerank": rerank,
                    "recall_at_10": hits / truth.size,
                    "batch1": summarize(samples).as_dict(),
                    "batch1_cpu": summarize(cpu).as_dict(),
                    "rss_mib": rss_mb(),
                    "load": load_average(),
                }
            )
            console.print(
                f"search nprobe {nprobe} rerank {rerank}: recall@10 {hits / truth.size:.3f}, "
                f"p50 {settings[-1]['batch1']['p50_ms']:.2f} ms (CPU "
                f"{settings[-1]['batch1_cpu']['p50_ms']:.2f} ms); load {load_text()}"
            )
    result = {
        "open_s": open_s,
        "rss_before_open_mib": rss_start,
        "rss_after_open_mib": rss_open,
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent.
        "peak_rss_mib": _high_water_mib(),
        "ru_maxrss_mib": peak_rss_mb(),
        "threads": args.threads,
        "nice": os.nice(0),
        "settings": settings,
    }
    (folder / "search.json").write_text(json.dumps(result))


def _high_water_mib() -> float:
    """Peak resident memory of this process image (VmHWM), MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return float(line.split()[1]) / 1024.0
    return float("nan")


# ---- 5. HNSW baseline ------------------------------------------------------------------


def hnsw_baseline(keys: np.ndarray, folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    n = min(args.hnsw_keys, keys.shape[0])
    sub = torch.from_numpy(np.asarray(keys[:n], dtype=np.float32))  # (n, d)
    queries = torch.from_numpy(np.load(folder / "queries.npy"))
    _, truth = torch.topk(queries @ sub.T, K, dim=-1)  # (Q, K) exact on the subset
    start = time.perf_counter()
    index = HnswIndex.build(sub)
    build_s = time.perf_counter() - start
    samples, hits = [], 0
    for i in range(queries.shape[0]):
        t0 = time.perf_counter()
        _, rows = index.search(queries[i : i + 1], K)
        samples.append(time.perf_counter() - t0)
        hits += len(set(rows[0].tolist()) & set(truth[i].tolist()))
    info = {
        "n": n,
        "build_s": build_s,
        "memory_mib": index.memory_bytes() / 2**20,
        "bytes_per_key": index.memory_bytes() / n,
        "recall_at_10": hits / truth.numel(),
        "batch1": summarize(samples).as_dict(),
        "load": load_average(),
    }
    console.print(f"hnsw at {n:,}: {info['bytes_per_key']:.0f} B/key; load {load_text()}")
    return info


def print_tables(args: argparse.Namespace, r: dict[str, Any]) -> None:
    s, b = r["search"], r["build"]
    rows: list[list[object]] = []
    for x in s["settings"]:
        rows.append(
            [
                f"ivfpq PQ{args.pq_m}{' +OPQ' if args.opq else ''}, nlist {b['nlist']}",
                f"{args.keys:,}",
                x["nprobe"],
                x["rerank"],
                x["recall_at_10"],
                x["batch1"]["p50_ms"],
                x["batch1"]["p99_ms"],
                s["peak_rss_mib"],
                b["build_s"],
            ]
        )
    e = r["exact"]["batch1"]
    rows.append(["exact (chunked matmul, fp16 file)", f"{args.keys:,}", None, None, 1.0,
                 e["p50_ms"], e["p99_ms"], None, None])  # fmt: skip
    if r["hnsw"]:
        h = r["hnsw"]
        rows.append([f"hnsw (M=16, ef 512), {h['memory_mib']:,.0f} MiB", f"{h['n']:,}", None,
                     None, h["recall_at_10"], h["batch1"]["p50_ms"], h["batch1"]["p99_ms"],
                     None, h["build_s"]])  # fmt: skip
    columns = ["index", "N", "nprobe", "rerank", "recall@10", "p50 ms", "p99 ms",
               "search peak RSS MiB", "build s"]  # fmt: skip
    console.print(table(f"batch-1 top-{K} at {args.keys:,} keys", columns, rows))
    console.print(
        f"search process: RSS {s['rss_before_open_mib']:.0f} MiB before opening, "
        f"{s['rss_after_open_mib']:.0f} after, peak {s['peak_rss_mib']:.0f}; opened in "
        f"{s['open_s']:.1f} s; index in memory {b['memory_mib']:.0f} MiB, on disk "
        f"{b['disk_mib']:,.0f} MiB"
    )


if __name__ == "__main__":
    main()
