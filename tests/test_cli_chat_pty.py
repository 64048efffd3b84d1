"""`opsqkv chat` as a real subprocess in a pseudo-terminal, through a whole on-call story."""

from __future__ import annotations

import re
import sys
import uuid

import pexpect

from agents import OpsBot
from settings import Settings
from tests.support.env import REPO, settings_env

PROMPT = "you ›"


def _spawn(settings: Settings, session: str) -> pexpect.spawn:
    env = {**settings_env(settings), "TERM": "xterm"}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "cli", "chat", "--session", session],
        cwd=str(REPO),
        env=env,
        encoding="utf-8",
        timeout=180,
        dimensions=(50, 160),
    )
    child.expect(PROMPT)
    return child


def _turn(child: pexpect.spawn, text: str, *expected: str) -> str:
    child.sendline(text)
    child.expect("╰")  # the bottom of the reply's panel: the echo of the input has none
    screen = child.before or ""
    child.expect(PROMPT)  # the next prompt, after anything printed below the panel
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen + (child.before or ""))
    for needle in expected:
        assert needle in screen, f"{needle!r} not in the reply to {text!r}:\n{screen}"
    return screen


def test_cli_chat_on_call_story_in_a_pty(bot: OpsBot, bot_settings: Settings) -> None:
    hosts = bot.handle(
        f"probe-{uuid.uuid4().hex[:6]}", "prod hosts in sh-1 with disk usage over 90%"
    )
    assert hosts.data is not None and hosts.data["rows"]
    host = hosts.data["rows"][0]["name"]
    session = f"pty-{uuid.uuid4().hex[:8]}"
    child = _spawn(bot_settings, session)
    _turn(child, "how do I fix a full disk?", "disk-full.md")
    _turn(child, "which prod hosts in sh-1 have disk usage over 90%", host, "item(s)")
    _turn(
        child, f"payment-api on {host} is failing since 10:00, sev2, open an incident", "incident"
    )
    _turn(child, "how do I find what filled up /var?", "Back to your incident")
    screen = _turn(child, "writes fail with no space left on device")
    assert "Submit it?" in screen or "Please check" in screen, screen
    _turn(child, "yes", "Submitted incident")
    child.sendcontrol("d")
    child.expect("Session kept")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    again = _spawn(bot_settings, session)
    assert "resuming" in re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", again.before or "")
    again.sendline("/quit")
    again.expect(pexpect.EOF)
    again.close()
    assert again.exitstatus == 0
