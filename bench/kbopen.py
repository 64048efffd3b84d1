"""Instant warm open: cold build vs a fresh process's open + first hybrid search, and search cost.

    python -m bench.kbopen                         # 50,000 passages (the issue's size)
    python -m bench.kbopen --passages 100000
    python -m bench.kbopen --passages 3000         # a quick look

A store of `--passages` Markdown passages (runbooks built from real ops texts, see
bench/corpus.py) is built through `KnowledgeBase.ingest` (the cold build: every passage
encoded, the index and the BM25 index built and saved). The built store is kept under
`--cache-dir` and reused by later runs unless `--rebuild`; a reused store reports the cold
build time that the run which built it measured, and says so.

Then, in a fresh Python process for each repeat (so nothing is warm but the OS page cache
and the model, which is loaded before the clock starts): `KnowledgeBase.open` and the first
hybrid search. Then search p50 per mode over new query texts, against the cost of encoding
those texts alone (the floor any search pays).
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch

from bench.common import (
    ProgressBar,
    console,
    load_average,
    print_footer,
    summarize,
    table,
    write_result,
)
from bench.corpus import default_sources, ops_texts, real_questions, runbook_documents
from knowledge.encoder import Encoder
from knowledge.fusion import Run, rank_runs
from knowledge.kb import CANDIDATES, SEARCH_MODES, KnowledgeBase

BUILD_NOTE = "build.json"


def main() -> None:
    args = parse_args()
    if args.child is not None:
        if args.threads:
            torch.set_num_threads(args.threads)
        print(json.dumps(child(Path(args.child), args.queries, args.modes, args.index)))
        return
    if args.threads:
        torch.set_num_threads(args.threads)  # the cold build's encoder too
    home = args.cache_dir / f"{args.passages}"
    build = cold_build(home, args)
    upgrade_s = upgrade(home / "kb", args.index)
    opens = [fresh_process(home / "kb", args) for _ in range(args.repeats)]
    best = min(opens, key=lambda r: r["open_s"] + r["first_hybrid_s"])
    warm_s = best["open_s"] + best["first_hybrid_s"]
    result: dict[str, Any] = {
        "build": build,
        "upgrade_s": upgrade_s,
        "opens": opens,
        "warm_open_plus_first_search_s": warm_s,
        "cold_over_warm": build["cold_build_s"] / warm_s,
        "search": best["search"],
        "encode_alone": best["encode_alone"],
        "parts": best["parts"],
        "search_load_average": [best["load_average_before"], best["load_average_after"]],
    }
    print_tables(result)
    name = f"kbopen-{args.passages}-{args.index}-t{best['torch_threads']}"
    print_footer(write_result(name, vars(args), result))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.kbopen", description=__doc__)
    parser.add_argument("--passages", type=int, default=50_000)
    parser.add_argument("--sections", type=int, default=10, help="passages per document")
    parser.add_argument("--queries", type=int, default=60, help="distinct query texts per mode")
    parser.add_argument("--repeats", type=int, default=3, help="fresh processes that open")
    parser.add_argument("--modes", default=",".join(SEARCH_MODES))
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/opsqkv-kbopen"))  # noqa: S108 (bench cache dir)
    parser.add_argument("--rebuild", action="store_true", help="build the store even if cached")
    parser.add_argument("--index", default="auto", help="index kind to open with: auto|exact|ann")
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="torch threads for the build and the searches (0: as is)",
    )
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    return parser.parse_args()


def cold_build(home: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Build the store (or reuse the one an earlier run built) and return its build facts."""
    note = home / BUILD_NOTE
    if note.is_file() and (home / "kb").is_dir() and not args.rebuild:
        facts: dict[str, Any] = json.loads(note.read_text())
        facts["reused"] = True
        return facts
    shutil.rmtree(home, ignore_errors=True)
    texts = [t for per_file in ops_texts(default_sources()).values() for t in per_file]
    docs = runbook_documents(texts, math.ceil(args.passages / args.sections), args.sections)
    (home / "docs").mkdir(parents=True)
    for name, text in docs.items():
        (home / "docs" / name).write_text(text, encoding="utf-8")
    start = time.perf_counter()
    encoder = Encoder()
    model_load_s = time.perf_counter() - start
    with ProgressBar("cold build: encoding passages", args.passages) as bar:
        start = time.perf_counter()
        kb = KnowledgeBase.open(home / "kb", create=True, encoder=encoder)
        report = kb.ingest([home / "docs"], progress=bar.report)
        cold_s = time.perf_counter() - start
    facts = {
        "cold_build_s": cold_s,
        "model_load_s": model_load_s,
        "passages": len(kb),
        "encoded": report.encoded,
        "index": kb.index.kind,
        "torch_threads": torch.get_num_threads(),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_after": load_average(),
        "reused": False,
    }
    note.write_text(json.dumps(facts, indent=2))
    return facts


def upgrade(store: Path, index: str) -> float:
    """Bring a store an older opsqkv built to the current format, once; seconds taken.

    Records move to SQLite, BM25 is built and saved, the row -> source numbers are written
    (sources-<gen>.npy), and an index of the kind asked for is built and saved when none
    fits; a store built today has them all from its ingest. Nothing is encoded again.
    """
    start = time.perf_counter()
    kb = KnowledgeBase.open(store, encoder=Encoder(), index=index)
    if json.loads((store / "manifest.json").read_text()).get("records") != "sqlite":
        kb.store.save()
        kb.index.save(store)
    kb.lexical()
    kb.store.source_numbers()
    return time.perf_counter() - start


def fresh_process(store: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Run `child` in a new interpreter and read its JSON line."""
    command = [sys.executable, "-m", "bench.kbopen", "--child", str(store)]
    command += ["--queries", str(args.queries), "--modes", args.modes, "--index", args.index]
    command += ["--threads", str(args.threads)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603 (argv list, no shell)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def child(store: Path, n_queries: int, modes: str, index: str) -> dict[str, Any]:
    """Open the store, search once (hybrid), then time each mode and the encoder alone."""
    encoder = Encoder()
    encoder.encode_one("warm the model up")  # first forward pass allocates; not the store's cost
    questions = real_questions() or ["disk is full on a web server"]
    start = time.perf_counter()
    kb = KnowledgeBase.open(store, encoder=encoder, index=index)
    open_s = time.perf_counter() - start
    start = time.perf_counter()
    kb.search(questions[0], k=10, mode="hybrid")
    first_s = time.perf_counter() - start
    out: dict[str, Any] = {"open_s": open_s, "first_hybrid_s": first_s, "search": {}}
    out["load_average_before"] = load_average()
    out["index"] = kb.index.kind
    out["torch_threads"] = torch.get_num_threads()
    # Rounds: in each, a new text is encoded alone and one new text is searched in each
    # mode, so the floor and the searches are timed under the same load, cache state included.
    names = ["encode", *modes.split(",")]
    seconds: dict[str, list[float]] = {name: [] for name in names}
    for i in range(n_queries):
        for name in names:
            text = f"{questions[i % len(questions)]} ({i} {name})"  # never seen: not cached
            start = time.perf_counter()
            if name == "encode":
                encoder.encode_one(text)
            else:
                kb.search(text, k=10, mode=name)
            seconds[name].append(time.perf_counter() - start)
    out["load_average_after"] = load_average()
    out["encode_alone"] = summarize(seconds.pop("encode")).as_dict()
    out["search"] = {name: summarize(s).as_dict() for name, s in seconds.items()}
    texts = [f"{questions[i % len(questions)]} [{i}]" for i in range(30)]
    vectors = [encoder.encode_one(t) for t in texts]  # the parts below exclude the encoder
    sources = kb.store.source_numbers()
    runs = [[kb.rank(t, mode, None) for t in texts] for mode in ("dense", "bm25")]
    as_run = [[_as_run(run) for run in mode_runs] for mode_runs in runs]
    parts = {
        "index_search": _timed(lambda i: kb.index.search(vectors[i][None, :], CANDIDATES)),
        "bm25_search": _timed(lambda i: kb.lexical().search(texts[i], CANDIDATES)),
        "fuse_two_runs": _timed(
            lambda i: rank_runs([as_run[0][i], as_run[1][i]], sources, fuse=True)
        ),
        "rank_dense_cached_text": _timed(lambda i: kb.rank(texts[i], "dense", None)),
        "rank_hybrid_cached_text": _timed(lambda i: kb.rank(texts[i], "hybrid", None)),
    }
    out["parts"] = {k: summarize(v).as_dict() for k, v in parts.items()}
    return out


def _as_run(ranked: list[tuple[int, float, float]]) -> Run:
    """A ranked list back as a retriever's run (rows, scores): input of the same size to fuse."""
    rows = np.array([row for row, _, _ in ranked], dtype=np.int64)
    return rows, np.array([score for _, _, score in ranked], dtype=np.float64)


def _timed(call: Callable[[int], object], n: int = 30) -> list[float]:
    seconds = []
    for i in range(n):
        start = time.perf_counter()
        call(i)
        seconds.append(time.perf_counter() - start)
    return seconds


def _load(child_result: dict[str, Any]) -> str:
    """The 1-minute load average when a fresh process started timing and when it finished."""
    before, after = child_result["load_average_before"][0], child_result["load_average_after"][0]
    return f"load {before:.1f} -> {after:.1f}"


def print_tables(r: dict[str, Any]) -> None:
    build = r["build"]
    reused = f"reused: built at {build['built_at']}" if build["reused"] else "built in this run"
    reused += f"; load {build['load_average_after'][0]:.1f} as it ended"
    console.print(
        table(
            f"warm open, {build['passages']:,} passages (searched with the "
            f"{r['opens'][0]['index']} index)",
            ["step", "seconds", "note"],
            [
                ["cold build (ingest, all encoded)", build["cold_build_s"], reused],
                ["upgrade check: an older store is rewritten once", r["upgrade_s"], ""],
                *[
                    [f"fresh process {i + 1}: open", o["open_s"], _load(o)]
                    for i, o in enumerate(r["opens"])
                ],
                *[
                    [f"fresh process {i + 1}: first hybrid search", o["first_hybrid_s"], ""]
                    for i, o in enumerate(r["opens"])
                ],
                [
                    "best open + first hybrid search",
                    r["warm_open_plus_first_search_s"],
                    f"{r['cold_over_warm']:,.0f}× faster than cold (target ≥ 200×)",
                ],
            ],
        )
    )
    floor = r["encode_alone"]["p50_ms"]
    rows = [["encode the query alone", floor, r["encode_alone"]["min_ms"], 1.0]]
    for mode, t in r["search"].items():
        rows.append([f"search, {mode}", t["p50_ms"], t["min_ms"], t["p50_ms"] / floor])
    for part, t in r["parts"].items():
        rows.append([f"  part: {part.replace('_', ' ')}", t["p50_ms"], t["min_ms"], None])
    console.print(
        table(
            f"search vs encoding alone (new texts, {r['opens'][0]['torch_threads']} torch threads, "
            f"load {r['search_load_average'][0][0]:.1f} -> {r['search_load_average'][1][0]:.1f})",
            ["", "p50 ms", "min ms", "× encode"],
            rows,
        )
    )


if __name__ == "__main__":
    main()
