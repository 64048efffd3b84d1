"""Slot values into a target's fields: "{service}: {symptom}" texts and {slot, map} look-ups.

Names a text may use: every slot of the ticket (`{service}`), and `{ticket.id}`,
`{ticket.template}`, `{ticket.session_id}`, `{ticket.created_at}`, `{ticket.tenant}`,
`{ticket.values}` (every filled slot, one `name: value` a line). A name the ticket does
not have becomes the empty text, so one mapping serves tickets with optional slots unset.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import JsonValue

from delivery.config import Scalar, SlotMap, Value
from state.models import Ticket

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_]+)?)\}")


def names_of(ticket: Ticket, tenant: str | None) -> dict[str, str]:
    """Every name a mapping text may use, with its text."""
    names = {slot: _text(value) for slot, value in ticket.values.items()}
    names.update(
        {
            "ticket.id": ticket.id,
            "ticket.template": ticket.template,
            "ticket.session_id": ticket.session_id,
            "ticket.created_at": ticket.created_at.isoformat(),
            "ticket.tenant": tenant or "",
            "ticket.values": "\n".join(f"{k}: {_text(v)}" for k, v in ticket.values.items()),
        }
    )
    return names


def render_text(template: str, names: dict[str, str]) -> str:
    """`template` with each {name} replaced by its text (unknown names: empty)."""
    return _PLACEHOLDER.sub(lambda m: names.get(m.group(1), ""), template).strip()


def render_value(spec: Value, ticket: Ticket, names: dict[str, str]) -> Scalar | None:
    """One field: a rendered text, or a slot's mapped value (None: leave the field out)."""
    if isinstance(spec, SlotMap):
        return look_up(spec, ticket)
    return render_text(spec, names) or None


def look_up(spec: SlotMap, ticket: Ticket) -> Scalar | None:
    """The slot's value through `map`; `default` when the slot is empty or not in the map."""
    value = ticket.values.get(spec.slot)
    if value is None:
        return spec.default
    mapped = spec.map.get(_text(value))
    if mapped is not None:
        return mapped
    return spec.default if spec.default is not None else value


def render_fields(
    fields: dict[str, JsonValue], ticket: Ticket, names: dict[str, str]
) -> dict[str, Any]:
    """Custom fields: texts rendered, {slot: ...} mappings looked up, empty ones left out."""
    out: dict[str, Any] = {}
    for key, spec in fields.items():
        value = _render_json(spec, ticket, names)
        if value is not None and value != "":
            out[key] = value
    return out


def _render_json(spec: JsonValue, ticket: Ticket, names: dict[str, str]) -> Any:
    if isinstance(spec, str):
        return render_text(spec, names)
    if isinstance(spec, dict):
        if "slot" in spec:
            return look_up(SlotMap.model_validate(spec), ticket)
        return render_fields(spec, ticket, names)
    if isinstance(spec, list):
        items = [_render_json(item, ticket, names) for item in spec]
        return [item for item in items if item is not None and item != ""]
    return spec


def _text(value: Scalar) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
