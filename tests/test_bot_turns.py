"""OpsBot end to end: routing, answers, tickets with digressions, the incident offer."""

from __future__ import annotations

import uuid

import pytest

from agents import OpsBot
from errors import InputError
from state.models import Ticket, TicketState


def _sid() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


def test_bot_how_to_question_is_answered_with_a_citation(bot: OpsBot) -> None:
    reply = bot.handle(_sid(), "how do I free space when the disk is full?")
    assert reply.agent == "qa"
    assert reply.citations and "disk-full" in reply.citations[0].source


def test_bot_cmdb_question_returns_matching_rows(bot: OpsBot) -> None:
    reply = bot.handle(_sid(), "which prod hosts in sh-1 have disk usage over 90%")
    assert reply.agent == "cmdb" and reply.data is not None
    rows = reply.data["rows"]
    assert rows, "the demo estate has such hosts"
    for row in rows:
        attrs = row["attrs"]
        assert (row["type"], attrs["env"], attrs["idc"]) == ("host", "prod", "sh-1")
        assert float(attrs["disk_usage"]) > 90


def test_bot_digression_mid_ticket_keeps_slots_and_re_asks(bot: OpsBot) -> None:
    sid = _sid()
    first = bot.handle(sid, "payment-api is throwing 502s since 09:40, sev2, open an incident")
    assert first.agent == "ticket" and isinstance(first.ticket, TicketState)
    filled = first.ticket.values()
    assert filled["service"] == "payment-api" and filled["severity"] == "P2"
    pending = first.ticket.pending
    aside = bot.handle(sid, "how do I check nginx error logs for a 502?")
    assert aside.agent == "qa" and aside.digression and aside.citations
    assert "Back to your incident" in aside.text
    stored = bot.session(sid)
    assert stored is not None and stored.ticket is not None
    assert stored.ticket.values() == filled and stored.ticket.pending == pending


def test_bot_full_incident_is_submitted_with_an_id(bot: OpsBot) -> None:
    sid = _sid()
    bot.handle(sid, "order-service is down since 10:30, sev1, open an incident")
    reply = bot.handle(sid, "checkout requests time out for every customer")
    for _ in range(4):  # answer whatever else is asked until the ticket asks to confirm
        state = reply.ticket
        assert isinstance(state, TicketState)
        if state.phase == "confirming":
            break
        reply = bot.handle(sid, "no impact known yet" if state.pending == "impact" else "skip")
    done = bot.handle(sid, "yes")
    assert isinstance(done.ticket, Ticket) and done.ticket.id in done.text
    assert done.ticket.values["severity"] == "P1"


def test_bot_unknown_question_offers_an_incident_with_the_symptom(bot: OpsBot) -> None:
    sid = _sid()
    question = "how do I recalibrate the quantum flux capacitor on the mainframe?"
    reply = bot.handle(sid, question)
    assert reply.agent == "qa" and not reply.citations and "open an incident" in reply.text
    accepted = bot.handle(sid, "yes")
    assert accepted.agent == "ticket" and isinstance(accepted.ticket, TicketState)
    assert accepted.ticket.template == "incident"
    assert accepted.ticket.value("symptom") == question


def test_bot_links_the_database_of_a_service_through_the_cmdb(bot: OpsBot) -> None:
    reply = bot.handle(_sid(), "the database of payment-api is slow, how do I check it?")
    linked = bot._parts.context.cmdb.cmdb.neighbors("payment-api")
    databases = {n.name for n in linked.nodes if n.type == "database"}
    assert any(name in reply.text for name in databases)


def test_bot_commands_help_cancel_reset(bot: OpsBot) -> None:
    sid = _sid()
    assert "/ticket" in bot.handle(sid, "/help").text
    opened = bot.handle(sid, "/ticket change_request")
    assert isinstance(opened.ticket, TicketState) and opened.ticket.template == "change_request"
    bot.handle(sid, "/cancel")
    stored = bot.session(sid)
    assert stored is not None and stored.ticket is None
    assert "No ticket" in bot.handle(sid, "/cancel").text


def test_bot_history_is_kept_in_order(bot: OpsBot) -> None:
    sid = _sid()
    bot.handle(sid, "hello")
    bot.handle(sid, "how many hosts per idc")
    stored = bot.session(sid)
    assert stored is not None
    assert [t.role for t in stored.history] == ["user", "bot", "user", "bot"]
    assert stored.history[2].text == "how many hosts per idc"
    assert stored.history[3].agent == "cmdb"


@pytest.mark.parametrize("text", ["", "   ", "x" * 5000])
def test_bot_rejects_unusable_messages(bot: OpsBot, text: str) -> None:
    with pytest.raises(InputError):
        bot.handle(_sid(), text)


def test_bot_rejects_unusable_session_ids(bot: OpsBot) -> None:
    with pytest.raises(InputError, match="session id"):
        bot.handle("bad id with spaces", "hello")
