"""The tracker with the learned slot reader in the loop, on what users actually type.

Each case is a sentence an on-call engineer wrote and the values a service-desk agent
would record from it (or keep, when the sentence gives the slot nothing new).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agents.tickets.templates import load_templates
from agents.tickets.tracking.normalisers.entities import ListCatalog
from agents.tickets.tracking.reader import SlotReader
from agents.tickets.tracking.tracker import SlotTracker
from knowledge.encoder import Encoder
from knowledge.keycache import KeyCache
from state.models import SlotBelief, TicketState

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
TEMPLATES = load_templates()


@pytest.fixture(scope="module")
def tracker(encoder: Encoder, tmp_path_factory: pytest.TempPathFactory) -> SlotTracker:
    catalog = ListCatalog(
        {
            "service": ["payment-api", "payment-gateway", "checkout", "grafana"],
            "host": ["web-01", "pay-01"],
        },
        links={"payment-api": ["pay-01"]},
    )
    keys = KeyCache(encoder, tmp_path_factory.getbasetemp() / "ticket-keys")
    return SlotTracker(encoder, keys, catalog, reader=SlotReader.load(encoder))


def _state(template: str, pending: str | None = None, **values: str) -> TicketState:
    state = TicketState(template=template, pending=pending)
    for name, value in values.items():
        state.slots[name] = SlotBelief(value=value, confidence=1.0, turn=0, span=value)
    return state


def _update(
    tracker: SlotTracker, state: TicketState, text: str, system: str = ""
) -> dict[str, object]:
    template = TEMPLATES[state.template]
    return dict(tracker.update(state, template, system, text, now=NOW).values())


def test_tracker_reader_keeps_a_service_through_ordinary_words(tracker: SlotTracker) -> None:
    state = _state("change_request", "rollback_plan", service="payment-gateway")
    values = _update(
        tracker,
        state,
        "nothing to roll back, the service comes back on its own",
        "How would you roll it back if it goes wrong?",
    )
    assert values["service"] == "payment-gateway"


def test_tracker_reader_reads_no_service_from_a_metric_name(tracker: SlotTracker) -> None:
    values = _update(tracker, _state("incident"), "queries are slow, p99 latency above 3 seconds")
    assert "service" not in values


def test_tracker_reader_opening_message_fills_symptom_too(tracker: SlotTracker) -> None:
    values = _update(tracker, _state("incident"), "payment-api is returning 502s since 09:05, sev2")
    assert values["service"] == "payment-api"
    assert values["severity"] == "P2"
    assert values["started_at"] == "2026-11-25T09:05:00+00:00"
    assert "502" in str(values.get("symptom", ""))


def test_tracker_reader_takes_a_reason_after_because(tracker: SlotTracker) -> None:
    values = _update(
        tracker,
        _state("access_request"),
        "anna@example.com wants read-write access to grafana for 2 weeks because she "
        "maintains the dashboards",
    )
    assert values["requester"] == "anna@example.com"
    assert values["system"] == "grafana"
    assert "maintains the dashboards" in str(values.get("reason", ""))


def test_tracker_reader_accepts_a_well_shaped_service_missing_from_the_cmdb(
    tracker: SlotTracker,
) -> None:
    values = _update(tracker, _state("incident"), "the recommendation-engine is down, sev3")
    assert values.get("service") == "recommendation-engine"


def test_tracker_reader_negated_severity_is_not_taken(tracker: SlotTracker) -> None:
    state = _state("incident", "severity", service="checkout")
    values = _update(
        tracker,
        state,
        "high, but not critical",
        "How severe is it (P1 critical, P2 high, P3 medium, P4 low)?",
    )
    assert values.get("severity") == "P2"


CONFIRM = "Please check the incident: ... Submit it? (yes / change <field> to <value> / cancel)"
SEVERITY_ASK = "How severe is it (P1 critical, P2 high, P3 medium, P4 low)?"


@pytest.mark.parametrize(
    "text", ["impact: no orders can be placed", "impact is no orders can be placed"]
)
def test_tracker_reader_takes_a_labelled_text_at_confirmation(
    tracker: SlotTracker, text: str
) -> None:
    state = _state("incident", None, service="checkout", severity="P1", symptom="x")
    state.phase = "confirming"
    assert _update(tracker, state, text, "")["impact"] == "no orders can be placed"


def test_tracker_reader_opening_label_goes_to_its_slot_not_the_symptom(
    tracker: SlotTracker,
) -> None:
    values = _update(
        tracker,
        _state("incident"),
        "checkout is dropping items from carts since 09:15, P2. impact: a third of "
        "shoppers lose their basket",
    )
    assert values["impact"] == "a third of shoppers lose their basket"
    assert values["symptom"] == "checkout is dropping items from carts"


@pytest.mark.parametrize(
    ("text", "symptom"),
    [
        ("payment-api: 502 on every request since 09:40, sev1", "502 on every request"),
        (
            "critical incident on payment-api: requests time out after 30s",
            "requests time out after 30s",
        ),
        ("incident: checkout, orders stuck in pending, P3", "orders stuck in pending"),
    ],
)
def test_tracker_reader_symptom_leaves_out_a_heading(
    tracker: SlotTracker, text: str, symptom: str
) -> None:
    assert _update(tracker, _state("incident"), text)["symptom"] == symptom


@pytest.mark.parametrize(
    "text",
    ["pls open an incidnet for checkout", "Hi there! I need to report an incident, if that's ok?"],
)
def test_tracker_reader_a_bare_request_is_no_symptom(tracker: SlotTracker, text: str) -> None:
    assert "symptom" not in _update(tracker, _state("incident"), text)


def test_tracker_reader_a_menu_of_levels_is_no_offer(tracker: SlotTracker) -> None:
    state = _state("incident", "severity", service="checkout")
    assert "severity" not in _update(tracker, state, "great, thanks, submit it", SEVERITY_ASK)


def test_tracker_reader_a_level_said_in_a_short_clause(tracker: SlotTracker) -> None:
    state = _state("incident", "severity", service="checkout")
    values = _update(tracker, state, "hmm I'd say medium, it's not blocking anyone", SEVERITY_ASK)
    assert values["severity"] == "P3"


def test_tracker_reader_a_role_word_inside_a_name_is_no_role(tracker: SlotTracker) -> None:
    values = _update(
        tracker, _state("access_request"), "quinn@example.com needs access to the admin-portal"
    )
    assert values.get("system") == "admin-portal"
    assert "role" not in values


def test_tracker_reader_a_sentence_is_no_system_name(tracker: SlotTracker) -> None:
    state = _state("access_request", "system", requester="quinn@example.com", role="admin")
    values = _update(
        tracker,
        state,
        "the portal owner is on leave and someone has to approve refunds",
        "Which system, service or host is the access for?",
    )
    assert "system" not in values


def test_tracker_reader_description_keeps_its_because(tracker: SlotTracker) -> None:
    state = _state("change_request", "description", change_type="rollback", service="checkout")
    text = "roll back release 7.3 because invoices are rounded wrong"
    values = _update(tracker, state, text, "Describe the change -- what will be done and why?")
    assert values["description"] == text
