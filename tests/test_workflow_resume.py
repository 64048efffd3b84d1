"""A ticket survives its process: killed mid-ticket, it resumes in the next one (embedded Redis)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agents import OpsBot
from knowledge.encoder import Encoder
from settings import Settings
from state.connect import embedded_for
from tests.support.env import REPO

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)

# Two turns of an incident, then it waits to be killed: no clean exit, no goodbye to Redis.
CHILD = """
    import sys, time
    from datetime import UTC, datetime
    from agents import OpsBot
    from settings import Settings
    now = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    settings = Settings.model_validate_json(sys.argv[1])
    bot = OpsBot.open(settings=settings)
    bot.handle("ops-42", "I need to open an incident", now=now)
    bot.handle("ops-42", "payment-api is down since 09:40, sev2", now=now)
    print("mid-ticket", flush=True)
    time.sleep(120)
"""


@pytest.fixture
def embedded_settings(home: Path, built_home: Path) -> Iterator[Settings]:
    """The embedded Redis in a fresh home; the KB and CMDB already built in the bots' home."""
    settings = Settings(home=home, kb_path=built_home / "kb", cmdb_file=built_home / "cmdb.sqlite")
    yield settings
    embedded_for(settings.redis_db_path).leave()


def test_workflow_resume_after_the_process_is_killed(
    embedded_settings: Settings, encoder: Encoder
) -> None:
    env = {**os.environ, "OPSQKV_HOME": str(embedded_settings.home), "PYTHONPATH": str(REPO)}
    env.pop("OPSQKV_REDIS_URL", None)
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(CHILD), embedded_settings.model_dump_json()],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "mid-ticket"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    bot = OpsBot.open(settings=embedded_settings, encoder=encoder)
    resumed = bot.handle("ops-42", "customers can't pay", now=NOW)
    session = bot.session("ops-42")
    assert resumed.agent == "ticket" and resumed.ticket is not None
    assert resumed.ticket.phase == "confirming" and session is not None
    assert [t.text for t in session.history if t.role == "user"] == [
        "I need to open an incident",
        "payment-api is down since 09:40, sev2",
        "customers can't pay",
    ]
    done = bot.handle("ops-42", "yes", now=NOW).submitted
    assert done is not None and done.values == {
        "service": "payment-api",
        "severity": "P2",
        "symptom": "customers can't pay",
        "started_at": "2026-11-25T09:40:00+00:00",
    }
