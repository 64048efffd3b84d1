"""CLI: placeholder, filled in by its issue."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

app = typer.Typer(no_args_is_help=True, help="(not built yet)")

# Commands that `cli.py` registers on the root app rather than under this sub-app.
top_level_commands: list[Callable[..., Any]] = []
