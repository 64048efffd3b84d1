"""Retrieval quality on a real runbook collection: recall@1, recall@5 and MRR per search mode.

Ingests ../shared/eval/runbooks through the product's own ingest path, asks the questions
of runbooks-questions/dev.jsonl in each mode and scores the ranking of source files as
../shared/eval/README.md defines it. Run: `python -m bench.runbooks [--eval-dir DIR]`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from knowledge.encoder import Encoder
from knowledge.kb import DEFAULT_MODE, SEARCH_MODES, KnowledgeBase

REPO = Path(__file__).resolve().parent.parent
PASSAGES_PER_QUERY = 100  # enough passages to see at least five distinct files


@dataclass(frozen=True)
class ModeResult:
    """Scores of one search mode over a question set."""

    mode: str
    questions: int
    recall_at_1: float
    recall_at_5: float
    mrr: float
    mean_latency_ms: float
    misses_at_1: list[str]


def load_questions(path: Path) -> list[tuple[str, set[str]]]:
    """(query, relevant file paths relative to runbooks/) per line of a questions file."""
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            questions.append((str(item["query"]), set(item["relevant"])))
    return questions


def file_ranking(
    kb: KnowledgeBase, query: str, mode: str, root: Path
) -> list[tuple[str, list[str]]]:
    """Source files in order of their first passage in the ranking, each with its passage ids."""
    files: dict[str, list[str]] = {}
    for hit in kb.search(query, k=PASSAGES_PER_QUERY, mode=mode):
        record = kb.get(hit.id)
        path = Path(record.metadata["path"]) if record is not None else Path(hit.source)
        name = path.relative_to(root).as_posix() if path.is_relative_to(root) else hit.source
        files.setdefault(name, []).append(hit.id)
    return list(files.items())


def ranked_files(kb: KnowledgeBase, query: str, mode: str, root: Path) -> list[str]:
    """Source files in order of their first passage in the ranking."""
    return [name for name, _ in file_ranking(kb, query, mode, root)]


def evaluate(
    kb: KnowledgeBase, questions: list[tuple[str, set[str]]], mode: str, root: Path
) -> ModeResult:
    """Recall@1, recall@5 and MRR of the first relevant file, and the mean query latency."""
    return evaluate_ranker(mode, lambda q: file_ranking(kb, q, mode, root), questions)


def evaluate_ranker(
    name: str,
    ranker: Callable[[str], list[tuple[str, list[str]]]],
    questions: list[tuple[str, set[str]]],
) -> ModeResult:
    """Recall@1, recall@5 and MRR of `ranker`'s file order, and its mean latency."""
    hits1 = hits5 = 0
    reciprocal: list[float] = []
    latencies: list[float] = []
    misses: list[str] = []
    for query, relevant in questions:
        start = time.perf_counter()
        files = [f for f, _ in ranker(query)]
        latencies.append(time.perf_counter() - start)
        rank = next((i for i, f in enumerate(files, start=1) if f in relevant), None)
        hits1 += rank == 1
        hits5 += rank is not None and rank <= 5
        reciprocal.append(0.0 if rank is None else 1.0 / rank)
        if rank != 1:
            misses.append(f"{query!r}: rank {rank}, top {files[:3]}")
    n = len(questions)
    return ModeResult(
        mode=name,
        questions=n,
        recall_at_1=hits1 / n,
        recall_at_5=hits5 / n,
        mrr=sum(reciprocal) / n,
        mean_latency_ms=1000 * statistics.fmean(latencies),
        misses_at_1=misses,
    )


def main(argv: list[str] | None = None) -> int:
    """Build the runbook KB, score every mode, print a table and write the JSON result."""
    parser = argparse.ArgumentParser(prog="python -m bench.runbooks", description=__doc__)
    parser.add_argument("--eval-dir", type=Path, default=REPO.parent / "shared" / "eval")
    parser.add_argument(
        "--questions",
        default="dev.jsonl",
        help="a questions file, or its name in runbooks-questions/",
    )
    parser.add_argument("--kb", type=Path, help="store folder to (re)use; default a temp one")
    parser.add_argument("--model", type=Path, help="encoder model folder (default: shipped MiniLM)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    parser.add_argument("-v", "--verbose", action="store_true", help="list the misses at 1")
    parser.add_argument(
        "--variants", action="store_true", help="also score the retrieval variants tried on dev"
    )
    args = parser.parse_args(argv)
    root = args.eval_dir / "runbooks"
    questions_path = Path(args.questions)
    if not questions_path.is_file():
        questions_path = args.eval_dir / "runbooks-questions" / args.questions
    if not root.is_dir() or not questions_path.is_file():
        print(f"error: {root} or {questions_path} not found; pass --eval-dir", file=sys.stderr)
        return 2
    questions = load_questions(questions_path)
    encoder = Encoder(args.model)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.kb if args.kb is not None else Path(tmp) / "kb"
        kb = KnowledgeBase.open(folder, create=True, encoder=encoder)
        start = time.perf_counter()
        report = kb.ingest([root])
        ingest_s = time.perf_counter() - start
        print(
            f"ingested {report.files} files -> {len(kb)} passages in {ingest_s:.1f}s "
            f"({report.encoded} encoded, {len(report.skipped)} skipped)"
        )
        # Encode every question once up front and time it apart: the modes then share the
        # encoder's cache, and each mode's latency is its retrieval alone.
        encode_s = []
        for query, _ in questions:
            start = time.perf_counter()
            encoder.encode_one(query)
            encode_s.append(time.perf_counter() - start)
        encode_ms = 1000 * statistics.fmean(encode_s)
        results = [evaluate(kb, questions, mode, root.resolve()) for mode in SEARCH_MODES]
        if args.variants:
            from bench.runbooks_variants import variants  # imports agents: only when asked

            resolved = root.resolve()
            results += variants(
                kb, questions, resolved, lambda q: file_ranking(kb, q, DEFAULT_MODE, resolved)
            )
    print(f"\n{'mode':8} {'recall@1':>9} {'recall@5':>9} {'MRR':>7} {'ms/query':>9}")
    for r in results:
        flag = "  (default)" if r.mode == DEFAULT_MODE else ""
        print(
            f"{r.mode:8} {r.recall_at_1:9.3f} {r.recall_at_5:9.3f} {r.mrr:7.3f} "
            f"{r.mean_latency_ms:9.1f}{flag}"
        )
        if args.verbose:
            for miss in r.misses_at_1:
                print(f"    miss: {miss}")
    print(
        f"(ms/query is retrieval; encoding a question takes {encode_ms:.1f} ms more in dense/hybrid)"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.out / f"runbooks-{Path(args.questions).stem}-{stamp}.json"
    payload = {
        "benchmark": "runbooks",
        "questions": str(questions_path),
        "passages": len(kb),
        "files": report.files,
        "ingest_seconds": ingest_s,
        "default_mode": DEFAULT_MODE,
        "mean_query_encoding_ms": encode_ms,
        "results": [asdict(r) for r in results],
    }
    out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
