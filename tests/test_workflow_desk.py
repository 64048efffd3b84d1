"""TicketDesk: whole turns through the real Redis, from many threads and across desks."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import redis

from agents.template_chooser import TemplateChooser
from agents.templates import load_templates
from agents.ticket_desk import TicketDesk
from agents.tracker import SlotTracker
from agents.workflow import TicketAgent
from knowledge.encoder import Encoder
from state.store import SessionStore
from state.tickets import TicketSink
from tests.conftest import TEST_REDIS_URL
from tests.test_tracker_update import shared_keys

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def agent(encoder: Encoder, tmp_path_factory: pytest.TempPathFactory) -> TicketAgent:
    templates = load_templates()
    keys = shared_keys(encoder, tmp_path_factory)
    return TicketAgent(
        SlotTracker(encoder, keys), templates, TemplateChooser(encoder, keys, templates)
    )


def desk_on(client: redis.Redis, prefix: str, agent: TicketAgent, **kw: object) -> TicketDesk:
    store = SessionStore(client, prefix=prefix, **kw)  # type: ignore[arg-type]
    return TicketDesk(store, TicketSink(client, prefix=prefix), agent)


def test_workflow_desk_conversation_continues_on_another_desk(
    redis_client: redis.Redis, redis_prefix: str, agent: TicketAgent
) -> None:
    """Two desks with their own connections, as two worker processes would have."""
    first = desk_on(redis_client, redis_prefix, agent)
    second = desk_on(redis.Redis.from_url(TEST_REDIS_URL), redis_prefix, agent)
    first.turn("c1", "payment-api is down since 09:40, sev1", now=NOW, template="incident")
    reply = second.turn("c1", "customers can't pay", now=NOW).reply
    assert reply.event == "confirming" and reply.state is not None
    assert reply.state.value("service") == "payment-api"
    done = first.turn("c1", "yes", now=NOW)
    assert done.reply.submitted is not None and done.session.submitted == [done.reply.submitted.id]
    assert len(done.session.history) == 6 and done.session.ticket is None


def test_workflow_desk_submitted_ticket_reaches_the_stream_once(
    redis_client: redis.Redis, redis_prefix: str, agent: TicketAgent
) -> None:
    desk = desk_on(redis_client, redis_prefix, agent)
    desk.turn("c2", "billing-api is down since 09:00, sev3", now=NOW, template="incident")
    desk.turn("c2", "invoices fail to render", now=NOW)
    submitted = desk.turn("c2", "yes", now=NOW).reply.submitted
    desk.turn("c2", "yes", now=NOW)  # a second yes opens nothing and submits nothing
    exported = [e.ticket for e in desk.sink.export()]
    assert exported == [submitted]


def test_workflow_desk_twenty_threads_lose_no_turn(
    redis_client: redis.Redis, redis_prefix: str, agent: TicketAgent
) -> None:
    desk = desk_on(redis_client, redis_prefix, agent, history_limit=100)
    desk.turn("busy", "I need to open an incident", now=NOW)
    texts = [f"checkout error number {i}" for i in range(20)]
    errors: list[BaseException] = []

    def send(text: str) -> None:
        try:
            desk.turn("busy", text, now=NOW)
        except BaseException as e:  # collected: a thread's exception would otherwise vanish
            errors.append(e)

    threads = [threading.Thread(target=send, args=(t,)) for t in texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    session = desk.store.load("busy")
    assert not errors and session is not None
    users = [t.text for t in session.history if t.role == "user"]
    assert sorted(users[1:]) == sorted(texts) and len(session.history) == 42
    assert [t.role for t in session.history] == ["user", "bot"] * 21  # never interleaved
    assert session.version == 21 and session.ticket is not None
    assert session.ticket.turn == 21 and session.ticket.template == "incident"
