"""One ticket to one sink: an attempt, and what it leaves (a result, or when to try again).

`attempt_once` is what the worker schedules (it never sleeps on a thread; see worker.py);
`deliver_with_retries` waits in between, for `redeliver`. The attempt count lives in
Redis, so a worker that takes over an entry continues the count of the one that died.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from delivery.backoff import backoff_delay
from delivery.outcome import Created, Failure, Outcome
from delivery.records import DeadLetter, DeliveryRecords, SinkResult
from delivery.sinks import Sink
from state.models import Ticket


@dataclass(frozen=True)
class DeliveryEvent:
    """Something a delivery did, for logs and summaries."""

    kind: Literal["created", "existing", "retry", "dead", "error"]
    ticket_id: str
    sink: str
    tenant: str | None
    detail: str = ""
    external_id: str | None = None
    url: str | None = None


OnEvent = Callable[[DeliveryEvent], None]


@dataclass(frozen=True)
class Attempting:
    """Where a delivery runs: its records, its deadline, what stops it, who hears about it."""

    records: DeliveryRecords
    tenant: str | None
    deadline: float  # time.monotonic() after which no new attempt or wait starts
    stop: threading.Event
    on_event: OnEvent
    rand: Callable[[], float] = random.random


@dataclass(frozen=True)
class RetryLater:
    """The attempt failed and may be retried after `delay_s`."""

    delay_s: float


def attempt_once(
    sink: Sink,
    ticket: Ticket,
    run: Attempting,
    *,
    source_id: str,
    attempts_before: int = 0,
    replaces: str | None = None,
) -> SinkResult | RetryLater:
    """One attempt: the sink's result once created or dead (recorded), else when to retry.

    `attempts_before` and `replaces` are for a redelivery: the dead letter's attempts, and
    its id in the dead stream, which the new result replaces.
    """
    attempt = run.records.count_attempt(ticket.id, sink.name)
    shown = attempts_before + attempt
    try:
        outcome: Outcome = sink.deliver(ticket, run.tenant)
    except Exception as e:  # a bug, not the target: dead-letter it visibly, never loop on it
        outcome = Failure(f"internal error {type(e).__name__}: {e}", False)
    now = datetime.now(UTC)
    if isinstance(outcome, Created):
        result = SinkResult(
            status="created",
            external_id=outcome.external_id,
            url=outcome.url,
            existing=outcome.existing,
            attempts=shown,
            at=now,
        )
        run.records.record_created(ticket.id, sink.name, result, resolves=replaces)
        kind: Literal["created", "existing"] = "existing" if outcome.existing else "created"
        run.on_event(
            DeliveryEvent(
                kind, ticket.id, sink.name, run.tenant, "", outcome.external_id, outcome.url
            )
        )
        return result
    if not outcome.retryable or attempt >= sink.retry.max_attempts:
        letter = DeadLetter(
            ticket_id=ticket.id,
            sink=sink.name,
            attempts=shown,
            error=outcome.reason,
            at=now,
            source_id=source_id,
            ticket=ticket,
            tenant=run.tenant,
        )
        run.records.record_dead(letter, replaces=replaces)
        run.on_event(DeliveryEvent("dead", ticket.id, sink.name, run.tenant, outcome.reason))
        return SinkResult(status="dead", attempts=shown, error=outcome.reason, at=now)
    delay = backoff_delay(attempt, sink.retry, outcome.retry_after_s, rand=run.rand)
    detail = f"attempt {shown} failed, next in {delay:.2g}s: {outcome.reason}"
    run.on_event(DeliveryEvent("retry", ticket.id, sink.name, run.tenant, detail))
    return RetryLater(delay)


def deliver_with_retries(
    sink: Sink,
    ticket: Ticket,
    run: Attempting,
    *,
    source_id: str,
    attempts_before: int = 0,
    replaces: str | None = None,
) -> SinkResult | None:
    """Attempt, wait, attempt again: the result, or None when out of time or stopped."""
    while not run.stop.is_set() and time.monotonic() < run.deadline:
        got = attempt_once(
            sink,
            ticket,
            run,
            source_id=source_id,
            attempts_before=attempts_before,
            replaces=replaces,
        )
        if isinstance(got, SinkResult):
            return got
        if time.monotonic() + got.delay_s > run.deadline or run.stop.wait(got.delay_s):
            return None
    return None
