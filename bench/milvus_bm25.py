"""BM25 in Milvus (its BM25 function and sparse index) against the local one (bm25s).

    python -m bench.milvus_bm25 [--passages 100000]

1. quality: the runbook dev questions over ../shared/eval/runbooks, BM25 alone, each engine's
   candidates ranked into files by the product's own `rank_runs` (recall@1/@5, MRR), so only
   the BM25 engine differs. Milvus twice: on the raw text (its standard analyzer) and on the
   text as the local tokenizer splits it (CamelCase parts, stems), joined by spaces;
2. speed: `--passages` passages (real ops texts with a scope line, as corpus.py's
   `runbook_documents` writes them): build time and batch-1 p50 of 200 real queries.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import console, load_average, print_footer, summarize, table, write_result
from bench.corpus import QUESTIONS, RUNBOOKS_DIR, default_sources, ops_texts, real_questions
from bench.runbooks import evaluate_ranker, load_questions
from knowledge.fusion import rank_runs
from knowledge.ingest import load
from knowledge.lexical import LexicalIndex, tokenize
from knowledge.milvus_connect import connect, release_local

CANDIDATES = 200  # as knowledge/kb.py's retrievers
Search = Callable[[str], tuple[np.ndarray, np.ndarray]]  # query -> (rows, scores), best first


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.milvus_bm25", description=__doc__)
    parser.add_argument("--passages", type=int, default=100_000)
    args = parser.parse_args()
    result = run_bm25(args.passages)
    print_bm25(result)
    print_footer(write_result("milvus_bm25", vars(args), result))


def run_bm25(passages: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-bm25-") as tmp:
        return {"quality": quality(Path(tmp)), "speed": speed(Path(tmp), passages)}


# ---- the two engines -------------------------------------------------------------------


def local_engine(texts: Sequence[str]) -> Search:
    lexical = LexicalIndex(texts)

    def search(query: str) -> tuple[np.ndarray, np.ndarray]:
        scores, rows = lexical.search(query, CANDIDATES)
        keep = scores.numpy() > 0
        return rows.numpy()[keep].astype(np.int64), scores.numpy()[keep].astype(np.float64)

    return search


def milvus_engine(texts: Sequence[str], uri: str, *, our_tokens: bool) -> Search:
    """A collection whose BM25 function indexes `texts` (or their local tokens)."""
    from pymilvus import DataType, Function, FunctionType, MilvusClient  # type: ignore[import-untyped]

    client = connect(uri)
    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("text", DataType.VARCHAR, max_length=65535, enable_analyzer=True)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(
        Function(
            name="bm25",
            function_type=FunctionType.BM25,
            input_field_names=["text"],
            output_field_names=["sparse"],
        )
    )
    indexes = client.prepare_index_params()
    indexes.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    name = "bm25_tokens" if our_tokens else "bm25_raw"
    client.create_collection(name, schema=schema, index_params=indexes)

    def prepare(text: str) -> str:
        return " ".join(tokenize(text)) if our_tokens else text

    for start in range(0, len(texts), 4096):
        batch = texts[start : start + 4096]
        client.insert(name, [{"id": start + i, "text": prepare(t)} for i, t in enumerate(batch)])
    client.flush(name)
    client.load_collection(name)

    def search(query: str) -> tuple[np.ndarray, np.ndarray]:
        text = prepare(query)
        if not text.strip():
            return np.empty(0, np.int64), np.empty(0)
        hits = client.search(
            name, data=[text], anns_field="sparse", limit=CANDIDATES, output_fields=["id"]
        )[0]
        # milvus-lite 3.2 reports BM25 scores negated (its "smaller is closer" distance);
        # a Milvus server reports them positive. Best first either way.
        return np.asarray(hits.ids, np.int64), np.abs(np.asarray(hits.distances, np.float64))

    return search


# ---- 1. quality on the runbooks --------------------------------------------------------


def quality(tmp: Path) -> dict[str, Any]:
    records = load([RUNBOOKS_DIR]).records
    texts = [r.key_text() for r in records]
    paths = [Path(str(r.metadata.get("path", r.source))) for r in records]
    names = [p.relative_to(RUNBOOKS_DIR).as_posix() if p.is_relative_to(RUNBOOKS_DIR) else str(p)
             for p in paths]  # fmt: skip
    numbers = {name: i for i, name in enumerate(dict.fromkeys(names))}
    sources = np.asarray([numbers[n] for n in names], dtype=np.int64)  # (N,)
    questions = load_questions(QUESTIONS)
    uri = str(tmp / "quality.db")
    engines = {
        "local bm25s (opsqkv tokenizer)": local_engine(texts),
        "milvus BM25, standard analyzer": milvus_engine(texts, uri, our_tokens=False),
        "milvus BM25 on opsqkv tokens": milvus_engine(texts, uri, our_tokens=True),
    }
    out = {}
    for label, engine in engines.items():

        def ranker(query: str, engine: Search = engine) -> list[tuple[str, list[str]]]:
            rows, scores = engine(query)
            if rows.size == 0:
                return []
            ranked, _, _ = rank_runs([(rows, scores)], sources, fuse=False)
            files: dict[str, list[str]] = {}
            for row in ranked.tolist():
                files.setdefault(names[row], []).append(records[row].id)
            return list(files.items())

        result = evaluate_ranker(label, ranker, questions)
        out[label] = {
            "recall_at_1": result.recall_at_1,
            "recall_at_5": result.recall_at_5,
            "mrr": result.mrr,
            "mean_latency_ms": result.mean_latency_ms,
        }
        console.print(f"  bm25 quality {label}: R@1 {result.recall_at_1:.3f}, MRR {result.mrr:.3f}")
    release_local(uri)
    return {"passages": len(texts), "questions": len(questions), "engines": out}


# ---- 2. speed at scale -----------------------------------------------------------------


def speed(tmp: Path, n: int) -> dict[str, Any]:
    real = [t for texts in ops_texts(default_sources()).values() for t in texts]
    rng = np.random.default_rng(0)
    picks = rng.integers(0, len(real), n)
    texts = [f"{real[p]} Scope: service svc-{i // 10:05d}-{i % 10}." for i, p in enumerate(picks)]
    queries = (real_questions() + [real[p] for p in rng.integers(0, len(real), 200)])[:200]
    uri = str(tmp / "speed.db")
    out: dict[str, dict[str, Any]] = {}
    for label in ("local bm25s", "milvus BM25, standard analyzer"):
        start = time.perf_counter()
        if label == "local bm25s":
            engine = local_engine(texts)
        else:
            engine = milvus_engine(texts, uri, our_tokens=False)
        build_s = time.perf_counter() - start
        for q in queries[:3]:
            engine(q)
        samples = []
        for q in queries:
            t0 = time.perf_counter()
            engine(q)
            samples.append(time.perf_counter() - t0)
        out[label] = {
            "build_s": build_s,
            "batch1": summarize(samples).as_dict(),
            "load": load_average(),
        }
        p50 = out[label]["batch1"]["p50_ms"]
        console.print(f"  bm25 speed {label}: build {build_s:.0f} s, p50 {p50:.1f} ms")
    release_local(uri)
    return {"passages": n, "engines": out}


def print_bm25(result: dict[str, Any]) -> None:
    q = result["quality"]
    rows = [[label, x["recall_at_1"], x["recall_at_5"], x["mrr"], x["mean_latency_ms"]]
            for label, x in q["engines"].items()]  # fmt: skip
    title = f"BM25 alone on {q['passages']:,} runbook passages, {q['questions']} dev questions"
    console.print(table(title, ["engine", "recall@1", "recall@5", "MRR", "mean ms"], rows))
    s = result["speed"]
    local_p50 = s["engines"]["local bm25s"]["batch1"]["p50_ms"]
    rows = [[label, x["build_s"], x["batch1"]["p50_ms"], x["batch1"]["p99_ms"],
             x["batch1"]["p50_ms"] / local_p50] for label, x in s["engines"].items()]  # fmt: skip
    columns = ["engine", "build s", "b1 p50 ms", "b1 p99 ms", "p50 × local"]
    console.print(table(f"BM25 at {s['passages']:,} passages, top {CANDIDATES}", columns, rows))


if __name__ == "__main__":
    main()
