"""CLI: `opsqkv eval sgd DIR` -- zero-shot slot tracking scored on Schema-Guided Dialogue."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import torch
import typer
from rich.table import Table

from agents.tickets import slot_reader_for
from agents.tickets.tracking.reader import SlotReader
from commands.common import console, encoder_for, progress_bars, settings_of
from errors import ConfigError, InputError
from evals.sgd import (
    ALL_SERVICES,
    PUBLISHED,
    EvalResult,
    ScoredFrame,
    Split,
    Summary,
    evaluate_split,
    load_split,
)
from knowledge.encoder import Encoder

app = typer.Typer(no_args_is_help=True, help="Evaluate against public datasets.")


@app.callback()
def _group() -> None:
    """Evaluate opsqkv's agents on public datasets."""


@app.command("sgd")
def sgd(
    ctx: typer.Context,
    folder: Annotated[
        Path,
        typer.Argument(
            help="SGD split folder with schema.json and dialogues.json (e.g. ../shared/eval/sgd)."
        ),
    ],
    limit: Annotated[
        int | None, typer.Option(help="Evaluate only the first N dialogues.", min=1)
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    errors: Annotated[
        Path | None,
        typer.Option(help="Write the frames scored below 1 (gold vs predicted) as JSONL here."),
    ] = None,
    use_reader: Annotated[
        bool,
        typer.Option(
            "--reader/--no-reader", help="Track with the learned slot reader (default) or without."
        ),
    ] = True,
) -> None:
    """Replay every SGD dialogue through the slot tracker and score joint goal accuracy."""
    settings = settings_of(ctx)
    split = load_split(folder, limit=limit)
    if not split.dialogues:
        raise InputError(f"{folder / 'dialogues.json'} holds no dialogues; nothing to evaluate")
    if errors is not None:
        _write_errors(errors, [])  # fail on a bad path now, not after minutes of replay
    encoder = encoder_for(settings)
    reader = slot_reader_for(settings, encoder) if use_reader else None
    started = time.perf_counter()
    # Each update is a tiny forward pass (one utterance): a second intra-op thread only adds
    # synchronisation, and on a shared machine its spin-waiting made passes ~10x slower.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        result = _replay(split, encoder, reader, as_json)
    finally:
        torch.set_num_threads(threads)
    seconds = time.perf_counter() - started
    if errors is not None:
        _write_errors(errors, [f for f in result.frames if f.score.jga < 1.0])
    if as_json:
        console.print_json(json.dumps(_as_json(folder, result, seconds)))
        return
    console.print(_table(folder, result))
    console.print(
        f"{len(split.dialogues)} dialogues, {len(result.frames)} user frames scored "
        f"in {seconds:.0f} s"
        + (f"; frames below 1 written to {errors}" if errors is not None else "")
    )


def _replay(split: Split, encoder: Encoder, reader: SlotReader | None, quiet: bool) -> EvalResult:
    with progress_bars(keep=not quiet) as progress:
        return evaluate_split(split, encoder, reader=reader, progress=progress)


def _write_errors(path: Path, frames: list[ScoredFrame]) -> None:
    try:
        with path.open("w", encoding="utf-8") as out:
            for frame in frames:
                out.write(json.dumps(_error_record(frame)) + "\n")
    except OSError as e:
        raise ConfigError(
            f"cannot write the errors file {path}: {e.strerror}; pick another path"
        ) from e


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.4f}"


def _table(folder: Path, result: EvalResult) -> Table:
    table = Table(
        title=f"SGD joint goal accuracy: {folder}",
        title_justify="left",
        caption="dim rows: published trained baselines on whole SGD splits (seen and unseen "
        "services), a reference only; these subsets hold unseen services only",
        caption_justify="left",
    )
    table.add_column("service")
    table.add_column("frames", justify="right")
    table.add_column("JGA", justify="right", style="bold")
    table.add_column("avg goal acc", justify="right")
    table.add_column("empty-state floor", justify="right")
    rows = [(name, s) for name, s in result.summary.items() if name != ALL_SERVICES]
    for name, summary in rows:
        _add_row(table, name, summary)
    table.add_section()
    _add_row(table, "all services", result.summary[ALL_SERVICES], style="bold")
    table.add_section()
    for pub in PUBLISHED:
        table.add_row(
            f"published {pub.system} ({pub.split})",
            "",
            _fmt(pub.jga),
            _fmt(pub.goal_accuracy),
            "",
            style="dim",
        )
    return table


def _add_row(table: Table, name: str, summary: Summary, style: str | None = None) -> None:
    table.add_row(
        name,
        str(summary.frames),
        _fmt(summary.jga),
        _fmt(summary.goal_accuracy),
        _fmt(summary.empty_floor),
        style=style,
    )


def _as_json(folder: Path, result: EvalResult, seconds: float) -> dict[str, object]:
    def one(summary: Summary) -> dict[str, object]:
        return {
            "frames": summary.frames,
            "jga": summary.jga,
            "average_goal_accuracy": summary.goal_accuracy,
            "empty_state_floor": summary.empty_floor,
        }

    return {
        "folder": str(folder),
        "dialogues": result.dialogues,
        "seconds": round(seconds, 1),
        "overall": one(result.summary[ALL_SERVICES]),
        "services": {n: one(s) for n, s in result.summary.items() if n != ALL_SERVICES},
        "published": [
            {
                "system": p.system,
                "split": p.split,
                "jga": p.jga,
                "average_goal_accuracy": p.goal_accuracy,
                "source": p.source,
            }
            for p in PUBLISHED
        ],
    }


def _error_record(frame: ScoredFrame) -> dict[str, object]:
    return {
        "dialogue_id": frame.dialogue_id,
        "turn": frame.turn,
        "service": frame.score.service,
        "jga": frame.score.jga,
        "system": frame.system_utterance,
        "user": frame.user_utterance,
        "wrong": {
            slot: {
                "gold": frame.gold.get(slot),
                "predicted": frame.predicted.get(slot),
                "score": frame.score.slot_scores[slot],
            }
            for slot in frame.score.wrong_slots
        },
        "gold": frame.gold,
        "predicted": frame.predicted,
    }
