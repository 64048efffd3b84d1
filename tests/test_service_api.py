"""The /v1 API over real HTTP: a real `opsqkv serve` process, the real model, real Redis."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from service_server import REPO, ServiceProcess, drop_prefix, service_settings, start_service

from agents import OpsBot
from settings import Settings
from tests.support.env import settings_env


@pytest.fixture(scope="module")
def server(
    bot: OpsBot, bot_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    """One server for the module, on the home the `bot` fixture built (demo KB and CMDB)."""
    settings = service_settings(bot_settings.home)
    log = tmp_path_factory.mktemp("svc-api") / "serve.log"
    proc = start_service(settings, log)
    yield proc
    proc.stop()
    drop_prefix(settings)


@pytest.fixture(scope="module")
def token(server: ServiceProcess) -> str:
    return server.token("team-a")


def _sid() -> str:
    return f"api-{uuid.uuid4().hex[:10]}"


def test_service_serve_prints_where_it_listens(server: ServiceProcess) -> None:
    out = server.output
    assert f"serving on http://127.0.0.1:{server.port}" in out
    assert f"prefix {server.settings.redis_prefix}" in out


def test_service_message_answers_like_handle(server: ServiceProcess, token: str) -> None:
    with server.client(token) as http:
        r = http.post(f"/v1/sessions/{_sid()}/messages", json={"text": "how many hosts per idc"})
    assert r.status_code == 200, r.text
    reply = r.json()
    assert reply["agent"] == "cmdb"
    assert reply["data"]["understood"] is True and reply["data"]["total"] > 0
    assert set(reply) >= {"text", "agent", "citations", "ticket", "data"}


def test_service_session_holds_turns_in_order(server: ServiceProcess, token: str) -> None:
    sid = _sid()
    texts = ["open an incident for payment-api since 10:30, sev2", "how do I fix nginx 502"]
    with server.client(token) as http:
        first = http.post(f"/v1/sessions/{sid}/messages", json={"text": texts[0]}).json()
        http.post(f"/v1/sessions/{sid}/messages", json={"text": texts[1]})
        got = http.get(f"/v1/sessions/{sid}")
    assert first["agent"] == "ticket"
    panel = first["panel"]
    assert panel["template"] == "incident" and panel["phase"] == "filling"
    filled = {s["name"]: s["value"] for s in panel["slots"]}
    assert filled["service"] == "payment-api" and filled["symptom"] is None  # missing, shown
    assert got.status_code == 200
    turns = got.json()["turns"]
    assert [t["text"] for t in turns if t["role"] == "user"] == texts
    assert turns[0]["role"] == "user" and turns[1]["role"] == "bot" and turns[1]["agent"]


def test_service_ticket_submitted_is_listed(server: ServiceProcess, token: str) -> None:
    sid = _sid()
    with server.client(token) as http:
        before = http.get("/v1/tickets").json()["next_since"]
        for text in [
            "payment-api is down since 10:30, sev1",
            "change symptom to checkout requests time out after 30 seconds",
            "yes please",
        ]:
            last = http.post(f"/v1/sessions/{sid}/messages", json={"text": text}).json()
        listed = http.get("/v1/tickets", params={"since": before} if before else {})
    assert last["panel"]["phase"] == "submitted", last["text"]
    ticket_id = last["ticket"]["id"]
    assert [t["ticket"]["id"] for t in listed.json()["tickets"]] == [ticket_id]


def test_service_delete_forgets_the_session(server: ServiceProcess, token: str) -> None:
    sid = _sid()
    with server.client(token) as http:
        http.post(f"/v1/sessions/{sid}/messages", json={"text": "hello"})
        assert http.delete(f"/v1/sessions/{sid}").json() == {"deleted": True}
        assert http.get(f"/v1/sessions/{sid}").status_code == 404
        assert http.delete(f"/v1/sessions/{sid}").status_code == 404


def test_service_ask_cites_runbooks(server: ServiceProcess, token: str) -> None:
    with server.client(token) as http:
        r = http.post("/v1/ask", json={"question": "nginx returns 502, what do I check?"})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["known"] is True and answer["citations"]
    assert "[1]" in answer["answer"]


def test_service_cmdb_query_returns_items(server: ServiceProcess, token: str) -> None:
    with server.client(token) as http:
        r = http.post("/v1/cmdb/query", json={"question": "prod mysql hosts in sh-1"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["understood"] is True and body["query"]["types"]
    assert body["total"] >= len(body["items"]) > 0


def test_service_retry_with_message_id_applies_once(server: ServiceProcess, token: str) -> None:
    sid = _sid()
    message = {"text": "how many hosts in idc sh-1", "message_id": "m-1"}
    with server.client(token) as http:
        first = http.post(f"/v1/sessions/{sid}/messages", json=message)
        again = http.post(f"/v1/sessions/{sid}/messages", json=message)
        turns = http.get(f"/v1/sessions/{sid}").json()["turns"]
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert [t["role"] for t in turns] == ["user", "bot"]


def test_service_concurrent_retries_apply_once(server: ServiceProcess, token: str) -> None:
    sid = _sid()
    message = {"text": "how many hosts per env", "message_id": "same-id"}

    def post(_: int) -> dict[str, object]:
        with server.client(token) as http:
            r = http.post(f"/v1/sessions/{sid}/messages", json=message)
            assert r.status_code == 200, r.text
            body: dict[str, object] = r.json()
            return body

    with ThreadPoolExecutor(max_workers=4) as pool:
        replies = list(pool.map(post, range(4)))
    assert all(r == replies[0] for r in replies)
    with server.client(token) as http:
        turns = http.get(f"/v1/sessions/{sid}").json()["turns"]
    assert [t["role"] for t in turns] == ["user", "bot"]


def test_service_message_id_reused_for_other_text_is_refused(
    server: ServiceProcess, token: str
) -> None:
    sid = _sid()
    with server.client(token) as http:
        http.post(f"/v1/sessions/{sid}/messages", json={"text": "hello", "message_id": "x1"})
        r = http.post(f"/v1/sessions/{sid}/messages", json={"text": "bye", "message_id": "x1"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"
    assert "already used" in r.json()["error"]["message"]


def test_service_health_ready_and_metrics(server: ServiceProcess, token: str) -> None:
    with server.client(None) as http:
        assert http.get("/healthz").json()["status"] == "ok"
        ready = http.get("/readyz").json()
        metrics = http.get("/metrics")
    assert ready == {"status": "ok", "checks": {"model": "loaded", "redis": "ok"}}
    text = metrics.text
    assert 'opsqkv_turn_seconds_bucket{agent="cmdb"' in text
    assert "opsqkv_requests_total{" in text and 'status="200"' in text
    assert "opsqkv_tickets_submitted_total" in text


def test_service_openapi_docs_and_page_are_served(server: ServiceProcess) -> None:
    with server.client(None) as http:
        spec = http.get("/openapi.json").json()
        docs = http.get("/docs")
        page = http.get("/")
        script = http.get("/static/chat.js")
    assert "/v1/sessions/{session_id}/messages" in spec["paths"]
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert docs.status_code == 200 and page.status_code == 200 and script.status_code == 200
    assert "<title>opsqkv chat</title>" in page.text


def test_service_chat_remote_mode(server: ServiceProcess, token: str, tmp_path: Path) -> None:
    sid = _sid()
    env = settings_env(server.settings) | {"OPSQKV_HOME": str(tmp_path)}
    command = [sys.executable, "-m", "cli", "chat", "--url", server.url, "--token", token]
    done = subprocess.run(
        [*command, "--session", sid],
        cwd=REPO,
        env=env,
        input="how many hosts per idc\n/quit\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "cmdb" in done.stdout and "item(s) counted" in done.stdout
    with server.client(token) as http:
        turns = http.get(f"/v1/sessions/{sid}").json()["turns"]
    assert [t["text"] for t in turns if t["role"] == "user"] == ["how many hosts per idc"]
