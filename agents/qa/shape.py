"""Procedure-shaped answers: a section cut into steps, and the steps an answer must keep.

A fix or diagnose question wants the procedure, not its most similar sentence: the
matching section is cut into steps (a numbered or bulleted item with its indented
continuation and code, a code block together with the sentence that introduces it, a
paragraph), attention picks the relevant ones, and every numbered step drags in the
steps before it in its list, since step 4 presumes steps 1-3 were done.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from knowledge.sentences import FENCE
from knowledge.store import Record

_ITEM = re.compile(r"^ {0,3}(?:(\d+)[.)]|[-*+])\s+")
STEP_KEEP = 0.2  # a step joins the answer at this share of the best step's attention weight


@dataclass(frozen=True)
class Step:
    """One step of a section, verbatim Markdown, and where it came from."""

    text: str
    record: str  # the passage id
    lines: tuple[int, int] | None
    number: int | None = None  # its number in a numbered list
    list_id: int | None = None  # steps of one numbered list share it
    kind: str = "prose"  # "item" (a list item), "code" (a fenced block) or "prose"


@dataclass
class _Open:
    lines: list[str]
    first: int
    last: int
    kind: str  # "item", "code", "prose"
    number: int | None = None


def section_steps(records: Sequence[Record]) -> list[Step]:
    """The steps of a section whose passages are `records`, in their order.

    Line numbers assume one blank line between blocks (how passages are joined); they are
    clamped to each passage's recorded range.
    """
    steps: list[Step] = []
    list_id = 0
    previous_number: int | None = None
    for record in records:
        first = record.lines[0] if record.lines else 0
        for block in _blocks(record.text.split("\n"), first):
            number = block.number
            if number is not None and (previous_number is None or number != previous_number + 1):
                list_id += 1  # a new numbered list starts
            previous_number = number if block.kind == "item" else previous_number
            lines = _clamp((block.first, block.last), record.lines)
            text = "\n".join(block.lines).strip("\n")
            in_list = list_id if number is not None else None
            steps.append(Step(text, record.id, lines, number, in_list, block.kind))
    return _join_intros(steps)


def _blocks(lines: list[str], first: int) -> list[_Open]:
    """Items (with indented continuation), fenced code and prose paragraphs of one passage."""
    blocks: list[_Open] = []
    current: _Open | None = None
    in_fence = False
    for offset, line in enumerate(lines):
        number = first + offset
        if in_fence:
            assert current is not None  # noqa: S101 (invariant, for mypy)
            current.lines.append(line)
            current.last = number
            in_fence = not FENCE.match(line)
            continue
        item = _ITEM.match(line)
        indented = line.startswith(("  ", "\t")) and line.strip()
        if FENCE.match(line):
            in_fence = True
            if current is not None and current.kind == "item" and indented:
                current.lines.append(line)  # code nested in a list item stays in it
                current.last = number
                continue
            current = _Open([line], number, number, "code")
            blocks.append(current)
        elif not line.strip():
            if current is not None and current.kind != "item":
                current = None
        elif item is not None:
            digits = item.group(1)
            current = _Open([line], number, number, "item", int(digits) if digits else None)
            blocks.append(current)
        elif current is not None and (current.kind == "prose" or indented):
            current.lines.append(line)
            current.last = number
        else:
            current = _Open([line], number, number, "prose")
            blocks.append(current)
    for block in blocks:
        while block.lines and not block.lines[-1].strip():
            block.lines.pop()
    return [b for b in blocks if b.lines]


def _join_intros(steps: list[Step]) -> list[Step]:
    """Text that introduces what follows is one step with it.

    A code block joins the prose before it ("Find what uses the space." + the command),
    and bullet items join the prose line ending in ":" that announces them ("Typical
    messages:" + the messages). Passage boundaries do not separate them: a passage is cut
    for the encoder's length, not for meaning.
    """
    out: list[Step] = []
    for step in steps:
        prev = out[-1] if out else None
        intro = prev is not None and prev.number is None and prev.kind != "code"
        joins_code = intro and step.kind == "code" and prev is not None and prev.kind == "prose"
        joins_item = (
            intro
            and step.kind == "item"
            and step.number is None
            and prev is not None
            and (prev.text.endswith(":") or prev.kind == "list")
        )
        if prev is None or not (joins_code or joins_item):
            out.append(step)
            continue
        lines = (prev.lines[0], step.lines[1]) if prev.lines and step.lines else prev.lines
        glue = "\n" if joins_item else "\n\n"
        kind = "list" if joins_item else "code"
        out[-1] = Step(f"{prev.text}{glue}{step.text}", prev.record, lines, kind=kind)
    return out


def _clamp(span: tuple[int, int], bounds: tuple[int, int] | None) -> tuple[int, int] | None:
    if bounds is None:
        return None
    lo = min(max(span[0], bounds[0]), bounds[1])
    return lo, min(max(span[1], lo), bounds[1])


def keep_steps(weights: torch.Tensor, steps: Sequence[Step]) -> list[int]:
    """Indices of the steps to show, in order: the relevant ones and the steps they need.

    `weights` (S,) is the question's attention over the steps. A step is relevant at
    `STEP_KEEP` of the best weight; a numbered step needs every earlier step of its list.
    """
    best = float(weights.max())  # () the most attended step
    keep = {i for i in range(len(steps)) if float(weights[i]) >= STEP_KEEP * best}
    for i in list(keep):
        list_id = steps[i].list_id
        if list_id is not None:
            keep.update(j for j in range(i) if steps[j].list_id == list_id)
    return sorted(keep)
