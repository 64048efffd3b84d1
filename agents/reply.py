"""What OpsBot answers for one turn: the boundary every caller (chat, say, flows, API) reads."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agents.identity import Agent
from agents.qa import Citation
from state.models import Ticket, TicketState


class Reply(BaseModel):
    """One bot turn: what to show, who said it, and the data behind it."""

    model_config = ConfigDict(extra="forbid")

    session_id: str
    text: str = Field(description="markdown to show the user")
    agent: Agent = Field(description="qa | cmdb | ticket | help | control")
    citations: list[Citation] = Field(default_factory=list, description="Q&A sources")
    ticket: TicketState | Ticket | None = Field(
        default=None, description="the ticket being filled, or the one this turn submitted"
    )
    data: dict[str, Any] | None = Field(default=None, description="CMDB rows / stats / query")
    route: dict[str, float] = Field(
        default_factory=dict, description="router attention share per agent (for --explain)"
    )
    digression: bool = Field(default=False, description="answered mid-ticket, slot re-asked")

    @property
    def submitted(self) -> Ticket | None:
        """The ticket this turn submitted, if it did."""
        return self.ticket if isinstance(self.ticket, Ticket) else None
