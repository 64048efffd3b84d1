"""What the API refuses, over real HTTP: bad input, bad tokens, other tenants, limits, busy."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
import redis
from service_server import ServiceProcess, drop_prefix, service_settings, start_service

from agents import OpsBot
from service.config import tenant_prefix
from service.tokens import TokenStore
from settings import Settings

TEXT_LIMIT = 512


@pytest.fixture(scope="module")
def server(
    bot: OpsBot, bot_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    """A server with a small text limit and a short lock wait, so the limits are quick to hit."""
    settings = service_settings(bot_settings.home)
    log = tmp_path_factory.mktemp("svc-guards") / "serve.log"
    args = ("--max-text-chars", str(TEXT_LIMIT), "--lock-wait", "1")
    proc = start_service(settings, log, *args)
    yield proc
    proc.stop()
    drop_prefix(settings)


@pytest.fixture(scope="module")
def token(server: ServiceProcess) -> str:
    return server.token("guards")


def _sid() -> str:
    return f"g-{uuid.uuid4().hex[:10]}"


def _error(r: httpx.Response, status: int, code: str) -> str:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and body["error"]["code"] == code, body
    message: str = body["error"]["message"]
    return message


@pytest.mark.parametrize(
    ("body", "status", "code", "says"),
    [
        ({"text": "   "}, 422, "invalid_input", "empty"),
        ({"text": "x" * (TEXT_LIMIT + 1)}, 422, "invalid_input", f"limit of {TEXT_LIMIT}"),
        ({"text": "hi", "colour": "red"}, 422, "unknown_field", "'colour'"),
        ({}, 422, "missing_field", "'text'"),
        ({"text": 5}, 422, "invalid_input", "text"),
        ({"text": "hi", "message_id": "has space"}, 422, "invalid_input", "message_id"),
    ],
)
def test_service_bad_message_body_is_a_4xx_that_says_why(
    server: ServiceProcess, token: str, body: dict[str, object], status: int, code: str, says: str
) -> None:
    with server.client(token) as http:
        r = http.post(f"/v1/sessions/{_sid()}/messages", json=body)
    assert says in _error(r, status, code)


def test_service_malformed_json_is_400(server: ServiceProcess, token: str) -> None:
    with server.client(token) as http:
        r = http.post(
            f"/v1/sessions/{_sid()}/messages",
            content=b'{"text": ',
            headers={"Content-Type": "application/json"},
        )
    assert "not valid JSON" in _error(r, 400, "malformed_json")


def test_service_bad_session_id_is_422(server: ServiceProcess, token: str) -> None:
    with server.client(token) as http:
        r = http.post("/v1/sessions/no%20spaces/messages", json={"text": "hi"})
        long = http.get("/v1/sessions/" + "a" * 129)
    assert "'no spaces'" in _error(r, 422, "bad_session_id")
    _error(long, 422, "bad_session_id")


def test_service_huge_body_is_413_unread(server: ServiceProcess, token: str) -> None:
    with server.client(token) as http:
        r = http.post(f"/v1/sessions/{_sid()}/messages", json={"text": "x" * 300_000})
    _error(r, 413, "too_large")


def test_service_unknown_route_and_method(server: ServiceProcess, token: str) -> None:
    with server.client(token) as http:
        _error(http.get("/v1/nothing-here"), 404, "not_found")
        _error(http.put(f"/v1/sessions/{_sid()}"), 405, "method_not_allowed")


@pytest.mark.parametrize("header", [None, "Bearer oqk_not-a-real-token", "Basic dXNlcjpwdw=="])
def test_service_missing_or_bad_token_is_401(server: ServiceProcess, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    with server.client(None) as http:
        r = http.get(f"/v1/sessions/{_sid()}", headers=headers)
    assert "token" in _error(r, 401, "unauthorized")
    assert r.headers["www-authenticate"] == "Bearer"


def test_service_revoked_token_is_401(server: ServiceProcess) -> None:
    token = server.token("guards")
    with server.client(token) as http:
        assert http.post("/v1/ask", json={"question": "disk full"}).status_code == 200
        client = redis.Redis.from_url(str(server.settings.redis_url))
        TokenStore(client, prefix=server.settings.redis_prefix).revoke(token)
        client.close()
        _error(http.post("/v1/ask", json={"question": "disk full"}), 401, "unauthorized")


def test_service_tenants_never_see_each_other(server: ServiceProcess) -> None:
    alice, bob = server.token("tenant-a"), server.token("tenant-b")
    sid = _sid()
    with server.client(alice) as a, server.client(bob) as b:
        assert a.post(f"/v1/sessions/{sid}/messages", json={"text": "hello"}).status_code == 200
        _error(b.get(f"/v1/sessions/{sid}"), 404, "not_found")
        _error(b.delete(f"/v1/sessions/{sid}"), 404, "not_found")
        # The same id is a different session for tenant B: A's turns stay A's.
        assert b.post(f"/v1/sessions/{sid}/messages", json={"text": "bye"}).status_code == 200
        a_turns = a.get(f"/v1/sessions/{sid}").json()["turns"]
        b_turns = b.get(f"/v1/sessions/{sid}").json()["turns"]
    assert [t["text"] for t in a_turns if t["role"] == "user"] == ["hello"]
    assert [t["text"] for t in b_turns if t["role"] == "user"] == ["bye"]
    client = redis.Redis.from_url(str(server.settings.redis_url))
    prefix_a = tenant_prefix(server.settings, "tenant-a")
    assert client.exists(f"{prefix_a}session:{sid}")
    client.close()


def test_service_rate_limit_is_429_with_retry_after(server: ServiceProcess) -> None:
    token = server.token("limited", rate_per_min=3)
    with server.client(token) as http:
        answers = [http.get("/v1/tickets") for _ in range(4)]
    assert [r.status_code for r in answers[:3]] == [200, 200, 200]
    assert "3 requests per minute" in _error(answers[3], 429, "rate_limited")
    assert 1 <= int(answers[3].headers["retry-after"]) <= 60


def test_service_busy_session_is_409(server: ServiceProcess, token: str) -> None:
    sid = _sid()
    client = redis.Redis.from_url(str(server.settings.redis_url))
    lock = f"{tenant_prefix(server.settings, 'guards')}lock:{sid}"
    client.set(lock, "held-by-the-test", px=20_000)
    try:
        with server.client(token) as http:
            r = http.post(f"/v1/sessions/{sid}/messages", json={"text": "how many hosts"})
    finally:
        client.delete(lock)
        client.close()
    assert "busy" in _error(r, 409, "session_busy")


def test_service_metrics_count_errors(server: ServiceProcess) -> None:
    with server.client(None) as http:
        http.get("/v1/tickets")  # 401
        text = http.get("/metrics").text
    assert 'opsqkv_errors_total{type="AuthError"}' in text
    assert 'status="401"' in text
