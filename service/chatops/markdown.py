"""A bot reply as one Markdown message (Mattermost): the answer, citations, the ticket table."""

from __future__ import annotations

from service.api_models import ReplyOut, TicketPanel
from service.chatops import view


def reply_markdown(reply: ReplyOut) -> str:
    """The answer as the bot wrote it, then numbered sources, then the ticket slot by slot."""
    parts = [reply.text.strip()]
    sources = [f"[{n}] `{view.citation_source(c)}` · {c.heading}" for n, c in view.cited(reply)]
    if sources:
        parts.append("  \n".join(sources))  # two spaces: a line break inside one paragraph
    if reply.panel is not None:
        parts.append(ticket_table(reply.panel))
    return "\n\n".join(parts)


def ticket_table(panel: TicketPanel) -> str:
    """The ticket as a Markdown table: every slot, filled, missing or optional."""
    rows = [f"**{panel.title}** · {view.ticket_state(panel)}", "", "| Field | Value |", "|---|---|"]
    for slot in panel.slots:
        value = view.slot_value(slot)
        shown = f"*{view.missing_word(slot)}*" if value is None else _cell(value)
        rows.append(f"| {_cell(view.label(slot))} | {shown} |")
    return "\n".join(rows)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")
