"""Scripted ticket flows: a YAML conversation with expected slot values, replayed and checked.

    name: incident with a correction
    template: incident              # optional: start this ticket directly
    now: 2026-11-25T10:00:00+00:00  # optional: the clock for relative times
    turns:
      - user: "payment-api is throwing 502s since 09:40, sev2"
        expect: {service: payment-api, severity: P2}   # slot values after this turn
    ticket: {service: payment-api, severity: P1}      # the submitted ticket (null: none)

A turn may also say `expect_reply: <words the reply contains>` and `expect_agent: <name>`.
Flows run through a TurnHandler, the same code path a chat turn takes.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agents.bot import OpsBot
from agents.flows.values import same
from agents.tickets import TicketTemplate, first_error, read_yaml_mapping
from errors import ConfigError, InputError
from state.models import SlotValue, Ticket, TicketState


class FlowTurn(BaseModel):
    """One user message and what should hold after it."""

    model_config = ConfigDict(extra="forbid")

    user: str

    @field_validator("user", mode="before")
    @classmethod
    def _yaml_scalars(cls, raw: Any) -> Any:
        """`- user: yes` is a YAML boolean; the person typed a word."""
        if isinstance(raw, bool):
            return "yes" if raw else "no"
        return str(raw) if isinstance(raw, int | float) else raw

    expect: dict[str, Any] | None = None
    expect_reply: str | None = None
    expect_agent: str | None = None


class Flow(BaseModel):
    """A scripted conversation."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    template: str | None = None
    now: datetime | None = None
    turns: list[FlowTurn] = Field(min_length=1)
    ticket: dict[str, Any] | None = None

    def expects_no_ticket(self) -> bool:
        """`ticket: null` written out: the flow must end without a submitted ticket."""
        return "ticket" in self.model_fields_set and self.ticket is None


@dataclass(frozen=True)
class HandledTurn:
    """What a turn handler reports back."""

    text: str
    agent: str
    state: TicketState | None
    submitted: Ticket | None


# (session id, user text, clock, template to start or None) -> what happened
TurnHandler = Callable[[str, str, datetime, str | None], HandledTurn]


@dataclass
class TurnResult:
    """One replayed turn."""

    user: str
    reply: str
    agent: str
    values: dict[str, SlotValue]
    mismatches: list[str] = field(default_factory=list)


@dataclass
class SlotTally:
    """Checked slot values: right, wrong (a wrong fill or overwrite), or missing."""

    correct: int = 0
    wrong: int = 0
    missing: int = 0

    def add(self, other: SlotTally) -> None:
        """Add another tally's counts to this one."""
        self.correct += other.correct
        self.wrong += other.wrong
        self.missing += other.missing

    @property
    def precision(self) -> float | None:
        """Of the checked slots that held a value, the share holding the expected one."""
        filled = self.correct + self.wrong
        return self.correct / filled if filled else None

    @property
    def recall(self) -> float | None:
        """Of the checked slots, the share holding the expected value."""
        checked = self.correct + self.wrong + self.missing
        return self.correct / checked if checked else None


@dataclass
class FlowResult:
    """One replayed flow: its turns, the ticket it submitted, and what did not match."""

    path: str
    name: str
    session_id: str
    turns: list[TurnResult] = field(default_factory=list)
    ticket: Ticket | None = None
    mismatches: list[str] = field(default_factory=list)
    slots: SlotTally = field(default_factory=SlotTally)

    @property
    def passed(self) -> bool:
        return not self.mismatches and not any(t.mismatches for t in self.turns)


def load_flow(path: Path, templates: Mapping[str, TicketTemplate]) -> Flow:
    """A flow file, validated against the templates; any problem is one ConfigError line."""
    data = read_yaml_mapping(path, "flow", "name and turns")
    try:
        flow = Flow.model_validate(data)
    except ValidationError as e:
        raise ConfigError(f"flow {path}: {first_error(e, data)}; fix the flow") from e
    if flow.template is not None:
        if flow.template not in templates:
            known = ", ".join(sorted(templates))
            raise ConfigError(
                f"flow {path}: template {flow.template!r} is unknown; use one of {known}"
            )
        _check_slots(path, flow, templates[flow.template])
    return flow


def _check_slots(path: Path, flow: Flow, template: TicketTemplate) -> None:
    expected = [(f"turns[{i}].expect", t.expect or {}) for i, t in enumerate(flow.turns)]
    expected.append(("ticket", flow.ticket or {}))
    for where, values in expected:
        for slot in values:
            if not template.has_slot(slot):
                raise ConfigError(
                    f"flow {path}: {where} names slot {slot!r}, which template "
                    f"{template.name!r} does not have"
                )


def run_flow(
    flow: Flow,
    handler: TurnHandler,
    templates: Mapping[str, TicketTemplate],
    *,
    path: str = "",
    now: datetime,
) -> FlowResult:
    """Replay every turn through `handler` and compare what it reports with the flow."""
    clock = flow.now or now
    clock = clock if clock.tzinfo is not None else clock.astimezone()  # naive: the local zone
    slug = re.sub(r"[^a-z0-9]+", "-", flow.name.lower()).strip("-")[:40] or "flow"
    result = FlowResult(path, flow.name, f"flow-{slug}-{secrets.token_hex(4)}")
    template_name = flow.template
    for index, turn in enumerate(flow.turns):
        start = flow.template if index == 0 else None
        try:
            handled = handler(result.session_id, turn.user, clock, start)
        except InputError as e:
            result.mismatches.append(f"turn {index + 1}: {e}")
            return result
        if handled.submitted is not None:
            result.ticket = handled.submitted
        current = handled.state.values() if handled.state else {}
        if handled.state is None and handled.submitted is not None:
            current = dict(handled.submitted.values)
        template_name = (
            (handled.state.template if handled.state else None)
            or (handled.submitted.template if handled.submitted else None)
            or template_name
        )
        done = TurnResult(turn.user, handled.text, handled.agent, current)
        result.turns.append(done)
        if turn.expect_agent is not None and turn.expect_agent != handled.agent:
            done.mismatches.append(f"agent: expected {turn.expect_agent}, got {handled.agent}")
        if (
            turn.expect_reply is not None
            and turn.expect_reply.casefold() not in handled.text.casefold()
        ):
            done.mismatches.append(f"reply does not contain {turn.expect_reply!r}")
        if turn.expect:
            done.mismatches.extend(
                _compare(turn.expect, current, template_name, templates, clock, result.slots)
            )
    if flow.expects_no_ticket() and result.ticket is not None:
        result.mismatches.append(f"ticket: expected none, but {result.ticket.id} was submitted")
    elif flow.ticket is not None:
        if result.ticket is None:
            result.mismatches.append("ticket: expected a submitted ticket, none was submitted")
        else:
            result.mismatches.extend(
                f"ticket {m}"
                for m in _compare(
                    flow.ticket,
                    result.ticket.values,
                    result.ticket.template,
                    templates,
                    clock,
                    result.slots,
                )
            )
    return result


def _compare(
    expected: Mapping[str, Any],
    actual: Mapping[str, SlotValue],
    template_name: str | None,
    templates: Mapping[str, TicketTemplate],
    now: datetime,
    tally: SlotTally,
) -> list[str]:
    template = templates.get(template_name) if template_name else None
    if template is None:
        tally.missing += len(expected)
        return [f"expected {dict(expected)} but no ticket was started"]
    out: list[str] = []
    for slot, want in expected.items():
        if not template.has_slot(slot):
            out.append(f"{slot}: template {template.name!r} has no such slot")
            continue
        got = actual.get(slot)
        if same(template.slot(slot), want, got, now):
            tally.correct += 1
            continue
        if got is None:
            tally.missing += 1
        else:
            tally.wrong += 1
        out.append(f"{slot}: expected {_show(want)}, got {_show(got)}")
    return out


def _show(value: Any) -> str:
    return (
        "(empty)"
        if value is None
        else repr(value.isoformat() if isinstance(value, datetime) else value)
    )


def bot_handler(bot: OpsBot) -> TurnHandler:
    """A TurnHandler that takes each turn through OpsBot.handle, exactly as a chat turn."""

    def handle(session_id: str, text: str, now: datetime, template: str | None) -> HandledTurn:
        reply = bot.handle(session_id, text, now=now, template=template)
        state = reply.ticket if isinstance(reply.ticket, TicketState) else None
        return HandledTurn(reply.text, reply.agent, state, reply.submitted)

    return handle
