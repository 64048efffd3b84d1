"""The static K/V cache for schema linking: keys are encoded once, reused after a reopen,
and rebuilt only when the CMDB's texts (types, attributes, categorical values) change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from knowledge.cmdb import CMDB
from knowledge.encoder import Encoder


def _estate(env: str = "prod", cpu: float = 50.0) -> dict[str, Any]:
    return {
        "items": [
            {"id": "h-1", "type": "host", "name": "web-01", "attrs": {"env": env, "idc": "sh-1", "cpu_usage": cpu}},
            {"id": "h-2", "type": "host", "name": "web-02", "attrs": {"env": "dev", "idc": "bj-1", "cpu_usage": 10.0}},
        ]
    }  # fmt: skip


def test_cmdb_keys_reopen_reuses_the_cached_keys(encoder: Encoder, tmp_path: Path) -> None:
    first = CMDB.open(
        tmp_path / "c.sqlite", create=True, encoder=encoder, cache_dir=tmp_path / "keys"
    )
    first.load(_estate())
    assert [it.name for it in first.ask("prod hosts").items] == ["web-01"]
    before = encoder.texts_encoded
    again = CMDB.open(tmp_path / "c.sqlite", encoder=encoder, cache_dir=tmp_path / "keys")
    assert [it.name for it in again.ask("prod hosts in sh-1").items] == ["web-01"]
    assert encoder.texts_encoded == before


def test_cmdb_keys_change_only_with_the_texts(encoder: Encoder, tmp_path: Path) -> None:
    cmdb = CMDB.open(
        tmp_path / "c.sqlite", create=True, encoder=encoder, cache_dir=tmp_path / "keys"
    )
    cmdb.load(_estate())
    cmdb.ask("prod hosts")
    before = encoder.texts_encoded
    cmdb.load(_estate(cpu=99.0))  # a metric moved: no new text, nothing to encode
    assert [it.attrs["cpu_usage"] for it in cmdb.ask("prod hosts").items] == [99.0]
    assert encoder.texts_encoded == before
    cmdb.load(_estate(env="staging"))  # a new value: its keys are encoded, and it links
    assert [it.name for it in cmdb.ask("staging hosts").items] == ["web-01"]
    assert encoder.texts_encoded > before
