"""The documented ways of opening things work as written (README "Python API")."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest

from agents import OpsBot
from knowledge import KnowledgeBase
from knowledge.cmdb import CMDB
from knowledge.default_encoder import default_encoder, shared_encoder
from knowledge.encoder import Encoder, default_model_dir
from settings import Settings

ESTATE = {
    "items": [
        {"id": "db-1", "type": "database", "name": "orders-db", "attrs": {"env": "prod"}},
        {"id": "db-2", "type": "database", "name": "orders-db-dev", "attrs": {"env": "dev"}},
        {"id": "h-1", "type": "host", "name": "web-01", "attrs": {"env": "prod"}},
    ],
    "relations": [],
}


def test_open_cmdb_open_load_ask_as_written(tmp_path: Path, encoder: Encoder) -> None:
    """The issue's usage: CMDB.open(path, create=True); cmdb.load(file); cmdb.ask(q)."""
    estate = tmp_path / "estate.json"
    estate.write_text(json.dumps(ESTATE), encoding="utf-8")
    cmdb = CMDB.open(tmp_path / "cmdb.sqlite", create=True)
    cmdb.load(estate)
    result = cmdb.ask("prod databases")
    assert [item.name for item in result.items] == ["orders-db"]
    assert cmdb.encoder is encoder  # the process's one shared default encoder


def test_open_knowledge_base_without_an_encoder_ingests_and_searches(
    tmp_path: Path, encoder: Encoder
) -> None:
    doc = tmp_path / "disk.md"
    doc.write_text("# Disk full\n\n## Fix\n\n1. Find big files with `du -sh /var/*`.\n")
    kb = KnowledgeBase.open(tmp_path / "kb", create=True)
    kb.ingest([doc])
    hits = kb.search("my disk is full", k=1)
    assert hits and kb.get(hits[0].id) is not None
    assert kb.encoder is encoder


def test_open_missing_encoder_follows_the_settings_model(tmp_path: Path, encoder: Encoder) -> None:
    """`--model PATH` names another folder: everything opened on those settings uses it."""
    settings = Settings(home=tmp_path, model_path=default_model_dir())
    chosen = default_encoder(settings)
    assert chosen is not encoder and chosen is shared_encoder(default_model_dir())
    kb = KnowledgeBase.open(tmp_path / "kb", create=True, settings=settings)
    assert kb.encoder is chosen
    cmdb = CMDB.open(tmp_path / "cmdb.sqlite", create=True, settings=settings)
    assert cmdb.encoder is chosen


@pytest.mark.parametrize("opener", [OpsBot.open, KnowledgeBase.open, CMDB.open])
def test_open_options_are_keyword_only(opener: object) -> None:
    params = list(inspect.signature(opener).parameters.values())  # type: ignore[arg-type]
    positional = [p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert positional in ([], ["path"])


def test_open_opsbot_by_settings_and_by_named_stores(
    bot: OpsBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = bot.settings
    monkeypatch.setenv("OPSQKV_HOME", str(tmp_path))  # what the named-stores form reads
    monkeypatch.setenv("OPSQKV_REDIS_PREFIX", settings.redis_prefix)
    by_settings = OpsBot.open(settings=settings)
    by_names = OpsBot.open(
        redis_url=settings.redis_url, kb_path=settings.kb_dir, cmdb_path=settings.cmdb_path
    )
    for opened in (by_settings, by_names):
        assert opened.encoder is bot.encoder
        assert "incident" in opened.templates
    assert by_names.settings.kb_dir == settings.kb_dir
