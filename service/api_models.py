"""The JSON the API takes and gives: one pydantic model per request and response body."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agents.qa import Citation
from state.models import Ticket, TicketState

# Stricter than the bot's ids: a leading dot would be rewritten by URL normalisation.
SESSION_ID_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.:@-]{0,127}$"
MESSAGE_ID_PATTERN = r"^[A-Za-z0-9_.:@+-]{1,128}$"
NOT_BLANK = r"\S"  # JSON Schema patterns search: some character that is not a space


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorDetail(_Body):
    """What went wrong, in a word for programs and a sentence for people."""

    code: str = Field(description="e.g. empty_text, unauthorized, not_found, session_busy")
    message: str = Field(description="what is wrong and what to do about it")


class ErrorBody(_Body):
    """Every 4xx and 5xx answer of the API."""

    error: ErrorDetail


class MessageIn(_Body):
    """One user message to a session."""

    text: str = Field(
        pattern=NOT_BLANK, description="what the user says (at most the service's limit)"
    )
    message_id: str | None = Field(
        default=None,
        pattern=MESSAGE_ID_PATTERN,
        description="makes a retry safe: the same id in the same session is answered once",
    )


class SlotView(_Body):
    """One slot of the ticket panel: filled or still missing."""

    name: str
    label: str
    required: bool
    value: str | None = Field(description="as shown to the user; None while missing")
    verified: bool = True


class TicketPanel(_Body):
    """The ticket being filled (or just submitted), every slot of its template in order."""

    template: str
    title: str
    phase: Literal["filling", "confirming", "submitted"]
    pending: str | None = Field(description="the slot the bot asked for last")
    ticket_id: str | None = Field(default=None, description="set once submitted")
    slots: list[SlotView]


class ReplyOut(_Body):
    """The bot's answer to one message: the same content as `OpsBot.handle`."""

    session_id: str
    text: str = Field(description="markdown to show the user")
    agent: str = Field(description="qa | cmdb | ticket | help | control")
    citations: list[Citation] = Field(default_factory=list)
    ticket: TicketState | Ticket | None = None
    data: dict[str, Any] | None = Field(default=None, description="CMDB rows / stats / query")
    panel: TicketPanel | None = Field(default=None, description="the ticket, slot by slot")


class TurnOut(_Body):
    """One utterance of a session."""

    role: Literal["user", "bot"]
    text: str
    agent: str | None
    at: datetime


class SessionOut(_Body):
    """A stored session: its turns in order and the ticket being filled."""

    id: str
    created_at: datetime
    updated_at: datetime
    turns: list[TurnOut]
    ticket: TicketState | None
    submitted: list[str] = Field(description="ids of tickets this session submitted")


class QuestionIn(_Body):
    """A question for the Q&A agent or the CMDB."""

    question: str = Field(
        pattern=NOT_BLANK, description="plain words, at most the service's text limit"
    )


class AskOut(_Body):
    """The Q&A agent's answer."""

    question: str
    answer: str
    known: bool
    confidence: float
    citations: list[Citation]


class CMDBOut(_Body):
    """The CMDB's answer: what was understood, the items or the grouped numbers."""

    question: str
    text: str
    understood: bool
    query: dict[str, Any] | None
    total: int
    items: list[dict[str, Any]]
    stats: dict[str, Any] | None
    picture: str | None = Field(description="URL of the topology picture, when one was drawn")


class ExternalRef(_Body):
    """Where a delivery sink created the ticket."""

    id: str | None = Field(description="the target's id, e.g. INC0010023 or OPS-123")
    url: str | None = Field(description="a link to it, when the target gives one")


class TicketOut(_Body):
    """One submitted ticket, with its stream id (pass the last one as `since`)."""

    stream_id: str
    ticket: Ticket
    external: dict[str, ExternalRef] = Field(
        default_factory=dict,
        description="sink name -> where it was created (empty until a sink has it)",
    )


class TicketsOut(_Body):
    """Submitted tickets of the caller's tenant, oldest first."""

    tickets: list[TicketOut]
    next_since: str | None = Field(description="the last stream id: ask again with it")


class Health(_Body):
    """`/healthz` and `/readyz`."""

    status: Literal["ok", "unavailable"]
    checks: dict[str, str] = Field(default_factory=dict)


class DeletedOut(_Body):
    """A session deleted."""

    deleted: bool
