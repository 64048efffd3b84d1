"""A bot process SIGKILLed mid-turn while it holds the session lock.

The worker dies with the lock taken. The next process must get the session once the lock
expires (never before, never stuck), and find every turn committed before the kill intact:
the stored turns are a prefix of the conversation, each one logged under its message id.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
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
)
from fault_redis import tickets_in_stream as stream

from knowledge.encoder import Encoder
from tests.support.env import REPO

pytestmark = pytest.mark.faults
PREFIX = FAULT_PREFIX
SESSION = "incident-3"
LOCK = f"{PREFIX}lock:{SESSION}"


def start_worker(home: Path, url: str) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    """The worker process and a queue of the lines it prints."""
    command = [sys.executable, "tests/fault_bot_worker.py", str(home), url, PREFIX, SESSION]
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.strip())

    threading.Thread(target=read, daemon=True).start()
    return proc, lines


def wait_for(lines: queue.Queue[str], wanted: str, timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while (line := lines.get(timeout=max(0.1, deadline - time.monotonic()))) != wanted:
        assert line != "done", f"the worker finished before printing {wanted!r}"


def test_faults_bot_killed_holding_the_lock_hands_the_session_on(
    aof_redis: RedisProcess,
    built_home: Path,
    encoder: Encoder,
    record_property: Callable[[str, object], None],
) -> None:
    check = aof_redis.client()
    worker, lines = start_worker(built_home, aof_redis.url)
    try:
        wait_for(lines, "ready")
        wait_for(lines, "turn 3")  # three turns committed; kill inside the fourth
        # Freeze writes the moment the lock is seen (reads still run), so the worker is
        # caught holding it, then kill it there: a deterministic "killed mid-turn".
        deadline = time.monotonic() + 60
        while True:
            assert time.monotonic() < deadline, "never saw the worker hold the lock"
            if check.exists(LOCK):
                check.client_pause(5000, all=False)
                if check.exists(LOCK):
                    os.kill(worker.pid, signal.SIGKILL)
                    worker.wait(timeout=10)
                    check.client_unpause()
                    break
                check.client_unpause()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    left_ms = int(check.pttl(LOCK))
    assert left_ms > 0, "the dead worker's lock should still be there"
    users, ids = applied(check, PREFIX, SESSION)
    assert users in (INCIDENT[:3], INCIDENT[:4]), users  # the 4th: all of it or none of it
    assert ids == {f"m-{j}" for j in range(len(users))}

    bot = fault_bot(built_home, aof_redis.url, PREFIX, encoder)
    started = time.monotonic()
    bot.handle(SESSION, INCIDENT[3], now=NOW, message_id="m-3")  # the retry of the killed turn
    waited = time.monotonic() - started
    record_property("recovery_s", waited)
    # Not before the lock expired (minus scheduling slack), and not much after.
    assert left_ms / 1000 - 0.2 <= waited < left_ms / 1000 + 10, (left_ms, waited)
    for i in range(4, len(INCIDENT)):
        bot.handle(SESSION, INCIDENT[i], now=NOW, message_id=f"m-{i}")
    users, ids = applied(check, PREFIX, SESSION)
    record_property("data_lost", len(INCIDENT) - len(users))
    assert users == INCIDENT and ids == {f"m-{j}" for j in range(len(INCIDENT))}
    (ticket,) = stream(check, PREFIX)
    assert {k: ticket["values"][k] for k in INCIDENT_TICKET} == INCIDENT_TICKET  # type: ignore[index]
