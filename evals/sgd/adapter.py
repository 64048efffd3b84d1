"""An SGD service read as one of our ticket templates, through the same TicketTemplate model.

SGD's schema and our templates say the same things in other words:

    SGD                                   TicketTemplate
    service name / description            name, title / description
    intent descriptions                   example requests (what the template is for)
    slot description                      slot description (the attention query)
    categorical, values all integers      int, bounded by the smallest and largest value
    categorical, values True / False      bool
    other categorical                     enum with those values
    non-categorical, described as a date  date
    ... as a time                         time
    ... as a number/length of something   int
    other non-categorical                 name (a short value: a city, a venue, a title)
    required by some intent               required

Only slots an intent takes as input (required or optional) become template slots: the
others are what a service call returns (a phone number, an address), which a user never
fills. They still count in scoring, where never predicting them is the right answer.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from agents.tickets import TicketTemplate
from errors import ConfigError
from evals.sgd.data import SchemaSlot, Service

_BOOL_VALUES = {"true", "false"}
# What a free-text slot holds, read from the words of its description.
_DESCRIBED_TYPES = (
    ("date", re.compile(r"\bdates?\b", re.IGNORECASE)),
    ("time", re.compile(r"\btimes?\b", re.IGNORECASE)),
    (
        "int",
        re.compile(r"^(?:the\s+)?(?:number|count|length)\s+of\b|\bhow\s+many\b", re.IGNORECASE),
    ),
)


def input_slots(service: Service) -> list[SchemaSlot]:
    """The slots some intent of the service takes from the user, in schema order."""
    wanted: set[str] = set()
    for intent in service.intents:
        wanted.update(intent.required_slots)
        wanted.update(intent.optional_slots)
    return [s for s in service.slots if s.name in wanted]


def _slot_spec(slot: SchemaSlot, required: bool) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": slot.name,
        "description": slot.description,
        "required": required,
    }
    values = slot.possible_values
    if not slot.is_categorical or not values:
        described = next((t for t, rx in _DESCRIBED_TYPES if rx.search(slot.description)), "name")
        return spec | {"type": described}
    if {v.lower() for v in values} == _BOOL_VALUES:
        return spec | {"type": "bool"}
    if all(v.lstrip("-").isdigit() for v in values):
        numbers = [int(v) for v in values]
        return spec | {"type": "int", "min": min(numbers), "max": max(numbers)}
    return spec | {"type": "enum", "values": values}


def service_template(service: Service) -> TicketTemplate:
    """The ticket template an SGD service reads as; a service that does not fit is a ConfigError."""
    required = {name for intent in service.intents for name in intent.required_slots}
    raw = {
        "name": service.service_name,
        "title": service.service_name.replace("_", " "),
        "description": service.description,
        "examples": [intent.description for intent in service.intents],
        "slots": [_slot_spec(s, s.name in required) for s in input_slots(service)],
    }
    try:
        return TicketTemplate.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"SGD service {service.service_name!r} does not map to a ticket template "
            f"({where}: {first['msg']}); check its schema.json entry"
        ) from e


def categorical_value(slot: SchemaSlot, value: object) -> str:
    """A tracked value written the way SGD writes the slot's values ("2", "True", "Economy")."""
    if isinstance(value, bool):
        return "True" if value else "False"
    text = str(value)
    for allowed in slot.possible_values:
        if allowed.casefold() == text.casefold():
            return allowed
    return text
