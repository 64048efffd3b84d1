"""`RemoteBot`: the OpsBot calls a terminal needs, answered by a running `opsqkv serve` over HTTP.

HTTP statuses come back as the errors they were made from (401 AuthError, 404 NotFound,
409 SessionBusy, 422 InputError, 429 RateLimited, 503 StateError), so a caller handles a
remote bot exactly as a local one. Every message carries a fresh message_id and is sent
again once when the connection drops: the server applies it at most once.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import httpx
from pydantic import ValidationError

from agents import Reply
from agents.tickets import TicketTemplate, load_templates
from errors import (
    AuthError,
    ConflictError,
    InputError,
    NotFound,
    OpsqkvError,
    RateLimited,
    SessionBusy,
    StateError,
)
from service.api_models import ReplyOut, SessionOut
from state.models import Session, Turn


class RemoteBot:
    """A client of the /v1 API with OpsBot's `handle`, `session` and `template`."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        templates_dir: Path | None = None,
        timeout_s: float = 120.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise InputError(f"--url {url!r} is not an http(s) URL; e.g. http://127.0.0.1:8080")
        self.url = url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout_s,
            transport=transport,
        )
        self._templates_dir = templates_dir
        self._templates: dict[str, TicketTemplate] | None = None

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def handle(self, session_id: str, text: str, *, message_id: str | None = None) -> Reply:
        """One turn on the server; retried once with the same message_id if the line drops."""
        body = {"text": text, "message_id": message_id or f"cli-{secrets.token_hex(8)}"}
        path = f"/v1/sessions/{session_id}/messages"
        try:
            data = self._call("POST", path, body)
        except _Dropped:
            data = self._call("POST", path, body, retry=False)
        out = ReplyOut.model_validate(data)
        return Reply(
            session_id=out.session_id,
            text=out.text,
            agent=out.agent,
            citations=out.citations,
            ticket=out.ticket,
            data=out.data,
        )

    def session(self, session_id: str) -> Session | None:
        """The stored session, or None when the server has none of that id for us."""
        try:
            out = SessionOut.model_validate(self._call("GET", f"/v1/sessions/{session_id}"))
        except NotFound:
            return None
        history = [Turn(role=t.role, text=t.text, agent=t.agent, at=t.at) for t in out.turns]
        return Session(
            id=out.id,
            created_at=out.created_at,
            updated_at=out.updated_at,
            history=history,
            ticket=out.ticket,
            submitted=out.submitted,
        )

    def template(self, name: str) -> TicketTemplate:
        """A ticket template, as shipped (plus --templates): for drawing the ticket panel."""
        if self._templates is None:
            self._templates = load_templates(self._templates_dir)
        try:
            return self._templates[name]
        except KeyError:
            raise InputError(f"the server uses ticket template {name!r}, unknown here") from None

    def _call(
        self, method: str, path: str, body: dict[str, Any] | None = None, *, retry: bool = True
    ) -> Any:
        try:
            response = self._http.request(method, path, json=body)
        except httpx.TransportError as e:
            if retry and isinstance(e, httpx.RemoteProtocolError | httpx.ReadError):
                raise _Dropped from e
            raise StateError(
                f"the opsqkv server at {self.url} is unreachable ({e}); "
                "start it with `opsqkv serve` or fix --url"
            ) from e
        if response.is_success:
            return response.json()
        raise _error_of(response)


class _Dropped(Exception):
    """The connection dropped after the request may have been sent."""


_BY_STATUS: dict[int, type[OpsqkvError]] = {
    401: AuthError,
    404: NotFound,
    409: SessionBusy,
    413: InputError,
    422: InputError,
    400: InputError,
}


def _error_of(response: httpx.Response) -> OpsqkvError:
    """The opsqkv error an error response stands for, with the server's message."""
    try:
        error = response.json()["error"]
        code, message = str(error["code"]), str(error["message"])
    except (ValueError, KeyError, TypeError, ValidationError):
        code, message = "http_error", f"HTTP {response.status_code}: {response.text[:200]}"
    if response.status_code == 429:
        retry = response.headers.get("retry-after", "60")
        return RateLimited(message, int(retry) if retry.isdigit() else 60)
    if response.status_code == 409 and code == "conflict":
        return ConflictError(message)
    kind = _BY_STATUS.get(response.status_code, StateError)
    return kind(message)
