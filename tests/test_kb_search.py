"""KnowledgeBase search: dense, BM25 and hybrid modes, `within`, fusion math, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from errors import ConfigError, InputError
from knowledge import KnowledgeBase, Record
from knowledge.encoder import Encoder
from knowledge.kb import file_scores, fuse_reciprocal_rank

DOCS = {
    "nginx.md": "# Nginx 502 Bad Gateway\n\n## Symptoms\n\nUsers see 502 Bad Gateway pages from "
    "nginx.\n\n## Fix\n\nRestart the upstream application and check it with curl.\n",
    "disk.md": "# Disk Full\n\n## Symptoms\n\nWrites fail with No space left on device.\n\n"
    "## Fix\n\nDelete rotated logs; find big folders with du -sh.\n",
    "mysql.md": "# MySQL Too Many Connections\n\n## Symptoms\n\nClients get ERROR 1040.\n\n"
    "## Fix\n\nRaise max_connections and pool connections in the application.\n",
    "dns.md": "# DNS Resolution Failures\n\nLookups return SERVFAIL; check resolv.conf, query "
    "the resolver with dig.\n",
    "kafka.md": "# Kafka Consumer Lag\n\nLag grows when consumers are slower than producers; "
    "add consumers up to the partition count.\n",
}


@pytest.fixture(scope="module")
def kb(encoder: Encoder, tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    docs = tmp_path_factory.mktemp("docs") / "runbooks"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text)
    knowledge = KnowledgeBase.open(docs.parent / "kb", create=True, encoder=encoder)
    knowledge.ingest([docs])
    return knowledge


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_kb_each_mode_finds_the_runbook_of_an_exact_error(kb: KnowledgeBase, mode: str) -> None:
    hits = kb.search("ERROR 1040 max_connections", k=3, mode=mode)
    assert hits[0].source == "runbooks/mysql.md"


def test_kb_dense_finds_a_paraphrase(kb: KnowledgeBase) -> None:
    hits = kb.search("the web site shows a bad gateway error", k=3, mode="dense")
    assert hits[0].source == "runbooks/nginx.md"


def test_kb_default_search_returns_hits_best_first(kb: KnowledgeBase) -> None:
    hits = kb.search("no space left on the device", k=10)
    assert hits[0].source == "runbooks/disk.md" and hits[0].heading
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert len({h.id for h in hits}) == len(hits)


def test_kb_within_ranks_only_the_given_ids(kb: KnowledgeBase) -> None:
    allowed = [r.id for r in kb.store.records if r.source != "runbooks/disk.md"][:3]
    hits = kb.search("disk full no space left", k=10, within=[*allowed, "unknown-id"])
    assert sorted(h.id for h in hits if h.id in allowed) == sorted(h.id for h in hits)
    assert {h.id for h in kb.search("disk", k=10, within=allowed, mode="dense")} == set(allowed)
    assert kb.search("disk", k=5, within=[]) == []


def test_kb_bm25_ignores_passages_without_a_query_term(kb: KnowledgeBase) -> None:
    hits = kb.search("SERVFAIL", k=10, mode="bm25")
    assert [h.source for h in hits] == ["runbooks/dns.md"]


def test_kb_unknown_mode_and_empty_query_are_refused(kb: KnowledgeBase) -> None:
    with pytest.raises(ConfigError, match="unknown search mode 'fuzzy'"):
        kb.search("disk", mode="fuzzy")
    with pytest.raises(InputError, match="empty"):
        kb.search("   ")


def test_kb_records_without_source_rank_on_their_own(encoder: Encoder, tmp_path: Path) -> None:
    kb = KnowledgeBase.open(tmp_path / "kb", create=True, encoder=encoder)
    kb.upsert(
        [
            Record(id="q1", title="Reset a password", text="Use the self-service portal."),
            Record(id="q7", title="Request VPN access", text="Open an access ticket."),
        ]
    )
    hits = kb.search("how do I get vpn access", k=2)
    assert [h.id for h in hits] == ["q7", "q1"] and hits[0].score > hits[1].score


def test_kb_fuse_reciprocal_rank_sums_over_runs() -> None:
    fused = fuse_reciprocal_rank([{1: 0.9, 2: 0.5}, {2: 7.0, 3: 1.0}])
    assert fused[2] == pytest.approx(1 / 62 + 1 / 61)
    assert fused[1] == pytest.approx(1 / 61) and fused[3] == pytest.approx(1 / 62)


def test_kb_file_score_is_best_plus_a_fifth_of_second_best() -> None:
    scores = file_scores({0: 0.5, 1: 0.75, 2: 0.25, 3: 0.6}, {0: "a", 1: "a", 2: "a", 3: "b"})
    assert scores == pytest.approx({"a": 0.75 + 0.2 * 0.5, "b": 0.6})
