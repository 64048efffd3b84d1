"""CMDB questions at scale: parse + execute latency for 20 questions on demo estates.

    python -m bench.cmdb                           # 10⁴ and 10⁵ hosts
    python -m bench.cmdb --sizes 10000,100000,1000000
    python -m bench.cmdb --sizes 2000 --repeats 3  # a quick look

Each estate comes from the demo generator (knowledge/cmdb/demo.py, seed 7), is loaded into
a fresh SQLite file through `CMDB.load` (the path `opsqkv cmdb demo` takes), and is asked
20 questions as an ops engineer types them. Parse = question -> CMDBQuery (grammar, item
names, schema linking by attention); execute = the parameterised SQL and reading the rows
(the grouped numbers, or the count and the first 50 items the CLI shows; reading every
item, as `--json` does, is timed once per question apart). The first call of each question is
reported apart ("cold": a word never seen before is encoded once); then `--repeats` calls.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import console, peak_rss_mb, print_footer, summarize, table, write_result
from knowledge.cmdb import CMDB
from knowledge.cmdb.demo import generate
from knowledge.encoder import Encoder

PAGE = 50  # rows the CLI shows
QUESTIONS = [
    "prod mysql hosts in sh-1 with cpu over 80%",
    "staging redis caches not in bj-2",
    "web hosts with more than 16 cores and less than 64GB ram",
    "which hosts does payment-api run on",
    "what does order-service depend on",
    "how many hosts per idc",
    "count prod hosts by os",
    "average cpu of hosts per env",
    "hosts in sh-1 or bj-2 with disk usage between 20 and 40",
    "non-prod ubuntu hosts owned by team-payments",
    "top 5 hosts by cpu",
    "10 busiest prod hosts",
    "postgres dbs in staging",
    "mysql databases bigger than 500 gb",
    "hosts that are down in gz-1",
    "members of k8s-prod-sh-1",
    "db servers in production",
    "dev hosts with disk usage over 90% not in sh-2",
    "hosts with cpu between 20% and 40% in bj-2 owned by team-web",
    "everything order-service depends on, transitively",
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.cmdb", description=__doc__)
    parser.add_argument("--sizes", default="10000,100000", help="host counts, comma-separated")
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per question")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def bench_size(
    encoder: Encoder, hosts: int, seed: int, repeats: int, folder: Path
) -> dict[str, Any]:
    """Build one estate and time every question on it."""
    start = time.perf_counter()
    data = generate(hosts=hosts, seed=seed)
    generated_s = time.perf_counter() - start
    cmdb = CMDB.open(
        folder / "cmdb.sqlite", create=True, encoder=encoder, cache_dir=folder / "keys"
    )
    start = time.perf_counter()
    cmdb.load(data)
    load_s = time.perf_counter() - start
    items = len(data["items"])
    del data
    start = time.perf_counter()
    cmdb.parser()
    keys_s = time.perf_counter() - start
    per_question: list[dict[str, Any]] = []
    parse_all: list[float] = []
    execute_all: list[float] = []
    total_all: list[float] = []
    for question in QUESTIONS:
        cold = _one(cmdb, question)
        runs = [_one(cmdb, question) for _ in range(repeats)]
        parse_all += [r[0] for r in runs]
        execute_all += [r[1] for r in runs]
        total_all += [r[0] + r[1] for r in runs]
        totals = summarize([r[0] + r[1] for r in runs])
        per_question.append(
            {"question": question, "answer_items": cold[2], "cold_ms": (cold[0] + cold[1]) * 1000,
             "all_items_ms": _all_items_ms(cmdb, question),
             "parse": summarize([r[0] for r in runs]).as_dict(),
             "execute": summarize([r[1] for r in runs]).as_dict(), "total": totals.as_dict()}
        )  # fmt: skip
    cmdb.close()
    return {
        "hosts": hosts,
        "items": items,
        "generate_s": generated_s,
        "load_s": load_s,
        "keys_s": keys_s,
        "db_mb": (folder / "cmdb.sqlite").stat().st_size / 2**20,
        "parse": summarize(parse_all).as_dict(),
        "execute": summarize(execute_all).as_dict(),
        "total": summarize(total_all).as_dict(),
        "cold_p50_ms": sorted(q["cold_ms"] for q in per_question)[len(per_question) // 2],
        "questions": per_question,
    }


def _one(cmdb: CMDB, question: str) -> tuple[float, float, int]:
    """(parse seconds, execute seconds, answer size) of one question; execute reads what
    the CLI shows: the grouped numbers, or the count and the first PAGE items."""
    start = time.perf_counter()
    parsed = cmdb.parse(question)
    parsed_at = time.perf_counter()
    if not parsed.understood:
        raise SystemExit(f"benchmark question not understood: {question!r}: {parsed.complaint()}")
    result = cmdb.run(parsed.query, parsed=parsed)
    if result.stats is None:
        result.page(PAGE)
    done = time.perf_counter()
    return parsed_at - start, done - parsed_at, result.total


def _all_items_ms(cmdb: CMDB, question: str) -> float:
    """Reading every matching item too (what `--json` prints)."""
    start = time.perf_counter()
    result = cmdb.ask(question)
    if result.stats is None:
        len(result.items)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    args = parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    start = time.perf_counter()
    encoder = Encoder()
    console.print(f"encoder loaded in {time.perf_counter() - start:.1f} s (not in any timing)")
    results = []
    for hosts in sizes:
        folder = Path(tempfile.mkdtemp(prefix=f"bench-cmdb-{hosts}-"))
        try:
            console.print(f"estate of {hosts:,} hosts: generating, loading, asking…")
            results.append(bench_size(encoder, hosts, args.seed, args.repeats, folder))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    rows = [
        [f"{r['hosts']:,}", r["items"], r["load_s"], r["keys_s"], r["parse"]["p50_ms"],
         r["parse"]["p99_ms"], r["execute"]["p50_ms"], r["execute"]["p99_ms"], r["total"]["p50_ms"],
         r["total"]["p99_ms"], r["cold_p50_ms"]]
        for r in results
    ]  # fmt: skip
    console.print(
        table(
            f"CMDB: parse + execute, {len(QUESTIONS)} questions x {args.repeats} calls (ms)",
            ["hosts", "items", "load s", "keys s", "parse p50", "parse p99", "exec p50",
             "exec p99", "total p50", "total p99", "cold p50"],
            rows,
        )
    )  # fmt: skip
    slowest = [
        [
            f"{r['hosts']:,}",
            q["question"],
            q["answer_items"],
            q["total"]["p50_ms"],
            q["all_items_ms"],
        ]
        for r in results
        for q in sorted(r["questions"], key=lambda q: -q["total"]["p50_ms"])[:3]
    ]
    console.print(
        table(
            "slowest questions (total p50 ms)",
            ["hosts", "question", "matches", "p50", "all rows"],
            slowest,
        )
    )
    path = write_result(
        "cmdb",
        {"sizes": sizes, "repeats": args.repeats, "seed": args.seed, "questions": QUESTIONS},
        {"results": results, "peak_rss_mb": peak_rss_mb()},
    )
    print_footer(path)


if __name__ == "__main__":
    main()
