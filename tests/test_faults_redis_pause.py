"""Redis SIGSTOPped for longer than the socket timeout: a clear timeout error, never a hang.

A stopped aof_redis still accepts connections (the kernel does), so only the socket timeout
ends a command. Commands sent before the timeout may still run when the aof_redis resumes:
that is why a retry carries the same message id, and must be applied once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

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

from errors import StateError
from knowledge.encoder import Encoder

pytestmark = pytest.mark.faults
PREFIX = FAULT_PREFIX
SESSION = "incident-2"
TIMEOUT_S = 1.0


def test_faults_redis_paused_turn_times_out_clearly_and_resumes(
    aof_redis: RedisProcess,
    built_home: Path,
    encoder: Encoder,
    record_property: Callable[[str, object], None],
) -> None:
    bot = fault_bot(built_home, aof_redis.url, PREFIX, encoder, timeout_s=TIMEOUT_S)
    check = aof_redis.client()
    bot.handle(SESSION, INCIDENT[0], now=NOW, message_id="m-0")
    recoveries: list[float] = []
    for i, delay in enumerate([0.0, 0.005, 0.02, 0.05, 0.1], start=1):
        text, message_id = INCIDENT[i], f"m-{i}"
        outcome: dict[str, object] = {}

        def turn(t: str = text, m: str = message_id, out: dict[str, object] = outcome) -> None:
            try:
                out["reply"] = bot.handle(SESSION, t, now=NOW, message_id=m)
            except Exception as e:
                out["error"] = e

        thread = threading.Thread(target=turn)
        started = time.monotonic()
        thread.start()
        time.sleep(delay)
        aof_redis.pause()
        thread.join(timeout=10 * TIMEOUT_S)
        hung = thread.is_alive()
        waited = time.monotonic() - started
        aof_redis.resume()
        thread.join()
        assert not hung, f"the turn still waited {waited:.1f}s after Redis stopped answering"
        error = outcome.get("error")
        if error is not None:
            assert isinstance(error, StateError), repr(error)
            assert "Timeout" in str(error) and "\n" not in str(error), str(error)
        resumed = time.monotonic()
        bot.handle(SESSION, text, now=NOW, message_id=message_id)  # the retry
        recoveries.append(time.monotonic() - resumed)
        users, ids = applied(check, PREFIX, SESSION)
        assert users == INCIDENT[: i + 1] and ids == {f"m-{j}" for j in range(i + 1)}, users
    (ticket,) = tickets_in_stream(check, PREFIX)
    assert {k: ticket["values"][k] for k in INCIDENT_TICKET} == INCIDENT_TICKET  # type: ignore[index]
    record_property("recovery_s", sum(recoveries) / len(recoveries))
    record_property("runs", len(recoveries))
    record_property("data_lost", len(INCIDENT) - len(applied(check, PREFIX, SESSION)[0]))


def test_faults_redis_paused_before_a_turn_fails_within_the_timeout(
    aof_redis: RedisProcess, built_home: Path, encoder: Encoder
) -> None:
    bot = fault_bot(built_home, aof_redis.url, PREFIX, encoder, timeout_s=TIMEOUT_S)
    bot.handle(SESSION, INCIDENT[0], now=NOW)
    aof_redis.pause()
    started = time.monotonic()
    try:
        with pytest.raises(StateError, match="Timeout") as caught:
            bot.handle(SESSION, INCIDENT[1], now=NOW)
        elapsed = time.monotonic() - started
    finally:
        aof_redis.resume()
    assert elapsed < 5 * TIMEOUT_S and "unreachable" in str(caught.value)
    assert bot.handle(SESSION, INCIDENT[1], now=NOW).agent == "ticket"


def test_faults_redis_paused_service_answers_503_without_hanging(
    aof_redis: RedisProcess,
    built_home: Path,
    tmp_path: Path,
    record_property: Callable[[str, object], None],
) -> None:
    settings = service_settings(built_home, aof_redis.url)
    service = start_service(settings, tmp_path / "serve.log")
    try:
        http = service.client(service.token("faults"), timeout_s=60)
        url = f"/v1/sessions/{SESSION}/messages"
        assert http.post(url, json={"text": INCIDENT[0], "message_id": "m-0"}).status_code == 200
        aof_redis.pause()
        started = time.monotonic()
        try:
            down = http.post(url, json={"text": INCIDENT[1], "message_id": "m-1"})
            elapsed = time.monotonic() - started
        finally:
            aof_redis.resume()
        # The service's Redis timeout is 5 s: one timed-out command, not a hang.
        assert down.status_code == 503 and elapsed < 20, (down.status_code, elapsed)
        assert down.json()["error"]["code"] == "unavailable"
        resumed = time.monotonic()
        assert http.post(url, json={"text": INCIDENT[1], "message_id": "m-1"}).status_code == 200
        record_property("recovery_s", time.monotonic() - resumed)
        turns = http.get(f"/v1/sessions/{SESSION}").json()["turns"]
        assert [t["text"] for t in turns if t["role"] == "user"] == INCIDENT[:2]
    finally:
        service.stop()
