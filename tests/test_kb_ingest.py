"""KnowledgeBase ingest and upsert: counts per outcome, no re-encoding, removals, persistence."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from errors import IngestError, StoreError
from knowledge import KnowledgeBase, Record
from knowledge.encoder import Encoder
from knowledge.index import ExactIndex

NGINX = "# Nginx 502\n\n## Fix\n\nRestart the upstream application.\n"
DISK = "# Disk Full\n\n## Symptoms\n\nNo space left on device.\n\n## Fix\n\nDelete old logs.\n"
DNS = "# DNS Failures\n\nLookups return SERVFAIL; query the resolver with dig.\n"


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "nginx.md").write_text(NGINX)
    (folder / "disk.md").write_text(DISK)
    (folder / "dns.md").write_text(DNS)
    return folder


def test_kb_reingest_of_unchanged_files_encodes_nothing(
    encoder: Encoder, tmp_path: Path, docs: Path
) -> None:
    kb = KnowledgeBase.open(tmp_path / "kb", create=True, encoder=encoder)
    first = kb.ingest([docs])
    before = encoder.texts_encoded
    again = KnowledgeBase.open(tmp_path / "kb", encoder=encoder).ingest([docs])
    assert (first.added, first.encoded, first.files) == (4, 4, 3)
    assert (again.added, again.updated, again.unchanged, again.removed) == (0, 0, 4, 0)
    assert encoder.texts_encoded == before


def test_kb_reingest_reports_updated_added_and_removed(
    encoder: Encoder, tmp_path: Path, docs: Path
) -> None:
    kb = KnowledgeBase.open(tmp_path / "kb", create=True, encoder=encoder)
    kb.ingest([docs])
    (docs / "disk.md").write_text(DISK.replace("Delete old logs.", "Remove core dumps."))
    (docs / "dns.md").unlink()
    (docs / "ntp.md").write_text("# NTP drift\n\nRestart chronyd and check chronyc tracking.\n")
    report = kb.ingest([docs])
    assert (report.added, report.updated, report.unchanged, report.removed) == (1, 1, 2, 1)
    assert report.encoded == 2
    assert {h.source for h in kb.search("SERVFAIL dig resolver", k=10)} <= {
        "docs/nginx.md",
        "docs/disk.md",
        "docs/ntp.md",
    }
    assert len(KnowledgeBase.open(tmp_path / "kb", encoder=encoder)) == 4
    # The index mirrors the store row for row after an update, an append and a removal.
    assert isinstance(kb.index, ExactIndex)
    torch.testing.assert_close(kb.index.keys, kb.store.keys)
    for record in kb.store.records:
        (hit,) = kb.search(record.key_text(), k=1, mode="dense")
        assert hit.id == record.id


def test_kb_ingest_skips_a_binary_file_and_keeps_going(
    encoder: Encoder, tmp_path: Path, docs: Path
) -> None:
    (docs / "diagram.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    report = KnowledgeBase.open(tmp_path / "kb", create=True, encoder=encoder).ingest([docs])
    assert report.files == 3 and [Path(s.path).name for s in report.skipped] == ["diagram.png"]


def test_kb_ingest_of_only_unusable_files_fails_and_keeps_the_store(
    encoder: Encoder, tmp_path: Path, docs: Path
) -> None:
    kb = KnowledgeBase.open(tmp_path / "kb", create=True, encoder=encoder)
    kb.ingest([docs])
    binary = tmp_path / "blob.bin"
    binary.write_bytes(bytes(range(256)))
    with pytest.raises(IngestError, match="nothing to ingest, every file was skipped"):
        kb.ingest([binary])
    assert len(KnowledgeBase.open(tmp_path / "kb", encoder=encoder)) == 4


def test_kb_upsert_search_and_delete_by_id(encoder: Encoder, tmp_path: Path) -> None:
    kb = KnowledgeBase.open(tmp_path / "kb", create=True, encoder=encoder)
    kb.upsert(
        [
            Record(id="q1", title="Disk full", text="Delete old logs.", source="faq"),
            Record(id="q7", title="VPN access", text="Open an access ticket.", source="faq2"),
        ]
    )
    reopened = KnowledgeBase.open(tmp_path / "kb", encoder=encoder)
    (hit,) = reopened.search("the disk is full", k=1)
    assert (hit.id, hit.source) == ("q1", "faq")
    assert reopened.delete(["q1"]) == 1
    assert [h.id for h in reopened.search("the disk is full", k=5)] == ["q7"]
    assert reopened.get("q1") is None


def test_kb_open_without_create_on_a_missing_folder_fails(encoder: Encoder, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no knowledge base in"):
        KnowledgeBase.open(tmp_path / "none", encoder=encoder)
