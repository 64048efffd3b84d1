"""Where httpx errors and HTTP statuses enter: each becomes one Failure line, once.

Retryable: connection errors, timeouts, 408, 429 (with its Retry-After) and 5xx.
Final: every other status a target answers; trying again would send the same request.
"""

from __future__ import annotations

from typing import Any

import httpx

from delivery.backoff import parse_retry_after
from delivery.config import RetryPolicy, SinkEntry
from delivery.outcome import Failure, Refused

_RETRYABLE = {408, 425, 429}


class HttpSink:
    """What every sink shares: its name, retry policy, template filter and HTTP client."""

    kind = "http"

    def __init__(
        self,
        config: SinkEntry,
        *,
        auth: tuple[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.name = config.name
        self.retry: RetryPolicy = config.retry
        self._entry = config
        self.http = HttpTarget(
            config.url, timeout_s=config.timeout_s, auth=auth, transport=transport
        )

    def accepts(self, template: str) -> bool:
        """Whether tickets of `template` go to this sink."""
        return self._entry.accepts(template)

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()


class HttpTarget:
    """One target's base URL and connection pool; `call` raises Refused on any failure."""

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float,
        auth: tuple[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self._client = httpx.Client(
            timeout=timeout_s,
            auth=auth,
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "opsqkv-delivery"},
        )

    def close(self) -> None:
        self._client.close()

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """`method` on `url + path`; the response when 2xx, else Refused with the reason."""
        url = self.url + path
        try:
            response = self._client.request(method, url, **kwargs)
        except httpx.TimeoutException as e:
            raise Refused(
                Failure(
                    f"no answer from {_host(url)} within {self.timeout_s:g}s ({type(e).__name__})",
                    retryable=True,
                )
            ) from e
        except httpx.TransportError as e:
            detail = str(e) or type(e).__name__
            raise Refused(Failure(f"cannot reach {_host(url)} ({detail})", retryable=True)) from e
        if response.is_success:
            return response
        raise Refused(failure_of(method, response))

    def json_of(self, response: httpx.Response) -> Any:
        """The body as JSON; Refused (final) when a 2xx answer is not JSON."""
        try:
            return response.json()
        except ValueError as e:
            raise Refused(
                Failure(
                    f"HTTP {response.status_code} from {_host(self.url)} is not JSON "
                    f"({response.text[:120]!r}); is the url the service's base URL?",
                    retryable=False,
                )
            ) from e


def failure_of(method: str, response: httpx.Response) -> Failure:
    """A non-2xx answer as a Failure carrying the target's own error message."""
    status = response.status_code
    path = response.request.url.path
    reason = f"HTTP {status} on {method} {path}: {error_text(response)}"
    if status in _RETRYABLE or status >= 500:
        after = parse_retry_after(response.headers.get("Retry-After"))
        return Failure(reason, retryable=True, retry_after_s=after)
    return Failure(reason, retryable=False)


def error_text(response: httpx.Response) -> str:
    """What the target said went wrong: Jira's errorMessages/errors, ServiceNow's error, text."""
    try:
        body = response.json()
    except ValueError:
        text = " ".join(response.text.split())
        return text[:200] or response.reason_phrase
    parts: list[str] = []
    if isinstance(body, dict):
        messages = body.get("errorMessages")
        if isinstance(messages, list):  # Jira
            parts += [str(m) for m in messages]
        errors = body.get("errors")
        if isinstance(errors, dict):  # Jira, per field
            parts += [f"{field}: {message}" for field, message in errors.items()]
        error = body.get("error")
        if isinstance(error, dict):  # ServiceNow
            parts += [str(error[k]) for k in ("message", "detail") if error.get(k)]
        elif isinstance(error, str):
            parts.append(error)
        if not parts and isinstance(body.get("message"), str):
            parts.append(body["message"])
    return "; ".join(parts)[:300] or response.reason_phrase or "no message"


def _host(url: str) -> str:
    parsed = httpx.URL(url)
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.host}{port}"
