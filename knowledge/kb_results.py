"""What the knowledge base hands out: ranked hits, ingest reports, store statistics."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from knowledge.ingest import Skipped


@dataclass(frozen=True)
class Hit:
    """One ranked passage: its id and score, and what a citation shows."""

    id: str
    score: float
    source: str
    title: str = ""
    heading: str = ""
    lines: tuple[int, int] | None = None
    text: str = ""
    passage_score: float = 0.0  # this passage alone; `score` also weighs its file


@dataclass(frozen=True)
class IngestReport:
    """Counts per outcome of one ingest, and the files it skipped."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    files: int = 0
    encoded: int = 0


@dataclass(frozen=True)
class KBStats:
    """What `opsqkv kb stats` shows."""

    folder: Path
    passages: int
    sources: int
    dim: int
    dtype: str
    fingerprint: str
    index: str
    disk_bytes: int
