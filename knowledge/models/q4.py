"""Q4_0 dequantisation: blocks of an fp16 scale and 32 four-bit weights, as ggml lays them out.

A block is 18 bytes: the scale `d` (fp16, little-endian) then 16 bytes where byte j holds
weight j in its low nibble and weight j + 16 in its high nibble; weight = (nibble - 8) * d.
"""

from __future__ import annotations

import numpy as np

QK = 32  # weights per block
BLOCK_BYTES = 2 + QK // 2  # fp16 scale + 16 bytes of nibbles
BLOCK_DTYPE = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])


def q4_nbytes(rows: int, cols: int) -> int:
    """Bytes a (rows, cols) Q4_0 matrix takes; cols must be a multiple of 32."""
    return rows * (cols // QK) * BLOCK_BYTES


def dequantize_q4_0(raw: bytes | memoryview, rows: int, cols: int) -> np.ndarray:
    """The (rows, cols) float32 matrix stored row-major as Q4_0 blocks in `raw`."""
    if cols % QK:
        raise ValueError(f"Q4_0 rows must hold a multiple of {QK} weights, got {cols}")
    per_row = cols // QK
    blocks = np.frombuffer(raw, dtype=BLOCK_DTYPE, count=rows * per_row)  # (R*B,)
    out = np.empty((rows * per_row, QK), dtype=np.float32)  # (R*B, 32)
    # In slices, so the 250k-row embedding table never needs several full-size temporaries.
    step = 1 << 20
    for start in range(0, len(blocks), step):
        part = blocks[start : start + step]
        scale = part["d"].astype(np.float32)[:, None]  # (b, 1)
        qs = part["qs"]  # (b, 16) uint8
        out[start : start + len(part), : QK // 2] = ((qs & 0x0F).astype(np.float32) - 8) * scale
        out[start : start + len(part), QK // 2 :] = ((qs >> 4).astype(np.float32) - 8) * scale
    return out.reshape(rows, cols)  # (R, C)
