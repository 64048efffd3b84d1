"""The ticket workflow policy, `TicketAgent`: what to say after the tracker updated the state.

    no ticket yet     choose a template from the message (or the one named) and read it
    filling           ask the next missing required slot; re-ask with the reason when a
                      value was refused
    confirming        show the ticket; "yes" submits, "change X to Y" edits, "no" asks what
    any time          "cancel" drops the ticket, "start over" empties it

The agent is pure: it reads a Session and returns a TicketReply (new ticket state and
any ticket to submit); loading, locking and saving are the caller's (see ticket_desk).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from agents.identity import Agent
from agents.lexicon import is_affirmation, is_cancel, is_negation, is_start_over
from agents.tickets.chooser import TemplateChooser
from agents.tickets.commands import parse_edit
from agents.tickets.templates import SlotSpec, TicketTemplate
from agents.tickets.tracking import SlotTracker
from agents.tickets.view import missing, show_value, summary
from errors import InputError
from state.models import Session, SlotBelief, SlotValue, Ticket, TicketState

Event = Literal[
    "asked", "confirming", "submitted", "cancelled", "restarted", "no_template", "edited"
]
CONFIRM_HINT = "Submit it? (yes / change <field> to <value> / cancel)"


@dataclass(frozen=True)
class TicketReply:
    """What the agent says, the ticket state after the turn (None: no ticket open), and
    the ticket to submit, if this turn submitted one."""

    text: str
    state: TicketState | None
    event: Event
    submitted: Ticket | None = None


class TicketAgent:
    """Fills tickets over several turns with a SlotTracker; knows the templates by name."""

    def __init__(
        self,
        tracker: SlotTracker,
        templates: Mapping[str, TicketTemplate],
        chooser: TemplateChooser | None = None,
    ) -> None:
        self.tracker = tracker
        self.templates = dict(templates)
        self.chooser = chooser

    def template(self, name: str) -> TicketTemplate:
        """The template called `name`, or an InputError listing the known ones."""
        try:
            return self.templates[name]
        except KeyError:
            known = ", ".join(sorted(self.templates))
            raise InputError(f"no ticket template named {name!r}; use one of {known}") from None

    def handle(
        self, session: Session, text: str, *, now: datetime, template: str | None = None
    ) -> TicketReply:
        """One user turn of the ticket conversation in `session`."""
        now = now if now.tzinfo is not None else now.astimezone()  # naive: the local zone
        state = session.ticket
        if template is not None and (state is None or state.template != template):
            state = TicketState(template=self.template(template).name)
        if state is None:
            return self._open(text, now=now)
        spec = self.template(state.template)
        if is_cancel(text):
            return TicketReply(
                f"Cancelled the {spec.title.lower()}; nothing was submitted.", None, "cancelled"
            )
        if is_start_over(text):
            fresh = TicketState(template=spec.name)
            return self._next(spec, fresh, lead="Starting over.", event="restarted")
        if state.phase == "confirming" and is_affirmation(text):
            return self._submit(spec, state, session.id, now)
        edit = parse_edit(text, spec)
        if edit is not None:
            return self._edit(spec, state, edit.slot, edit.value_text, now)
        if state.phase == "confirming" and is_negation(text):
            asking = state.model_copy(update={"turn": state.turn + 1})
            return TicketReply(
                "What should I change? Say e.g. 'change "
                f"{spec.slots[0].label} to ...', or 'cancel'.",
                asking,
                "confirming",
            )
        updated = self.tracker.update(
            state, spec, self.system_utterance(session, state), text, now=now
        )
        return self._next(spec, updated, before=state)

    def takes(self, session: Session, text: str, *, now: datetime) -> bool:
        """Whether the open ticket takes `text`: one of its commands ("can we start over?",
        "submit it?"), or a new slot value (a dry run of the update). A question it does not
        take is for another agent ("what does payment-api depend on?")."""
        state = session.ticket
        if state is None:
            return False
        spec = self.template(state.template)
        if is_cancel(text) or is_start_over(text) or parse_edit(text, spec) is not None:
            return True
        if state.phase == "confirming" and (is_affirmation(text) or is_negation(text)):
            return True
        system = self.system_utterance(session, state)
        updated = self.tracker.update(state, spec, system, text, now=now)
        return updated.values() != state.values()

    def start(self, template: str, *, values: Mapping[str, SlotValue] | None = None) -> TicketReply:
        """Open a ticket, with slots already known if any (a symptom taken from a question),
        and ask for the first missing one."""
        spec = self.template(template)
        state = TicketState(template=spec.name)
        for name, value in (values or {}).items():
            if not spec.has_slot(name):
                raise InputError(f"template {spec.name!r} has no slot {name!r}")
            state.slots[name] = SlotBelief(value=value, confidence=1.0, turn=0)
        return self._next(spec, state, lead=f"Opening {_a(spec.title.lower())}.")

    def system_utterance(self, session: Session, state: TicketState) -> str:
        """What the tracker reads the user's answer against: this agent's last message.

        Only the ticket agent's own words: a "yes please" may take a value this agent
        offered, never one in a runbook answer or a CMDB table shown since (a digression
        records its re-ask as a ticket turn, see agents.turns). Nothing asked yet (a ticket
        just opened) or a ticket at confirmation (only yes / change / cancel): "".
        """
        if state.phase == "confirming" or state.pending is None:
            return ""
        for turn in reversed(session.history):
            if turn.role == "bot" and turn.agent == Agent.TICKET:
                return turn.text
        return self.prompt(state)  # trimmed from the history: the question still pending

    def prompt(self, state: TicketState) -> str:
        """The question that brings a user back to the ticket (after a digression)."""
        spec = self.template(state.template)
        if state.phase == "confirming":
            return f"Please check the {spec.title.lower()}:\n{summary(spec, state)}\n{CONFIRM_HINT}"
        todo = missing(spec, state)
        asked = state.pending if state.pending and spec.has_slot(state.pending) else None
        return spec.slot(asked).ask if asked else todo[0].ask if todo else CONFIRM_HINT

    def _open(self, text: str, *, now: datetime) -> TicketReply:
        """No ticket yet: pick the template the message asks for and read the message."""
        choice = self.chooser.choose(text) if self.chooser else None
        if choice is None or choice.name is None:
            kinds = ", ".join(t.title.lower() for t in self.templates.values())
            return TicketReply(
                f"Which ticket do you want to open? I know: {kinds}.", None, "no_template"
            )
        spec = self.template(choice.name)
        fresh = TicketState(template=spec.name)
        updated = self.tracker.update(fresh, spec, "", text, now=now)
        return self._next(spec, updated, before=fresh, lead=f"Opening {_a(spec.title.lower())}.")

    def _edit(
        self, spec: TicketTemplate, state: TicketState, slot: str, words: str, now: datetime
    ) -> TicketReply:
        """ "change X to Y": read Y as the answer to X."""
        asking = state.model_copy(update={"pending": slot})
        updated = self.tracker.update(asking, spec, spec.slot(slot).ask, words, now=now)
        updated.pending = state.pending
        if slot in updated.issues:
            label = spec.slot(slot).label
            lead = f"{_sentence(updated.issues.pop(slot))} The {label} is unchanged."
            return self._next(spec, updated, lead=lead, event="edited")
        return self._next(spec, updated, before=state, event="edited")

    def _next(
        self,
        spec: TicketTemplate,
        state: TicketState,
        *,
        before: TicketState | None = None,
        lead: str = "",
        event: Event = "asked",
    ) -> TicketReply:
        """Ask the next missing slot, or show the ticket for confirmation."""
        parts = [lead] if lead else []
        if before is not None:
            parts.extend(_acknowledge(spec, before, state))
        todo = missing(spec, state)
        if not todo:
            state.phase, state.pending = "confirming", None
            parts.append(
                f"Please check the {spec.title.lower()}:\n{summary(spec, state)}\n{CONFIRM_HINT}"
            )
            return TicketReply(
                "\n".join(p for p in parts if p), state, "confirming" if event == "asked" else event
            )
        ask = todo[0]
        if state.issues.get(ask.name):
            parts.append(_sentence(state.issues[ask.name]))  # why the last value was refused
        state.phase, state.pending = "filling", ask.name
        parts.append(ask.ask)
        return TicketReply(" ".join(p for p in parts if p), state, event)

    def _submit(
        self, spec: TicketTemplate, state: TicketState, session_id: str, now: datetime
    ) -> TicketReply:
        ticket = Ticket(
            id=f"{spec.name}-{now:%Y%m%d}-{secrets.token_hex(3)}",
            template=spec.name,
            values={s.name: v for s in spec.slots if (v := state.value(s.name)) is not None},
            unverified=[n for n, b in state.slots.items() if not b.verified],
            created_at=now,
            session_id=session_id,
        )
        return TicketReply(
            f"Submitted {spec.title.lower()} {ticket.id}.", None, "submitted", submitted=ticket
        )


def _acknowledge(spec: TicketTemplate, before: TicketState, after: TicketState) -> list[str]:
    """ "Got it: severity P1." for the slots this turn filled or changed."""
    said: list[str] = []
    notes: list[str] = []
    for slot in spec.slots:
        belief = after.slots.get(slot.name)
        if belief is None or before.value(slot.name) == belief.value:
            continue
        said.append(f"{slot.label} {show_value(slot, belief.value)}")
        if not belief.verified and belief.suggestions:
            notes.append(
                f"{belief.value} is not a known {_kinds(slot)}; did you mean "
                f"{' or '.join(belief.suggestions)}? (say 'change {slot.label} to ...')"
            )
    return ([f"Got it: {', '.join(said)}."] if said else []) + notes


def _a(noun: str) -> str:
    """ "an incident", "a change request"."""
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _kinds(slot: SlotSpec) -> str:
    return " or ".join(slot.entity_kinds)


def _sentence(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        return reason
    reason = reason[0].upper() + reason[1:]
    return reason if reason.endswith((".", "?", "!")) else reason + "."
