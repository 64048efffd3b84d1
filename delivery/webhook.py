"""`kind: webhook`: the ticket as a JSON POST, signed, with the ticket id as idempotency key.

Body: `{"event": "ticket.submitted", "tenant": ..., "ticket": {...}}`, compact JSON.
Headers: `Idempotency-Key: <ticket id>`; with a `secret`, `X-Opsqkv-Signature:
sha256=<hex HMAC-SHA256 of the exact body bytes>`. A receiver answers 2xx once it has the
ticket and, seeing a key again, the same answer without acting twice. `id` and `url` in
its JSON answer, when present, are kept as the external id and link.
"""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx

from delivery.config import WebhookSinkConfig
from delivery.http import HttpSink
from delivery.outcome import Created, Outcome, Refused
from state.models import Ticket


class WebhookSink(HttpSink):
    """POSTs tickets to one URL."""

    kind = "webhook"

    def __init__(
        self, config: WebhookSinkConfig, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        super().__init__(config, transport=transport)
        self.config = config

    def deliver(self, ticket: Ticket, tenant: str | None) -> Outcome:
        payload = {
            "event": "ticket.submitted",
            "tenant": tenant,
            "ticket": ticket.model_dump(mode="json"),
        }
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {
            **self.config.headers,
            "Content-Type": "application/json",
            "Idempotency-Key": ticket.id,
        }
        if self.config.secret:
            digest = hmac.new(self.config.secret.encode(), body, hashlib.sha256).hexdigest()
            headers["X-Opsqkv-Signature"] = f"sha256={digest}"
        try:
            response = self.http.call("POST", "", content=body, headers=headers)
        except Refused as e:
            return e.failure
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            return Created(None, None)
        found = answer.get("id")
        link = answer.get("url")
        return Created(
            None if found is None else str(found), link if isinstance(link, str) else None
        )
