"""Milvus (milvus-lite) beside the local index at 10⁵ and 10⁶ realistic keys.

    python -m bench.milvus --keys 100000,1000000

Per N, with the keys and exact truth of bench/scale_keys.py (corpus.py's method, an fp16
file under bench/results/milvus/<N>/, reused by later runs):

1. exact: batch-1 exact top-10 over the keys file, the baseline of every ratio;
2. local: what `--kb-index auto` uses at that N (the HNSW graph below 2·10⁶ keys), built
   and saved by one process, then opened and searched by a fresh one;
3. milvus: `MilvusIndex` on a fresh milvus-lite folder, built (inserts + flush, which builds
   milvus-lite's per-segment HNSW) by one process, then opened and searched by a fresh one,
   at each `--ef` in turn.

Every build and search runs in its own process, so its peak RSS (VmHWM) is its own; with
milvus-lite the engine runs inside that process, so its memory is counted there. `--bm25`
also runs bench/milvus_bm25.py (Milvus's BM25 against the local one).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from bench.common import (
    RESULTS_DIR,
    console,
    load_average,
    print_footer,
    rss_mb,
    summarize,
    table,
    write_result,
)
from bench.scale_keys import K, exact_truth, load_text, make_keys, mapped_keys

METHODS = ("local", "milvus")


def main() -> None:
    args = parse_args()
    if args.phase != "all":
        worker(args)
        return
    results: dict[str, Any] = {}
    for n in args.keys:
        results[str(n)] = one_size(n, args)
    if args.bm25:
        from bench.milvus_bm25 import run_bm25

        results["bm25"] = run_bm25(args.bm25_passages)
    print_tables(results, args)
    path = write_result("milvus", {k: v for k, v in vars(args).items() if k != "phase"}, results)
    print_footer(path)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.milvus", description=__doc__)
    parser.add_argument("--keys", type=_ints, default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=200, help="real query vectors")
    parser.add_argument("--ef", type=_ints, default=[64, 128, 256, 512], help="Milvus ef")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--exact-queries", type=int, default=5, help="timed exact batch-1 runs")
    parser.add_argument(
        "--search-queries", type=int, default=0, help="queries timed per setting (0: all)"
    )
    parser.add_argument(
        "--max-rss-gib", type=float, default=10.0, help="kill a phase whose RSS passes this"
    )
    parser.add_argument("--text-stride", type=int, default=8, help="every n-th corpus text")
    parser.add_argument("--bm25", action="store_true", help="also compare BM25 engines")
    parser.add_argument("--bm25-passages", type=int, default=100_000)
    parser.add_argument("--fresh", action="store_true", help="regenerate keys and truth")
    parser.add_argument("--phase", default="all", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=0, help=argparse.SUPPRESS)
    return parser.parse_args()


def _ints(text: str) -> list[int]:
    return [int(float(part)) for part in text.split(",") if part]


def one_size(n: int, args: argparse.Namespace) -> dict[str, Any]:
    folder = RESULTS_DIR / "milvus" / str(n)
    folder.mkdir(parents=True, exist_ok=True)
    console.print(f"[bold]milvus[/] N = {n:,} in {folder}; load {load_text()}")
    keys_args = argparse.Namespace(**vars(args) | {"keys": n})
    out: dict[str, Any] = {"keys": make_keys(folder, keys_args)}
    out["exact"] = exact_truth(folder, mapped_keys(folder, n), keys_args)
    for method in args.methods.split(","):
        built = run_worker(f"build-{method}", n, args)
        searched = {} if "killed_at_rss_mib" in built else run_worker(f"search-{method}", n, args)
        out[method] = {"build": built, "search": searched}
    return out


def run_worker(phase: str, n: int, args: argparse.Namespace) -> dict[str, Any]:
    """One phase in a fresh process (its own VmHWM); it writes <phase>.json."""
    command = [sys.executable, "-m", "bench.milvus", "--phase", phase, "--n", str(n)]
    command += ["--ef", ",".join(map(str, args.ef)), "--search-queries", str(args.search_queries)]
    start = time.perf_counter()
    # A shared 24 GiB box: a phase that outgrows --max-rss-gib is stopped, not the machine.
    child = subprocess.Popen(command)  # noqa: S603 (argv list, no shell)
    limit_mib, peak_mib = args.max_rss_gib * 1024, 0.0
    while child.poll() is None:
        peak_mib = max(peak_mib, _rss_of(child.pid))
        if peak_mib > limit_mib:
            child.kill()
            child.wait()
            console.print(f"  {phase}: stopped at {peak_mib:,.0f} MiB RSS (--max-rss-gib)")
            return {"killed_at_rss_mib": peak_mib, "process_s": time.perf_counter() - start}
        time.sleep(0.5)
    if child.returncode != 0:
        raise SystemExit(f"{phase} failed with exit code {child.returncode}")
    result: dict[str, Any] = json.loads(
        (RESULTS_DIR / "milvus" / str(n) / f"{phase}.json").read_text()
    )
    result["process_s"] = time.perf_counter() - start
    return result


# ---- the worker processes --------------------------------------------------------------


def worker(args: argparse.Namespace) -> None:
    torch.set_num_threads(2)
    folder = RESULTS_DIR / "milvus" / str(args.n)
    step, method = args.phase.split("-", 1)
    result = build(folder, method, args.n) if step == "build" else search(folder, method, args)
    result |= {"peak_rss_mib": high_water_mib(), "load": load_average()}
    (folder / f"{args.phase}.json").write_text(json.dumps(result))


def build(folder: Path, method: str, n: int) -> dict[str, Any]:
    index_dir = folder / method
    shutil.rmtree(index_dir, ignore_errors=True)
    index_dir.mkdir()
    keys = torch.from_numpy(np.asarray(mapped_keys(folder, n), dtype=np.float32))  # (N, d)
    rss_keys = rss_mb()
    start = time.perf_counter()
    if method == "local":
        from knowledge.index import make_index

        index = make_index(keys, "auto")
    else:
        from knowledge.ann_milvus import MilvusIndex

        index = MilvusIndex.build(keys, str(index_dir / "vectors.db"))
    added_s = time.perf_counter() - start
    index.save(index_dir)  # Milvus: the flush that makes segments (and their HNSW) durable
    build_s = time.perf_counter() - start
    console.print(
        f"  {method} build: {build_s:,.0f} s ({index.kind}); RSS {rss_mb():,.0f} MiB; "
        f"load {load_text()}"
    )
    return {
        "kind": index.kind,
        "build_s": build_s,
        "add_s": added_s,
        "rss_keys_mib": rss_keys,
        "disk_mib": _disk_mib(index_dir),
    }


def search(folder: Path, method: str, args: argparse.Namespace) -> dict[str, Any]:
    keys = torch.from_numpy(mapped_keys(folder, args.n))  # fp16 mapping: open samples rows
    queries = torch.from_numpy(np.load(folder / "queries.npy"))  # (Q, d)
    truth = np.load(folder / "truth.npy")  # (Q, K)
    if args.search_queries:
        queries, truth = queries[: args.search_queries], truth[: args.search_queries]
    rss_start = rss_mb()
    start = time.perf_counter()
    index: Any
    if method == "local":
        from knowledge.index import open_index

        index = open_index(folder / method, keys, "auto")
        settings = [("default", None)]
    else:
        from knowledge.ann_milvus import MilvusIndex

        index = MilvusIndex.open(folder / method, keys, str(folder / method / "vectors.db"))
        settings = [(f"ef {ef}", ef) for ef in args.ef]
    open_s = time.perf_counter() - start
    if getattr(index, "rebuilt_because", None) is not None:
        raise SystemExit(f"the saved {method} index was not usable: {index.rebuilt_because}")
    rss_open = rss_mb()
    rows_out = []
    for label, ef in settings:
        if ef is not None:
            index.params = index.params.model_copy(update={"ef_search": ef})
        for i in range(3):  # warm-up
            index.search(queries[i : i + 1], K)
        samples, found = [], []
        for i in range(queries.shape[0]):
            t0 = time.perf_counter()
            _, rows = index.search(queries[i : i + 1], K)
            samples.append(time.perf_counter() - t0)
            found.append(rows[0].numpy())
        t0 = time.perf_counter()
        for first in range(0, queries.shape[0], 32):
            index.search(queries[first : first + 32], K)
        batch32_ms = 1000 * (time.perf_counter() - t0) / queries.shape[0]
        hits = sum(
            len(set(f.tolist()) & set(t.tolist())) for f, t in zip(found, truth, strict=True)
        )
        timing = summarize(samples)
        rows_out.append(
            {
                "setting": label,
                "recall_at_10": hits / truth.size,
                "batch1": timing.as_dict(),
                "batch32_ms_per_query": batch32_ms,
                "load": load_average(),
            }
        )
        console.print(
            f"  {method} {label}: recall@10 {hits / truth.size:.3f}, p50 {timing.p50_ms:.2f} ms, "
            f"b32 {batch32_ms:.2f} ms/query; load {load_text()}"
        )
    return {
        "kind": index.kind,
        "open_s": open_s,
        "rss_before_open_mib": rss_start,
        "rss_after_open_mib": rss_open,
        "settings": rows_out,
    }


def _rss_of(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return float(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


def high_water_mib() -> float:
    """Peak resident memory of this process image (VmHWM), MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return float(line.split()[1]) / 1024.0
    return float("nan")


def _disk_mib(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


# ---- report ----------------------------------------------------------------------------


def print_tables(results: dict[str, Any], args: argparse.Namespace) -> None:
    columns = ["index", "setting", "recall@10", "b1 p50 ms", "b1 min ms", "b32 ms/q",
               "× exact b1", "build s", "build peak MiB", "search peak MiB", "open s"]  # fmt: skip
    for n in args.keys:
        r = results[str(n)]
        exact_ms = r["exact"]["batch1"]["p50_ms"]
        exact_min = r["exact"]["batch1"]["min_ms"]
        exact_row = ["exact (fp16 file, chunked)", "", 1.0, exact_ms, exact_min, None, 1.0]
        rows: list[list[object]] = [[*exact_row, None, None, None, None]]
        for method in args.methods.split(","):
            b, s = r[method]["build"], r[method]["search"]
            if "killed_at_rss_mib" in b or "killed_at_rss_mib" in s:
                rows.append([f"{method}: stopped over --max-rss-gib", *[None] * 10])
                continue
            for x in s["settings"]:
                p50 = x["batch1"]["p50_ms"]
                rows.append([f"{method}: {s['kind']}", x["setting"], x["recall_at_10"], p50,
                             x["batch1"]["min_ms"], x["batch32_ms_per_query"], exact_ms / p50,
                             b["build_s"], b["peak_rss_mib"], s["peak_rss_mib"], s["open_s"]])  # fmt: skip
        console.print(table(f"batch-1 top-{K} at {n:,} realistic keys", columns, rows))
    if "bm25" in results:
        from bench.milvus_bm25 import print_bm25

        print_bm25(results["bm25"])


if __name__ == "__main__":
    main()
