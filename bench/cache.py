"""The static K/V cache: cold build vs warm open, first vs repeated query, incremental re-ingest.

    python -m bench.cache                      # 10⁵ passages (the issue's size)
    python -m bench.cache --passages 5000      # a quick look

A store of `--passages` Markdown passages (runbooks built from real ops texts, see
bench/corpus.py) is ingested through `KnowledgeBase.ingest`, the path `opsqkv kb ingest`
takes. Then: re-open it (keys memory-mapped, index loaded, nothing encoded), query it,
change 1% of the documents and ingest again. The encoder is loaded once, before any
timing, and its load time is reported apart.
"""

from __future__ import annotations

import argparse
import math
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import (
    ProgressBar,
    console,
    peak_rss_mb,
    print_footer,
    summarize,
    table,
    write_result,
)
from bench.corpus import default_sources, ops_texts, real_questions, runbook_documents
from knowledge.encoder import Encoder
from knowledge.kb import KnowledgeBase


def main() -> None:
    args = parse_args()
    start = time.perf_counter()
    encoder = Encoder()
    model_load_s = time.perf_counter() - start
    texts = [t for per_file in ops_texts(default_sources()).values() for t in per_file]
    n_docs = math.ceil(args.passages / args.sections)
    work = Path(tempfile.mkdtemp(prefix="opsqkv-bench-cache-", dir=args.tmp))
    try:
        docs_dir, store_dir = work / "docs", work / "kb"
        write_docs(docs_dir, runbook_documents(texts, n_docs, args.sections))
        result = measure(encoder, docs_dir, store_dir, texts, n_docs, args)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    result["model_load_s"] = model_load_s
    result["peak_rss_mib"] = peak_rss_mb()
    print_tables(result)
    print_footer(write_result("cache", vars(args), result))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.cache", description=__doc__)
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--sections", type=int, default=10, help="passages per document")
    parser.add_argument("--changed", type=float, default=0.01, help="share of documents edited")
    parser.add_argument("--queries", type=int, default=30, help="distinct query texts")
    parser.add_argument("--tmp", type=Path, default=None, help="where the store is built")
    parser.add_argument("--keep", action="store_true", help="keep the built store and docs")
    return parser.parse_args()


def write_docs(folder: Path, docs: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")


def measure(
    encoder: Encoder,
    docs_dir: Path,
    store_dir: Path,
    texts: list[str],
    n_docs: int,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Cold build, warm open, queries and the 1% re-ingest, in that order."""
    out: dict[str, Any] = {}
    before = encoder.texts_encoded
    with ProgressBar("cold build: encoding passages", args.passages) as bar:
        start = time.perf_counter()
        kb = KnowledgeBase.open(store_dir, create=True, encoder=encoder)
        report = kb.ingest([docs_dir], progress=bar.report)
        out["cold_build_s"] = time.perf_counter() - start
    out["passages"] = len(kb)
    out["cold_encoded"] = encoder.texts_encoded - before
    out["index_kind"] = kb.index.kind
    out["cold_passages_per_s"] = report.encoded / out["cold_build_s"]
    del kb

    before = encoder.texts_encoded
    start = time.perf_counter()
    kb = KnowledgeBase.open(store_dir, encoder=encoder)
    out["warm_open_s"] = time.perf_counter() - start
    out["warm_encoded"] = encoder.texts_encoded - before
    out["warm_index_kind"] = kb.index.kind
    out["warm_index_rebuilt_because"] = getattr(kb.index, "rebuilt_because", None)
    out["cold_over_warm"] = out["cold_build_s"] / out["warm_open_s"]

    out.update(query_latencies(kb, args.queries))

    changed_docs = max(1, round(n_docs * args.changed))
    edited = runbook_documents(texts, changed_docs, args.sections, revision=1)
    write_docs(docs_dir, edited)  # same file names, other contents: an edit of 1% of docs
    before = encoder.texts_encoded
    start = time.perf_counter()
    report = kb.ingest([docs_dir])
    out["reingest_s"] = time.perf_counter() - start
    out["reingest_encoded"] = encoder.texts_encoded - before
    out["reingest_changed_passages"] = changed_docs * args.sections
    out["reingest_report"] = {
        "added": report.added,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "removed": report.removed,
    }
    out["changed_docs"] = changed_docs
    return out


def query_latencies(kb: KnowledgeBase, n: int) -> dict[str, Any]:
    """First query after open (lexical index built lazily), then new vs repeated query texts."""
    questions = (real_questions() or ["disk is full on a web server"]) * (n // 30 + 1)
    questions = [f"{q} ({i})" if i >= 30 else q for i, q in enumerate(questions[:n])]
    start = time.perf_counter()
    kb.search(questions[0], k=10)
    first_after_open = time.perf_counter() - start
    fresh, repeated = [], []
    for question in questions[1:]:
        start = time.perf_counter()
        kb.search(question, k=10)
        fresh.append(time.perf_counter() - start)
    for question in questions[1:]:
        start = time.perf_counter()
        kb.search(question, k=10)
        repeated.append(time.perf_counter() - start)
    dense_fresh, dense_repeated = [], []
    for question in questions[1:]:
        start = time.perf_counter()
        kb.search(f"{question}?", k=10, mode="dense")
        dense_fresh.append(time.perf_counter() - start)
        start = time.perf_counter()
        kb.search(f"{question}?", k=10, mode="dense")
        dense_repeated.append(time.perf_counter() - start)
    return {
        "first_query_after_open_ms": first_after_open * 1000,
        "query_new_text": summarize(fresh).as_dict(),
        "query_repeated_text": summarize(repeated).as_dict(),
        "dense_query_new_text": summarize(dense_fresh).as_dict(),
        "dense_query_repeated_text": summarize(dense_repeated).as_dict(),
    }


def print_tables(r: dict[str, Any]) -> None:
    console.print(
        table(
            f"static K/V cache, {r['passages']:,} passages ({r['index_kind']} index)",
            ["step", "seconds", "texts encoded", "note"],
            [
                ["model load (once, excluded)", r["model_load_s"], None, ""],
                [
                    "cold build (ingest all)",
                    r["cold_build_s"],
                    r["cold_encoded"],
                    f"{r['cold_passages_per_s']:.0f} passages/s",
                ],
                [
                    "warm open",
                    r["warm_open_s"],
                    r["warm_encoded"],
                    f"{r['cold_over_warm']:.0f}× faster than cold (target ≥ 20×); index "
                    f"{r['warm_index_kind']}, rebuilt: {r['warm_index_rebuilt_because'] or 'no'}",
                ],
                [
                    "re-ingest after editing 1% of docs",
                    r["reingest_s"],
                    r["reingest_encoded"],
                    f"{r['reingest_changed_passages']:,} passages changed in "
                    f"{r['changed_docs']:,} docs",
                ],
            ],
        )
    )
    rows = [
        ["first query after open (hybrid)", r["first_query_after_open_ms"], None],
        *[
            [name.replace("_", " "), r[name]["p50_ms"], r[name]["p99_ms"]]
            for name in (
                "query_new_text",
                "query_repeated_text",
                "dense_query_new_text",
                "dense_query_repeated_text",
            )
        ],
    ]
    console.print(table("queries", ["query", "p50 ms", "p99 ms"], rows))


if __name__ == "__main__":
    main()
