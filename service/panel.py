"""Replies as the API sends them: the ticket panel and picture paths turned into URLs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agents import OpsBot, Reply
from agents.tickets import show_value
from service.api_models import ReplyOut, SlotView, TicketPanel
from state.models import Ticket, TicketState

PICTURES_ROUTE = "/v1/pictures"


def picture_url(path: str | None) -> str | None:
    """The API URL of a topology picture the CMDB agent wrote."""
    return None if path is None else f"{PICTURES_ROUTE}/{Path(path).name}"


def reply_out(bot: OpsBot, reply: Reply) -> ReplyOut:
    """A bot reply for the wire: the same content, plus the ticket slot by slot."""
    data: dict[str, Any] | None = reply.data
    text = reply.text
    if data is not None and data.get("picture"):
        url = picture_url(str(data["picture"]))
        text = without_path(text, str(data["picture"]), url)
        data = {**data, "picture": url}
    return ReplyOut(
        session_id=reply.session_id,
        text=text,
        agent=reply.agent,
        citations=reply.citations,
        ticket=reply.ticket,
        data=data,
        panel=ticket_panel(bot, reply.ticket),
    )


def without_path(text: str, path: str | None, url: str | None) -> str:
    """The text with the server's picture path replaced by its URL (paths stay private)."""
    return text if not path or url is None else text.replace(path, url)


def ticket_panel(bot: OpsBot, ticket: TicketState | Ticket | None) -> TicketPanel | None:
    """Every slot of the ticket's template: its shown value, or None while missing."""
    if ticket is None:
        return None
    spec = bot.template(ticket.template)
    slots = []
    for slot in spec.slots:
        if isinstance(ticket, Ticket):
            value = ticket.values.get(slot.name)
            verified = slot.name not in ticket.unverified
        else:
            belief = ticket.slots.get(slot.name)
            value = None if belief is None else belief.value
            verified = True if belief is None else belief.verified
        slots.append(
            SlotView(
                name=slot.name,
                label=slot.label,
                required=slot.required,
                value=None if value is None else show_value(slot, value),
                verified=verified,
            )
        )
    if isinstance(ticket, Ticket):
        return TicketPanel(
            template=ticket.template,
            title=spec.title,
            phase="submitted",
            pending=None,
            ticket_id=ticket.id,
            slots=slots,
        )
    return TicketPanel(
        template=ticket.template,
        title=spec.title,
        phase=ticket.phase,
        pending=ticket.pending,
        slots=slots,
    )
