"""What the tracker computes once per template: slot queries, ask keys, typed extractors."""

from __future__ import annotations

import re
from dataclasses import dataclass

import torch

from agents.tickets.templates import TicketTemplate
from agents.tickets.tracking.normalisers import EntityCatalog, Extractor, build_extractor
from knowledge.encoder import Encoder
from knowledge.keycache import KeyCache


@dataclass
class PreparedTemplate:
    """A template's precomputed queries and extractors."""

    queries: torch.Tensor  # (S, d) unit slot queries
    extractors: dict[str, Extractor]
    ask_keys: torch.Tensor  # (S, d) what a question asking for each slot looks like
    prompt_keys: torch.Tensor  # (S, d) the question the template itself asks each slot with


def prepare_template(
    template: TicketTemplate,
    encoder: Encoder,
    key_cache: KeyCache,
    entities: EntityCatalog | None,
) -> PreparedTemplate:
    """Encode a template's slot queries and build its extractors (keys cached on disk)."""
    safe = re.sub(r"\W", "_", template.name)
    queries = key_cache.keys(f"slotq_{safe}", [s.query_text() for s in template.slots])
    extractors: dict[str, Extractor] = {}
    for spec in template.slots:
        name_keys = None
        if spec.type == "enum" and spec.values:
            names = [n for v in spec.values for n in v.names()]
            name_keys = key_cache.keys(f"enum_{safe}_{spec.name}", names)
        extractors[spec.name] = build_extractor(
            spec, catalog=entities, embed=encoder.encode_one, name_keys=name_keys
        )
    labels = key_cache.keys(f"slotl_{safe}", [s.label for s in template.slots])
    # A question asks for a slot by its name as words ("which restaurant"); the
    # description adds what it means. Their mean is the slot's ask key.
    ask_keys = torch.nn.functional.normalize(queries + labels, dim=-1)  # (S, d)
    # A slot's own prompt is the surest sign it is being asked; without one, the ask key
    # stands in.
    prompted = [i for i, spec in enumerate(template.slots) if spec.prompt]
    prompt_keys = ask_keys.clone()
    if prompted:
        said = [template.slots[i].ask for i in prompted]
        prompt_keys[prompted] = key_cache.keys(f"slotp_{safe}", said)
    return PreparedTemplate(queries, extractors, ask_keys, prompt_keys)
