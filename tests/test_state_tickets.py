"""The ticket sink: a Redis Stream written with the session, read back in order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import redis

from errors import InputError
from state.models import Ticket
from state.store import SessionStore, SessionWrites
from state.tickets import TicketSink


def ticket(n: int) -> Ticket:
    return Ticket(
        id=f"incident-{n}",
        template="incident",
        values={"service": f"svc-{n}", "severity": "P1"},
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        session_id="s",
    )


def test_state_tickets_export_returns_tickets_in_order(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    sink = TicketSink(redis_client, prefix=redis_prefix)
    for n in range(3):
        sink.append(ticket(n))
    exported = list(sink.export())
    assert [e.ticket.id for e in exported if e.ticket] == ["incident-0", "incident-1", "incident-2"]


def test_state_tickets_export_since_is_exclusive(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    sink = TicketSink(redis_client, prefix=redis_prefix)
    ids = [sink.append(ticket(n)) for n in range(4)]
    after = list(sink.export(since=ids[1], batch=1))  # batch=1 walks the stream page by page
    assert [e.stream_id for e in after] == ids[2:]


@pytest.mark.parametrize(
    "since",
    ["yesterday", "388732730623186109736", "1-18446744073709551616"],  # the last two: > 64 bits
)
def test_state_tickets_bad_since_is_an_input_error(
    redis_client: redis.Redis, redis_prefix: str, since: str
) -> None:
    """Found by the stateful API run: a number past 64 bits was Redis's error, a 503."""
    with pytest.raises(InputError, match="not a stream id"):
        list(TicketSink(redis_client, prefix=redis_prefix).export(since=since))


def test_state_tickets_unreadable_entry_is_reported_not_fatal(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    sink = TicketSink(redis_client, prefix=redis_prefix)
    redis_client.xadd(sink.key, {"ticket": '{"id": 1}'})
    sink.append(ticket(1))
    bad, good = list(sink.export())
    assert bad.ticket is None and bad.error and good.ticket == ticket(1)


def test_state_tickets_append_op_commits_with_the_session(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    store = SessionStore(redis_client, prefix=redis_prefix)
    sink = TicketSink(redis_client, prefix=redis_prefix)
    stale = store.new("s")
    store.save(store.new("s"))
    writes = SessionWrites()
    writes.add(sink.append_op(ticket(7)))
    with pytest.raises(Exception, match="changed since it was loaded"):
        store.save(stale, writes)
    assert list(sink.export()) == []  # the refused save sent no ticket
    fresh = store.load("s")
    assert fresh is not None
    store.save(fresh, writes)
    assert [e.ticket for e in sink.export()] == [ticket(7)]
