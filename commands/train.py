"""CLI: `opsqkv train slots` -- train the slot reader on SGD's train split, select on dev."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agents.tickets.tracking import trained_reader_dir
from commands.common import console, encoder_for, progress_bars, settings_of
from evals.slot_training import TrainConfig, train_reader

app = typer.Typer(no_args_is_help=True, help="Train opsqkv's learned parts.")

_SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


@app.callback()
def _group() -> None:
    """Train opsqkv's learned parts."""


@app.command("slots")
def slots(
    ctx: typer.Context,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Folder for the weights and card (default: <home>/slot-readers/<model>, "
            "where the bot finds the reader of the model it runs)."
        ),
    ] = None,
    epochs: Annotated[int, typer.Option(help="Passes over the training turns.", min=1)] = 2,
    seed: Annotated[int, typer.Option(help="Random seed (sampling, initialisation).")] = 13,
    train_dir: Annotated[
        Path, typer.Option(help="SGD train folder (schema.json, dialogues.json.gz).")
    ] = _SHARED / "train" / "sgd",
    dev_dir: Annotated[
        Path, typer.Option(help="SGD dev folder used to select the epoch and threshold.")
    ] = _SHARED / "eval" / "sgd" / "dev",
    dialogues: Annotated[
        int | None,
        typer.Option(
            help="Train on the first N dialogues (default: as the shipped weights).", min=1
        ),
    ] = None,
    dev_limit: Annotated[
        int | None, typer.Option(help="Select on the first N dev dialogues only.", min=1)
    ] = None,
) -> None:
    """Train the slot reader of the model `--model` names; the bot uses it with that model."""
    settings = settings_of(ctx)
    encoder = encoder_for(settings)
    target = out or trained_reader_dir(settings.home, encoder)
    config = TrainConfig(
        train_dir=train_dir,
        dev_dir=dev_dir,
        out_dir=target,
        epochs=epochs,
        seed=seed,
        dialogues=dialogues or TrainConfig.dialogues,
        dev_dialogues=dev_limit,
    )
    with progress_bars(keep=True) as progress:
        card = train_reader(encoder, config, progress)
    console.print(
        f"slot reader written to {target}: dev JGA {card['dev_jga']} "
        f"(epoch {card['selected_epoch']}, threshold {card['threshold']}, {card['minutes']} min)"
    )
