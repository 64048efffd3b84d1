"""The tracker on dialogue turns: offers and read-backs taken on a yes, counts, held values, asks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agents.lexicon import accepts
from agents.tickets.templates import SlotSpec, TicketTemplate
from agents.tickets.tracking.candidate_fit import RESULT_COUNT, context_phrase, counted_noun
from agents.tickets.tracking.tracker import SlotTracker
from agents.tickets.tracking.turn import question_clauses
from knowledge.encoder import Encoder
from knowledge.keycache import KeyCache
from state.models import SlotBelief, TicketState

NOW = datetime(2019, 3, 1, 9, 0, tzinfo=UTC)
TABLE = TicketTemplate(
    name="table",
    title="Table",
    description="book a table at a restaurant",
    slots=[
        SlotSpec(name="restaurant_name", description="Name of the restaurant", type="name"),
        SlotSpec(name="location", description="City where the restaurant is located", type="name"),
        SlotSpec(name="date", description="Date of the reservation", type="date"),
        SlotSpec(name="time", description="Time of the reservation", type="time"),
        SlotSpec(name="seats", description="Number of seats to reserve", type="int", min=1, max=6),
    ],
)
FLIGHT = TicketTemplate(
    name="flight",
    title="Flight",
    description="find a flight",
    slots=[
        SlotSpec(name="passengers", description="Number of passengers", type="int", min=1, max=4),
        SlotSpec(name="bags", description="Number of bags to check in", type="int", min=0, max=2),
    ],
)


@pytest.fixture(scope="module")
def tracker(encoder: Encoder) -> SlotTracker:
    return SlotTracker(encoder, KeyCache(encoder, None))


def _held(**values: str) -> TicketState:
    slots = {k: SlotBelief(value=v, confidence=1.0, turn=1, span=v) for k, v in values.items()}
    return TicketState(template="table", slots=slots)


@pytest.mark.parametrize(
    "text",
    ["Yes, thanks. What's their phone number?", "That sounds great.", "Sure, that works for me",
     "Thanks, that's all I need for now.", "That suits me well."],
)  # fmt: skip
def test_tracker_dialogue_accepts_a_yes_that_runs_on(text: str) -> None:
    assert accepts(text)


@pytest.mark.parametrize(
    "text",
    ["No, that's not right.", "That won't work for me.", "Can you find something else?",
     "Actually, make it 7 pm."],
)  # fmt: skip
def test_tracker_dialogue_no_or_a_change_is_no_yes(text: str) -> None:
    assert not accepts(text)


def test_tracker_dialogue_question_clauses() -> None:
    text = "Got it. Which city, and what time? Do you have a preferred restaurant?"
    assert question_clauses(text) == [
        "Which city",
        "what time",
        "Do you have a preferred restaurant",
    ]


def test_tracker_dialogue_candidate_phrases_keep_their_cue_words() -> None:
    text = "I will be flying to Seattle. I need 4 seats"
    assert context_phrase(text, 20, 27, counted=False, left_words=2) == "flying to Seattle"
    assert context_phrase(text, 36, 37, counted=True, left_words=1) == "need 4 seats"
    assert counted_noun(text, 37) == "seats"
    assert counted_noun("a table for 2 at Sino", 13) is None
    assert RESULT_COUNT.search("I found ")


def test_tracker_dialogue_a_number_fills_only_the_count_it_fits(tracker: SlotTracker) -> None:
    state = TicketState(template="flight")
    one_way = tracker.update(state, FLIGHT, "", "I'd like a one way flight", now=NOW)
    assert one_way.values() == {}
    counted = tracker.update(state, FLIGHT, "", "4 passengers, and 0 bags to check", now=NOW)
    assert counted.values() == {"passengers": 4, "bags": 0}


def test_tracker_dialogue_yes_to_a_read_back_takes_its_values(tracker: SlotTracker) -> None:
    state = _held(location="San Jose")
    system = "Please confirm: a table for 2 at Sino in San Jose at 11:30 am today."
    new = tracker.update(state, TABLE, system, "Yes, and what's their phone number?", now=NOW)
    assert new.value("location") == "San Jose"  # said again: confirmed, not moved
    assert new.value("time") == "11:30" and new.slots["time"].span == "11:30 am"
    assert new.value("date") == "2019-03-01" and new.slots["date"].span == "today"
    assert new.value("seats") == 2


def test_tracker_dialogue_no_to_a_read_back_takes_nothing(tracker: SlotTracker) -> None:
    state = _held(location="San Jose")
    system = "Please confirm: a table for 2 at Sino in San Jose at 11:30 am today."
    new = tracker.update(state, TABLE, system, "No, that won't work.", now=NOW)
    assert new.values() == state.values()


def test_tracker_dialogue_a_held_value_said_again_stays_with_its_slot(
    tracker: SlotTracker,
) -> None:
    state = _held(location="San Jose")
    new = tracker.update(state, TABLE, "", "Find a table in San Jose at 7 pm", now=NOW)
    assert new.value("location") == "San Jose"
    assert new.value("restaurant_name") is None
    assert new.value("time") == "19:00"
