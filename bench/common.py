"""What every benchmark shares: timing, percentiles, machine facts, the JSON result, the table."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import resource
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO / "bench" / "results"
console = Console(highlight=False)
if not console.is_terminal:  # piped to a file or a log: do not squeeze tables into 80 columns
    console = Console(highlight=False, width=160)


@dataclass(frozen=True)
class Timing:
    """Latency summary of repeated calls, in milliseconds."""

    p50_ms: float
    p99_ms: float
    mean_ms: float
    n: int
    min_ms: float = float("nan")  # the least-disturbed call: on shared cores, p50 includes waits

    def as_dict(self) -> dict[str, float]:
        return {
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
            "mean_ms": self.mean_ms,
            "min_ms": self.min_ms,
            "n": self.n,
        }


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation between closest ranks."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    pos = (len(ordered) - 1) * q / 100.0
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def summarize(seconds: Sequence[float]) -> Timing:
    """p50 / p99 / mean of wall times given in seconds, reported in ms."""
    ms = [s * 1000.0 for s in seconds]
    return Timing(
        p50_ms=percentile(ms, 50),
        p99_ms=percentile(ms, 99),
        mean_ms=statistics.fmean(ms) if ms else float("nan"),
        n=len(ms),
        min_ms=min(ms) if ms else float("nan"),
    )


def time_calls(
    call: Callable[[int], object], repeats: int, *, warmup: int = 2, budget_s: float | None = None
) -> Timing:
    """Time `call(i)` for i in range(repeats) after `warmup` untimed calls.

    `budget_s` stops early once that much time is spent (slow baselines at 10⁶ keys),
    keeping at least 5 samples.
    """
    for i in range(warmup):
        call(i)
    samples: list[float] = []
    spent = 0.0
    for i in range(repeats):
        start = time.perf_counter()
        call(i)
        took = time.perf_counter() - start
        samples.append(took)
        spent += took
        if budget_s is not None and spent > budget_s and len(samples) >= 5:
            break
    return summarize(samples)


def rss_mb() -> float:
    """Resident memory of this process now, MiB (from /proc: Linux only, else NaN)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return float(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, MiB (Linux reports KiB)."""
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024.0


def load_average() -> tuple[float, float, float]:
    """The 1/5/15-minute load averages: other work on these cores inflates every timing."""
    return os.getloadavg()


def machine() -> dict[str, Any]:
    """Facts about where a result came from, written into every JSON result."""
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return {
        "host": platform.node(),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "memory_gib": round(pages / 2**30, 1),
        "python": platform.python_version(),
        "torch": torch.__version__,
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def write_result(name: str, params: dict[str, Any], payload: dict[str, Any]) -> Path:
    """Write bench/results/<name>-<utc timestamp>.json and <name>-latest.json; returns the first."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    record = {
        "benchmark": name,
        "date": now.isoformat(timespec="seconds"),
        "machine": machine(),
        "load_average": load_average(),
        "params": params,
        **payload,
    }
    text = json.dumps(record, indent=2, default=_jsonable)
    path = RESULTS_DIR / f"{name}-{now.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(text)
    (RESULTS_DIR / f"{name}-latest.json").write_text(text)
    return path


def _jsonable(value: object) -> object:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, torch.Tensor):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} into a benchmark result")


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> Table:
    """A rich table; floats are shown with 3 significant digits."""
    out = Table(title=title, title_justify="left")
    for i, column in enumerate(columns):
        out.add_column(column, justify="left" if i == 0 else "right")
    for row in rows:
        out.add_row(*(_cell(value) for value in row))
    return out


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if value != value:  # NaN: not measured
            return "–"
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def print_footer(path: Path) -> None:
    """The load the numbers were taken under, and where the JSON went."""
    one, five, fifteen = load_average()
    console.print(
        f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores; "
        f"result written to {path.relative_to(REPO)}"
    )


class ProgressBar:
    """A transient rich progress bar; `report` is a `knowledge.progress.Progress`."""

    def __init__(self, label: str, total: int) -> None:
        self._progress = Progress(
            TextColumn(label),
            BarColumn(),
            TextColumn("{task.completed:,}/{task.total:,}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task = self._progress.add_task(label, total=total)

    def __enter__(self) -> ProgressBar:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def report(self, stage: str, done: int, total: int) -> None:
        """Follow whichever stage reports; the bar keeps its label."""
        self._progress.update(self._task, completed=done, total=total)
