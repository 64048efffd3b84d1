"""What every CLI sub-app shares: consoles, the settings on the context, cached heavy objects."""

from __future__ import annotations

import functools
from pathlib import Path

import typer
from rich.console import Console

from knowledge.encoder import Encoder
from settings import Settings

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def settings_of(ctx: typer.Context) -> Settings:
    """The settings `cli.py` built from flags and the environment."""
    root = ctx.find_root()
    settings = root.obj
    assert isinstance(settings, Settings), "cli.main builds Settings before any command runs"  # noqa: S101 (invariant, for mypy)
    return settings


@functools.lru_cache(maxsize=4)
def _encoder_for(model_path: Path | None) -> Encoder:
    return Encoder(model_path)


def encoder_for(settings: Settings) -> Encoder:
    """The encoder for these settings, loaded once per process (with a spinner on a terminal)."""
    if _encoder_for.cache_info().currsize == 0:
        with err_console.status("loading the encoder model…"):
            return _encoder_for(settings.model_path)
    return _encoder_for(settings.model_path)
