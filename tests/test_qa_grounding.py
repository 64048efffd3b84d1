"""The grounding caveat: a question about one technology answered from another's runbook."""

from __future__ import annotations

import json
from pathlib import Path

from agents import OpsBot
from agents.qa.grounding import Runbook, caveat, technologies

QUESTIONS = Path(__file__).parent / "data" / "caveat_questions.jsonl"


def test_grounding_finds_technologies_by_alias_and_in_identifiers() -> None:
    assert technologies("slow queries in postgres") == {"PostgreSQL"}
    assert technologies("PostgreSQL Slow Queries") == {"PostgreSQL"}
    assert technologies("KubePodCrashLooping") == {"Kubernetes"}
    assert technologies("SELECT * FROM pg_stat_statements") == set()


def test_grounding_generic_runbook_grounds_a_technology_it_mentions() -> None:
    disk = Runbook("Disk Full", "Disk Full Fix", "delete logs", "MySQL stops with disk full")
    assert caveat("the disk of our mysql server is full", disk) is None
    assert caveat("the disk of our nomad server is full", disk) is not None


def test_qa_mysql_slow_query_question_gets_a_postgresql_caveat(bot: OpsBot) -> None:
    answer = bot.ask("how do I find slow queries in mysql?")
    assert answer.caveat is not None
    assert "No runbook for MySQL" in answer.caveat and "PostgreSQL" in answer.caveat
    assert answer.text.startswith(answer.caveat)
    assert answer.citations[0].source == "kb/postgresql-slow-queries-vacuum.md"


def test_qa_caveat_flags_mismatches_and_spares_matches(bot: OpsBot) -> None:
    # A sample of the written set (`python -m bench.caveats` scores all of it).
    items = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
    assert len(items) >= 30 and sum(i["caveat"] for i in items) * 2 == len(items)
    for item in items[1::5]:
        answer = bot.ask(item["question"])
        assert (answer.caveat is not None) == item["caveat"], (item, answer.caveat)
        if answer.caveat is not None:
            assert item["asked"] in answer.caveat
