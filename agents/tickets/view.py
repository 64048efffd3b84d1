"""How ticket values read to a person: dates, durations, the confirmation summary."""

from __future__ import annotations

from datetime import datetime

from agents.tickets.durations import describe_duration, parse_duration
from agents.tickets.templates import SlotSpec, TicketTemplate
from agents.tickets.tracking import show
from state.models import SlotValue, TicketState


def show_value(spec: SlotSpec, value: SlotValue) -> str:
    """A slot value as shown to a user."""
    if spec.type == "datetime" and isinstance(value, str):
        try:
            return show(datetime.fromisoformat(value))
        except ValueError:
            return value
    if spec.type == "duration" and isinstance(value, str):
        seconds = parse_duration(value)
        return describe_duration(seconds) if seconds is not None else value
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def summary(template: TicketTemplate, state: TicketState) -> str:
    """One line per slot: label, value (or "-"), with unknown names flagged."""
    lines = []
    for spec in template.slots:
        belief = state.slots.get(spec.name)
        if belief is None:
            shown = "-" if spec.required else "- (optional)"
        else:
            shown = show_value(spec, belief.value)
            if not belief.verified and belief.suggestions:
                shown += f" (not found; did you mean {' or '.join(belief.suggestions)}?)"
        lines.append(f"  {spec.label}: {shown}")
    return "\n".join(lines)


def missing(template: TicketTemplate, state: TicketState) -> list[SlotSpec]:
    """Required slots still empty, in template order."""
    return [s for s in template.required() if state.value(s.name) is None]
