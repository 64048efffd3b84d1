"""Bounded memory: generating and loading twice the estate does not take twice the memory.

Measured with tracemalloc (every Python allocation, deterministic); SQLite's own memory is
its page cache, bounded by the store's cache_size. The in-memory way (the whole file parsed,
the whole estate in one dict) is measured beside it as the yardstick.
"""

from __future__ import annotations

import json
import tracemalloc
from collections import deque
from collections.abc import Callable
from pathlib import Path

from knowledge.cmdb import CMDB, load_demo
from knowledge.cmdb.demo import generate, stream, write_estate
from knowledge.cmdb.loadfile import file_stream


def _peak(work: Callable[[], object]) -> int:
    """Peak bytes Python allocated while `work` ran, above what was held before."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        work()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def test_cmdb_stream_memory_demo_generation_is_flat_in_the_estate_size() -> None:
    smaller = _peak(lambda: deque(stream(hosts=12_000, seed=1), maxlen=0))
    bigger = _peak(lambda: deque(stream(hosts=24_000, seed=1), maxlen=0))
    whole = _peak(lambda: generate(hosts=24_000, seed=1))
    assert bigger < 1.3 * smaller, (smaller, bigger)
    assert bigger < 0.4 * whole, (bigger, whole)


def test_cmdb_stream_memory_file_load_is_flat_in_the_file_size(tmp_path: Path) -> None:
    peaks = {}
    for hosts in (10_000, 20_000):
        path = write_estate(tmp_path / f"estate-{hosts}.jsonl", hosts=hosts, seed=2)
        cmdb = CMDB.open(tmp_path / f"cmdb-{hosts}.sqlite", create=True)
        peaks[hosts] = _peak(lambda: cmdb.load(file_stream(path, size=1000)))  # noqa: B023 (called at once)
        assert cmdb.store.count_items() > hosts
        cmdb.close()
    lines = (tmp_path / "estate-20000.jsonl").read_text().splitlines()
    in_memory = _peak(lambda: [json.loads(line) for line in lines])  # the whole estate parsed
    assert peaks[20_000] < 1.3 * peaks[10_000] + 2**20, peaks
    assert peaks[20_000] < 0.3 * in_memory, (peaks, in_memory)


def test_cmdb_stream_memory_demo_load_is_flat_in_the_estate_size(tmp_path: Path) -> None:
    peaks = {}
    for hosts in (12_000, 24_000):
        cmdb = CMDB.open(tmp_path / f"demo-{hosts}.sqlite", create=True)
        peaks[hosts] = _peak(lambda: load_demo(cmdb, hosts=hosts, seed=3))  # noqa: B023 (called at once)
        cmdb.close()
    assert peaks[24_000] < 1.3 * peaks[12_000], peaks
