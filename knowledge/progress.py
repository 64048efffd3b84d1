"""The one progress protocol: long work tells whoever shows it (stage, done, total).

`stage` names the step ("encoding passages", "validating"); `done` counts what is finished
of `total`; a total of 0 means the step has no count (a start-up step, say). The CLI turns
these into rich progress bars; the library never prints.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int], None]


def no_progress(stage: str, done: int, total: int) -> None:
    """A Progress that shows nothing (for callers that pass none)."""
