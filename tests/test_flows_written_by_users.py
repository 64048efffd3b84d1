"""Flows written from the templates by people who never ran the bot, one test each:
`flows/users/` (used while tuning the tracker) and `flows/heldout/` (written later, run
once before any change; see the README)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from agents import OpsBot
from agents.flows import bot_handler, load_flow, run_flow
from agents.templates import load_templates
from tests.conftest import REPO

TEMPLATES = load_templates()
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
USERS = sorted((REPO / "flows" / "users").glob("*.yaml"))
HELDOUT = sorted((REPO / "flows" / "heldout").glob("*.yaml"))
# Writers disagree on whether a symptom keeps a leading name ("checkout-web checkout page
# errors out" in flows/users keeps it; this one drops "mysql-004"); the tracker keeps names.
pytestmark = pytest.mark.flows
KNOWN = {"incident_db_host_disk_full.yaml": "a symptom that drops a leading host name"}


def _cases() -> list[object]:
    cases: list[object] = [pytest.param(p, id=f"users/{p.stem}") for p in USERS]
    for path in HELDOUT:
        marks = (
            [pytest.mark.xfail(reason=KNOWN[path.name], strict=True)] if path.name in KNOWN else []
        )
        cases.append(pytest.param(path, id=f"heldout/{path.stem}", marks=marks))
    return cases


def test_flows_written_by_users_are_there() -> None:
    assert len(USERS) >= 60 and len(HELDOUT) >= 30


@pytest.mark.parametrize("path", _cases())
def test_flows_written_by_users_pass(bot: OpsBot, path: Path) -> None:
    result = run_flow(load_flow(path, TEMPLATES), bot_handler(bot), TEMPLATES, now=NOW)
    mismatches = result.mismatches + [m for t in result.turns for m in t.mismatches]
    assert result.passed, mismatches
