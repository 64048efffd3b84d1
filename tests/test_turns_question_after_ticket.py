"""After a ticket is submitted or cancelled, the next message is routed like any other:
a question goes to the Q&A or CMDB agent and never opens a ticket."""

from __future__ import annotations

import uuid

from agents import OpsBot
from state.models import Ticket, TicketState

OPENING = "payment-api is throwing 502s since 09:40, sev2"


def _sid() -> str:
    return f"q-{uuid.uuid4().hex[:10]}"


def _submitted_incident(bot: OpsBot) -> str:
    """A session whose incident was filled, confirmed and submitted."""
    sid = _sid()
    reply = bot.handle(sid, OPENING)
    assert isinstance(reply.ticket, TicketState) and reply.ticket.template == "incident"
    reply = bot.handle(sid, "checkout fails for every customer")
    assert isinstance(reply.ticket, TicketState) and reply.ticket.phase == "confirming"
    done = bot.handle(sid, "yes")
    assert isinstance(done.ticket, Ticket)
    return sid


def _cancelled_incident(bot: OpsBot) -> str:
    sid = _sid()
    bot.handle(sid, OPENING)
    reply = bot.handle(sid, "cancel")
    assert reply.agent == "ticket" and reply.ticket is None
    return sid


def _no_ticket_open(bot: OpsBot, sid: str) -> None:
    stored = bot.session(sid)
    assert stored is not None and stored.ticket is None


def test_turns_cmdb_question_after_submit_goes_to_the_cmdb(bot: OpsBot) -> None:
    sid = _submitted_incident(bot)
    reply = bot.handle(sid, "what does payment-api depend on")
    assert reply.agent == "cmdb" and reply.ticket is None, reply.text
    _no_ticket_open(bot, sid)


def test_turns_how_to_after_submit_goes_to_qa(bot: OpsBot) -> None:
    sid = _submitted_incident(bot)
    reply = bot.handle(sid, "how do I restart nginx?")
    assert reply.agent == "qa" and reply.citations and reply.ticket is None
    _no_ticket_open(bot, sid)


def test_turns_questions_after_cancel_go_to_their_agents(bot: OpsBot) -> None:
    sid = _cancelled_incident(bot)
    how_to = bot.handle(sid, "how do I restart nginx?")
    assert how_to.agent == "qa" and how_to.citations and how_to.ticket is None
    lookup = bot.handle(sid, "what does payment-api depend on")
    assert lookup.agent == "cmdb" and lookup.ticket is None, lookup.text
    _no_ticket_open(bot, sid)


def test_turns_a_new_ticket_request_after_submit_opens_one(bot: OpsBot) -> None:
    sid = _submitted_incident(bot)
    reply = bot.handle(sid, "order-service is down since 11:00, sev1, open an incident")
    assert reply.agent == "ticket" and isinstance(reply.ticket, TicketState)
    assert reply.ticket.template == "incident"
    assert reply.ticket.value("service") == "order-service"
