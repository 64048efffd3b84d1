"""Warm open: the BM25 index and the records are read from beside the store, not rebuilt."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge import KnowledgeBase
from knowledge.encoder import Encoder

DOCS = {
    "disk.md": "# Disk Full\n\n## Fix\n\nDelete rotated logs under /var/log with find.\n",
    "nginx.md": "# Nginx 502\n\n## Fix\n\nRestart the upstream with systemctl restart app.\n",
    "dns.md": "# DNS Failures\n\n## Diagnosis\n\nQuery the resolver with dig @10.0.0.2.\n",
}


@pytest.fixture
def built(encoder: Encoder, tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text)
    KnowledgeBase.open(tmp_path / "kb", create=True, encoder=encoder).ingest([docs])
    return tmp_path


def test_kb_open_maps_the_saved_bm25_index(built: Path, encoder: Encoder) -> None:
    kb = KnowledgeBase.open(built / "kb", encoder=encoder)
    lexical = kb.lexical()
    assert lexical.loaded_from is not None and lexical.loaded_from.parent == built / "kb"
    hits = kb.search("systemctl restart upstream", k=1, mode="bm25")
    assert hits[0].source == "docs/nginx.md"


def test_kb_damaged_bm25_index_is_rebuilt_not_trusted(built: Path, encoder: Encoder) -> None:
    (folder,) = (built / "kb").glob("lexical-*")
    (folder / "vocab.index.json").write_text("{not json")
    kb = KnowledgeBase.open(built / "kb", encoder=encoder)
    assert kb.lexical().loaded_from is None  # rebuilt from the records
    assert kb.search("dig resolver", k=1, mode="bm25")[0].source == "docs/dns.md"
    again = KnowledgeBase.open(built / "kb", encoder=encoder)
    assert again.lexical().loaded_from == folder  # and saved again, whole


def test_kb_reingest_replaces_the_bm25_index_of_the_old_generation(
    built: Path, encoder: Encoder
) -> None:
    (old,) = (built / "kb").glob("lexical-*")
    (built / "docs" / "dns.md").write_text("# DNS Failures\n\n## Fix\n\nFlush nscd caches.\n")
    kb = KnowledgeBase.open(built / "kb", encoder=encoder)
    kb.ingest([built / "docs"])
    (new,) = (built / "kb").glob("lexical-*")
    assert new != old
    fresh = KnowledgeBase.open(built / "kb", encoder=encoder)
    assert fresh.search("nscd", k=1, mode="bm25")[0].source == "docs/dns.md"
    shutil.rmtree(new)
    assert KnowledgeBase.open(built / "kb", encoder=encoder).search("nscd", k=1, mode="bm25")
