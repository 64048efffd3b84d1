"""Running the real CLI in process, and what a user sees when it refuses."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from typer.testing import CliRunner, Result

import cli


def run(*args: str | Path) -> Result:
    """`opsqkv ARGS` through typer's runner (stdout and stderr apart)."""
    return CliRunner().invoke(cli.app, [str(a) for a in args])


def assert_one_error_line(result: Result, code: int | None, text: str) -> None:
    """One line starting "error:" that says `text`, exit `code` (None: any non-zero)."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    if code is None:
        assert result.exit_code != 0, result.output
    else:
        assert result.exit_code == code, result.output
    assert len(lines) == 1 and lines[0].startswith("error:") and text in lines[0], lines
    assert "Traceback" not in result.output


def write_docs(folder: Path, docs: Mapping[str, str]) -> Path:
    """A folder of runbook files, name -> text."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (folder / name).write_text(text)
    return folder
