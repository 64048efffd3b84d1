"""The CMDB agent for the chat: markdown answers with the data behind them, an honest
'could not map' instead of a broad answer, and a topology picture when one is asked for."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.cmdb.agent import CMDBAgent
from knowledge.cmdb import CMDB
from knowledge.cmdb.demo import generate
from knowledge.encoder import Encoder


@pytest.fixture(scope="module")
def agent(encoder: Encoder, tmp_path_factory: pytest.TempPathFactory) -> CMDBAgent:
    folder = tmp_path_factory.mktemp("cmdb-agent")
    cmdb = CMDB.open(
        folder / "cmdb.sqlite", create=True, encoder=encoder, cache_dir=folder / "keys"
    )
    cmdb.load(generate(hosts=200, seed=3))
    return CMDBAgent(cmdb, picture_dir=folder / "pictures")


def test_cmdb_agent_answers_with_a_table_and_the_rows(agent: CMDBAgent) -> None:
    answer = agent.answer("prod hosts in sh-1 with cpu over 50%")
    expected = agent.cmdb.ask("prod hosts in sh-1 with cpu over 50%")
    assert answer.understood and answer.total == expected.total > 0
    assert [r["id"] for r in answer.rows] == [it.id for it in expected.items[:15]]
    assert "| name | type |" in answer.text and expected.items[0].name in answer.text
    assert "root_password" not in answer.model_dump_json()


def test_cmdb_agent_counts_per_group(agent: CMDBAgent) -> None:
    answer = agent.answer("how many hosts per env")
    assert answer.stats is not None and answer.stats["group_by"] == ["env"]
    assert sum(r["count"] for r in answer.stats["rows"]) == 200 == answer.total


def test_cmdb_agent_says_what_it_did_not_understand(agent: CMDBAgent) -> None:
    answer = agent.answer("hosts with purple unicorns in sh-1")
    assert not answer.understood and not answer.rows
    assert "purple unicorns" in answer.text and "idc = sh-1" in answer.text


def test_cmdb_agent_draws_the_topology_when_asked(agent: CMDBAgent) -> None:
    answer = agent.answer("topology of order-service")
    assert answer.understood and answer.picture is not None
    assert Path(answer.picture).read_bytes().startswith(b"\x89PNG")
