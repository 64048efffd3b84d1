"""`DeliveryWorker`: reads the tickets streams and creates each ticket once in every sink.

An entry handed to this consumer runs as a task on a thread pool: each sink that accepts
the ticket's template, has no result yet and is due gets one attempt. Sinks that failed
in a way worth retrying are due again after their backoff; the entry is then put aside
(holding.py) rather than keeping a thread asleep, so a sink that is down slows neither the
other sinks nor other tickets. When every sink has a result (created or dead), XACK.
Out of time (`run_once`'s bound, the chat's wait) or stopped, an entry stays pending, with
its finished sinks and attempt counts recorded, for the next worker.

Two workers and one ticket, and why it is still created once in each sink:
    A reads entry E, creates E in jira, dies before XACK        E pending to A, jira done
    B, claim_idle_s later, XAUTOCLAIMs E                       B sees jira's result: skips
    A dies *between* jira's answer and the result write        no result for jira
    B tries jira again: the label / correlation_id / Idempotency-Key finds A's issue
While A lives it XCLAIMs its entries every claim_idle_s / 3, so B never takes them.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime

import redis

from delivery.config import WorkerOptions
from delivery.holding import Holding, Key
from delivery.records import DeadLetter, DeliveryRecords, SinkResult
from delivery.retrying import Attempting, DeliveryEvent, OnEvent, attempt_once
from delivery.sinks import Sink
from delivery.streams import Entry, TicketQueue, find_prefixes, queues_of, read_new
from errors import OpsqkvError
from state.models import Ticket
from state.tickets import read_entry

FOREVER = float("inf")


@dataclass
class DeliverySummary:
    """What a worker did: per sink, tickets created, found already there, dead-lettered."""

    created: Counter[str] = field(default_factory=Counter)
    existing: Counter[str] = field(default_factory=Counter)
    dead: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    tickets: int = 0  # entries finished with every sink's ticket created
    tickets_dead: int = 0  # entries finished with a dead letter for some sink
    pending: int = 0  # entries still unacknowledged when `run_once` returned
    errors: list[str] = field(default_factory=list)


class DeliveryWorker:
    """A consumer of the delivery group on the root stream and (by default) every tenant's."""

    def __init__(
        self,
        client: redis.Redis,
        sinks: list[Sink],
        *,
        prefix: str = "opsqkv:",
        options: WorkerOptions | None = None,
        tenants: bool = True,
        consumer: str | None = None,
        on_event: OnEvent | None = None,
    ) -> None:
        self.client = client
        self.sinks = sinks
        self.prefix = prefix
        self.options = options or WorkerOptions()
        self.tenants = tenants
        self.consumer = consumer or f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"
        self.summary = DeliverySummary()
        self._on_event = on_event
        self._queues: dict[str, list[TicketQueue]] = {}  # by prefix: its streams
        self._scanned_at = -FOREVER
        self._touched_at = -FOREVER
        self._holding = Holding()
        self._max_held = self.options.concurrency * 16
        self._lock = threading.Lock()

    # -- the three ways to run -----------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Deliver until `stop` is set; then let tasks end their current attempt."""
        options = self.options
        claimed_at = -FOREVER
        with ThreadPoolExecutor(options.concurrency, thread_name_prefix="opsqkv-delivery") as pool:
            while not stop.is_set():
                try:
                    queues = self._tend(pool, FOREVER, stop)
                    busy = len(self._holding.running()) >= options.concurrency * 2
                    if busy or len(self._holding) >= self._max_held:
                        self._wait(options.block_s)
                        continue
                    if time.monotonic() - claimed_at >= options.claim_idle_s / 2:
                        for queue in queues:
                            self._claim(pool, queue, FOREVER, stop)
                            queue.forget_idle_consumers(max(3600.0, options.claim_idle_s * 10))
                        claimed_at = time.monotonic()
                    found = read_new(
                        self.client,
                        queues,
                        self.consumer,
                        count=min(options.batch, self._max_held - len(self._holding)),
                        block_s=self._block_s(),
                    )
                    for queue, entry in found:
                        self._take(pool, queue, entry, FOREVER, stop)
                except OpsqkvError as e:  # Redis went away: say so, wait, try again
                    self._event(DeliveryEvent("error", "-", "-", None, str(e)))
                    stop.wait(options.block_s * 5)
            self._drain()

    def run_once(self, within_s: float, stop: threading.Event | None = None) -> DeliverySummary:
        """Deliver everything pending now, retrying for at most `within_s`; the summary.

        Entries another consumer holds count as pending: once idle past `claim_idle_s`
        (their worker died) they are taken over; while their worker lives, we wait for it.
        """
        stop = stop or threading.Event()
        deadline = time.monotonic() + within_s
        self._scanned_at = -FOREVER
        with ThreadPoolExecutor(
            self.options.concurrency, thread_name_prefix="opsqkv-delivery"
        ) as pool:
            while time.monotonic() < deadline and not stop.is_set():
                if not self._round(pool, deadline, stop):
                    break
            stop.set()  # out of time: tasks give up before their next attempt
            self._drain()
        self.summary.pending = sum(q.pending() for q in self.queues())
        return self.summary

    def deliver_now(self, ticket: Ticket, wait_s: float) -> dict[str, SinkResult]:
        """Deliver what is pending, for at most `wait_s`, until `ticket` has every result.

        For the terminal chat: the ticket was just submitted. Its results so far come back
        (a sink missing from them is still being tried, here or by another worker).
        """
        records = DeliveryRecords(self.client, prefix=self.prefix)
        wanted = {s.name for s in self.sinks if s.accepts(ticket.template)}
        deadline = time.monotonic() + wait_s
        stop = threading.Event()
        with ThreadPoolExecutor(
            self.options.concurrency, thread_name_prefix="opsqkv-delivery"
        ) as pool:
            while True:
                results = records.results(ticket.id)
                if wanted <= set(results) or time.monotonic() >= deadline:
                    break
                if not self._round(pool, deadline, stop, waiting=True):
                    time.sleep(0.05)  # another worker has it: watch for its results
            stop.set()
            self._drain()
        return records.results(ticket.id)

    def queues(self) -> list[TicketQueue]:
        """The streams this worker reads, looked for again every `rescan_s`."""
        if time.monotonic() - self._scanned_at >= self.options.rescan_s:
            found = (
                find_prefixes(self.client, self.prefix) if self.tenants else [(self.prefix, None)]
            )
            for prefix, tenant in found:
                if prefix not in self._queues:
                    queues = queues_of(
                        self.client, prefix=prefix, tenant=tenant, consumer=self.consumer
                    )
                    for queue in queues:
                        queue.ensure_group()
                    self._queues[prefix] = queues
            self._scanned_at = time.monotonic()
        return [queue for queues in self._queues.values() for queue in queues]

    # -- the loop's parts ----------------------------------------------------------------

    def _round(
        self,
        pool: ThreadPoolExecutor,
        deadline: float,
        stop: threading.Event,
        *,
        waiting: bool = False,
    ) -> bool:
        """Take what is claimable and new, deliver it; False when nothing is left to do."""
        queues = self._tend(pool, deadline, stop)
        taken = 0
        if len(self._holding) < self._max_held:
            for queue in queues:
                taken += self._claim(pool, queue, deadline, stop)
            room = min(self.options.batch, self._max_held - len(self._holding))
            for queue, entry in read_new(
                self.client, queues, self.consumer, count=room, block_s=None
            ):
                taken += self._take(pool, queue, entry, deadline, stop)
        if self._holding.running() or self._holding.next_due() is not None:
            self._wait(max(0.0, min(self._block_s(), deadline - time.monotonic())))
            return True
        if taken:
            return True
        if waiting or sum(q.pending() for q in queues) == 0:
            return False
        # Entries pending to another consumer: wait for them to finish or go idle.
        time.sleep(min(0.2, self.options.claim_idle_s / 4, max(0.0, deadline - time.monotonic())))
        return True

    def _tend(
        self, pool: ThreadPoolExecutor, deadline: float, stop: threading.Event
    ) -> list[TicketQueue]:
        """The streams; ended tasks reaped, held entries renewed, entries now due started."""
        queues = self.queues()
        for key, future in self._holding.finished():
            error = future.exception()
            if error is not None:  # a task's Redis error: the entry stays pending
                self._holding.release(key)
                self._event(DeliveryEvent("error", key[1], "-", None, str(error)))
        if time.monotonic() - self._touched_at >= self.options.claim_idle_s / 3:
            for queue, ids in self._holding.ids_by_queue():
                queue.touch(ids)
            self._touched_at = time.monotonic()
        for key in self._holding.due(time.monotonic()):
            self._start(pool, key, deadline, stop)
        return queues

    def _claim(
        self, pool: ThreadPoolExecutor, queue: TicketQueue, deadline: float, stop: threading.Event
    ) -> int:
        room = min(self.options.batch, self._max_held - len(self._holding))
        if room <= 0:
            return 0
        entries = queue.claim_stale(self.options.claim_idle_s, room)
        return sum(self._take(pool, queue, entry, deadline, stop) for entry in entries)

    def _take(
        self,
        pool: ThreadPoolExecutor,
        queue: TicketQueue,
        entry: Entry,
        deadline: float,
        stop: threading.Event,
    ) -> int:
        key = self._holding.hold(queue, entry)
        if key is None:
            return 0
        self._start(pool, key, deadline, stop)
        return 1

    def _start(
        self, pool: ThreadPoolExecutor, key: Key, deadline: float, stop: threading.Event
    ) -> None:
        self._holding.start(key, pool.submit(self._deliver_entry, key, deadline, stop))

    def _block_s(self) -> float:
        """How long a read may wait: until the next retry is due, at most `block_s`."""
        due = self._holding.next_due()
        if due is None:
            return self.options.block_s
        return max(0.001, min(self.options.block_s, due - time.monotonic()))

    def _wait(self, timeout_s: float) -> None:
        running = self._holding.running()
        if running:
            wait(running, timeout_s, FIRST_COMPLETED)
        else:
            time.sleep(max(0.0, min(timeout_s, self._block_s())))

    def _drain(self) -> None:
        """Wait for running tasks (once stopped, each ends before its next attempt)."""
        while running := self._holding.running():
            wait(running, self.options.claim_idle_s / 3)
            self._holding.finished()
            for queue, ids in self._holding.ids_by_queue():
                queue.touch(ids)
        self._holding.release_all()  # what is left stays pending, for the next worker

    # -- one entry -----------------------------------------------------------------------

    def _deliver_entry(self, key: Key, deadline: float, stop: threading.Event) -> None:
        """Attempt each due sink once; then acknowledge, put aside, or give up the entry."""
        queue, entry = self._holding.get(key)
        records = DeliveryRecords(self.client, prefix=queue.prefix)
        ticket = read_entry(entry.stream_id, entry.fields).ticket
        if ticket is None:
            self._unreadable(queue, entry, records)
            self._holding.release(key)
            return
        results = records.results(ticket.id)
        run = Attempting(records, queue.tenant, deadline, stop, self._event)
        next_due: float | None = None
        for sink in self.sinks:
            if not sink.accepts(ticket.template) or sink.name in results:
                continue
            due = self._holding.sink_due(key, sink.name)
            if due <= time.monotonic():
                if stop.is_set() or time.monotonic() >= deadline:
                    self._holding.release(key)  # pending: the next worker continues
                    return
                got = attempt_once(sink, ticket, run, source_id=entry.stream_id)
                if isinstance(got, SinkResult):
                    results[sink.name] = got
                    continue
                due = time.monotonic() + got.delay_s
                self._holding.set_sink_due(key, sink.name, due)
            next_due = due if next_due is None else min(next_due, due)
        if next_due is None:
            queue.ack(entry.stream_id)
            self._holding.release(key)
            self._finished(any(r.status == "dead" for r in results.values()))
        elif next_due >= deadline or stop.is_set():
            self._holding.release(key)
        else:
            self._holding.later(key, next_due)

    def _unreadable(self, queue: TicketQueue, entry: Entry, records: DeliveryRecords) -> None:
        error = read_entry(entry.stream_id, entry.fields).error
        letter = DeadLetter(
            ticket_id=f"(entry {entry.stream_id})",
            sink="*",
            attempts=0,
            error=f"unreadable stream entry: {error}",
            at=datetime.now(UTC),
            source_id=entry.stream_id,
            tenant=queue.tenant,
        )
        records.record_dead(letter)
        self._event(DeliveryEvent("dead", letter.ticket_id, "*", queue.tenant, letter.error))
        queue.ack(entry.stream_id)

    def _finished(self, with_dead_letter: bool) -> None:
        with self._lock:
            if with_dead_letter:
                self.summary.tickets_dead += 1
            else:
                self.summary.tickets += 1

    def _event(self, event: DeliveryEvent) -> None:
        with self._lock:
            if event.kind == "created":
                self.summary.created[event.sink] += 1
            elif event.kind == "existing":
                self.summary.existing[event.sink] += 1
            elif event.kind == "dead":
                self.summary.dead[event.sink] += 1
            elif event.kind == "retry":
                self.summary.retries += 1
            else:
                self.summary.errors.append(event.detail)
        if self._on_event is not None:
            self._on_event(event)
