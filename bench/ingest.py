"""Ingest throughput: passages encoded per second through `KnowledgeBase.ingest`, and peak memory.

    python -m bench.ingest                  # the demo KB + the eval runbooks, once
    python -m bench.ingest --copies 5       # the same files 5 times over (distinct ids)
    python -m bench.ingest --batch-sizes 16,32,64,128

Each run ingests into a fresh store, the path `opsqkv kb ingest` takes. The model is
loaded before timing. A second table shows the encoder alone on the same passage texts
in file order and sorted by length (padding is what a batch of mixed lengths wastes).
"""

from __future__ import annotations

import argparse
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
    rss_mb,
    table,
    write_result,
)
from bench.corpus import default_sources
from knowledge.encoder import Encoder
from knowledge.ingest import load
from knowledge.kb import KnowledgeBase


def main() -> None:
    args = parse_args()
    sources = args.sources or default_sources()
    work = Path(tempfile.mkdtemp(prefix="opsqkv-bench-ingest-", dir=args.tmp))
    try:
        docs = stage(sources, work / "docs", args.copies)
        runs = [ingest_run(docs, work / f"kb-{size}", size) for size in args.batch_sizes]
        encoder_only = encode_orders(docs, args.batch_sizes[-1]) if args.encoder_table else []
    finally:
        shutil.rmtree(work, ignore_errors=True)
    payload = {"runs": runs, "encoder_only": encoder_only, "peak_rss_mib": peak_rss_mb()}
    print_tables(runs, encoder_only)
    print_footer(write_result("ingest", {**vars(args), "sources": sources}, payload))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__)
    parser.add_argument("sources", nargs="*", type=Path, help="default: demo KB + eval runbooks")
    parser.add_argument("--copies", type=int, default=1, help="ingest the sources this often")
    parser.add_argument(
        "--batch-sizes", type=lambda s: [int(x) for x in s.split(",")], default=[64]
    )
    parser.add_argument("--no-encoder-table", dest="encoder_table", action="store_false")
    parser.add_argument("--tmp", type=Path, default=None)
    return parser.parse_args()


def stage(sources: list[Path], folder: Path, copies: int) -> Path:
    """Copy the sources `copies` times under one folder, so each copy gets its own ids."""
    for copy in range(copies):
        for source in sources:
            target = folder / f"copy-{copy}" / source.name
            if source.is_dir():
                shutil.copytree(source, target)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
    return folder


def ingest_run(docs: Path, store: Path, batch_size: int) -> dict[str, Any]:
    """One full ingest into a fresh store with the encoder at `batch_size`."""
    start = time.perf_counter()
    encoder = Encoder(batch_size=batch_size)
    load_s = time.perf_counter() - start
    rss_before = rss_mb()
    with ProgressBar(f"ingest, batch {batch_size}", 1) as bar:
        start = time.perf_counter()
        kb = KnowledgeBase.open(store, create=True, encoder=encoder)
        report = kb.ingest([docs], progress=bar.report)
        took = time.perf_counter() - start
    lengths = [len(r.key_text()) for r in load([docs]).records]
    result = {
        "batch_size": batch_size,
        "model_load_s": load_s,
        "files": report.files,
        "passages": len(kb),
        "encoded": report.encoded,
        "mean_chars": sum(lengths) / max(len(lengths), 1),
        "ingest_s": took,
        "passages_per_s": report.encoded / took if took else float("nan"),
        "rss_before_mib": rss_before,
        "rss_after_mib": rss_mb(),
        "peak_rss_mib": peak_rss_mb(),
    }
    console.print(
        f"  batch {batch_size}: {report.encoded:,} passages in {took:.1f} s "
        f"({result['passages_per_s']:.0f}/s)"
    )
    return result


def encode_orders(docs: Path, batch_size: int) -> list[dict[str, Any]]:
    """The encoder alone over the same passages, in file order and sorted by length."""
    encoder = Encoder(batch_size=batch_size)
    texts = [r.key_text() for r in load([docs]).records]  # what the ingest encoded
    rows = []
    for order, batch in (("file order", texts), ("sorted by length", sorted(texts, key=len))):
        start = time.perf_counter()
        encoder.encode(batch)
        took = time.perf_counter() - start
        rows.append(
            {"order": order, "texts": len(batch), "seconds": took, "per_s": len(batch) / took}
        )
    return rows


def print_tables(runs: list[dict[str, Any]], encoder_only: list[dict[str, Any]]) -> None:
    body = [
        [
            r["batch_size"],
            r["files"],
            r["encoded"],
            r["mean_chars"],
            r["ingest_s"],
            r["passages_per_s"],
            r["rss_before_mib"],
            r["peak_rss_mib"],
        ]
        for r in runs
    ]
    columns = [
        "batch",
        "files",
        "passages",
        "mean chars",
        "seconds",
        "passages/s",
        "RSS before MiB",
        "peak RSS MiB",
    ]
    console.print(table("ingest (KnowledgeBase.ingest into a fresh store)", columns, body))
    if encoder_only:
        rows = [[r["order"], r["texts"], r["seconds"], r["per_s"]] for r in encoder_only]
        console.print(table("encoder alone", ["order", "texts", "seconds", "texts/s"], rows))


if __name__ == "__main__":
    main()
