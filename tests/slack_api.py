"""A Slack-shaped HTTP server for the Slack tests, and Slack's request signing done by hand.

`SlackAPI` answers what the service sends back to Slack: `chat.postMessage` (JSON, bearer
token) and a slash command's `response_url` POSTs, and keeps each request for the test.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@dataclass(frozen=True)
class Call:
    """One request the service made to the local Slack API."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class SlackAPI:
    """A Slack-shaped HTTP server: answers `chat.postMessage` and `response_url` POSTs."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.changed = threading.Condition()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.loads(raw) if raw else {}
                call = Call(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                if self.path.endswith("/chat.postMessage"):
                    answer = json.dumps({"ok": True, "channel": body.get("channel"), "ts": "1.2"})
                    ctype = "application/json"
                else:
                    answer, ctype = "ok", "text/plain"
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.end_headers()
                self.wfile.write(answer.encode())
                with api.changed:
                    api.calls.append(call)
                    api.changed.notify_all()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def take(self, match: Callable[[Call], bool], timeout_s: float = 60.0) -> Call:
        """The first call that matches, removed from the list; fails after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        with self.changed:
            while True:
                for call in self.calls:
                    if match(call):
                        self.calls.remove(call)
                        return call
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no matching Slack call in {timeout_s}s: {self.calls}")
                self.changed.wait(left)

    def pending(self, match: Callable[[Call], bool]) -> list[Call]:
        with self.changed:
            return [c for c in self.calls if match(c)]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def sign(body: bytes, *, secret: str = SECRET, at: float | None = None) -> dict[str, str]:
    """The headers Slack adds: `v0=` HMAC-SHA256 of `v0:{timestamp}:{body}`."""
    timestamp = str(int(time.time() if at is None else at))
    base = f"v0:{timestamp}:".encode() + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}"}


def all_text(blocks: list[dict[str, Any]]) -> str:
    """Every text in a Block Kit message, one per line."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                out.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return "\n".join(out)


def ticket_fields(blocks: list[dict[str, Any]]) -> dict[str, str]:
    """The ticket's slots as the Block Kit section fields show them: label -> value."""
    fields: dict[str, str] = {}
    for block in blocks:
        for field in block.get("fields") or []:
            label, _, value = field["text"].partition("\n")
            fields[label.strip("*")] = value
    return fields
