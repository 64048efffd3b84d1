"""Jira, ServiceNow and webhook receivers on real loopback sockets, for the delivery tests.

Each answers the requests our sinks send the way the real service documents them (paths,
status codes, JSON shapes, error bodies) and counts what it created per opsqkv ticket id,
so a test can say "created exactly once" from the receiver's side. Knobs make it misbehave:
`fail_first` (5xx for the first N creates of each ticket), `rate_limit_first` (429 with
Retry-After), `slow_first_s` (create, then answer past the client's timeout), `down`
(every request 503 until switched back), `delay_s` (every create takes this long).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
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


class FakeJira(FakeService):
    """`POST /rest/api/2/issue` and `GET /rest/api/2/search?jql=labels = "..."`, basic auth."""

    kind = "jira"
    priorities = ("Highest", "High", "Medium", "Low", "Lowest")

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.issues: dict[str, dict[str, Any]] = {}  # key -> fields

    def error(self, status: int, message: str) -> Answer:
        return _json(status, {"errorMessages": [message], "errors": {}})

    def ticket_of(self, request: Seen) -> str | None:
        if request.method != "POST":
            return None
        labels = request.json().get("fields", {}).get("labels", [])
        ids = [label.removeprefix("opsqkv-") for label in labels if label.startswith("opsqkv-")]
        return ids[0] if ids else None

    def route(self, request: Seen) -> Answer:
        if not self.authorized(request):
            return _json(401, {"errorMessages": ["You are not authenticated."], "errors": {}})
        if request.method == "GET" and request.path == "/rest/api/2/search":
            return self._search(request.query.get("jql", ""))
        if request.method == "POST" and request.path == "/rest/api/2/issue":
            return self._create(request)
        return self.error(404, f"no route {request.method} {request.path}")

    def _search(self, jql: str) -> Answer:
        match = re.fullmatch(r'labels\s*=\s*"([^"]+)"', jql.strip())
        if not match:
            return _json(400, {"errorMessages": [f"Error in the JQL Query: {jql}"], "errors": {}})
        with self.lock:
            hits = [k for k, f in self.issues.items() if match.group(1) in f.get("labels", [])]
        issues = [{"id": k.split("-")[1], "key": k, "self": f"{self.url}/issue/{k}"} for k in hits]
        return _json(200, {"startAt": 0, "maxResults": 1, "total": len(hits), "issues": issues})

    def _create(self, request: Seen) -> Answer:
        fields = request.json().get("fields", {})
        errors = {}
        if not fields.get("summary"):
            errors["summary"] = "You must specify a summary of the issue."
        priority = fields.get("priority", {}).get("name")
        if priority is not None and priority not in self.priorities:
            errors["priority"] = f"Priority name '{priority}' is not valid"
        if errors:
            return _json(400, {"errorMessages": [], "errors": errors})
        ticket_id = self.ticket_of(request) or "?"
        failure, stall = self.misbehave(ticket_id)
        if failure is not None:
            return failure
        with self.lock:
            key = f"{fields['project']['key']}-{len(self.issues) + 1}"
            self.issues[key] = fields
            self.created[ticket_id] += 1
        time.sleep(stall)
        number = key.split("-")[1]
        return _json(201, {"id": str(10000 + int(number)), "key": key, "self": f"{self.url}/x"})


class FakeServiceNow(FakeService):
    """Table API: `POST /api/now/table/<table>`, `GET ...?sysparm_query=correlation_id=<id>`."""

    kind = "servicenow"
    prefixes: ClassVar[dict[str, str]] = {"incident": "INC", "change_request": "CHG"}

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.records: dict[str, list[dict[str, Any]]] = {t: [] for t in self.prefixes}

    def error(self, status: int, message: str) -> Answer:
        return _json(status, {"error": {"message": message, "detail": None}, "status": "failure"})

    def ticket_of(self, request: Seen) -> str | None:
        if request.method != "POST":
            return None
        value = request.json().get("correlation_id")
        return str(value) if value else None

    def route(self, request: Seen) -> Answer:
        if not self.authorized(request):
            return _json(
                401,
                {
                    "error": {
                        "message": "User Not Authenticated",
                        "detail": "Required to provide Auth information",
                    },
                    "status": "failure",
                },
            )
        match = re.fullmatch(r"/api/now/table/(\w+)", request.path)
        if not match or match.group(1) not in self.records:
            return self.error(400, f"Invalid table {request.path.rsplit('/', 1)[-1]}")
        table = match.group(1)
        if request.method == "GET":
            return self._query(table, request.query.get("sysparm_query", ""))
        if request.method == "POST":
            return self._insert(table, request)
        return self.error(405, "method not allowed")

    def _query(self, table: str, query: str) -> Answer:
        wanted = query.removeprefix("correlation_id=")
        with self.lock:
            rows = [r for r in self.records[table] if r.get("correlation_id") == wanted]
        return _json(
            200, {"result": [{"sys_id": r["sys_id"], "number": r["number"]} for r in rows]}
        )

    def _insert(self, table: str, request: Seen) -> Answer:
        ticket_id = self.ticket_of(request) or "?"
        failure, stall = self.misbehave(ticket_id)
        if failure is not None:
            return failure
        with self.lock:
            rows = self.records[table]
            number = f"{self.prefixes[table]}{10001 + len(rows):07d}"
            row = {
                **request.json(),
                "number": number,
                "sys_id": hashlib.md5(number.encode()).hexdigest(),  # noqa: S324 (a fake id)
            }
            rows.append(row)
            self.created[ticket_id] += 1
        time.sleep(stall)
        return _json(201, {"result": row})


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


def start_all() -> tuple[FakeJira, FakeServiceNow, FakeWebhook]:
    """One of each receiver, listening."""
    jira = FakeJira()
    snow = FakeServiceNow()
    hook = FakeWebhook()
    for service in (jira, snow, hook):
        service.start()
    return jira, snow, hook


def sinks_yaml(
    *services: FakeService,
    backoff_s: float = 0.001,
    max_attempts: int = 5,
    timeout_s: float = 2.0,
    claim_idle_s: float = 30.0,
    concurrency: int = 8,
    rescan_s: float = 30.0,
) -> str:
    """A sinks file for these receivers, with tiny backoffs so retries cost no test time."""
    hook = next((s for s in services if isinstance(s, FakeWebhook)), None)
    jira = next((s for s in services if isinstance(s, FakeJira)), None)
    snow = next((s for s in services if isinstance(s, FakeServiceNow)), None)
    retry = (
        f"    timeout_s: {timeout_s}\n    max_attempts: {max_attempts}\n"
        f"    backoff_s: {backoff_s}\n    backoff_max_s: {backoff_s * 4}\n"
    )
    text = (
        f"worker:\n  claim_idle_s: {claim_idle_s}\n  concurrency: {concurrency}\n"
        f"  rescan_s: {rescan_s}\nsinks:\n"
    )
    if hook is not None:
        text += (
            f"  - kind: webhook\n    name: hook\n    url: {hook.url}/opsqkv\n"
            f"    secret: ${{TEST_HOOK_SECRET}}\n{retry}"
        )
    if jira is not None:
        text += (
            f"  - kind: jira\n    name: jira\n    url: {jira.url}\n    user: {jira.user}\n"
            f"    token: ${{TEST_JIRA_TOKEN}}\n    project: OPS\n{retry}"
            "    templates:\n      incident:\n        issue_type: Bug\n"
            '        summary: "[{severity}] {service}: {symptom}"\n'
            "        priority: {slot: severity, map: {P1: Highest, P2: High, P3: Medium, P4: Low}}\n"
            '        labels: [opsqkv, "{service}"]\n'
            '        fields: {customfield_10042: "{started_at}"}\n'
        )
    if snow is not None:
        text += (
            f"  - kind: servicenow\n    name: servicenow\n    url: {snow.url}\n"
            f"    user: {snow.user}\n    password: ${{TEST_SNOW_PASSWORD}}\n{retry}"
            "    templates:\n      incident:\n        table: incident\n        fields:\n"
            '          short_description: "{service}: {symptom}"\n'
            "          urgency: {slot: severity, map: {P1: '1', P2: '1', P3: '2', P4: '3'}}\n"
            "          impact: {slot: severity, map: {P1: '1', P2: '2', P3: '2', P4: '3'}}\n"
            "      change_request:\n        table: change_request\n        fields:\n"
            '          short_description: "{change_type} change of {service}"\n'
        )
    return text


SECRETS_ENV = {
    "TEST_HOOK_SECRET": "s3cret",
    "TEST_JIRA_TOKEN": "s3cret",
    "TEST_SNOW_PASSWORD": "s3cret",
}
