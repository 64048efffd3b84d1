"""What every CLI sub-app shares: consoles, the settings on the context, cached heavy objects."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress

from knowledge.default_encoder import default_encoder, is_loaded
from knowledge.encoder import Encoder
from knowledge.progress import Progress
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


@contextmanager
def progress_bars(
    *, labels: Mapping[str, str] | None = None, keep: bool = False
) -> Iterator[Progress]:
    """Rich bars on stderr for a `knowledge.progress.Progress`: one bar per stage, shown from
    the stage's first report (so quick work shows nothing); `keep` leaves them on screen."""
    names = labels or {}
    bars = RichProgress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=not keep,
    )
    tasks: dict[str, TaskID] = {}

    def report(stage: str, done: int, total: int) -> None:
        if not tasks:
            bars.start()
        if stage not in tasks:
            tasks[stage] = bars.add_task(names.get(stage, stage), total=total)
        bars.update(tasks[stage], completed=done, total=total)

    try:
        yield report
    finally:
        bars.stop()
