"""Security, checked end to end: tenants, tokens, and sensitive CMDB attributes.

One real service on a home whose CMDB carries planted secrets (a pattern-named attribute,
an attribute declared sensitive, a `*_key`). A scripted session runs through every output
the product has (HTTP answers, tickets, metrics, the server log, the CLI's tables, --json,
--explain, reports and exports); the planted values and the bearer tokens must appear in
none of them, and no tenant may read another's sessions or tickets.
"""

from __future__ import annotations

import json
import logging
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from service_server import ServiceProcess, drop_prefix, start_service
from typer.testing import CliRunner

import cli
from agents import OpsBot
from knowledge.cmdb import CMDB
from knowledge.cmdb.demo import generate
from knowledge.encoder import Encoder
from service.config import tenant_prefix
from settings import Settings
from tests.support.env import TEST_REDIS_URL

SECRETS = {
    "root_password": "PLANTED-root-pw-7f3a",  # hidden by the name pattern
    "vault_path": "PLANTED-vault-9c1e",  # declared in the load file's `sensitive`
    "deploy_key": "PLANTED-ssh-key-42bd",  # `key` as a word part
}


def planted_estate() -> dict[str, object]:
    """The demo estate with every secret on every host, `vault_path` declared sensitive."""
    data = generate(hosts=60, seed=11)
    for item in data["items"]:
        if item["type"] == "host":
            item["attrs"].update(SECRETS)
    data["sensitive"] = [*data.get("sensitive", []), "vault_path"]
    return data


@pytest.fixture(scope="module")
def secure_home(bot: OpsBot, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the built home whose CMDB is the planted estate."""
    home = tmp_path_factory.mktemp("secure") / "home"
    shutil.copytree(bot.settings.home, home, ignore=shutil.ignore_patterns("cmdb.sqlite*", "redis"))
    estate = home.parent / "estate.json"
    estate.write_text(json.dumps(planted_estate()))
    cmdb = CMDB.open(home / "cmdb.sqlite", create=True)
    cmdb.load(estate, replace=True)
    cmdb.close()
    return home


@pytest.fixture(scope="module")
def server(secure_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    prefix = f"opsqkv-test:sec-{uuid.uuid4().hex[:10]}:"
    settings = Settings(home=secure_home, redis_url=TEST_REDIS_URL, redis_prefix=prefix)
    proc = start_service(settings, tmp_path_factory.mktemp("sec") / "serve.log")
    yield proc
    proc.stop()
    drop_prefix(settings)


QUESTIONS = [
    "show root_password of web-00001",
    "what is the vault_path of the prod mysql hosts",
    "list hosts with their deploy_key",
    "prod mysql hosts in sh-1",
    "what does web-00001 depend on",
    "how many hosts per idc",
    f"which host has root_password {SECRETS['root_password']}",
]
TICKET = [
    "open an incident: web-00001 is down since 10:30",
    "checkout",
    "sev1",
    f"the root password {SECRETS['root_password']} leaked",
    "yes",
]


def test_security_tenants_cannot_read_each_others_sessions_or_tickets(
    server: ServiceProcess,
) -> None:
    alice, bob = server.token("team-a"), server.token("team-b")
    sid = f"sec-{uuid.uuid4().hex[:8]}"
    with server.client(alice) as a, server.client(bob) as b:
        for text in TICKET:
            assert a.post(f"/v1/sessions/{sid}/messages", json={"text": text}).status_code == 200
        assert len(a.get("/v1/tickets").json()["tickets"]) == 1
        assert b.get("/v1/tickets").json()["tickets"] == []
        assert b.get(f"/v1/sessions/{sid}").status_code == 404
        assert b.delete(f"/v1/sessions/{sid}").status_code == 404
        for probe in ("..%2Fteam-a%3Asession%3A" + sid, "*", f"{sid}*"):
            assert b.get(f"/v1/sessions/{probe}").status_code in (404, 422)
        assert a.get(f"/v1/sessions/{sid}").status_code == 200
    client = redis.Redis.from_url(TEST_REDIS_URL)
    try:
        keys = [k.decode() for k in client.scan_iter(match=f"{server.settings.redis_prefix}*")]
    finally:
        client.close()
    mine = tenant_prefix(server.settings, "team-a")
    about_sid = [k for k in keys if sid in k]
    assert about_sid and all(k.startswith(mine) for k in about_sid), about_sid
    assert not [
        k for k in keys if k.startswith(tenant_prefix(server.settings, "team-b")) and "ticket" in k
    ]


def test_security_tokens_are_never_stored_or_logged_in_clear(server: ServiceProcess) -> None:
    token = server.token("team-c")
    with server.client(token) as c:
        c.post("/v1/ask", json={"question": "how do I fix a full disk"})
        c.get("/v1/sessions/nope")
    with server.client(token + "x") as wrong:
        assert wrong.get("/v1/tickets").status_code == 401
    client = redis.Redis.from_url(TEST_REDIS_URL)
    try:
        for key in client.scan_iter(match=f"{server.settings.redis_prefix}*"):
            assert token.encode() not in key
            if client.type(key) == b"string":
                value = client.get(key) or b""
                assert token.encode() not in value and token[4:].encode() not in value
    finally:
        client.close()
    assert token not in server.output and token[4:] not in server.output


def _assert_no_secret(where: str, text: str) -> None:
    """No planted value in `text`, except one the user typed into the input that produced it."""
    for name, value in SECRETS.items():
        if value in where:
            continue  # an echo of what the user typed is theirs, not a leak from the CMDB
        assert value not in text, f"{name}'s planted value shows in {where}"


def test_security_sensitive_cmdb_values_never_leave_over_http(server: ServiceProcess) -> None:
    token = server.token("team-d")
    sid = f"sec-{uuid.uuid4().hex[:8]}"
    outputs: list[tuple[str, str]] = []
    with server.client(token) as c:
        for question in QUESTIONS:
            outputs.append(
                (
                    f"/v1/cmdb/query {question!r}",
                    c.post("/v1/cmdb/query", json={"question": question}).text,
                )
            )
            outputs.append(
                (
                    f"message {question!r}",
                    c.post(f"/v1/sessions/{sid}/messages", json={"text": question}).text,
                )
            )
        oracle = c.post("/v1/cmdb/query", json={"question": QUESTIONS[-1]}).json()
        assert not oracle["understood"] and not oracle["items"], "a secret value worked as a filter"
        session = c.get(f"/v1/sessions/{sid}").json()
        turns = [t for t in session["turns"] if SECRETS["root_password"] not in t["text"]]
        outputs.append(("session", json.dumps(turns)))
        outputs.append(("metrics", c.get("/metrics").text))
    outputs.append(("server log", server.output))
    for where, text in outputs:
        _assert_no_secret(where, text)


@pytest.fixture
def cli_on_secure_home(
    secure_home: Path, encoder: Encoder, redis_prefix: str, redis_client: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:  # fmt: skip
    monkeypatch.setenv("OPSQKV_HOME", str(secure_home))
    monkeypatch.setenv("OPSQKV_REDIS_URL", TEST_REDIS_URL)
    monkeypatch.setenv("OPSQKV_REDIS_PREFIX", redis_prefix)
    return secure_home


def test_security_sensitive_cmdb_values_never_leave_through_the_cli(
    cli_on_secure_home: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    runner = CliRunner()
    outputs: list[tuple[str, str]] = []

    def run(*args: str) -> None:
        result = runner.invoke(cli.app, list(args))
        outputs.append((" ".join(args), result.output))

    with caplog.at_level(logging.DEBUG):
        for i, question in enumerate(QUESTIONS):
            run("cmdb", "ask", question, "--json")
            run("cmdb", "ask", question, "--explain")
            for suffix in ("json", "csv", "dot", "html") if i in (1, 3) else ():
                out = tmp_path / f"answer.{suffix}"
                run("cmdb", "ask", question, "--out", str(out))
                if out.exists():
                    outputs.append((str(out), out.read_text(errors="replace")))
        report = tmp_path / "report.html"
        run("cmdb", "report", "prod mysql hosts in sh-1", "--out", str(report))
        outputs.append(("report", report.read_text(errors="replace") if report.exists() else ""))
        run("cmdb", "stats", "--json")
        for text in [QUESTIONS[0], QUESTIONS[4], *TICKET]:
            run("say", "sec-cli", text, "--json")
        export = runner.invoke(cli.app, ["ticket", "export"]).output
        outputs.append((f"ticket export of a ticket typed with {SECRETS['root_password']}", export))
    outputs.append(("log records", "\n".join(r.getMessage() for r in caplog.records)))
    assert any("root_password" in text for _, text in outputs[:2])  # the question was seen
    for where, text in outputs:
        _assert_no_secret(where, text)


def test_security_lone_surrogate_in_json_is_a_422_not_a_500(server: ServiceProcess) -> None:
    token = server.token("team-e")
    with server.client(token) as c:
        for path, body in [
            ("/v1/sessions/sec-u/messages", {"text": "disk \ud800 full"}),
            ("/v1/ask", {"question": "disk \ud800 full"}),
            ("/v1/cmdb/query", {"question": "hosts \udcff in sh-1"}),
        ]:
            escaped = json.dumps(body)  # "\\ud800": valid JSON, not encodable as UTF-8 text
            answer = c.post(path, content=escaped, headers={"Content-Type": "application/json"})
            assert answer.status_code == 422, (path, answer.text)
            assert "\n" not in answer.json()["error"]["message"]  # the body model refuses it
