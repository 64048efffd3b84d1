"""The ticket sink: submitted tickets appended to the Redis Stream `<prefix>tickets`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import redis
from pydantic import ValidationError

from errors import InputError
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
    """Appends tickets to a stream and reads them back in order."""

    def __init__(self, client: redis.Redis, *, prefix: str = "opsqkv:") -> None:
        self.client = client
        self.key = f"{prefix}tickets"

    def append_op(self, ticket: Ticket) -> PipelineOp:
        """The XADD as a pipeline op, so a ticket is appended atomically with its session."""
        payload = ticket.model_dump_json()
        return lambda pipe: pipe.xadd(self.key, {"ticket": payload})

    def append(self, ticket: Ticket) -> str:
        """Append one ticket now; returns its stream id."""
        with redis_errors(self.client, f"appending ticket {ticket.id}"):
            return text_of(self.client.xadd(self.key, {"ticket": ticket.model_dump_json()}))

    def export(self, since: str | None = None, *, batch: int = 500) -> Iterator[ExportedTicket]:
        """Every ticket after stream id `since` (all when None), oldest first."""
        if since is not None and not _is_stream_id(since):
            raise InputError(
                f"--since {since!r} is not a stream id; use one printed by a previous export "
                "(like 1764064800000-0)"
            )
        start = "-" if since is None else f"({since}"
        while True:
            with redis_errors(self.client, "reading the ticket stream"):
                entries = self.client.xrange(self.key, min=start, max="+", count=batch) or []
            last = None
            for raw_id, fields in entries:
                if raw_id is None:
                    continue
                last = text_of(raw_id)
                yield read_entry(last, fields or {})
            if len(entries) < batch or last is None:
                return
            start = f"({last}"


def _is_stream_id(text: str) -> bool:
    """`ms` or `ms-seq`, each part a 64-bit unsigned number as Redis requires."""
    return bool(_STREAM_ID.match(text)) and all(int(p) < 2**64 for p in text.split("-"))


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
