"""The real clock: the one place a turn's "now" comes from when the caller gives none."""

from __future__ import annotations

from datetime import datetime


def local_now() -> datetime:
    """Now, in the machine's time zone (relative times like "an hour ago" are read against it)."""
    return datetime.now().astimezone()
