"""Ticket turns through OpsBot (the one turn path) on the real Redis, from many threads and bots."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

import redis

from agents import OpsBot
from tests.support.env import TEST_REDIS_URL

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def _session() -> str:
    return f"desk-{uuid.uuid4().hex[:8]}"


def test_workflow_desk_conversation_continues_on_another_bot(bot: OpsBot) -> None:
    """Two bots with their own Redis connections, as two worker processes would have."""
    other = OpsBot.open(
        settings=bot.settings, encoder=bot.encoder, client=redis.Redis.from_url(TEST_REDIS_URL)
    )
    sid = _session()
    bot.handle(sid, "payment-api is down since 09:40, sev1", now=NOW, template="incident")
    reply = other.handle(sid, "customers can't pay", now=NOW)
    assert reply.agent == "ticket" and reply.ticket is not None
    assert reply.ticket.value("service") == "payment-api"
    done = bot.handle(sid, "yes", now=NOW)
    session = other.session(sid)
    assert done.submitted is not None and session is not None
    assert session.submitted == [done.submitted.id] and session.ticket is None
    users = [t.text for t in session.history if t.role == "user"]
    assert users == ["payment-api is down since 09:40, sev1", "customers can't pay", "yes"]


def test_workflow_desk_submitted_ticket_reaches_the_stream_once(bot: OpsBot) -> None:
    sid = _session()
    before = {e.ticket.id for e in bot.tickets()}
    bot.handle(sid, "billing-api is down since 09:00, sev3", now=NOW, template="incident")
    bot.handle(sid, "invoices fail to render", now=NOW)
    submitted = bot.handle(sid, "yes", now=NOW).submitted
    bot.handle(sid, "yes", now=NOW)  # a second yes opens nothing and submits nothing
    new = [e.ticket for e in bot.tickets() if e.ticket.id not in before]
    assert submitted is not None and new == [submitted]


def test_workflow_desk_twenty_threads_lose_no_turn(bot: OpsBot) -> None:
    sid = _session()
    bot.handle(sid, "I need to open an incident", now=NOW)
    texts = [f"checkout error number {i}" for i in range(20)]
    errors: list[BaseException] = []

    def send(text: str) -> None:
        try:
            bot.handle(sid, text, now=NOW)
        except BaseException as e:  # collected: a thread's exception would otherwise vanish
            errors.append(e)

    threads = [threading.Thread(target=send, args=(t,)) for t in texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    session = bot.session(sid)
    assert not errors and session is not None
    users = [t.text for t in session.history if t.role == "user"]
    assert sorted(users[1:]) == sorted(texts) and len(users) == 21
    roles = [t.role for t in session.history]
    assert roles == ["user", "bot"] * 21  # never interleaved
    assert session.version == 21 and session.ticket is not None
    assert session.ticket.turn == 21 and session.ticket.template == "incident"
