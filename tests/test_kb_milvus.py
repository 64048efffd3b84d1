"""The Milvus index on a real milvus-lite folder: same answers as exact search, rows kept in step."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import get_args

import pytest
import torch

from errors import ConfigError, StoreError
from knowledge.ann_milvus import LABELS_FILE, META_FILE, MilvusIndex
from knowledge.index import INDEX_KINDS, ExactIndex, make_index, open_index
from knowledge.milvus_connect import check_uri, connect, release_local
from settings import Settings
from tests.support.vectors import clustered_keys, recall_at


@pytest.fixture
def lite(tmp_path: Path) -> Iterator[str]:
    """A fresh milvus-lite folder, released at the end so no server thread outlives the test."""
    uri = str(tmp_path / "vectors.db")
    yield uri
    release_local(uri)


def exact_rows(keys: torch.Tensor, queries: torch.Tensor, k: int) -> torch.Tensor:
    return ExactIndex(keys).search(queries, k)[1]


def test_kb_milvus_search_matches_exact_top_k(lite: str) -> None:
    keys, queries = clustered_keys(400), clustered_keys(20, seed=5)
    index = MilvusIndex.build(keys, lite)
    scores, rows = index.search(queries, 10)
    truth_scores, truth = ExactIndex(keys).search(queries, 10)
    assert index.kind == "milvus" and len(index) == 400
    assert rows.shape == (20, 10) and recall_at(10, rows, truth) >= 0.95
    torch.testing.assert_close(scores[:, 0], truth_scores[:, 0], atol=1e-4, rtol=0)


def test_kb_milvus_rows_follow_adds_updates_and_removes(lite: str) -> None:
    keys = clustered_keys(120)
    index, mirror = MilvusIndex.build(keys, lite), ExactIndex(keys)
    extra, fresh = clustered_keys(30, seed=1), clustered_keys(5, seed=2)
    changed, gone = torch.tensor([3, 50, 130]), torch.tensor([0, 7, 100, 149])
    for target in (index, mirror):
        target.add(extra)
        target.update(changed, fresh[:3])
        target.remove(gone)
    assert len(index) == len(mirror) == 146
    all_rows = torch.arange(len(mirror))
    probe = mirror.keys[all_rows]  # every key must find its own (shifted) row first
    assert torch.equal(index.search(probe, 1)[1][:, 0], all_rows)


def test_kb_milvus_allowed_rows_restrict_the_candidates(lite: str) -> None:
    keys, queries = clustered_keys(200), clustered_keys(4, seed=3)
    index = MilvusIndex.build(keys, lite)
    allowed = torch.tensor([5, 17, 99, 150, 151])
    _, rows = index.search(queries, 3, allowed)
    expected = allowed[exact_rows(keys[allowed], queries, 3)]
    assert torch.equal(rows, expected)
    assert index.search(queries, 3, torch.tensor([], dtype=torch.long))[1].shape == (4, 0)


def test_kb_milvus_saved_index_reopens_without_a_rebuild(tmp_path: Path, lite: str) -> None:
    keys = clustered_keys(150)
    index = MilvusIndex.build(keys, lite)
    index.save(tmp_path)
    meta = json.loads((tmp_path / META_FILE).read_text())
    reopened = MilvusIndex.open(tmp_path, keys, lite)
    assert reopened.rebuilt_because is None and reopened.collection == meta["collection"]
    assert torch.equal(reopened.search(keys[:9], 1)[1][:, 0], torch.arange(9))


def test_kb_milvus_change_left_unsaved_is_rebuilt_on_open(tmp_path: Path, lite: str) -> None:
    keys = clustered_keys(80)
    index = MilvusIndex.build(keys, lite)
    index.save(tmp_path)
    index.add(clustered_keys(4, seed=9))  # a writer that died before its save
    reopened = MilvusIndex.open(tmp_path, keys, lite)
    assert reopened.rebuilt_because == "the collection has vectors added after the last save"
    assert len(reopened) == 80
    assert torch.equal(reopened.search(keys[:5], 1)[1][:, 0], torch.arange(5))


def test_kb_milvus_delete_left_unsaved_is_rebuilt_on_open(tmp_path: Path, lite: str) -> None:
    keys = clustered_keys(50)
    index = MilvusIndex.build(keys, lite)
    index.save(tmp_path)
    index.remove(torch.tensor([0, 1]))
    reopened = MilvusIndex.open(tmp_path, keys, lite)
    assert reopened.rebuilt_because == "the collection holds 48 vectors, 50 were saved"
    assert torch.equal(reopened.search(keys[:3], 1)[1][:, 0], torch.arange(3))


def test_kb_milvus_open_for_other_keys_rebuilds(tmp_path: Path, lite: str) -> None:
    MilvusIndex.build(clustered_keys(60), lite).save(tmp_path)
    other = clustered_keys(60, seed=4)
    reopened = open_index(tmp_path, other, "milvus", milvus_uri=lite)
    assert getattr(reopened, "rebuilt_because", None) is not None
    assert torch.equal(reopened.search(other[:4], 1)[1][:, 0], torch.arange(4))
    assert (tmp_path / LABELS_FILE).exists()


def test_kb_milvus_factory_default_is_a_lite_folder_beside_the_store(tmp_path: Path) -> None:
    keys = clustered_keys(30)
    try:
        index = open_index(tmp_path, keys, "milvus")
        assert index.kind == "milvus" and (tmp_path / "milvus.db").is_dir()
    finally:
        release_local(str(tmp_path / "milvus.db"))
    with pytest.raises(ConfigError, match="needs --milvus-uri"):
        make_index(keys, "milvus")


def test_kb_milvus_bad_uris_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        check_uri(str(tmp_path / "missing" / "v.db"))
    with pytest.raises(ConfigError, match="neither a server URL nor a milvus-lite path"):
        check_uri(str(tmp_path / "vectors"))
    (tmp_path / "file.db").write_text("not a folder")
    with pytest.raises(ConfigError, match="is a file"):
        check_uri(str(tmp_path / "file.db"))


def test_kb_milvus_unreachable_server_is_a_store_error(unused_port: int) -> None:
    with pytest.raises(StoreError, match=f"Milvus server at http://127.0.0.1:{unused_port}"):
        connect(f"http://127.0.0.1:{unused_port}", timeout_s=3)


def test_kb_milvus_settings_kinds_are_the_factory_kinds(tmp_path: Path) -> None:
    assert get_args(Settings.model_fields["kb_index"].annotation) == INDEX_KINDS
    home = tmp_path
    assert Settings(home=home, milvus_uri="http://m:19530").kb_index_kind == "milvus"
    assert Settings(home=home, milvus_uri="x.db", kb_index="exact").kb_index_kind == "exact"
    assert Settings(home=home).kb_index_kind == "auto"


@pytest.fixture
def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port
