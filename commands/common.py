"""What every CLI sub-app shares: consoles, the settings on the context, cached heavy objects."""

from __future__ import annotations

import typer
from rich.console import Console

from knowledge.default_encoder import default_encoder, is_loaded
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


def encoder_for(settings: Settings) -> Encoder:
    """The shared encoder of these settings, loaded once per process (a spinner meanwhile)."""
    if not is_loaded(settings.model_path):
        with err_console.status("loading the encoder model…"):
            return default_encoder(settings)
    return default_encoder(settings)
