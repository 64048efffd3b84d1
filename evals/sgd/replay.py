"""Replay SGD dialogues through the slot tracker, turn by turn, and score every user frame.

Each user turn is one tracker update: `update(state, system_utterance, user_utterance)`,
the system utterance being the one just before it. The tracker sees nothing else: no
dialogue acts, no gold spans, no service calls. Every service of a dialogue keeps its own
ticket state, and every state hears every turn.

What is scored is the tracker's state after the turn: a categorical slot's value as SGD
writes it, a free-text slot's value as the words the user (or the accepted system offer)
said them, since SGD's free-text values are spans of the dialogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from agents.tickets import TicketTemplate
from agents.tickets.tracking import SlotTracker
from agents.tickets.tracking.reader import SlotReader
from evals.sgd.adapter import categorical_value, service_template
from evals.sgd.data import Dialogue, Service, Split
from evals.sgd.scorer import FrameScore, SlotKind, Summary, score_frame, summarise
from knowledge.encoder import Encoder
from knowledge.keycache import KeyCache
from knowledge.progress import Progress
from state.models import TicketState

# SGD dialogues are set in early March 2019 (a reservation's default date is 2019-03-01);
# the clock only matters for reading relative dates, and scored values keep the user's words.
DIALOGUE_CLOCK = datetime(2019, 3, 1, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class ScoredFrame:
    """One user frame: what was said, the gold and predicted states, and the score."""

    dialogue_id: str
    turn: int  # index of the user turn in the dialogue's turns
    system_utterance: str
    user_utterance: str
    gold: dict[str, list[str]]
    predicted: dict[str, list[str]]
    score: FrameScore


@dataclass(frozen=True)
class EvalResult:
    """Every scored frame and the per-service summaries."""

    dialogues: int
    frames: list[ScoredFrame]
    summary: dict[str, Summary]


def predicted_values(state: TicketState, service: Service) -> dict[str, list[str]]:
    """The tracker's state written as SGD slot values."""
    out: dict[str, list[str]] = {}
    for name, belief in state.slots.items():
        slot = service.slot(name)
        if slot is None:
            continue
        if slot.is_categorical:
            out[name] = [categorical_value(slot, belief.value)]
        else:
            out[name] = [belief.span or str(belief.value)]
    return out


class DialogueReplayer:
    """Replays dialogues of one split through a SlotTracker."""

    def __init__(self, tracker: SlotTracker, services: dict[str, Service]) -> None:
        self.tracker = tracker
        self.services = services
        self._templates: dict[str, TicketTemplate] = {}
        self._kinds = {
            name: [SlotKind(s.name, s.is_categorical) for s in service.slots]
            for name, service in services.items()
        }

    def template(self, service: str) -> TicketTemplate:
        """The template of a service, adapted once."""
        if service not in self._templates:
            self._templates[service] = service_template(self.services[service])
        return self._templates[service]

    def replay(self, dialogue: Dialogue) -> list[ScoredFrame]:
        """Every user frame of `dialogue`, scored after the tracker's update for its turn."""
        states = {s: TicketState(template=s) for s in dialogue.services}
        system = ""
        scored: list[ScoredFrame] = []
        for index, turn in enumerate(dialogue.turns):
            if turn.speaker == "SYSTEM":
                system = turn.utterance
                continue
            for name, state in states.items():
                states[name] = self.tracker.update(
                    state, self.template(name), system, turn.utterance, now=DIALOGUE_CLOCK
                )
            for frame in turn.frames:
                if frame.state is None or frame.service not in states:
                    continue
                predicted = predicted_values(states[frame.service], self.services[frame.service])
                gold = frame.state.slot_values
                score = score_frame(frame.service, self._kinds[frame.service], gold, predicted)
                if score is not None:
                    scored.append(
                        ScoredFrame(
                            dialogue.dialogue_id,
                            index,
                            system,
                            turn.utterance,
                            gold,
                            predicted,
                            score,
                        )
                    )
            system = ""
        return scored


def evaluate_split(
    split: Split,
    encoder: Encoder,
    *,
    reader: SlotReader | None = None,
    progress: Progress | None = None,
) -> EvalResult:
    """Replay every dialogue of `split` and summarise; `progress` after each dialogue."""
    tracker = SlotTracker(encoder, KeyCache(encoder, None), reader=reader)
    replayer = DialogueReplayer(tracker, split.services)
    frames: list[ScoredFrame] = []
    for done, dialogue in enumerate(split.dialogues, start=1):
        frames.extend(replayer.replay(dialogue))
        if progress is not None:
            progress("replaying dialogues", done, len(split.dialogues))
    return EvalResult(len(split.dialogues), frames, summarise(f.score for f in frames))
