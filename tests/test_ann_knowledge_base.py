"""A knowledge base on the HNSW index: search, upsert, delete, and a warm re-open."""

from __future__ import annotations

from pathlib import Path

from knowledge import KnowledgeBase
from knowledge.encoder import Encoder
from tests.support.passages import PASSAGES, records


def test_ann_knowledge_base_warm_open_loads_keys_and_graph_without_work(
    encoder: Encoder, tmp_path: Path
) -> None:
    kb = KnowledgeBase.open(tmp_path / "kb", create=True, encoder=encoder, index="ann")
    kb.upsert(records(PASSAGES))
    assert kb.index.kind == "hnsw"
    before = encoder.texts_encoded
    warm = KnowledgeBase.open(tmp_path / "kb", encoder=encoder, index="ann")
    assert encoder.texts_encoded == before  # nothing re-encoded
    assert warm.index.kind == "hnsw"
    assert getattr(warm.index, "rebuilt_because", "missing") is None  # graph loaded, not built
    hits = warm.search("the certificate is about to expire", k=1, mode="dense")
    assert hits[0].id == "tls"


def test_ann_knowledge_base_upsert_and_delete_keep_rows_aligned(
    encoder: Encoder, tmp_path: Path
) -> None:
    kb = KnowledgeBase.open(tmp_path / "kb", create=True, encoder=encoder, index="ann")
    kb.upsert(records(PASSAGES))
    kb.delete(["disk", "nginx"])
    kb.upsert(records({"mysql": "Too many connections: raise max_connections in MySQL."}))
    kb.upsert(records({"k8s": "Pod in CrashLoopBackOff: read kubectl logs --previous."}))
    assert kb.search("pod keeps restarting", k=1, mode="dense")[0].id == "k8s"
    assert kb.search("mysql too many connections", k=1, mode="dense")[0].id == "mysql"
    assert kb.search("clock is off", k=1, mode="dense")[0].id == "ntp"
    reopened = KnowledgeBase.open(tmp_path / "kb", encoder=encoder, index="ann")
    assert getattr(reopened.index, "rebuilt_because", "missing") is None
    assert reopened.search("pod keeps restarting", k=1, mode="dense")[0].id == "k8s"
