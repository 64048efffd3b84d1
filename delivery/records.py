"""What delivery remembers in Redis, beside each tickets stream (same prefix):

    <prefix>tickets:external   hash  ticket id -> {sink: SinkResult} as JSON
    <prefix>tickets:attempts   hash  "<ticket id> <sink>" -> attempts so far (while retrying)
    <prefix>tickets:dead       stream of DeadLetter entries (field `letter`, JSON)

A sink with a result is never called again for that ticket: this is what makes a retried
stream entry (another sink failed, a worker died) exactly-once per sink. A result, its
dead letter and the attempt counter change together in one MULTI; two sinks of one ticket
finishing at once update the ticket's hash field through a Lua script, so neither result
is lost to a read-modify-write race.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

import redis
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from errors import StateError
from state.models import Ticket
from state.redis_errors import redis_errors, text_of

# KEYS[1]: results hash; ARGV: ticket id, sink, that sink's result as JSON.
_MERGE = """
local current = redis.call('HGET', KEYS[1], ARGV[1])
local results = {}
if current then results = cjson.decode(current) end
results[ARGV[2]] = cjson.decode(ARGV[3])
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(results))
return 1
"""


class SinkResult(BaseModel):
    """How delivering one ticket to one sink ended."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = 1
    status: Literal["created", "dead"]
    external_id: str | None = Field(default=None, description="e.g. INC0010023, OPS-123")
    url: str | None = None
    existing: bool = Field(default=False, description="found at the target, not created now")
    attempts: int = 0
    error: str | None = None
    at: datetime


class DeadLetter(BaseModel):
    """A ticket a sink would not take after every attempt, kept for `redeliver`."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = 1
    ticket_id: str
    sink: str = Field(description="the sink that failed; '*' when the entry was unreadable")
    attempts: int
    error: str
    at: datetime
    source_id: str = Field(description="the ticket's entry id in the tickets stream")
    ticket: Ticket | None = Field(default=None, description="None when the entry was unreadable")
    tenant: str | None = None
    stream_id: str | None = Field(default=None, exclude=True, description="id in the dead stream")


class DeliveryRecords:
    """Results, attempt counts and dead letters of the tickets stream under one prefix."""

    def __init__(self, client: redis.Redis, *, prefix: str = "opsqkv:") -> None:
        self.client = client
        self.prefix = prefix
        self.results_key = f"{prefix}tickets:external"
        self.attempts_key = f"{prefix}tickets:attempts"
        self.dead_key = f"{prefix}tickets:dead"
        self._merge = client.register_script(_MERGE)

    def results(self, ticket_id: str) -> dict[str, SinkResult]:
        """Sink name -> result, for every sink that finished with this ticket."""
        return self.results_many([ticket_id])[ticket_id]

    def results_many(self, ticket_ids: Sequence[str]) -> dict[str, dict[str, SinkResult]]:
        """`results` of many tickets in one round trip."""
        if not ticket_ids:
            return {}
        with redis_errors(self.client, "reading delivery results"):
            raws = self.client.hmget(self.results_key, list(ticket_ids))
        return {tid: self._parse(tid, raw) for tid, raw in zip(ticket_ids, raws, strict=True)}

    def count_attempt(self, ticket_id: str, sink: str) -> int:
        """One more attempt of `sink` on this ticket; the count so far, this one included."""
        with redis_errors(self.client, "counting a delivery attempt"):
            return int(self.client.hincrby(self.attempts_key, _attempt_field(ticket_id, sink), 1))

    def record_created(
        self, ticket_id: str, sink: str, result: SinkResult, *, resolves: str | None = None
    ) -> None:
        """Keep the sink's result; `resolves`: a dead letter this success answers."""
        with redis_errors(self.client, f"recording delivery of {ticket_id} to {sink}"):
            pipe = self.client.pipeline(transaction=True)
            self._merge(
                keys=[self.results_key],
                args=[ticket_id, sink, result.model_dump_json()],
                client=pipe,
            )
            pipe.hdel(self.attempts_key, _attempt_field(ticket_id, sink))
            if resolves is not None:
                pipe.xdel(self.dead_key, resolves)
            pipe.execute()

    def record_dead(self, letter: DeadLetter, *, replaces: str | None = None) -> None:
        """Keep a dead letter and the sink's `dead` result; `replaces`: the letter it renews."""
        result = SinkResult(
            status="dead", attempts=letter.attempts, error=letter.error, at=letter.at
        )
        with redis_errors(self.client, f"writing a dead letter for {letter.ticket_id}"):
            pipe = self.client.pipeline(transaction=True)
            if letter.sink != "*":
                self._merge(
                    keys=[self.results_key],
                    args=[letter.ticket_id, letter.sink, result.model_dump_json()],
                    client=pipe,
                )
            pipe.hdel(self.attempts_key, _attempt_field(letter.ticket_id, letter.sink))
            if replaces is not None:
                pipe.xdel(self.dead_key, replaces)
            pipe.xadd(self.dead_key, {"letter": letter.model_dump_json()})
            pipe.execute()

    def dead_letters(self) -> list[DeadLetter]:
        """Every dead letter under this prefix, oldest first."""
        with redis_errors(self.client, "reading the dead-letter stream"):
            entries = self.client.xrange(self.dead_key) or []
        letters = []
        for raw_id, fields in entries:
            if raw_id is None:
                continue
            stream_id = text_of(raw_id)
            data = {text_of(k): text_of(v) for k, v in (fields or {}).items()}
            try:
                letter = DeadLetter.model_validate_json(data.get("letter", ""))
            except ValidationError as e:
                raise StateError(
                    f"dead letter {stream_id} in {self.dead_key} is unreadable "
                    f"({e.errors()[0]['msg']}); inspect it with XRANGE, then XDEL it"
                ) from e
            letter.stream_id = stream_id
            letters.append(letter)
        return letters

    def _parse(self, ticket_id: str, raw: bytes | str | None) -> dict[str, SinkResult]:
        if raw is None:
            return {}
        try:
            data = json.loads(text_of(raw))
            return {sink: SinkResult.model_validate(value) for sink, value in data.items()}
        except (ValueError, AttributeError) as e:
            raise StateError(
                f"delivery results of {ticket_id} in {self.results_key} are unreadable ({e}); "
                f"HDEL {self.results_key} {ticket_id} to deliver it again"
            ) from e


def _attempt_field(ticket_id: str, sink: str) -> str:
    return f"{ticket_id} {sink}"
