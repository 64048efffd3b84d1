"""What every fake receiver shares: the request log, the misbehaviour knobs, a real
loopback HTTP server and the handler that routes to the service."""

from __future__ import annotations

import base64
import hmac
import json
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Seen:
    """One request as the receiver saw it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Knobs:
    """How the receiver misbehaves; tests change these between runs."""

    fail_first: int = 0
    rate_limit_first: int = 0
    retry_after: str = "1"
    slow_first_s: float = 0.0
    delay_s: float = 0.0
    down: bool = False


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Answer:
    return (
        status,
        {"Content-Type": "application/json", **(headers or {})},
        json.dumps(body).encode(),
    )


class FakeService:
    """The shared part: a threaded HTTP server, the request log, per-ticket counters."""

    kind = "fake"

    def __init__(self, *, user: str = "bot", secret: str = "s3cret") -> None:
        self.user, self.secret = user, secret
        self.knobs = Knobs()
        self.seen: list[Seen] = []
        self.created: Counter[str] = Counter()  # ticket id -> records created
        self.create_attempts: Counter[str] = Counter()  # ticket id -> create requests
        self.lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeService:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, request: Seen) -> Answer:
        with self.lock:
            self.seen.append(request)
            if self.knobs.down:
                return self.error(503, "service unavailable (maintenance)")
        return self.route(request)

    def route(self, request: Seen) -> Answer:
        raise NotImplementedError

    def error(self, status: int, message: str) -> Answer:
        raise NotImplementedError

    def authorized(self, request: Seen) -> bool:
        header = request.headers.get("authorization", "")
        wanted = "Basic " + base64.b64encode(f"{self.user}:{self.secret}".encode()).decode()
        return hmac.compare_digest(header, wanted)

    def misbehave(self, ticket_id: str) -> tuple[Answer | None, float]:
        """Count a create attempt; the failure to answer instead, and how long to stall after."""
        with self.lock:
            self.create_attempts[ticket_id] += 1
            n = self.create_attempts[ticket_id]
        knobs = self.knobs
        if n <= knobs.fail_first:
            return self.error(500, f"internal error on attempt {n}"), 0.0
        if n <= knobs.rate_limit_first:
            status, headers, body = self.error(429, "too many requests")
            return (status, {**headers, "Retry-After": knobs.retry_after}, body), 0.0
        stall = knobs.delay_s + (knobs.slow_first_s if n == 1 else 0.0)
        return None, stall

    def creates_of(self, ticket_id: str) -> list[Seen]:
        """The create requests this receiver saw for one ticket, in order."""
        return [r for r in self.seen if r.method == "POST" and self.ticket_of(r) == ticket_id]

    def ticket_of(self, request: Seen) -> str | None:
        raise NotImplementedError


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that vanished mid-request (killed, timed out): nothing to report


def _handler_for(service: FakeService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Headers and body leave in two writes: without this, Nagle's algorithm and the
            # client's delayed ACK hold the second one back ~40 ms, as on any real socket.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            size = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(size) if size else b""
            request = Seen(
                method=self.command,
                path=parts.path,
                query={k: v[0] for k, v in parse_qs(parts.query).items()},
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                at=time.monotonic(),
            )
            status, headers, payload = service.answer(request)
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (its timeout): what a real server sees too

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
