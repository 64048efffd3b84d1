"""SGD for the tests: where the real subsets live, and one hand-written service and dialogue."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.shared import SHARED

SGD_DIR = SHARED / "eval" / "sgd"  # the published test subset; dev/ beside it
SGD_DEV_DIR = SGD_DIR / "dev"

SERVICE: dict[str, Any] = {
    "service_name": "Cafes_1",
    "description": "Find cafes and book a table",
    "slots": [
        {
            "name": "cafe_name",
            "description": "Name of the cafe",
            "is_categorical": False,
            "possible_values": [],
        },
        {
            "name": "city",
            "description": "City where the cafe is",
            "is_categorical": False,
            "possible_values": [],
        },
        {
            "name": "party_size",
            "description": "Number of people in the party",
            "is_categorical": True,
            "possible_values": ["1", "2", "3", "4"],
        },
        {
            "name": "has_wifi",
            "description": "Whether the cafe has wifi",
            "is_categorical": True,
            "possible_values": ["True", "False"],
        },
        {
            "name": "seating",
            "description": "Where in the cafe to sit",
            "is_categorical": True,
            "possible_values": ["Indoors", "Terrace"],
        },
        {
            "name": "visit_date",
            "description": "Date of the visit",
            "is_categorical": False,
            "possible_values": [],
        },
        {
            "name": "visit_time",
            "description": "Time of the visit",
            "is_categorical": False,
            "possible_values": [],
        },
        {
            "name": "stay_minutes",
            "description": "Length of the stay in minutes",
            "is_categorical": False,
            "possible_values": [],
        },
        {
            "name": "phone",
            "description": "Phone number of the cafe",
            "is_categorical": False,
            "possible_values": [],
        },
    ],
    "intents": [
        {
            "name": "BookCafe",
            "description": "Book a table at a cafe",
            "is_transactional": True,
            "required_slots": ["cafe_name", "city"],
            "optional_slots": {
                "party_size": "2",
                "seating": "Indoors",
                "visit_date": "today",
                "visit_time": "dontcare",
                "stay_minutes": "dontcare",
            },
            "result_slots": ["cafe_name", "city", "party_size", "phone"],
        },
        {
            "name": "FindCafes",
            "description": "Find cafes in a city",
            "is_transactional": False,
            "required_slots": ["city"],
            "optional_slots": {"has_wifi": "dontcare"},
            "result_slots": ["cafe_name", "city", "has_wifi", "phone"],
        },
    ],
}


def _user(text: str, values: dict[str, list[str]]) -> dict[str, Any]:
    state = {"active_intent": "BookCafe", "requested_slots": [], "slot_values": values}
    frame = {"service": "Cafes_1", "slots": [], "actions": [], "state": state}
    return {"speaker": "USER", "utterance": text, "frames": [frame]}


def _system(text: str) -> dict[str, Any]:
    frame = {"service": "Cafes_1", "slots": [], "actions": []}
    return {"speaker": "SYSTEM", "utterance": text, "frames": [frame]}


DIALOGUE: dict[str, Any] = {
    "dialogue_id": "1_00000",
    "services": ["Cafes_1"],
    "turns": [
        _user("I'd like to book a table at a cafe for 3 people.", {"party_size": ["3"]}),
        _system("Which city should I look in?"),
        _user("Oakland, please.", {"party_size": ["3"], "city": ["Oakland"]}),
        _system("How about Blue Bottle in Oakland?"),
        _user(
            "Sounds good.",
            {"party_size": ["3"], "city": ["Oakland"], "cafe_name": ["Blue Bottle"]},
        ),
    ],
}


def write_split(folder: Path, dialogues: list[dict[str, Any]] | None = None) -> Path:
    """Write schema.json and dialogues.json for the hand-made service into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "schema.json").write_text(json.dumps([SERVICE]), encoding="utf-8")
    body = json.dumps([DIALOGUE] if dialogues is None else dialogues)
    (folder / "dialogues.json").write_text(body, encoding="utf-8")
    return folder
