"""A knowledge base on the compressed index: search, upsert, delete and a warm re-open."""

from __future__ import annotations

from pathlib import Path

from knowledge import KnowledgeBase
from knowledge.encoder import Encoder
from tests.support.passages import PASSAGES, records


def test_ivfpq_knowledge_base_changes_persist_and_reopen_without_a_rebuild(
    encoder: Encoder, tmp_path: Path
) -> None:
    kb = KnowledgeBase.open(tmp_path / "kb", create=True, encoder=encoder, index="compressed")
    kb.upsert(records(PASSAGES))
    assert kb.index.kind == "ivfpq"
    kb.delete(["disk", "nginx"])
    kb.upsert(records({"mysql": "Too many connections: raise max_connections in MySQL."}))
    kb.upsert(records({"k8s": "Pod in CrashLoopBackOff: read kubectl logs --previous."}))
    assert kb.search("pod keeps restarting", k=1, mode="dense")[0].id == "k8s"
    assert kb.search("mysql too many connections", k=1, mode="dense")[0].id == "mysql"
    before = encoder.texts_encoded
    reopened = KnowledgeBase.open(tmp_path / "kb", encoder=encoder, index="compressed")
    assert encoder.texts_encoded == before  # no passage re-encoded
    assert getattr(reopened.index, "rebuilt_because", "missing") is None  # loaded, not built
    assert reopened.search("clock is off", k=1, mode="dense")[0].id == "ntp"
    assert reopened.search("pod keeps restarting", k=1, mode="dense")[0].id == "k8s"
