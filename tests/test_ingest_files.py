"""Loaders: Markdown by heading, text, YAML/JSON FAQ, CSV; skips; bad paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from errors import IngestError
from knowledge.ingest import Skipped, load, load_file

RUNBOOK = """---
title: Disk Full
weight: 20
---

# DiskFull

The root filesystem is out of space.

## Diagnosis

```bash
# not a heading: a comment in a code block
df -h
```

## Fix

Delete rotated logs.
"""


def _write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def test_ingest_markdown_splits_by_heading_with_lines(tmp_path: Path) -> None:
    records = load_file(_write(tmp_path, "disk.md", RUNBOOK), "docs/disk.md")
    assert [(r.heading, r.lines) for r in records] == [
        ("DiskFull", (8, 8)),
        ("DiskFull > Diagnosis", (12, 15)),
        ("DiskFull > Fix", (19, 19)),
    ]
    assert {r.title for r in records} == {"Disk Full"}
    assert records[1].text.startswith("```bash") and "# not a heading" in records[1].text
    assert records[2].id == "docs/disk.md#diskfull-fix" and records[2].source == "docs/disk.md"


def test_ingest_markdown_h1_title_is_not_repeated_in_headings(tmp_path: Path) -> None:
    text = "# Nginx 502\n\nIntro line.\n\n## Fix\n\nRestart the upstream.\n"
    records = load_file(_write(tmp_path, "n.md", text), "n.md")
    assert [(r.title, r.heading) for r in records] == [("Nginx 502", ""), ("Nginx 502", "Fix")]


def test_ingest_faq_yaml_gives_one_passage_per_question(tmp_path: Path) -> None:
    text = (
        "- question: How do I see free disk space?\n"
        "  answer: Run df -h.\n"
        "- q: How do I follow a unit's logs?\n"
        "  a: |\n"
        "    journalctl -u NAME -f\n"
        "    shows new lines.\n"
    )
    records = load_file(_write(tmp_path, "faq.yaml", text), "faq.yaml")
    assert [(r.heading, r.text, r.lines) for r in records] == [
        ("How do I see free disk space?", "Run df -h.", (1, 2)),
        ("How do I follow a unit's logs?", "journalctl -u NAME -f\nshows new lines.", (3, 6)),
    ]


def test_ingest_faq_json_under_a_key(tmp_path: Path) -> None:
    text = '{"faq": [{"question": "What is an inode?", "answer": "A file record."}]}'
    (record,) = load_file(_write(tmp_path, "faq.json", text), "faq.json")
    assert (record.heading, record.text) == ("What is an inode?", "A file record.")


def test_ingest_csv_row_per_passage(tmp_path: Path) -> None:
    text = "error,meaning,fix\nE1040,too many connections,raise max_connections\nENOSPC,disk full,free space\n"
    records = load_file(_write(tmp_path, "codes.csv", text), "codes.csv")
    assert [(r.heading, r.lines) for r in records] == [("E1040", (2, 2)), ("ENOSPC", (3, 3))]
    assert (
        records[0].text == "error: E1040\nmeaning: too many connections\nfix: raise max_connections"
    )


def test_ingest_plain_text_paragraphs(tmp_path: Path) -> None:
    records = load_file(_write(tmp_path, "notes.txt", "first para\nstill first\n\nsecond\n"), "n")
    assert [(r.text, r.lines) for r in records] == [("first para\nstill first\n\nsecond", (1, 4))]


def test_ingest_folder_skips_binary_and_non_faq_files_and_counts_them(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    _write(docs, "disk.md", RUNBOOK)
    _write(docs, "sub/logo.png", b"\x89PNG\r\n\x1a\n\x00\x00binary")
    _write(docs, "sub/deploy.yaml", "apiVersion: v1\nkind: Pod\n")
    _write(docs, ".git/config", "[core]\n")  # hidden: not even looked at
    heard: list[Skipped] = []
    loaded = load([docs], on_skip=heard.append)
    assert [f.source for f in loaded.files] == ["docs/disk.md"]
    assert sorted(Path(s.path).name for s in loaded.skipped) == ["deploy.yaml", "logo.png"]
    assert heard == loaded.skipped
    assert {s.reason for s in loaded.skipped} == {
        "binary file",
        "not a FAQ (expected question/answer pairs)",
    }
    assert all(r.metadata["root"] == str(docs.resolve()) for r in loaded.records)


def test_ingest_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="does not exist"):
        load([tmp_path / "nope"])


def test_ingest_empty_folder_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(IngestError, match="has no files to ingest"):
        load([tmp_path / "empty"])
