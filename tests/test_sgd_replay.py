"""Replaying SGD dialogues through the real tracker, turn by turn, and scoring each user frame."""

from __future__ import annotations

from pathlib import Path

from agents.tickets.tracking.tracker import SlotTracker
from evals.sgd.data import load_split
from evals.sgd.replay import DialogueReplayer, evaluate_split, predicted_values
from evals.sgd.scorer import ALL_SERVICES
from knowledge.encoder import Encoder
from knowledge.keycache import KeyCache
from state.models import SlotBelief, TicketState
from tests.support.sgd import SGD_DEV_DIR, write_split
from tests.support.shared import require_shared


def test_sgd_replay_scores_one_frame_per_user_turn(tmp_path: Path, encoder: Encoder) -> None:
    split = load_split(write_split(tmp_path / "sgd"))
    replayer = DialogueReplayer(SlotTracker(encoder, KeyCache(encoder, None)), split.services)
    frames = replayer.replay(split.dialogues[0])
    turns = split.dialogues[0].turns
    assert [f.turn for f in frames] == [i for i, t in enumerate(turns) if t.speaker == "USER"]
    assert [f.system_utterance for f in frames] == ["", turns[1].utterance, turns[3].utterance]
    assert frames[2].gold == {
        "party_size": ["3"],
        "city": ["Oakland"],
        "cafe_name": ["Blue Bottle"],
    }


def test_sgd_replay_tracks_a_count_said_by_the_user(tmp_path: Path, encoder: Encoder) -> None:
    split = load_split(write_split(tmp_path / "sgd"))
    replayer = DialogueReplayer(SlotTracker(encoder, KeyCache(encoder, None)), split.services)
    first = replayer.replay(split.dialogues[0])[0]
    assert first.predicted.get("party_size") == ["3"]


def test_sgd_replay_writes_categorical_values_and_free_text_spans(tmp_path: Path) -> None:
    split = load_split(write_split(tmp_path / "sgd"))
    state = TicketState(
        template="Cafes_1",
        slots={
            "party_size": SlotBelief(value=2, confidence=1.0, turn=1, span="two"),
            "has_wifi": SlotBelief(value=True, confidence=1.0, turn=1, span="with wifi"),
            "city": SlotBelief(value="oakland", confidence=1.0, turn=1, span="Oakland"),
        },
    )
    assert predicted_values(state, split.services["Cafes_1"]) == {
        "party_size": ["2"],
        "has_wifi": ["True"],
        "city": ["Oakland"],
    }


def test_sgd_replay_first_dev_dialogues_beat_the_empty_state(encoder: Encoder) -> None:
    split = load_split(require_shared(SGD_DEV_DIR), limit=3)
    ticks: list[tuple[int, int]] = []
    result = evaluate_split(
        split, encoder, progress=lambda _s, done, total: ticks.append((done, total))
    )
    user_turns = sum(t.speaker == "USER" for d in split.dialogues for t in d.turns)
    overall = result.summary[ALL_SERVICES]
    assert ticks == [(1, 3), (2, 3), (3, 3)]
    assert overall.frames == len(result.frames) == user_turns
    assert overall.jga > overall.empty_floor
