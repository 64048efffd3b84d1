"""The ticket sink: submitted tickets appended to the Redis Stream(s) `<prefix>tickets`.

On one server there is one stream. On a Redis Cluster there is one per slot group
(state/keys.py): a ticket goes to the stream in its session's slot, in the session's
MULTI/EXEC. `export` merges the streams into one order, by (ms, seq, stream). Each entry
is shown with a cursor `<ms>-<seq * streams + stream>`: the entry's own stream id on one
server (one stream), and on a cluster an id of the same shape that is unique across the
streams and sorts in the merged order, so `--since` / `GET /v1/tickets?since=` resume
exactly after it.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator
from dataclasses import dataclass

import redis
from pydantic import ValidationError

from errors import InputError
from state.keys import KeyLayout
from state.models import Ticket
from state.redis_errors import redis_errors, text_of
from state.store import PipelineOp

_STREAM_ID = re.compile(r"^\d+(-\d+)?$")


@dataclass(frozen=True)
class ExportedTicket:
    """One stream entry read back: the ticket, or why it could not be read."""

    stream_id: str
    ticket: Ticket | None
    error: str | None = None


class TicketSink:
    """Appends tickets to the stream of their session's slot and reads them all back in order."""

    def __init__(self, client: redis.Redis, *, prefix: str = "opsqkv:") -> None:
        self.client = client
        self.layout = KeyLayout.of(client, prefix)
        self.streams = self.layout.ticket_streams()
        self.key = self.streams[0]  # on one server, the stream; on a cluster, the first

    def append_op(self, ticket: Ticket) -> PipelineOp:
        """The XADD as a pipeline op, so a ticket is appended atomically with its session."""
        key = self.layout.tickets_of(ticket.session_id)
        payload = ticket.model_dump_json()
        return lambda pipe: pipe.xadd(key, {"ticket": payload})

    def append(self, ticket: Ticket) -> str:
        """Append one ticket now; returns its export cursor (its stream id on one server)."""
        key = self.layout.tickets_of(ticket.session_id)
        with redis_errors(self.client, f"appending ticket {ticket.id}"):
            raw = text_of(self.client.xadd(key, {"ticket": ticket.model_dump_json()}))
        ms, seq = _parts(raw)
        return self._cursor(ms, seq, self.streams.index(key))

    def export(self, since: str | None = None, *, batch: int = 500) -> Iterator[ExportedTicket]:
        """Every ticket after cursor `since` (all when None), oldest first."""
        if since is not None and not _is_stream_id(since):
            raise InputError(
                f"--since {since!r} is not a stream id; use one printed by a previous export "
                "(like 1764064800000-0)"
            )
        after = None if since is None else _parts(since)
        n = len(self.streams)
        readers = [
            self._read(i, after and (after[0], after[1] // n, after[1] % n), batch)
            for i in range(n)
        ]
        for ms, seq, index, fields in heapq.merge(*readers):
            yield read_entry(self._cursor(ms, seq, index), fields)

    def _read(
        self, index: int, after: tuple[int, int, int] | None, batch: int
    ) -> Iterator[tuple[int, int, int, dict[bytes | str, bytes | str]]]:
        """Stream `index` from just after the merged position `after` (ms, seq, stream)."""
        key = self.streams[index]
        if after is None:
            start = "-"
        else:  # the same (ms, seq) sorts after the cursor only in a later stream
            ms, seq, at = after
            start = f"{ms}-{seq}" if index > at else f"({ms}-{seq}"
        while True:
            with redis_errors(self.client, f"reading the ticket stream {key}"):
                entries = self.client.xrange(key, min=start, max="+", count=batch) or []
            last = None
            for raw_id, fields in entries:
                if raw_id is None:
                    continue
                last = text_of(raw_id)
                yield (*_parts(last), index, fields or {})
            if len(entries) < batch or last is None:
                return
            start = f"({last}"

    def _cursor(self, ms: int, seq: int, index: int) -> str:
        return f"{ms}-{seq * len(self.streams) + index}"


def _is_stream_id(text: str) -> bool:
    """`ms` or `ms-seq`, each part a 64-bit unsigned number as Redis requires."""
    return bool(_STREAM_ID.match(text)) and all(int(p) < 2**64 for p in text.split("-"))


def _parts(stream_id: str) -> tuple[int, int]:
    ms, _, seq = stream_id.partition("-")
    return int(ms), int(seq or 0)


def read_entry(stream_id: str, fields: dict[bytes | str, bytes | str]) -> ExportedTicket:
    """One stream entry's ticket, or why it cannot be read (the delivery worker reads these too)."""
    data = {text_of(k): text_of(v) for k, v in fields.items()}
    if "ticket" not in data:
        return ExportedTicket(stream_id, None, "entry has no 'ticket' field")
    try:
        return ExportedTicket(stream_id, Ticket.model_validate_json(data["ticket"]))
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "ticket"
        return ExportedTicket(stream_id, None, f"{where}: {first['msg']}")
