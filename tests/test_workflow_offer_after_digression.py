"""Accepting an offer ("yes please") takes only what the ticket agent itself said last:
after a how-to or a CMDB digression mid-ticket, the tracker is handed the re-ask of the
pending slot as the system utterance, never the runbook answer or the CMDB table."""

from __future__ import annotations

import uuid

import pytest

from agents import OpsBot
from state.models import TicketState

OPENINGS = [
    "open an incident please",  # fills nothing: the service is asked first
    "I need read access to grafana",
]
DIGRESSIONS = [
    ("how do I restart nginx?", "qa"),
    ("how do I check nginx error logs for a 502?", "qa"),
    ("how many hosts per idc?", "cmdb"),
    ("which prod hosts in sh-1 have disk usage over 90%?", "cmdb"),
]


def _sid() -> str:
    return f"o-{uuid.uuid4().hex[:10]}"


def _digressed(bot: OpsBot, question: str, agent: str, opening: str = OPENINGS[0]) -> str:
    """A session with a ticket asking for a slot, then a digression answered."""
    sid = _sid()
    opened = bot.handle(sid, opening)
    assert isinstance(opened.ticket, TicketState) and opened.ticket.pending is not None
    aside = bot.handle(sid, question)
    assert aside.agent == agent and aside.digression, aside.text
    return sid


@pytest.mark.parametrize(("question", "agent"), DIGRESSIONS)
@pytest.mark.parametrize("opening", OPENINGS)
@pytest.mark.parametrize("yes", ["yes please", "sounds good"])
def test_workflow_yes_after_a_digression_fills_nothing(
    bot: OpsBot, opening: str, question: str, agent: str, yes: str
) -> None:
    sid = _digressed(bot, question, agent, opening)
    before = bot.session(sid)
    assert before is not None and before.ticket is not None
    reply = bot.handle(sid, yes)
    assert reply.agent == "ticket" and isinstance(reply.ticket, TicketState)
    assert reply.ticket.values() == before.ticket.values(), f"{yes!r} after {question!r}"
    assert reply.ticket.pending == before.ticket.pending


@pytest.mark.parametrize(("question", "agent"), DIGRESSIONS)
def test_workflow_system_utterance_after_a_digression_is_the_re_ask(
    bot: OpsBot, question: str, agent: str
) -> None:
    sid = _digressed(bot, question, agent)
    session = bot.session(sid)
    assert session is not None and session.ticket is not None
    tickets = bot._parts.context.tickets
    said = tickets.system_utterance(session, session.ticket)
    assert said.endswith(tickets.prompt(session.ticket)), said
    answered = [t.text for t in session.history if t.role == "bot" and t.agent == agent]
    assert answered and answered[-1] not in said


def test_workflow_system_utterance_is_the_last_ticket_message(bot: OpsBot) -> None:
    sid = _sid()
    bot.handle(sid, "open an incident for payment-api since 09:40, sev2")
    session = bot.session(sid)
    assert session is not None and session.ticket is not None
    said = bot._parts.context.tickets.system_utterance(session, session.ticket)
    assert said == session.history[-1].text and "what do you see" in said.lower()


def test_workflow_system_utterance_is_empty_when_nothing_was_asked(bot: OpsBot) -> None:
    sid = _sid()
    bot.handle(sid, "how do I restart nginx?")  # a Q&A answer, then a ticket opened by name
    session = bot.session(sid)
    assert session is not None
    fresh = TicketState(template="incident")
    assert bot._parts.context.tickets.system_utterance(session, fresh) == ""


@pytest.mark.parametrize("question", ["can we start over?", "cancel?"])
def test_workflow_a_ticket_command_asked_as_a_question_stays_with_the_ticket(
    bot: OpsBot, question: str
) -> None:
    sid = _sid()
    bot.handle(sid, "open an incident for payment-api, sev2")
    reply = bot.handle(sid, question)
    assert reply.agent == "ticket" and not reply.digression, reply.text
