"""Many threads and two processes on one Redis: one consistent conversation."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor

from agents import OpsBot
from settings import Settings
from state.models import TicketState
from tests.support.env import REPO, settings_env


def test_bot_threads_on_one_session_lose_no_turn(bot: OpsBot) -> None:
    sid = f"threads-{uuid.uuid4().hex[:8]}"
    messages = [f"how many hosts are in idc sh-{i % 3 + 1}" for i in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(lambda m: bot.handle(sid, m), messages))
    assert all(r.agent == "cmdb" for r in replies)
    stored = bot.session(sid)
    assert stored is not None
    users = [t.text for t in stored.history if t.role == "user"]
    assert sorted(users) == sorted(messages)
    roles = [t.role for t in stored.history]
    assert roles == ["user", "bot"] * len(messages)  # turns never interleave


def _say(settings: Settings, sid: str, text: str) -> dict[str, object]:
    env = settings_env(settings)
    done = subprocess.run(
        [sys.executable, "-m", "cli", "say", sid, text, "--json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    reply: dict[str, object] = json.loads(done.stdout)
    return reply


def test_bot_two_processes_alternate_turns_of_one_ticket(
    bot: OpsBot, bot_settings: Settings
) -> None:
    sid = f"procs-{uuid.uuid4().hex[:8]}"
    first = bot.handle(sid, "open an incident for payment-api since 10:30, sev2")
    assert isinstance(first.ticket, TicketState)
    other = _say(bot_settings, sid, "customers cannot pay")
    assert other["agent"] == "ticket"
    third = bot.handle(sid, "actually make it sev1")
    assert isinstance(third.ticket, TicketState)
    values = third.ticket.values()
    assert values["severity"] == "P1" and values["symptom"] == "customers cannot pay"
    assert values["service"] == "payment-api"
    stored = bot.session(sid)
    assert stored is not None
    users = [t.text for t in stored.history if t.role == "user"]
    assert users == [
        "open an incident for payment-api since 10:30, sev2",
        "customers cannot pay",
        "actually make it sev1",
    ]
