"""Passage sizes: long sections are cut at paragraph, line and word boundaries."""

from __future__ import annotations

import itertools
from pathlib import Path

from knowledge.ingest import load_file
from knowledge.sentences import MAX_TOKENS, chunk_lines, estimate_tokens


def test_ingest_long_section_is_cut_into_bounded_passages(tmp_path: Path) -> None:
    paragraphs = [f"Paragraph {i} " + "about the disk filling up again " * 8 for i in range(20)]
    path = tmp_path / "long.md"
    path.write_text("# Long\n\n## Notes\n\n" + "\n\n".join(paragraphs) + "\n")
    records = load_file(path, "long.md")
    assert len(records) > 1
    assert all(estimate_tokens(r.text) <= MAX_TOKENS for r in records)
    assert records[0].lines is not None and records[0].lines[0] == 5
    ends = [r.lines for r in records if r.lines is not None]
    assert all(a[1] < b[0] for a, b in itertools.pairwise(ends))  # in order, no overlap
    assert " ".join(r.text for r in records).count("Paragraph") == 20


def test_ingest_one_huge_line_is_cut_between_words() -> None:
    line = " ".join(f"word{i}" for i in range(3 * MAX_TOKENS))
    chunks = chunk_lines([line], 7)
    assert len(chunks) == 3
    assert all(
        estimate_tokens(c.text) <= MAX_TOKENS and (c.first, c.last) == (7, 7) for c in chunks
    )
    assert " ".join(c.text for c in chunks) == line


def test_ingest_code_block_with_blank_lines_stays_whole() -> None:
    lines = ["Run:", "", "```", "df -h", "", "du -sh /var", "```"]
    (chunk,) = chunk_lines(lines, 1)
    assert chunk.text == "\n".join(lines) and (chunk.first, chunk.last) == (1, 7)
