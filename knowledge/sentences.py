"""How text is cut: lines into passages of bounded size, passages into sentences.

Both work on Markdown-ish ops text: a fenced code block or a list item is kept whole
(a command is an answer), hard-wrapped paragraph lines are joined before sentences are cut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_TOKENS = 200  # estimated word pieces; leaves room under the encoder's 256 for title+heading
FENCE = re.compile(r"^ {0,3}(```|~~~)")
# Han characters (CJK ideographs): one word piece each, and no spaces between sentences.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN_CHAR = re.compile(f"[{HAN}]")


def has_han(text: str) -> bool:
    """Whether `text` holds a Han character: the one test of "this is Chinese text"."""
    return HAN_CHAR.search(text) is not None


_TOKEN = re.compile(rf"[{HAN}]|[^\W{HAN}]+|[^\w\s]")
_BREAKS = re.compile(r"(?<= )|(?<=[，。！？；：、])")  # where a line too long may be cut
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_HEADING = re.compile(r"^ {0,3}#{1,6}\s")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`\"'(\[])|(?<=[。！？；])\s*(?=\S)")
# Pieces after which a cut at ". " is no sentence end: list numbers, common abbreviations.
_NO_END = re.compile(r"(?:^\d+[.)]|\b(?:e\.g|i\.e|etc|vs|approx|no|cf|fig)\.)$", re.IGNORECASE)


@dataclass(frozen=True)
class Chunk:
    """A piece of text and the 1-based, inclusive line range it came from."""

    text: str
    first: int
    last: int


def estimate_tokens(text: str) -> int:
    """A cheap estimate of the encoder's word pieces: words and punctuation marks."""
    return len(_TOKEN.findall(text))


def chunk_lines(lines: list[str], first: int, max_tokens: int = MAX_TOKENS) -> list[Chunk]:
    """Pack the paragraphs of `lines` (numbered from `first`) into chunks of <= max_tokens."""
    pieces: list[Chunk] = []
    for block in paragraphs(lines, first):
        if estimate_tokens(block.text) <= max_tokens:
            pieces.append(block)
        else:
            pieces.extend(_pack(_split_long(block, max_tokens), max_tokens, "\n"))
            pieces.append(Chunk("", 0, 0))  # a boundary: pieces of a long block pack alone
    return [c for c in _pack(pieces, max_tokens, "\n\n") if c.text.strip()]


def paragraphs(lines: list[str], first: int) -> list[Chunk]:
    """Blocks separated by blank lines; a fenced code block stays one block."""
    blocks: list[Chunk] = []
    current: list[str] = []
    start = first
    in_fence = False
    for offset, line in enumerate(lines):
        if FENCE.match(line):
            in_fence = not in_fence
        if not line.strip() and not in_fence:
            if current:
                blocks.append(Chunk("\n".join(current).strip(), start, first + offset - 1))
                current = []
            continue
        if not current:
            start = first + offset
        current.append(line)
    if current:
        blocks.append(Chunk("\n".join(current).strip(), start, first + len(lines) - 1))
    return [b for b in blocks if b.text]


def _pack(pieces: list[Chunk], max_tokens: int, glue: str) -> list[Chunk]:
    """Greedy packing of consecutive pieces; an empty piece forces a cut."""
    chunks: list[Chunk] = []
    current: list[Chunk] = []
    size = 0

    def flush() -> None:
        if current:
            text = glue.join(c.text for c in current)
            chunks.append(Chunk(text, current[0].first, current[-1].last))
            current.clear()

    for piece in pieces:
        tokens = estimate_tokens(piece.text)
        if not piece.text or (current and size + tokens > max_tokens):
            flush()
            size = 0
        if piece.text:
            current.append(piece)
            size += tokens
    flush()
    return chunks


def _split_long(block: Chunk, max_tokens: int) -> list[Chunk]:
    """A block over the limit, as lines; a single huge line is cut between words (in Chinese,
    which has no spaces, after a punctuation mark)."""
    pieces: list[Chunk] = []
    for i, line in enumerate(block.text.split("\n")):
        number = block.first + i
        if estimate_tokens(line) <= max_tokens:
            pieces.append(Chunk(line, number, number))
            continue
        part: list[str] = []
        size = 0
        for word in _BREAKS.split(line):  # each piece keeps the space or mark that ends it
            tokens = estimate_tokens(word)
            if part and size + tokens > max_tokens:
                pieces.append(Chunk("".join(part).rstrip(" "), number, number))
                part, size = [], 0
            part.append(word)
            size += tokens
        if part:
            pieces.append(Chunk("".join(part).rstrip(" "), number, number))
    return pieces


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage: list items, headings and code blocks whole; prose cut at . ! ?
    and at Chinese 。！？；"""
    units: list[str] = []
    prose: list[str] = []

    def flush_prose() -> None:
        if prose:
            joined = " ".join(p.strip() for p in prose)
            units.extend(_cut_prose(joined))
            prose.clear()

    fence: list[str] | None = None
    for line in text.split("\n"):
        if FENCE.match(line):
            if fence is None:
                flush_prose()
                fence = [line]
            else:
                fence.append(line)
                units.append("\n".join(fence).strip())
                fence = None
            continue
        if fence is not None:
            fence.append(line)
        elif not line.strip():
            flush_prose()
        elif _LIST_ITEM.match(line) or _HEADING.match(line):
            flush_prose()
            prose.append(line)
        elif line.startswith(("  ", "\t")) and prose and _LIST_ITEM.match(prose[0]):
            prose.append(line)  # a wrapped continuation of the list item above
        else:
            if prose and (_LIST_ITEM.match(prose[0]) or _HEADING.match(prose[0])):
                flush_prose()
            prose.append(line)
    if fence is not None:
        units.append("\n".join(fence).strip())
    flush_prose()
    merged: list[str] = []
    for unit in units:
        # "Common causes:" says nothing alone: it belongs with what it introduces.
        if merged and merged[-1].endswith(":"):
            merged[-1] = f"{merged[-1]}\n{unit}"
        else:
            merged.append(unit)
    return [u for u in merged if re.search(r"\w", u)]


def _cut_prose(text: str) -> list[str]:
    """Sentences of one paragraph, not cut after `1.` or `e.g.`."""
    sentences: list[str] = []
    for piece in _SENTENCE_END.split(text):
        if sentences and _NO_END.search(sentences[-1]):
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return [s.strip() for s in sentences if s.strip()]
