"""Surface cues: yes/no, corrections, "the X is Y" mentions; and the policy's commands."""

from __future__ import annotations

import pytest

from agents.lexicon import is_affirmation, is_cancel, is_correction, is_negation, is_start_over
from agents.routing.cues import asks_for_ticket, asks_how_to, without_ticket_request
from agents.tickets.commands import parse_edit
from agents.tickets.templates import load_templates
from agents.tickets.tracking.cues import mentions

TEMPLATES = load_templates()


@pytest.mark.parametrize("text", ["yes", "Yes!", "ok, submit it", "yes, sounds good", "yep please"])
def test_tracker_cues_affirmations(text: str) -> None:
    assert is_affirmation(text)


@pytest.mark.parametrize("text", ["yesterday", "yes but change the host", "thanks", "no"])
def test_tracker_cues_not_affirmations(text: str) -> None:
    assert not is_affirmation(text)


def test_tracker_cues_negation_and_correction() -> None:
    assert is_negation("no") and is_negation("not yet") and not is_negation("no space left")
    assert is_correction("sorry, it's sev1") and is_correction("no, make it P1")
    assert is_correction("it's P2 not P1 but") or is_correction("actually the service is billing")
    assert not is_correction("customers cannot pay")


def test_tracker_cues_mentions_locate_the_value() -> None:
    service = TEMPLATES["incident"].slot("service")
    text = "actually the service is billing, and it's slow"
    (mention,) = mentions(text, service)
    assert text[mention.start : mention.end] == "billing"
    said = "the checkout service is down"
    assert "checkout" in [said[m.start : m.end] for m in mentions(said, service)]
    plan = TEMPLATES["change_request"].slot("rollback_plan")
    (m,) = mentions("rollback plan: redeploy v1.2, then purge the cache.", plan)
    assert (
        "rollback plan: redeploy v1.2, then purge the cache."[m.start : m.end]
        == "redeploy v1.2, then purge the cache"
    )


def test_tracker_cues_commands() -> None:
    incident = TEMPLATES["incident"]
    assert is_cancel("cancel") and is_cancel("never mind") and is_cancel("forget it, thanks")
    assert not is_cancel("cancel the deploy of checkout tomorrow")
    assert is_start_over("start over") and is_start_over("let's start again")
    assert not is_start_over("restart")  # a change type, not a command
    edit = parse_edit("change severity to P1", incident)
    assert edit is not None and (edit.slot, edit.value_text) == ("severity", "P1")
    assert parse_edit("change the started at to 10:30", incident) is not None
    assert parse_edit("change the pool size to 50", incident) is None


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("pls open an incidnet for payment-api", True),
        ("redis-002 is out of memory, opening a P2", True),
        ("I need to report an incident", True),
        ("report-worker is failing since 10:00", False),
        ("requests fail with 500 on checkout", False),
    ],
)
def test_tracker_cues_ticket_requests_typed_in_a_hurry(text: str, asks: bool) -> None:
    assert asks_for_ticket(text) is asks


def test_tracker_cues_a_request_is_cut_but_the_symptom_words_stay() -> None:
    assert without_ticket_request("requests fail, please open an incidnet").split() == [
        "requests",
        "fail,",
        "please",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "what's the safest way to do a rolling restart of a kubernetes deployment?",
        "how do I find which directory is eating the disk?",
        "what is the best way?",
    ],
)
def test_tracker_cues_how_to_questions(text: str) -> None:
    assert asks_how_to(text)


def test_tracker_cues_pls_is_polite() -> None:
    assert is_affirmation("yes pls") and is_affirmation("ok thx")
