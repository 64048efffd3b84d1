"""CLI: `opsqkv kb ingest|search|stats` and the top-level `opsqkv ask`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from agents.qa import Answer, QAAgent
from commands.common import console, encoder_for, err_console, progress_bars, settings_of
from errors import ConfigError, InputError
from knowledge.kb import (
    DEFAULT_MODE,
    ENCODING,
    SEARCH_MODES,
    Hit,
    KnowledgeBase,
    open_default_kb,
)
from knowledge.keycache import KeyCache

app = typer.Typer(no_args_is_help=True, help="Build and search the knowledge base.")

KbDir = Annotated[
    Path | None,
    typer.Option(
        "--kb",
        help="Store folder to use instead of the default KB (the data dir's kb/, "
        "seeded with the shipped runbooks on first use).",
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON document instead.")]


def _open_kb(ctx: typer.Context, kb_dir: Path | None, *, create: bool = False) -> KnowledgeBase:
    """The KB named by --kb, or the default one (seeded from the demo runbooks if new)."""
    settings = settings_of(ctx)
    encoder = encoder_for(settings)
    if kb_dir is not None:
        return KnowledgeBase.open(kb_dir, create=create, encoder=encoder, settings=settings)
    # Bars appear only once there is work: a seeded default KB opens without one.
    with progress_bars(labels={ENCODING: "building the default knowledge base"}) as progress:
        return open_default_kb(settings, encoder, progress=progress)


@app.command()
def ingest(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to ingest.")],
    kb: KbDir = None,
) -> None:
    """Add files and folders (Markdown, text, YAML/JSON FAQ, CSV) to the knowledge base."""
    knowledge = _open_kb(ctx, kb, create=True)
    with progress_bars() as progress:
        report = knowledge.ingest(paths, progress=progress)
    for skipped in report.skipped:
        err_console.print(
            f"[yellow]warning:[/] skipped {skipped.path}: {skipped.reason}", soft_wrap=True
        )
    console.print(
        f"added {report.added}, updated {report.updated}, unchanged {report.unchanged}, "
        f"removed {report.removed}, skipped {len(report.skipped)} "
        f"({report.files} files read, {report.encoded} passages encoded; "
        f"{len(knowledge)} passages in {knowledge.store.folder})",
        soft_wrap=True,
    )


@app.command()
def search(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="What to search for.")],
    k: Annotated[int, typer.Option("-k", help="How many passages to show.")] = 5,
    mode: Annotated[
        str, typer.Option("--mode", help=f"{' | '.join(SEARCH_MODES)} (default {DEFAULT_MODE}).")
    ] = DEFAULT_MODE,
    as_json: AsJson = False,
    kb: KbDir = None,
) -> None:
    """Show the passages that best match TEXT, best first."""
    if mode not in SEARCH_MODES:
        raise ConfigError(f"unknown --mode {mode!r}; use one of {', '.join(SEARCH_MODES)}")
    if not text.strip():
        raise InputError('the search text is empty; give a few words, e.g. "disk full"')
    if k < 1:
        raise ConfigError(f"-k must be at least 1, got {k}")
    hits = _open_kb(ctx, kb).search(text, k=k, mode=mode)
    if as_json:
        typer.echo(json.dumps([_hit_json(rank, h) for rank, h in enumerate(hits, 1)]))
        return
    if not hits:
        console.print("no matching passages")
        return
    table = Table("#", "score", "passage", "source › heading (lines)", "text")
    for rank, hit in enumerate(hits, start=1):
        where = f"{hit.source} › {hit.heading}" if hit.heading else hit.source
        where += f" ({_lines(hit.lines)})" if hit.lines else ""
        snippet = " ".join(hit.text.split())[:80]
        table.add_row(str(rank), f"{hit.score:.3f}", f"{hit.passage_score:.3f}", where, snippet)
    console.print(table)


def _hit_json(rank: int, hit: Hit) -> dict[str, object]:
    return {
        "rank": rank,
        "id": hit.id,
        "score": hit.score,
        "passage_score": hit.passage_score,
        "source": hit.source,
        "title": hit.title,
        "heading": hit.heading,
        "lines": list(hit.lines) if hit.lines else None,
        "text": hit.text,
    }


def _lines(lines: tuple[int, int] | None) -> str:
    return "" if lines is None else f"{lines[0]}-{lines[1]}"


@app.command()
def stats(ctx: typer.Context, as_json: AsJson = False, kb: KbDir = None) -> None:
    """Show what the knowledge base holds and where."""
    info = _open_kb(ctx, kb).stats()
    rows = {
        "folder": str(info.folder),
        "passages": info.passages,
        "sources": info.sources,
        "dim": info.dim,
        "dtype": info.dtype,
        "index": info.index,
        "model": info.fingerprint,
        "disk_bytes": info.disk_bytes,
    }
    if as_json:
        typer.echo(json.dumps(rows))
        return
    table = Table("", "", show_header=False)
    for key, value in rows.items():
        table.add_row(key, str(value))
    console.print(table)


def ask(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="Your question, in plain words.")],
    as_json: AsJson = False,
    kb: KbDir = None,
) -> None:
    """Answer a question from the knowledge base, with numbered citations."""
    if not question.strip():
        raise InputError('the question is empty; ask something, e.g. opsqkv ask "nginx 502"')
    knowledge = _open_kb(ctx, kb)
    sentence_keys = KeyCache(knowledge.encoder, settings_of(ctx).cache_dir / "sentences")
    answer = QAAgent(knowledge, key_cache=sentence_keys).answer(question)
    if as_json:
        typer.echo(json.dumps(answer_json(answer)))
        return
    if not answer.known:
        console.print(f"[yellow]{answer.text}[/] (confidence {answer.confidence:.2f})")
        return
    console.print(answer.text, markup=False)
    console.print(f"[dim]confidence {answer.confidence:.2f}[/]")
    for number, c in enumerate(answer.citations, start=1):
        where = f" › {c.heading}" if c.heading else ""
        lines = f" (lines {_lines(c.lines)})" if c.lines else ""
        console.print(f"[{number}] {c.source}{where}{lines}", markup=False)


def answer_json(answer: Answer) -> dict[str, object]:
    """The `ask --json` document: the Markdown answer, its shape and caveat, the citations."""
    return {
        "question": answer.question,
        "answer": answer.text,
        "known": answer.known,
        "confidence": answer.confidence,
        "shape": answer.shape,
        "caveat": answer.caveat,
        "sentences": answer.sentences,
        "citations": [
            {
                "source": c.source,
                "heading": c.heading,
                "lines": list(c.lines) if c.lines else None,
                "score": c.score,
                "id": c.id,
            }
            for c in answer.citations
        ],
    }


# Commands that `cli.py` registers on the root app rather than under this sub-app.
top_level_commands: list[Callable[..., Any]] = [ask]
