"""Warm open: the BM25 index, the records and the row -> source numbers are read from beside
the store, not rebuilt; a store written before one of them existed still opens and gets it."""

from __future__ import annotations

import shutil
import sys
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


QUERIES = ["systemctl restart upstream", "disk is full", "dns lookups fail", "rotated logs"]


def _results(kb: KnowledgeBase) -> list[list[tuple[str, float, float]]]:
    return [
        [(h.id, h.score, h.passage_score) for h in kb.search(q, k=5, mode=mode)]
        for q in QUERIES
        for mode in ("dense", "bm25", "hybrid")
    ]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps")
def test_kb_open_maps_the_saved_source_numbers(built: Path, encoder: Encoder) -> None:
    (numbers_file,) = (built / "kb").glob("sources-*.npy")
    kb = KnowledgeBase.open(built / "kb", encoder=encoder)
    numbers = kb.store.source_numbers()
    assert str(numbers_file) in Path("/proc/self/maps").read_text()  # mapped, not read
    sources = [r.source for r in kb.store.records]
    distinct = list(dict.fromkeys(sources))  # numbered in order of first appearance
    assert numbers.tolist() == [distinct.index(s) for s in sources] and len(distinct) == len(DOCS)


def test_kb_store_without_source_numbers_gets_them_with_the_same_results(
    built: Path, encoder: Encoder
) -> None:
    before = _results(KnowledgeBase.open(built / "kb", encoder=encoder))
    (numbers_file,) = (built / "kb").glob("sources-*.npy")
    numbers_file.unlink()  # what a store saved before the file existed looks like
    older = KnowledgeBase.open(built / "kb", encoder=encoder)
    assert _results(older) == before
    assert numbers_file.is_file()  # written by the first search, for the next process
    whole = numbers_file.read_bytes()
    numbers_file.write_bytes(whole[:-4])  # truncated: not trusted, rebuilt and written again
    assert _results(KnowledgeBase.open(built / "kb", encoder=encoder)) == before
    assert numbers_file.read_bytes() == whole


def test_kb_reingest_replaces_the_source_numbers_of_the_old_generation(
    built: Path, encoder: Encoder
) -> None:
    (old,) = (built / "kb").glob("sources-*.npy")
    (built / "docs" / "extra.md").write_text("# Kafka Lag\n\n## Fix\n\nAdd consumers.\n")
    kb = KnowledgeBase.open(built / "kb", encoder=encoder)
    kb.ingest([built / "docs"])
    (new,) = (built / "kb").glob("sources-*.npy")
    assert new != old and not old.exists()
    again = KnowledgeBase.open(built / "kb", encoder=encoder)
    assert len(set(again.store.source_numbers())) == len(DOCS) + 1
    assert again.search("add consumers for kafka lag", k=1)[0].source == "docs/extra.md"
