"""Session ids for chat platforms: who said it where, as an id the service accepts."""

from __future__ import annotations

import hashlib
import re

_UNSAFE = re.compile(r"[^A-Za-z0-9_.@-]")  # ':' is the separator, so it is unsafe inside a part
MAX_LEN = 128


def chat_session_id(platform: str, *parts: str | None) -> str:
    """`platform:part:part...` with each part made safe; hashed at the end when too long.

    Slack: workspace, channel, user (and the thread's ts inside a thread);
    Mattermost: team, channel, user. Empty parts are left out.
    """
    safe = [_UNSAFE.sub("_", p) for p in parts if p]
    sid = ":".join([platform, *safe])
    if len(sid) <= MAX_LEN:
        return sid
    digest = hashlib.sha256(sid.encode()).hexdigest()[:32]
    return f"{sid[: MAX_LEN - len(digest) - 1]}:{digest}"
