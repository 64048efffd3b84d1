"""Text between Slack and the bot: Slack's wire format to plain words, Markdown to mrkdwn.

Slack sends `<@U123>` for mentions, `<http://x|label>` for links, `<mailto:a@b|a@b>` for
addresses and escapes `& < >`; the bot wants the words a person typed. Slack shows `mrkdwn`,
not Markdown (`*bold*`, `<url|label>`, no tables), so replies are converted on the way out.
"""

from __future__ import annotations

import re
from collections.abc import Collection

_ANGLE = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")
_CODE = re.compile(r"(```.*?```|`[^`\n]*`)", re.S)
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)
_BULLET = re.compile(r"^(\s*)[-*+]\s+", re.M)
_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")


def plain_from_slack(text: str, drop_users: Collection[str] = ()) -> str:
    """The words a person typed: mentions of `drop_users` removed, links and entities undone."""

    def one(m: re.Match[str]) -> str:
        target, label = m.group(1), m.group(2)
        if target.startswith("@"):
            return "" if target[1:] in drop_users else f"@{label or target[1:]}"
        if target.startswith("#"):
            return f"#{label or target[1:]}"
        if target.startswith("!"):  # <!here>, <!channel>, <!subteam^S1|@oncall>
            return label or f"@{target[1:].split('^')[0]}"
        return label or target.removeprefix("mailto:")

    words = _ANGLE.sub(one, text)
    words = words.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return re.sub(r"[ \t]{2,}", " ", words).strip()


def escape(text: str) -> str:
    """Text shown as is: Slack's three control characters escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn_from_markdown(text: str) -> str:
    """Markdown as Slack's mrkdwn: bold, links, headings, bullets; code left alone."""
    parts = _CODE.split(text)
    out: list[str] = []
    for n, part in enumerate(parts):
        part = escape(part)
        if n % 2 == 0:  # outside code spans and fences
            part = _HEADING.sub(r"**\1**", part)
            part = _BULLET.sub(r"\1• ", part)
            part = _BOLD.sub(lambda m: f"*{m.group(1) or m.group(2)}*", part)
            part = _LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1)}>", part)
        out.append(part)
    return "".join(out)


def split_tables(text: str) -> list[tuple[str, bool]]:
    """The text in pieces, in order: (prose, False) and (Markdown table, True)."""
    pieces: list[tuple[str, bool]] = []
    prose: list[str] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and _is_row(lines[j]):
            j += 1
        if j - i >= 2 and _TABLE_RULE.match(lines[i + 1].strip()):
            if prose:
                pieces.append(("\n".join(prose), False))
                prose = []
            pieces.append(("\n".join(lines[i:j]), True))
            i = j
        else:
            prose.append(lines[i])
            i += 1
    if prose:
        pieces.append(("\n".join(prose), False))
    return [(t, table) for t, table in pieces if t.strip()]


def table_as_text(table: str) -> list[str]:
    """A Markdown table as aligned monospace lines (header, rule, rows)."""
    rows = [_cells(line) for line in table.split("\n") if line.strip()]
    rows = [rows[0], *rows[2:]]  # the rule line is redrawn below
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    widths = [max(len(r[c]) for r in rows) for c in range(width)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) for r in rows]
    rule = "  ".join("-" * w for w in widths)
    return [s.rstrip() for s in [lines[0], rule, *lines[1:]]]


def _is_row(line: str) -> bool:
    s = line.strip()
    return len(s) >= 2 and s.startswith("|") and s.endswith("|")


def _cells(line: str) -> list[str]:
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip()[1:-1])]
