"""The extractor for a slot's type."""

from __future__ import annotations

import re
from collections.abc import Callable

import torch

from agents.tickets.templates import SlotSpec
from agents.tickets.tracking.normalisers.base import Extractor
from agents.tickets.tracking.normalisers.dates import DateExtractor, TimeExtractor
from agents.tickets.tracking.normalisers.datetimes import DatetimeExtractor
from agents.tickets.tracking.normalisers.duration import DurationExtractor
from agents.tickets.tracking.normalisers.entities import EntityCatalog, EntityExtractor
from agents.tickets.tracking.normalisers.enums import EnumExtractor
from agents.tickets.tracking.normalisers.names import NameExtractor
from agents.tickets.tracking.normalisers.numbers import BoolExtractor, NumberExtractor
from agents.tickets.tracking.normalisers.patterns import EmailExtractor, IPExtractor, URLExtractor
from agents.tickets.tracking.normalisers.text import TextExtractor

# A text slot that holds why something is needed: "because ..." clauses are its values.
# Read from the slot's name and label: a description ("what will be changed and why") may
# mention why without the slot being the reason.
_PURPOSE = re.compile(r"\b(?:why|reason|justification|purpose)\b", re.IGNORECASE)


def build_extractor(
    slot: SlotSpec,
    *,
    catalog: EntityCatalog | None = None,
    embed: Callable[[str], torch.Tensor] | None = None,
    name_keys: torch.Tensor | None = None,
) -> Extractor:
    """The extractor for a slot's type; enums get `embed` and their names' keys."""
    match slot.type:
        case "enum":
            return EnumExtractor(slot.values or [], embed=embed, name_keys=name_keys)
        case "datetime":
            return DatetimeExtractor(slot.when)
        case "date":
            return DateExtractor()
        case "time":
            return TimeExtractor()
        case "name":
            return NameExtractor()
        case "duration":
            return DurationExtractor(slot.max_duration)
        case "int" | "float":
            return NumberExtractor(integer=slot.type == "int", minimum=slot.min, maximum=slot.max)
        case "bool":
            return BoolExtractor()
        case "email":
            return EmailExtractor()
        case "ip":
            return IPExtractor()
        case "url":
            return URLExtractor()
        case "host" | "service":
            return EntityExtractor(slot.entity_kinds, catalog, strict=slot.strict)
        case "text":
            return TextExtractor(purpose=bool(_PURPOSE.search(f"{slot.name} {slot.label}")))
