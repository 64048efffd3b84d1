"""What a chat message shows of a reply, before any platform's markup: shared by both."""

from __future__ import annotations

from agents.identity import Agent
from agents.qa import Citation
from agents.turns import BACK_TO_TICKET
from service.api_models import ReplyOut, SlotView, TicketPanel

MAX_CITATIONS = 10


def answer_parts(reply: ReplyOut) -> list[tuple[str, bool]]:
    """The reply's text in order, as (text, is_markdown): the ticket agent writes plain text.

    Mid-ticket, an answer (Markdown) is followed by the ticket's question again (plain),
    as the terminal chat shows it.
    """
    if reply.agent == Agent.TICKET:
        return [(reply.text, False)]
    answer, sep, back = reply.text.rpartition(f"\n\n{BACK_TO_TICKET}")
    if sep:
        return [(answer, True), (BACK_TO_TICKET + back, False)]
    return [(reply.text, True)]


def citation_source(citation: Citation) -> str:
    """`path:first-last`, the lines a citation points at."""
    lines = f":{citation.lines[0]}-{citation.lines[1]}" if citation.lines else ""
    return f"{citation.source}{lines}"


def cited(reply: ReplyOut) -> list[tuple[int, Citation]]:
    """The citations worth a line each, numbered as the answer's `[n]` marks."""
    return list(enumerate(reply.citations[:MAX_CITATIONS], start=1))


def label(slot: SlotView) -> str:
    """A slot's label as a field name: `started at` -> `Started at`."""
    return slot.label[:1].upper() + slot.label[1:]


def slot_value(slot: SlotView) -> str | None:
    """The value as shown, marked when the bot is unsure of it; None while missing."""
    if slot.value is None:
        return None
    return slot.value if slot.verified else f"{slot.value} (unsure)"


def missing_word(slot: SlotView) -> str:
    return "missing" if slot.required else "optional"


def ticket_state(panel: TicketPanel) -> str:
    """Where the ticket stands, in a few words."""
    if panel.phase == "submitted":
        return f"submitted as {panel.ticket_id}"
    if panel.phase == "confirming":
        return "waiting for your confirmation"
    pending = next((s for s in panel.slots if s.name == panel.pending), None)
    return "filling" if pending is None else f"filling · next: {label(pending)}"


def usage(command: str) -> str:
    """What to say when a command came without words."""
    return (
        f"Ask me something after the command, e.g. `{command} how do I fix a full disk`; "
        f"`{command} /help` lists what I can do."
    )
