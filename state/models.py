"""What a session remembers, as pydantic models: every stored record carries `schema_version`.

Session            one conversation: bounded turn history, the active ticket, a version,
                   the language replies are in
├── Turn           one utterance, by the user or the bot
├── IncidentOffer  an incident the Q&A agent offered, taken by a "yes"
└── TicketState    the ticket being filled: one SlotBelief per filled slot
    └── SlotBelief a slot's value, how sure we are, where it came from, what it was before
Ticket             a submitted ticket, as appended to the ticket stream
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# 2: Session's untyped `notes` became `last_route` and `offer` (version 1 records still load).
# Optional fields added since (Session.language) default when absent: still version 2.
SCHEMA_VERSION = 2

# The languages the bot replies in (agents.language tells them apart).
Language = Literal["en", "zh"]

# A slot value as stored: datetimes are ISO 8601 instants, durations ISO 8601 durations.
SlotValue = str | int | float | bool


class _Stored(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Turn(_Stored):
    """One utterance of a session."""

    role: Literal["user", "bot"]
    text: str
    at: datetime
    agent: str | None = Field(default=None, description="which agent spoke (bot turns)")


class PreviousValue(_Stored):
    """A value a slot held before it was overwritten."""

    value: SlotValue
    turn: int
    span: str | None = None


class SlotBelief(_Stored):
    """What the tracker believes one slot holds."""

    value: SlotValue
    confidence: float = Field(ge=0.0, le=1.0)
    turn: int = Field(description="the ticket turn (1-based) that set this value")
    span: str | None = Field(default=None, description="the words the value was read from")
    verified: bool = Field(default=True, description="False: a name not found in the catalog")
    suggestions: list[str] = Field(default_factory=list, description="close known names")
    history: list[PreviousValue] = Field(default_factory=list)


class TicketState(_Stored):
    """The dialogue state of one ticket being filled."""

    schema_version: int = SCHEMA_VERSION
    template: str
    slots: dict[str, SlotBelief] = Field(default_factory=dict)
    pending: str | None = Field(default=None, description="the slot the bot asked for last")
    phase: Literal["filling", "confirming"] = "filling"
    turn: int = Field(default=0, description="user turns this ticket has seen")
    issues: dict[str, str] = Field(
        default_factory=dict, description="slot -> why the last value offered was refused"
    )

    def value(self, slot: str) -> SlotValue | None:
        """The slot's value, or None when it is not filled."""
        belief = self.slots.get(slot)
        return None if belief is None else belief.value

    def values(self) -> dict[str, SlotValue]:
        """Every filled slot's value."""
        return {name: belief.value for name, belief in self.slots.items()}


class Ticket(_Stored):
    """A submitted ticket."""

    schema_version: int = SCHEMA_VERSION
    id: str
    template: str
    values: dict[str, SlotValue]
    unverified: list[str] = Field(default_factory=list, description="slots with unknown names")
    created_at: datetime
    session_id: str


class IncidentOffer(_Stored):
    """The Q&A agent did not know and offered an incident with the question as its symptom."""

    template: str
    symptom: str


class Session(_Stored):
    """One conversation, as stored under `<prefix>session:<id>`."""

    schema_version: int = SCHEMA_VERSION
    id: str
    created_at: datetime
    updated_at: datetime
    version: int = Field(default=0, description="bumped by every save; guards lost updates")
    history: list[Turn] = Field(default_factory=list)
    ticket: TicketState | None = None
    submitted: list[str] = Field(default_factory=list, description="recent submitted ticket ids")
    last_route: dict[str, float] = Field(
        default_factory=dict, description="the router's shares for the last routed message"
    )
    offer: IncidentOffer | None = Field(
        default=None, description="an incident offered last turn, open if the user says yes"
    )
    language: Language | None = Field(
        default=None, description="the language of the user's last clear message (replies)"
    )

    @model_validator(mode="before")
    @classmethod
    def _read_version_1(cls, data: Any) -> Any:
        """A version 1 record kept these two in `notes`: read them, so no session is lost."""
        if not isinstance(data, dict) or "notes" not in data:
            return data
        data = {**data, "schema_version": SCHEMA_VERSION}  # saved back in the new shape
        notes = data.pop("notes") or {}
        route, offer = notes.get("last_route"), notes.get("offer")
        if isinstance(route, dict):
            data.setdefault("last_route", route)
        if isinstance(offer, dict) and {"template", "symptom"} <= offer.keys():
            data.setdefault("offer", {"template": offer["template"], "symptom": offer["symptom"]})
        return data

    def add_turn(self, turn: Turn, limit: int) -> None:
        """Append a turn, keeping only the newest `limit`."""
        self.history.append(turn)
        if len(self.history) > limit:
            del self.history[: len(self.history) - limit]
