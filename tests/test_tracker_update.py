"""The slot tracker: attention passes, typed values, the update gate, any template."""

from __future__ import annotations

import pytest

from agents.tickets.templates import EnumValue, SlotSpec, TicketTemplate, load_templates
from agents.tickets.tracking.normalisers.entities import ListCatalog
from agents.tickets.tracking.tracker import SlotTracker
from knowledge.encoder import Encoder
from state.models import TicketState
from tests.support.clock import NOW
from tests.support.keys import shared_keys

TEMPLATES = load_templates()
INCIDENT = TEMPLATES["incident"]


@pytest.fixture(scope="module")
def tracker(encoder: Encoder, tmp_path_factory: pytest.TempPathFactory) -> SlotTracker:
    catalog = ListCatalog(
        {"service": ["payment-api", "billing"], "host": ["web-01", "pay-01", "pay-02"]},
        links={"payment-api": ["pay-01", "pay-02"]},
    )
    return SlotTracker(encoder, shared_keys(encoder, tmp_path_factory), catalog)


def turn(
    tracker: SlotTracker,
    text: str,
    state: TicketState | None = None,
    *,
    pending: str | None = None,
    template: TicketTemplate = INCIDENT,
    system: str = "",
) -> TicketState:
    state = state or TicketState(template=template.name)
    state = state.model_copy(update={"pending": pending})
    return tracker.update(state, template, system, text, now=NOW)


def test_tracker_update_fills_several_slots_from_one_utterance(tracker: SlotTracker) -> None:
    state = turn(tracker, "payment-api is throwing 502s since 09:40, sev2")
    assert state.values() == {
        "service": "payment-api",
        "severity": "P2",
        "started_at": "2026-11-25T09:40:00+00:00",
        "symptom": "payment-api is throwing 502s",  # the opening message describes the problem
    }
    assert state.slots["started_at"].span == "09:40" and state.turn == 1


def test_tracker_update_correction_overwrites_and_keeps_history(tracker: SlotTracker) -> None:
    state = turn(tracker, "payment-api is down, sev2")
    state = turn(tracker, "sorry, it's sev1", state, pending="symptom")
    belief = state.slots["severity"]
    assert belief.value == "P1" and [p.value for p in belief.history] == ["P2"]
    assert state.value("symptom") == "payment-api is down"  # the correction left it alone


def test_tracker_update_unasked_mention_does_not_overwrite(tracker: SlotTracker) -> None:
    state = turn(tracker, "billing is down since 09:00", pending="service")
    state = turn(tracker, "it got worse at 09:30", state, pending="symptom")
    assert state.value("started_at") == "2026-11-25T09:00:00+00:00"
    assert state.value("symptom") == "it got worse at 09:30"


def test_tracker_update_named_slot_may_change(tracker: SlotTracker) -> None:
    state = turn(tracker, "payment-api is down")
    state = turn(tracker, "actually the service is billing", state, pending="severity")
    assert state.value("service") == "billing"


def test_tracker_update_answer_to_the_asked_slot_is_read_whole(tracker: SlotTracker) -> None:
    state = turn(tracker, "customers cannot pay at checkout", pending="symptom")
    assert state.value("symptom") == "customers cannot pay at checkout"


def test_tracker_update_refused_answer_is_an_issue(tracker: SlotTracker) -> None:
    state = turn(tracker, "tomorrow at 2am", pending="started_at")
    assert state.value("started_at") is None and "in the future" in state.issues["started_at"]


def test_tracker_update_opening_message_is_the_symptom_not_the_impact(
    tracker: SlotTracker,
) -> None:
    state = turn(tracker, "payment-api is throwing 502s, please open an incident")
    assert state.value("symptom") == "payment-api is throwing 502s"
    assert state.value("impact") is None


def test_tracker_update_a_bare_request_is_no_symptom(tracker: SlotTracker) -> None:
    state = turn(tracker, "I need to open an incident")
    assert state.value("symptom") is None


def test_tracker_update_known_service_narrows_hosts(tracker: SlotTracker) -> None:
    state = turn(tracker, "payment-api is down on pay-02")
    assert state.value("host") == "pay-02" and state.slots["host"].verified


def test_tracker_update_unknown_name_is_marked_and_suggested(tracker: SlotTracker) -> None:
    state = turn(tracker, "web-O1", pending="host")
    assert state.value("host") == "web-O1"
    assert not state.slots["host"].verified and state.slots["host"].suggestions == ["web-01"]


def test_tracker_update_accepts_an_offered_value(tracker: SlotTracker) -> None:
    state = turn(tracker, "sounds good", system="Shall I file it as sev2?")
    assert state.value("severity") == "P2"


def test_tracker_update_works_for_any_template(tracker: SlotTracker) -> None:
    """No template is special: one built here fills by the same code path."""
    booking = TicketTemplate(
        name="table_booking",
        title="Table booking",
        description="book a restaurant table",
        slots=[
            SlotSpec(name="guests", description="number of people", type="int"),
            SlotSpec(
                name="price_range",
                description="how expensive the restaurant is",
                type="enum",
                values=[
                    EnumValue(value="cheap"),
                    EnumValue(value="expensive", synonyms=["pricey"]),
                ],
            ),
            SlotSpec(name="time", description="time of the reservation", type="datetime"),
            SlotSpec(name="contact", description="email to confirm to", type="email"),
        ],
    )
    state = turn(
        tracker,
        "a table for 4 at 19:30, somewhere pricey, confirm to ann@example.com",
        template=booking,
    )
    assert state.values() == {
        "guests": 4,
        "price_range": "expensive",
        "time": "2026-11-25T19:30:00+00:00",
        "contact": "ann@example.com",
    }


def test_tracker_update_system_question_says_which_slot_is_asked(tracker: SlotTracker) -> None:
    state = turn(
        tracker, "the login page times out", system="What is going wrong -- what do you see?"
    )
    assert state.value("symptom") == "the login page times out"


def test_tracker_update_yes_to_an_offer_fills_no_asked_text_slot(tracker: SlotTracker) -> None:
    state = turn(
        tracker, "yes, sounds good", system="How about sev3? What do you see?", pending="symptom"
    )
    assert state.value("severity") == "P3" and state.slots["severity"].span == "sev3"
    assert state.value("symptom") is None


def test_tracker_update_a_state_word_is_no_name(tracker: SlotTracker) -> None:
    state = turn(tracker, "the checkout service is down")
    assert state.value("service") == "checkout"
