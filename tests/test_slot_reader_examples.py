"""Training labels from SGD turns: what each slot did, and where the words that say it are."""

from __future__ import annotations

from typing import Any

from agents.tickets.tracking.reader.batch import SYSTEM, USER
from evals.sgd.data import Dialogue, Service
from evals.slot_training.examples import DONTCARE, NONE, VALUE, turn_examples

SERVICE = Service.model_validate(
    {
        "service_name": "Tables_1",
        "description": "book a table",
        "slots": [
            {"name": "city", "description": "city of the venue", "is_categorical": False},
            {"name": "venue", "description": "name of the venue", "is_categorical": False},
            {
                "name": "price",
                "description": "price range",
                "is_categorical": True,
                "possible_values": ["cheap", "moderate", "pricey"],
            },
            {"name": "cuisine", "description": "kind of food", "is_categorical": False},
        ],
        "intents": [],
    }
)


def _user(text: str, values: dict[str, list[str]], spans: list[dict[str, Any]]) -> dict[str, Any]:
    frame = {
        "service": "Tables_1",
        "slots": spans,
        "actions": [],
        "state": {"active_intent": "Book", "requested_slots": [], "slot_values": values},
    }
    return {"speaker": "USER", "utterance": text, "frames": [frame]}


def _system(text: str, spans: list[dict[str, Any]]) -> dict[str, Any]:
    frame = {"service": "Tables_1", "slots": spans, "actions": []}
    return {"speaker": "SYSTEM", "utterance": text, "frames": [frame]}


DIALOGUE = Dialogue.model_validate(
    {
        "dialogue_id": "1_00000",
        "services": ["Tables_1"],
        "turns": [
            _user(
                "a cheap place in San Jose please, any cuisine",
                {"city": ["San Jose"], "price": ["cheap"], "cuisine": ["dontcare"]},
                [{"slot": "city", "start": 17, "exclusive_end": 25}],
            ),
            _system(
                "How about Blue Bottle?", [{"slot": "venue", "start": 10, "exclusive_end": 21}]
            ),
            _user(
                "sounds good",
                {
                    "city": ["San Jose"],
                    "price": ["cheap"],
                    "cuisine": ["dontcare"],
                    "venue": ["Blue Bottle"],
                },
                [],
            ),
        ],
    }
)


def test_slot_reader_examples_label_each_slot_by_what_changed() -> None:
    first, second = list(turn_examples(DIALOGUE, SERVICE))
    by_slot = {label.slot: label for label in first.labels}
    assert by_slot["city"].status == VALUE and by_slot["city"].span == (USER, 17, 25)
    assert by_slot["price"].status == VALUE and by_slot["price"].choice == 0
    assert by_slot["cuisine"].status == DONTCARE
    assert by_slot["venue"].status == NONE
    again = {label.slot: label for label in second.labels}
    assert again["city"].status == NONE  # unchanged: not said again
    assert again["venue"].status == VALUE and again["venue"].span == (SYSTEM, 10, 21)
    assert second.system == "How about Blue Bottle?" and second.user == "sounds good"
