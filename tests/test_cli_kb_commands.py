"""`opsqkv kb ingest|search|stats` and `opsqkv ask` on a small store, bad input included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import assert_one_error_line, run, write_docs

DOCS = {
    "nginx.md": "# Nginx 502\n\n## Fix\n\nRestart the upstream application behind nginx.\n",
    "disk.md": "# Disk Full\n\n## Symptoms\n\nNo space left on device.\n\n## Fix\n\nDelete logs.\n",
    "dns.md": "# DNS Failures\n\nLookups return SERVFAIL; query the resolver with dig.\n",
}


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    return write_docs(tmp_path / "docs", DOCS)


def test_cli_kb_ingest_prints_counts_per_outcome(tmp_path: Path, docs: Path) -> None:
    first = run("kb", "ingest", docs, "--kb", tmp_path / "kb")
    second = run("kb", "ingest", docs, "--kb", tmp_path / "kb")
    assert first.exit_code == 0 and second.exit_code == 0, first.output
    assert "added 4, updated 0, unchanged 0, removed 0, skipped 0" in first.stdout
    assert "added 0, updated 0, unchanged 4, removed 0, skipped 0" in second.stdout


def test_cli_kb_ingest_warns_about_a_skipped_file(tmp_path: Path, docs: Path) -> None:
    (docs / "logo.png").write_bytes(b"\x89PNG\x00\x00")
    result = run("kb", "ingest", docs, "--kb", tmp_path / "kb")
    assert result.exit_code == 0 and "skipped 1" in result.stdout
    assert "warning: skipped" in result.stderr and "logo.png: binary file" in result.stderr


def test_cli_kb_ingest_missing_path_is_one_line(tmp_path: Path) -> None:
    result = run("kb", "ingest", tmp_path / "nope", "--kb", tmp_path / "kb")
    assert_one_error_line(result, 1, "does not exist")


def test_cli_kb_ingest_empty_folder_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run("kb", "ingest", tmp_path / "empty", "--kb", tmp_path / "kb")
    assert_one_error_line(result, 1, "has no files to ingest")


def test_cli_kb_ingest_binary_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "blob.bin").write_bytes(bytes(range(256)))
    result = run("kb", "ingest", tmp_path / "blob.bin", "--kb", tmp_path / "kb")
    assert_one_error_line(result, 1, "blob.bin: binary file")


def test_cli_kb_search_json_lists_hits(tmp_path: Path, docs: Path) -> None:
    run("kb", "ingest", docs, "--kb", tmp_path / "kb")
    result = run("kb", "search", "SERVFAIL from dig", "-k", "2", "--json", "--kb", tmp_path / "kb")
    hits = json.loads(result.stdout)
    assert result.exit_code == 0 and 1 <= len(hits) <= 2
    assert hits[0]["source"] == "docs/dns.md" and hits[0]["rank"] == 1
    assert set(hits[0]) >= {"id", "score", "source", "heading", "lines", "text"}


def test_cli_kb_search_table_and_stats(tmp_path: Path, docs: Path) -> None:
    run("kb", "ingest", docs, "--kb", tmp_path / "kb")
    table = run("kb", "search", "no space left", "--mode", "bm25", "--kb", tmp_path / "kb")
    stats = run("kb", "stats", "--json", "--kb", tmp_path / "kb")
    assert table.exit_code == 0 and "docs/disk.md" in table.stdout
    info = json.loads(stats.stdout)
    assert (info["passages"], info["sources"], info["index"]) == (4, 3, "exact")


def test_cli_kb_search_unknown_mode_is_one_line(tmp_path: Path) -> None:
    result = run("kb", "search", "disk", "--mode", "fuzzy", "--kb", tmp_path / "kb")
    assert_one_error_line(result, 2, "unknown --mode 'fuzzy'")


def test_cli_kb_search_on_a_corrupt_store_names_the_file(tmp_path: Path, docs: Path) -> None:
    run("kb", "ingest", docs, "--kb", tmp_path / "kb")
    (records,) = (tmp_path / "kb").glob("records-*.sqlite")
    records.write_text("garbage\n")
    result = run("kb", "search", "disk", "--kb", tmp_path / "kb")
    assert_one_error_line(result, 1, f"{records.name} is corrupt")


def test_cli_kb_search_on_a_missing_store_is_one_line(tmp_path: Path) -> None:
    result = run("kb", "search", "disk", "--kb", tmp_path / "none")
    assert_one_error_line(result, 1, "no knowledge base in")


def test_cli_kb_ask_empty_question_is_one_line(tmp_path: Path) -> None:
    assert_one_error_line(run("ask", "  ", "--kb", tmp_path / "kb"), 2, "question is empty")


def test_cli_kb_ask_json_has_answer_known_confidence_citations(tmp_path: Path, docs: Path) -> None:
    run("kb", "ingest", docs, "--kb", tmp_path / "kb")
    result = run("ask", "dns lookups fail with SERVFAIL", "--json", "--kb", tmp_path / "kb")
    answer = json.loads(result.stdout)
    assert result.exit_code == 0
    assert isinstance(answer["answer"], str) and answer["known"] is True
    assert isinstance(answer["confidence"], float)
    assert answer["citations"][0]["source"] == "docs/dns.md"
    assert set(answer["citations"][0]) >= {"source", "heading", "lines", "score"}
