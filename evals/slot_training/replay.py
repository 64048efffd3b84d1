"""The reader alone on SGD: replay dialogues, keep the read values as the state, score it.

Used to select training epochs and the status threshold on the dev split; the product's
tracker (which adds normalisers and the update gate) is scored by `opsqkv eval sgd`.
"""

from __future__ import annotations

from dataclasses import dataclass

from agents.tickets.tracking.reader import SlotQuery, SlotReader, SlotReading
from evals.sgd import ALL_SERVICES, FrameScore, Service, SlotKind, Split, score_frame, summarise
from evals.slot_training.examples import sgd_slot_text


def service_queries(service: Service) -> list[SlotQuery]:
    """The reader's queries for every slot of an SGD service."""
    return [
        SlotQuery(s.name, sgd_slot_text(s), tuple(s.possible_values) if s.is_categorical else ())
        for s in service.slots
    ]


@dataclass(frozen=True)
class ReadTurn:
    """One scored user turn: the gold state and every slot's reading."""

    service: str
    gold: dict[str, list[str]]
    readings: list[SlotReading]


def read_split(reader: SlotReader, split: Split) -> list[list[ReadTurn]]:
    """Every dialogue's user turns with the reader's readings (read once, scored many ways)."""
    dialogues: list[list[ReadTurn]] = []
    queries = {name: service_queries(s) for name, s in split.services.items()}
    for dialogue in split.dialogues:
        system = ""
        turns: list[ReadTurn] = []
        for turn in dialogue.turns:
            if turn.speaker == "SYSTEM":
                system = turn.utterance
                continue
            for frame in turn.frames:
                if frame.state is None:
                    continue
                readings = reader.read(queries[frame.service], system, turn.utterance)
                turns.append(ReadTurn(frame.service, frame.state.slot_values, readings))
            system = ""
        dialogues.append(turns)
    return dialogues


def score_reads(
    dialogues: list[list[ReadTurn]], services: dict[str, Service], threshold: float
) -> float:
    """Joint goal accuracy over all frames when a value is kept at `threshold` confidence."""
    kinds = {
        n: [SlotKind(s.name, s.is_categorical) for s in svc.slots] for n, svc in services.items()
    }
    scores: list[FrameScore] = []
    for turns in dialogues:
        states: dict[str, dict[str, list[str]]] = {}
        for turn in turns:
            state = states.setdefault(turn.service, {})
            for r in turn.readings:
                if r.status == "dontcare" and r.confidence >= threshold:
                    state[r.name] = ["dontcare"]
                elif r.status == "value" and r.confidence >= threshold and r.value:
                    state[r.name] = [r.value]
            score = score_frame(turn.service, kinds[turn.service], turn.gold, state)
            if score is not None:
                scores.append(score)
    return summarise(scores)[ALL_SERVICES].jga
