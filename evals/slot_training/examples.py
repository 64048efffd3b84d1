"""Training examples for the slot reader from SGD dialogues: per user turn, what each slot did.

A slot's label for a turn compares the annotated state before and after it:
unchanged -> none; set to "dontcare" -> dontcare; set or changed -> value, with the
allowed value's index (categorical slots) or the character span that says it, found in
the user's annotated spans, else the system's (an accepted offer), else by the words.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from agents.tickets.tracking.reader import SYSTEM, USER
from errors import ConfigError
from evals.sgd import Dialogue, Frame, SchemaSlot, Service

NONE, DONTCARE, VALUE = 0, 1, 2


@dataclass(frozen=True)
class SlotLabel:
    """What one slot did in one turn."""

    slot: str
    status: int  # NONE, DONTCARE or VALUE
    choice: int = -1  # index into the slot's possible values (categorical)
    span: tuple[int, int, int] | None = None  # (segment, start, end) characters


@dataclass(frozen=True)
class TurnExample:
    """One user turn with the system utterance before it, and every slot's label."""

    service: str
    system: str
    user: str
    labels: list[SlotLabel]


def slot_text(label: str, description: str) -> str:
    """A slot's query text, as the ticket templates write it."""
    return f"{label}: {description}"


def sgd_slot_text(slot: SchemaSlot) -> str:
    """The query text of an SGD slot."""
    return slot_text(slot.name.replace("_", " "), slot.description)


def load_train(folder: Path) -> tuple[dict[str, Service], list[Dialogue]]:
    """The train split: schema.json and dialogues.json.gz (or dialogues.json)."""
    try:
        services = TypeAdapter(list[Service]).validate_json((folder / "schema.json").read_bytes())
        packed = folder / "dialogues.json.gz"
        raw = (
            gzip.decompress(packed.read_bytes())
            if packed.is_file()
            else (folder / "dialogues.json").read_bytes()
        )
        dialogues = TypeAdapter(list[Dialogue]).validate_python(json.loads(raw))
    except (OSError, ValidationError, json.JSONDecodeError) as e:
        raise ConfigError(
            f"cannot read SGD training data in {folder}: {str(e).splitlines()[0]}; "
            "point at a folder with schema.json and dialogues.json.gz (../shared/train/sgd)"
        ) from e
    return {s.service_name: s for s in services}, dialogues


def _find(text: str, variants: list[str]) -> tuple[int, int] | None:
    low = text.lower()
    for v in variants:
        at = low.find(v.lower()) if v else -1
        if at >= 0:
            return at, at + len(v)
    return None


def _span(
    slot: str,
    variants: list[str],
    user: str,
    user_frame: Frame,
    system: str,
    system_frame: Frame | None,
) -> tuple[int, int, int] | None:
    for s in user_frame.slots:
        if s.slot == slot:
            return USER, s.start, s.exclusive_end
    if system_frame is not None:
        for s in system_frame.slots:
            if s.slot == slot and system[s.start : s.exclusive_end] in variants:
                return SYSTEM, s.start, s.exclusive_end
    for segment, text in ((USER, user), (SYSTEM, system)):
        found = _find(text, variants)
        if found is not None:
            return segment, *found
    return None


def _label(
    slot: SchemaSlot,
    before: list[str] | None,
    after: list[str] | None,
    turn: tuple[str, Frame, str, Frame | None],
) -> SlotLabel:
    if not after or (before and set(after) & set(before)):  # unset, or a variant added
        return SlotLabel(slot.name, NONE)
    if after[0] == "dontcare":
        return SlotLabel(slot.name, DONTCARE)
    if slot.is_categorical:
        lowered = [v.lower() for v in slot.possible_values]
        choice = lowered.index(after[0].lower()) if after[0].lower() in lowered else -1
        return SlotLabel(slot.name, VALUE, choice=choice)
    user, user_frame, system, system_frame = turn
    return SlotLabel(
        slot.name, VALUE, span=_span(slot.name, after, user, user_frame, system, system_frame)
    )


def turn_examples(dialogue: Dialogue, service: Service) -> Iterator[TurnExample]:
    """Every user turn of a single-service dialogue, labelled for every slot of the service."""
    system, system_frame = "", None
    before: dict[str, list[str]] = {}
    for turn in dialogue.turns:
        frame = next((f for f in turn.frames if f.service == service.service_name), None)
        if turn.speaker == "SYSTEM":
            system, system_frame = turn.utterance, frame
            continue
        if frame is None or frame.state is None:
            continue
        after = frame.state.slot_values
        context = (turn.utterance, frame, system, system_frame)
        labels = [_label(s, before.get(s.name), after.get(s.name), context) for s in service.slots]
        yield TurnExample(service.service_name, system, turn.utterance, labels)
        before = dict(after)
        system, system_frame = "", None
