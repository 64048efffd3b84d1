"""The compressed index's vectors file: fp16 rows by label, read with `pread`, never mapped whole.

A mapping would be simpler, but every page a search touched would count as resident
memory of the searching process; `pread` copies the few rows a re-rank needs and leaves
the file's pages to the kernel's page cache. Bulk reads (training samples, compaction,
exact scans of a subset) map the file only for the duration of the copy.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

ROW_DTYPE = np.dtype(np.float16)
PREAD_BELOW = 2048  # scattered reads up to this many rows use one pread each


def rows_bytes(n: int, dim: int) -> int:
    """Bytes `n` rows of `dim` fp16 values take in the file."""
    return n * dim * ROW_DTYPE.itemsize


def write_rows(path: Path, first_label: int, vectors: np.ndarray) -> None:
    """Write `vectors` (n, d) as fp16 at labels first_label.. (the file grows as needed)."""
    data = np.ascontiguousarray(vectors, dtype=ROW_DTYPE)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        offset = rows_bytes(first_label, int(data.shape[1]))
        view = data.reshape(-1).view(np.uint8).data
        while view:  # pwrite may write less than asked for large buffers
            written = os.pwrite(fd, view, offset)
            view, offset = view[written:], offset + written
    finally:
        os.close(fd)


def read_rows(path: Path, labels: np.ndarray, dim: int) -> np.ndarray:
    """The rows at `labels` (M,) as a contiguous fp32 array (M, d), in the order given."""
    labels = np.asarray(labels, dtype=np.int64)
    if labels.size == 0:
        return np.empty((0, dim), dtype=np.float32)
    row = rows_bytes(1, dim)
    first, last = int(labels[0]), int(labels[-1])
    if last - first + 1 == labels.size and np.all(np.diff(labels) == 1):
        return _pread(path, [(first * row, labels.size * row)], dim)
    if labels.size <= PREAD_BELOW:
        return _pread(path, [(int(label) * row, row) for label in labels], dim)
    mapped = np.memmap(path, dtype=ROW_DTYPE, mode="r", shape=(int(labels.max()) + 1, dim))
    try:
        return np.ascontiguousarray(mapped[labels], dtype=np.float32)  # (M, d)
    finally:
        del mapped  # unmapping drops the touched pages from this process's resident set


def _pread(path: Path, spans: list[tuple[int, int]], dim: int) -> np.ndarray:
    """Read (offset, length) spans back to back into one buffer."""
    buffer = bytearray(sum(length for _, length in spans))
    view = memoryview(buffer)
    fd = os.open(path, os.O_RDONLY)
    try:
        at = 0
        for offset, length in spans:
            got = os.preadv(fd, [view[at : at + length]], offset)
            if got != length:
                raise OSError(f"{path} ends before byte {offset + length} (read {got} of {length})")
            at += length
    finally:
        os.close(fd)
    return np.frombuffer(buffer, dtype=ROW_DTYPE).reshape(-1, dim).astype(np.float32)
