"""What delivery remembers in Redis, beside each tickets stream (same prefix):

    <prefix>tickets:external   hash  ticket id -> {sink: SinkResult} as JSON
    <prefix>tickets:attempts   hash  "<ticket id> <sink>" -> attempts so far (while retrying)
    <prefix>tickets:dead       stream of DeadLetter entries (field `letter`, JSON)

A sink with a result is never called again for that ticket: this is what makes a retried
stream entry (another sink failed, a worker died) exactly-once per sink. A result, its
dead letter and the attempt counter change together in one Lua script, which also merges
the result into the ticket's hash field, so two sinks of one ticket finishing at once lose
neither result to a read-modify-write race. (A script rather than a MULTI around one: a
Redis Cluster client cannot queue scripts in a transaction. On a cluster the three keys
carry the hash tag `{<prefix>}` so the script's keys share a slot: state/keys.py.)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

import redis
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from errors import StateError
from state.keys import KeyLayout
from state.models import Ticket
from state.redis_errors import redis_errors, text_of

# KEYS: results hash, attempts hash, dead-letter stream.
# ARGV: ticket id, sink ('' = no result to merge), the sink's result as JSON, the attempts
# field to clear, a dead letter id to delete ('' = none), a dead letter to add ('' = none).
_RECORD = """
if ARGV[2] ~= '' then
    local current = redis.call('HGET', KEYS[1], ARGV[1])
    local results = {}
    if current then results = cjson.decode(current) end
    results[ARGV[2]] = cjson.decode(ARGV[3])
    redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(results))
end
redis.call('HDEL', KEYS[2], ARGV[4])
if ARGV[5] ~= '' then redis.call('XDEL', KEYS[3], ARGV[5]) end
if ARGV[6] ~= '' then redis.call('XADD', KEYS[3], '*', 'letter', ARGV[6]) end
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
        keys = KeyLayout.of(client, prefix)
        self.results_key = keys.delivery("external")
        self.attempts_key = keys.delivery("attempts")
        self.dead_key = keys.delivery("dead")
        self._record = client.register_script(_RECORD)

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
            self._run(ticket_id, sink, result, resolves or "", "")

    def record_dead(self, letter: DeadLetter, *, replaces: str | None = None) -> None:
        """Keep a dead letter and the sink's `dead` result; `replaces`: the letter it renews."""
        result = SinkResult(
            status="dead", attempts=letter.attempts, error=letter.error, at=letter.at
        )
        with redis_errors(self.client, f"writing a dead letter for {letter.ticket_id}"):
            sink = "" if letter.sink == "*" else letter.sink
            self._run(letter.ticket_id, sink, result, replaces or "", letter.model_dump_json())

    def _run(self, ticket_id: str, sink: str, result: SinkResult, drop: str, add: str) -> None:
        """One atomic update: merge `sink`'s result, clear its attempts, drop/add a letter."""
        field = _attempt_field(ticket_id, sink or "*")
        self._record(
            keys=[self.results_key, self.attempts_key, self.dead_key],
            args=[ticket_id, sink, result.model_dump_json(), field, drop, add],
        )

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
