"""Dead letters tried again now: `opsqkv ticket redeliver ID | --all`."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Literal

import redis

from delivery.records import DeadLetter, DeliveryRecords, SinkResult
from delivery.retrying import Attempting, OnEvent, deliver_with_retries
from delivery.sinks import Sink
from delivery.streams import find_prefixes
from errors import NotFound


@dataclass(frozen=True)
class Redelivery:
    """How trying one dead letter again ended."""

    letter: DeadLetter
    status: Literal["created", "dead", "pending", "skipped"]
    result: SinkResult | None = None
    note: str = ""


def dead_letters(client: redis.Redis, prefix: str) -> list[DeadLetter]:
    """Every dead letter of the root stream and of every tenant's, oldest first per stream."""
    letters: list[DeadLetter] = []
    for tenant_prefix, _ in find_prefixes(client, prefix):
        letters += DeliveryRecords(client, prefix=tenant_prefix).dead_letters()
    return letters


def redeliver(
    client: redis.Redis,
    sinks: list[Sink],
    *,
    prefix: str,
    ticket_id: str | None,
    within_s: float,
    on_event: OnEvent | None = None,
) -> list[Redelivery]:
    """Try the dead letters of `ticket_id` (None: all) again, each with a fresh attempt budget.

    A success replaces the letter with the sink's result; a new failure replaces it with
    one carrying the new error and the attempts of both runs.
    """
    by_name = {s.name: s for s in sinks}
    deadline = time.monotonic() + within_s
    stop = threading.Event()
    done: list[Redelivery] = []
    matched = 0
    for tenant_prefix, tenant in find_prefixes(client, prefix):
        records = DeliveryRecords(client, prefix=tenant_prefix)
        run = Attempting(records, tenant, deadline, stop, on_event or (lambda event: None))
        for letter in records.dead_letters():
            if ticket_id is not None and ticket_id not in (letter.ticket_id, letter.stream_id):
                continue
            matched += 1
            done.append(_again(letter, by_name.get(letter.sink), records, run))
    if ticket_id is not None and not matched:
        raise NotFound(f"no dead letter for {ticket_id!r}; `opsqkv ticket dead-letters` lists them")
    return done


def _again(
    letter: DeadLetter, sink: Sink | None, records: DeliveryRecords, run: Attempting
) -> Redelivery:
    if letter.ticket is None:
        return Redelivery(letter, "skipped", note="the stream entry was unreadable")
    if sink is None:
        return Redelivery(
            letter, "skipped", note=f"sink {letter.sink!r} is not in the sinks file; add it back"
        )
    earlier = records.results(letter.ticket_id).get(letter.sink)
    if earlier is not None and earlier.status == "created":  # someone else already did it
        records.record_created(letter.ticket_id, letter.sink, earlier, resolves=letter.stream_id)
        return Redelivery(letter, "created", earlier)
    result = deliver_with_retries(
        sink,
        letter.ticket,
        run,
        source_id=letter.source_id,
        attempts_before=letter.attempts,
        replaces=letter.stream_id,
    )
    if result is None:
        return Redelivery(letter, "pending", note="out of time; the dead letter is kept")
    return Redelivery(letter, result.status, result)
