"""A million CIs: streamed loads (time, peak RSS) and question latency at 10⁵ and 10⁶ hosts.

    python -m bench.cmdb_scale                          # 10⁵ and 10⁶ hosts
    python -m bench.cmdb_scale --sizes 20000 --repeats 2  # a quick look
    python -m bench.cmdb_scale --file-sizes 100000,1000000  # `cmdb load FILE` at both sizes

Per size: `opsqkv cmdb demo --hosts N` runs as a real process in a fresh data dir (wall time
and that process's peak RSS, from wait4), then `opsqkv cmdb load FILE` of the same estate
written as JSON (for the --file-sizes). Then the 20 questions of bench/cmdb.py are asked
(parse + execute, reading what the CLI shows) three ways on the same file:

  indexed   the shipped plan: attribute columns on `items` and their (type, attribute) indexes
  no index  the same columns with those indexes dropped
  EAV only  the plan before issue 16, every condition one lookup in `attrs` and every count
            a scan (the baseline)

Ratios are baseline p50 / p50 (above 1: faster than the baseline), measured in this run; the
10⁶ / 10⁵ ratios of load time and RSS show how each grows with the estate.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest.mock import patch

from bench.cmdb import PAGE, QUESTIONS
from bench.common import REPO, console, print_footer, summarize, table, write_result
from knowledge.cmdb import CMDB
from knowledge.cmdb.demo import write_estate
from knowledge.encoder import Encoder


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.cmdb_scale", description=__doc__)
    parser.add_argument("--sizes", default="100000,1000000", help="host counts, comma-separated")
    parser.add_argument("--file-sizes", default="100000", help="sizes to also time `cmdb load` at")
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per question")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scratch", type=Path, default=None, help="folder for the estates")
    return parser.parse_args()


def run_measured(args: list[str], home: Path) -> dict[str, float]:
    """Run `opsqkv ARGS` with OPSQKV_HOME=home; its wall time and its own peak RSS (MiB)."""
    env = {**os.environ, "OPSQKV_HOME": str(home)}
    start = time.perf_counter()
    proc = subprocess.Popen(  # noqa: S603 (our own CLI, argv list)
        [sys.executable, "-m", "cli", *args], cwd=REPO, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    output = proc.stdout.read().decode() if proc.stdout else ""
    if status != 0:
        raise SystemExit(f"opsqkv {' '.join(args)} failed ({status}): {output}")
    return {"wall_s": wall, "peak_rss_mb": usage.ru_maxrss / 1024.0}


def _one(cmdb: CMDB, question: str) -> float:
    """Seconds to parse and answer one question as the CLI shows it."""
    start = time.perf_counter()
    parsed = cmdb.parse(question)
    if not parsed.understood:
        raise SystemExit(f"benchmark question not understood: {question!r}: {parsed.complaint()}")
    result = cmdb.run(parsed.query, parsed=parsed)
    if result.stats is None:
        result.page(PAGE)
    return time.perf_counter() - start


def ask_all(cmdb: CMDB, repeats: int) -> dict[str, Any]:
    """Every question once cold, then `repeats` timed calls each."""
    per_question = []
    every: list[float] = []
    for question in QUESTIONS:
        answer = cmdb.ask(question)
        cold = _one(cmdb, question)
        runs = [_one(cmdb, question) for _ in range(repeats)]
        every += runs
        timing = summarize(runs)
        per_question.append({"question": question, "answer_items": answer.total,
                             "cold_ms": cold * 1000, **timing.as_dict()})  # fmt: skip
    overall = summarize(every).as_dict()
    overall["median_of_question_p50_ms"] = statistics.median(q["p50_ms"] for q in per_question)
    return {"overall": overall, "questions": per_question}


def bench_size(
    encoder: Encoder, hosts: int, args: argparse.Namespace, folder: Path, file_sizes: set[int]
) -> dict[str, Any]:
    home = folder / "home"
    console.print(f"[bold]{hosts:,} hosts[/]: `opsqkv cmdb demo` in a fresh data dir…")
    demo = run_measured(["cmdb", "demo", "--hosts", str(hosts), "--seed", str(args.seed)], home)
    db = home / "cmdb.sqlite"
    out: dict[str, Any] = {"hosts": hosts, "demo": demo, "db_mb": db.stat().st_size / 2**20}
    if hosts in file_sizes:
        path = write_estate(folder / "estate.json", hosts=hosts, seed=args.seed)
        console.print(f"  `opsqkv cmdb load` of {path.stat().st_size / 2**20:,.0f} MiB of JSON…")
        out["file_mb"] = path.stat().st_size / 2**20
        out["load_file"] = run_measured(["cmdb", "load", str(path)], folder / "home-load")
        path.unlink()
        shutil.rmtree(folder / "home-load", ignore_errors=True)
    cmdb = CMDB.open(db, encoder=encoder, cache_dir=folder / "keys")
    out["items"] = cmdb.store.count_items()
    console.print("  questions: indexed…")
    out["indexed"] = ask_all(cmdb, args.repeats)
    # The plan before issue 16: attributes read from attrs only, every count a scan.
    columns = dict(cmdb.schema.columns)
    cmdb.schema.columns.clear()
    console.print("  questions: EAV only…")
    with patch("knowledge.cmdb.cmdb.counts_from_summary", lambda query, schema: None):
        out["eav_only"] = ask_all(cmdb, args.repeats)
    cmdb.schema.columns.update(columns)
    for (name,) in cmdb.store.rows(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name GLOB 'items_c[0-9]*'"
    ):
        cmdb.store.rows(f"DROP INDEX {name}")  # names from the catalog, items_c<n> only
    cmdb.store.rows("ANALYZE")
    console.print("  questions: columns without their indexes…")
    out["no_index"] = ask_all(cmdb, args.repeats)
    cmdb.close()
    return out


def main() -> None:
    args = parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    file_sizes = {int(s) for s in args.file_sizes.split(",") if s.strip()}
    encoder = Encoder()
    results = []
    for hosts in sizes:
        folder = Path(tempfile.mkdtemp(prefix=f"bench-cmdb-scale-{hosts}-", dir=args.scratch))
        try:
            results.append(bench_size(encoder, hosts, args, folder, file_sizes))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    first = results[0]
    rows = []
    for r in results:
        p50 = {
            k: r[k]["overall"]["median_of_question_p50_ms"]
            for k in ("indexed", "no_index", "eav_only")
        }
        load = r.get("load_file", {})
        rows.append([f"{r['hosts']:,}", r["items"], r["demo"]["wall_s"], r["demo"]["peak_rss_mb"],
                     r["demo"]["wall_s"] / first["demo"]["wall_s"],
                     r["demo"]["peak_rss_mb"] / first["demo"]["peak_rss_mb"],
                     load.get("wall_s"), load.get("peak_rss_mb"), r["db_mb"],
                     p50["indexed"], p50["no_index"], p50["eav_only"],
                     p50["eav_only"] / p50["indexed"]])  # fmt: skip
    console.print(table(
        f"CMDB at scale: demo load, `cmdb load` of the JSON file, and the median of {len(QUESTIONS)} "
        f"question p50s ({args.repeats} calls each, ms); × = ratio to the first size / to EAV only",
        ["hosts", "items", "demo s", "demo RSS MiB", "demo s ×", "RSS ×", "load s", "load RSS MiB",
         "db MiB", "p50 indexed", "p50 no index", "p50 EAV only", "EAV ÷ indexed"], rows))  # fmt: skip
    last = results[-1]
    per_q = [[q["question"], q["answer_items"], q["p50_ms"], n["p50_ms"], e["p50_ms"],
              e["p50_ms"] / q["p50_ms"]]
             for q, n, e in zip(last["indexed"]["questions"], last["no_index"]["questions"],
                                last["eav_only"]["questions"], strict=True)]  # fmt: skip
    console.print(table(
        f"per question at {last['hosts']:,} hosts (p50 ms)",
        ["question", "matches", "indexed", "no index", "EAV only", "EAV ÷ indexed"], per_q))  # fmt: skip
    path = write_result(
        "cmdb_scale",
        {"sizes": sizes, "file_sizes": sorted(file_sizes), "repeats": args.repeats,
         "seed": args.seed, "questions": QUESTIONS},
        {"results": results},
    )  # fmt: skip
    print_footer(path)


if __name__ == "__main__":
    main()
