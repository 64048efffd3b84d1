"""The ticket workflow policy, `TicketAgent`: what to say after the tracker updated the state.

    no ticket yet     choose a template from the message (or the one named) and read it
    filling           ask the next missing required slot; re-ask with the reason when a
                      value was refused
    confirming        show the ticket; "yes" submits, "change X to Y" edits, "no" asks what
    any time          "cancel" drops the ticket, "start over" empties it

The agent is pure: it reads a Session and returns a TicketReply (new ticket state and
any ticket to submit); loading, locking and saving are the caller's (see ticket_desk).
It speaks the session's language (`session.language`, set by the turn; agents/language.py),
with the templates' prompts in that language and the words of agents/tickets/wording.py.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from agents.identity import Agent
from agents.language import DEFAULT
from agents.lexicon import is_affirmation, is_cancel, is_negation, is_start_over
from agents.tickets.chooser import TemplateChooser
from agents.tickets.commands import parse_edit
from agents.tickets.templates import TicketTemplate
from agents.tickets.tracking import SlotTracker
from agents.tickets.view import missing, show_value
from agents.tickets.wording import (
    EN,
    confirmation,
    kinds_in_words,
    opening,
    quoted_reason,
    title_in_text,
    words_for,
)
from errors import InputError
from state.models import Language, Session, SlotBelief, SlotValue, Ticket, TicketState

Event = Literal[
    "asked", "confirming", "submitted", "cancelled", "restarted", "no_template", "edited"
]
CONFIRM_HINT = EN.confirm_hint


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
        language = session.language or DEFAULT
        words = words_for(language)
        state = session.ticket
        if template is not None and (state is None or state.template != template):
            state = TicketState(template=self.template(template).name)
        if state is None:
            return self._open(text, now=now, language=language)
        spec = self.template(state.template)
        title = title_in_text(spec, language)
        if is_cancel(text):
            return TicketReply(words.cancelled.format(title=title), None, "cancelled")
        if is_start_over(text):
            fresh = TicketState(template=spec.name)
            lead = words.starting_over
            return self._next(spec, fresh, language, lead=lead, event="restarted")
        if state.phase == "confirming" and is_affirmation(text):
            return self._submit(spec, state, session.id, now, language)
        edit = parse_edit(text, spec)
        if edit is not None:
            return self._edit(spec, state, edit.slot, edit.value_text, now, language)
        if state.phase == "confirming" and is_negation(text):
            asking = state.model_copy(update={"turn": state.turn + 1})
            label = spec.slots[0].label_in(language)
            return TicketReply(words.what_to_change.format(label=label), asking, "confirming")
        updated = self.tracker.update(
            state, spec, self.system_utterance(session, state), text, now=now
        )
        return self._next(spec, updated, language, before=state)

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

    def start(
        self,
        template: str,
        *,
        values: Mapping[str, SlotValue] | None = None,
        language: Language = "en",
    ) -> TicketReply:
        """Open a ticket, with slots already known if any (a symptom taken from a question),
        and ask for the first missing one."""
        spec = self.template(template)
        state = TicketState(template=spec.name)
        for name, value in (values or {}).items():
            if not spec.has_slot(name):
                raise InputError(f"template {spec.name!r} has no slot {name!r}")
            state.slots[name] = SlotBelief(value=value, confidence=1.0, turn=0)
        return self._next(spec, state, language, lead=opening(spec, language))

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
        return self.prompt(state, session.language or DEFAULT)  # trimmed from the history

    def prompt(self, state: TicketState, language: Language = "en") -> str:
        """The question that brings a user back to the ticket (after a digression)."""
        spec = self.template(state.template)
        if state.phase == "confirming":
            return confirmation(spec, state, language)
        todo = missing(spec, state)
        asked = state.pending if state.pending and spec.has_slot(state.pending) else None
        if asked:
            return spec.slot(asked).ask_in(language)
        return todo[0].ask_in(language) if todo else words_for(language).confirm_hint

    def back_to_ticket(self, state: TicketState, language: Language = "en") -> str:
        """ "Back to your incident: <the pending question>", the re-ask after a digression."""
        title = title_in_text(self.template(state.template), language)
        prompt = self.prompt(state, language)
        return words_for(language).back_to_ticket.format(title=title, prompt=prompt)

    def _open(self, text: str, *, now: datetime, language: Language) -> TicketReply:
        """No ticket yet: pick the template the message asks for and read the message."""
        choice = self.chooser.choose(text) if self.chooser else None
        words = words_for(language)
        if choice is None or choice.name is None:
            kinds = words.value_sep.join(
                title_in_text(t, language) for t in self.templates.values()
            )
            return TicketReply(words.which_template.format(kinds=kinds), None, "no_template")
        spec = self.template(choice.name)
        fresh = TicketState(template=spec.name)
        updated = self.tracker.update(fresh, spec, "", text, now=now)
        lead = opening(spec, language)
        return self._next(spec, updated, language, before=fresh, lead=lead)

    def _edit(
        self,
        spec: TicketTemplate,
        state: TicketState,
        slot: str,
        said: str,
        now: datetime,
        language: Language,
    ) -> TicketReply:
        """ "change X to Y": read Y as the answer to X."""
        asking = state.model_copy(update={"pending": slot})
        updated = self.tracker.update(asking, spec, spec.slot(slot).ask, said, now=now)
        updated.pending = state.pending
        if slot in updated.issues:
            label = spec.slot(slot).label_in(language)
            reason = quoted_reason(updated.issues.pop(slot), language)
            lead = words_for(language).unchanged.format(reason=reason, label=label)
            return self._next(spec, updated, language, lead=lead, event="edited")
        return self._next(spec, updated, language, before=state, event="edited")

    def _next(
        self,
        spec: TicketTemplate,
        state: TicketState,
        language: Language = "en",
        *,
        before: TicketState | None = None,
        lead: str = "",
        event: Event = "asked",
    ) -> TicketReply:
        """Ask the next missing slot, or show the ticket for confirmation."""
        words = words_for(language)
        parts = [lead] if lead else []
        if before is not None:
            parts.extend(_acknowledge(spec, before, state, language))
        todo = missing(spec, state)
        if not todo:
            state.phase, state.pending = "confirming", None
            parts.append(confirmation(spec, state, language))
            return TicketReply(
                "\n".join(p for p in parts if p), state, "confirming" if event == "asked" else event
            )
        ask = todo[0]
        if state.issues.get(ask.name):  # why the last value was refused
            reason = quoted_reason(state.issues[ask.name], language)
            parts.append(words.refused.format(reason=reason, label=ask.label_in(language)))
        state.phase, state.pending = "filling", ask.name
        parts.append(ask.ask_in(language))
        return TicketReply(words.join.join(p for p in parts if p), state, event)

    def _submit(
        self,
        spec: TicketTemplate,
        state: TicketState,
        session_id: str,
        now: datetime,
        language: Language,
    ) -> TicketReply:
        ticket = Ticket(
            id=f"{spec.name}-{now:%Y%m%d}-{secrets.token_hex(3)}",
            template=spec.name,
            values={s.name: v for s in spec.slots if (v := state.value(s.name)) is not None},
            unverified=[n for n, b in state.slots.items() if not b.verified],
            created_at=now,
            session_id=session_id,
        )
        text = words_for(language).submitted.format(
            title=title_in_text(spec, language), id=ticket.id
        )
        return TicketReply(text, None, "submitted", submitted=ticket)


def _acknowledge(
    spec: TicketTemplate, before: TicketState, after: TicketState, language: Language
) -> list[str]:
    """ "Got it: severity P1." for the slots this turn filled or changed."""
    words = words_for(language)
    said: list[str] = []
    notes: list[str] = []
    for slot in spec.slots:
        belief = after.slots.get(slot.name)
        if belief is None or before.value(slot.name) == belief.value:
            continue
        label = slot.label_in(language)
        said.append(f"{label} {show_value(slot, belief.value, language)}")
        if not belief.verified and belief.suggestions:
            notes.append(
                words.unknown_name.format(
                    value=belief.value,
                    kinds=kinds_in_words(slot, words),
                    suggestions=words.or_word.join(belief.suggestions),
                    label=label,
                )
            )
    return ([words.got_it.format(values=words.value_sep.join(said))] if said else []) + notes
