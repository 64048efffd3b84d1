"""A fake webhook receiver that checks signatures and idempotency keys."""

from __future__ import annotations

import hmac
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .base import Answer, FakeService, Seen, _json


@dataclass
class _Delivery:
    status: int
    body: dict[str, Any] = field(default_factory=dict)


class FakeWebhook(FakeService):
    """A receiver that checks `X-Opsqkv-Signature` and keeps `Idempotency-Key` as it should.

    A repeated key is answered with the first answer and counted in `replays`, not created.
    """

    kind = "webhook"

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.by_key: dict[str, _Delivery] = {}
        self.replays: Counter[str] = Counter()
        self.bad_signatures = 0

    def error(self, status: int, message: str) -> Answer:
        return _json(status, {"error": message})

    def ticket_of(self, request: Seen) -> str | None:
        return request.headers.get("idempotency-key")

    def route(self, request: Seen) -> Answer:
        if request.method != "POST":
            return self.error(405, "POST only")
        expected = "sha256=" + hmac.new(self.secret.encode(), request.body, "sha256").hexdigest()
        if not hmac.compare_digest(request.headers.get("x-opsqkv-signature", ""), expected):
            with self.lock:
                self.bad_signatures += 1
            return self.error(401, "bad signature")
        key = request.headers.get("idempotency-key")
        if not key:
            return self.error(400, "Idempotency-Key header is required")
        with self.lock:
            if key in self.by_key:
                self.replays[key] += 1
                done = self.by_key[key]
                return _json(done.status, done.body)
        failure, stall = self.misbehave(key)
        if failure is not None:
            return failure
        with self.lock:
            if key in self.by_key:  # a concurrent request with the same key won
                self.replays[key] += 1
                done = self.by_key[key]
                return _json(done.status, done.body)
            body = {"id": f"evt-{len(self.by_key) + 1}", "received": key}
            self.by_key[key] = _Delivery(200, body)
            self.created[key] += 1
        time.sleep(stall)
        return _json(200, body)
