"""Redis SIGKILLed in the middle of a ticket conversation (Python API, CLI and HTTP API).

What must hold: the turn in flight fails with one clear error (a StateError; one line and
exit 1 from the CLI; a 503 JSON error from the service); nothing is half-written (a turn is
in the session exactly when its message id is in the reply log); after a restart from the
AOF the conversation goes on and the ticket is submitted with every slot; a retried
message id is applied once.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fault_redis import (
    FAULT_PREFIX,
    INCIDENT,
    INCIDENT_TICKET,
    NOW,
    RedisProcess,
    applied,
    fault_bot,
    tickets_in_stream,
)
from service_server import service_settings, start_service

from agents import Reply
from errors import StateError
from knowledge.encoder import Encoder
from service.config import tenant_prefix
from settings import Settings
from tests.support.env import REPO, settings_env

pytestmark = pytest.mark.faults
PREFIX = FAULT_PREFIX
SESSION = "incident-1"


def kill_during(
    aof_redis: RedisProcess, call: Callable[[], object], delay_s: float
) -> dict[str, object]:
    """Run `call` in a thread, SIGKILL Redis `delay_s` into it; what it returned or raised."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["result"] = call()
        except Exception as e:  # whatever it is, the test inspects it
            outcome["error"] = e

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(delay_s)
    aof_redis.kill()
    thread.join(timeout=60)
    assert not thread.is_alive(), "the turn hung after Redis died"
    return outcome


def test_faults_redis_killed_mid_turn_loses_nothing_and_applies_each_message_once(
    aof_redis: RedisProcess,
    built_home: Path,
    encoder: Encoder,
    record_property: Callable[[str, object], None],
) -> None:
    bot = fault_bot(built_home, aof_redis.url, PREFIX, encoder)
    check = aof_redis.client()
    delays = [0.0, 0.003, 0.01, 0.03, 0.08, 0.15]  # from "before the turn" to "after its save"
    lost, recoveries = 0, []
    for i, (text, delay) in enumerate(zip(INCIDENT, delays, strict=True)):
        message_id = f"m-{i}"
        outcome = kill_during(
            aof_redis,
            lambda t=text, m=message_id: bot.handle(SESSION, t, now=NOW, message_id=m),
            delay,
        )
        error = outcome.get("error")
        if error is not None:
            assert isinstance(error, StateError), repr(error)
            assert "\n" not in str(error) and "unreachable" in str(error), str(error)
        started = time.monotonic()
        aof_redis.restart()
        users, ids = applied(check, PREFIX, SESSION)
        # Nothing half-written: the turns stored are exactly those whose message id is logged.
        assert users == INCIDENT[: len(users)] and ids == {f"m-{j}" for j in range(len(users))}
        if "result" in outcome and text not in users:
            lost += 1  # a turn that answered the caller must survive the crash
        # The retry (same message id) answers; the turn is stored once, whether or not it was
        # applied before the crash.
        retried = bot.handle(SESSION, text, now=NOW, message_id=message_id)
        recoveries.append(time.monotonic() - started)
        assert isinstance(retried, Reply)
        users, ids = applied(check, PREFIX, SESSION)
        assert users == INCIDENT[: i + 1], users
        assert bot.handle(SESSION, text, now=NOW, message_id=message_id).text == retried.text
    (ticket,) = tickets_in_stream(check, PREFIX)
    record_property("data_lost", lost)
    record_property("recovery_s", sum(recoveries) / len(recoveries))
    record_property("runs", len(INCIDENT))
    assert lost == 0
    assert {k: ticket["values"][k] for k in INCIDENT_TICKET} == INCIDENT_TICKET  # type: ignore[index]
    assert applied(check, PREFIX, SESSION)[0] == INCIDENT


def test_faults_redis_killed_cli_say_fails_in_one_line_then_resumes(
    aof_redis: RedisProcess,
    built_home: Path,
    encoder: Encoder,
    record_property: Callable[[str, object], None],
) -> None:
    bot = fault_bot(built_home, aof_redis.url, PREFIX, encoder)
    for text in INCIDENT[:3]:
        bot.handle(SESSION, text, now=NOW)
    env = settings_env(Settings(home=built_home, redis_url=aof_redis.url, redis_prefix=PREFIX))

    def say(text: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "cli", "say", SESSION, text]
        return subprocess.run(
            command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
        )

    aof_redis.kill()
    failed = say(INCIDENT[3])
    lines = [line for line in failed.stderr.splitlines() if line.strip()]
    assert failed.returncode == 1, failed.stderr
    assert len(lines) == 1 and lines[0].startswith(f"error: Redis at {aof_redis.url}"), lines
    assert "unreachable" in lines[0] and "Traceback" not in failed.stderr
    started = time.monotonic()
    aof_redis.restart()
    resumed = say(INCIDENT[3])
    record_property("recovery_s", time.monotonic() - started)
    assert resumed.returncode == 0, resumed.stderr
    assert "When did it start" in resumed.stdout
    for text in INCIDENT[4:]:
        reply = bot.handle(SESSION, text, now=NOW)
    assert reply.submitted is not None
    assert {k: reply.submitted.values[k] for k in INCIDENT_TICKET} == INCIDENT_TICKET
    users, _ = applied(aof_redis.client(), PREFIX, SESSION)
    record_property("data_lost", len(INCIDENT) - len(users))
    assert users == INCIDENT


def test_faults_redis_killed_service_answers_503_then_resumes(
    aof_redis: RedisProcess,
    built_home: Path,
    tmp_path: Path,
    record_property: Callable[[str, object], None],
) -> None:
    settings = service_settings(built_home, aof_redis.url)
    service = start_service(settings, tmp_path / "serve.log")
    try:
        http = service.client(service.token("faults"), timeout_s=60)
        prefix = tenant_prefix(settings, "faults")
        url = f"/v1/sessions/{SESSION}/messages"

        def post(i: int) -> httpx.Response:
            return http.post(url, json={"text": INCIDENT[i], "message_id": f"m-{i}"})

        for i in range(2):
            assert post(i).status_code == 200
        aof_redis.kill()
        down = post(2)
        assert down.status_code == 503, down.text
        error = down.json()["error"]
        assert error["code"] == "unavailable" and "unreachable" in error["message"]
        assert "\n" not in error["message"]
        started = time.monotonic()
        aof_redis.restart()
        first = post(2)
        record_property("recovery_s", time.monotonic() - started)
        assert first.status_code == 200, first.text
        assert post(2).json()["text"] == first.json()["text"]  # a retry is answered, not applied
        # Killed while the next turn is in flight: 200 or 503, never half-written.
        outcome = kill_during(aof_redis, lambda: post(3), 0.02)
        if "result" in outcome:
            assert isinstance(outcome["result"], httpx.Response)
            assert outcome["result"].status_code in (200, 503), outcome["result"].text
        aof_redis.restart()
        # The AOF may bring back the lock the killed turn held: the session is busy (409)
        # until that lock expires, then the same message id is taken.
        resumed, deadline = post(3), time.monotonic() + 60
        while resumed.status_code == 409 and time.monotonic() < deadline:
            time.sleep(1)
            resumed = post(3)
        assert resumed.status_code == 200, resumed.text
        for i in range(4, len(INCIDENT)):
            assert post(i).status_code == 200
        turns = http.get(f"/v1/sessions/{SESSION}").json()["turns"]
        users = [t["text"] for t in turns if t["role"] == "user"]
        record_property("data_lost", len(INCIDENT) - len(users))
        assert users == INCIDENT
        (listed,) = http.get("/v1/tickets").json()["tickets"]
        values = listed["ticket"]["values"]
        assert set(values) >= set(INCIDENT_TICKET) and all(values[k] for k in INCIDENT_TICKET)
        assert values["symptom"] == INCIDENT_TICKET["symptom"]
        assert len(tickets_in_stream(aof_redis.client(), prefix)) == 1
    finally:
        service.stop()
    assert "Traceback" not in service.output
