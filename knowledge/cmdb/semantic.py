"""Semantic ranking of items: the free text of a question attends over one key per item.

An item's key is composed from keys already cached for linking (its type, its categorical
values) plus its name stem (`payment-api` -> `payment api`, `web-0042` -> `web`), so an
estate of 10^5 hosts needs a few hundred encodings, not one per item.
"""

from __future__ import annotations

import re

import torch

from knowledge.attention import scaled_scores, top_k
from knowledge.cmdb.language import Linker, humanize, type_texts
from knowledge.cmdb.results import Item

NAME_WEIGHT = 2.0  # the name says most about what an item is for


def name_stem(name: str) -> str:
    """`payment-api` -> `payment api`; `web-0042` -> `web`; `orders-db-3` -> `orders db`."""
    words = [w for w in re.split(r"[-_.\s]+", name.lower()) if w and not w.isdigit()]
    return " ".join(words) or name.lower()


def item_keys(items: list[Item], linker: Linker, categorical: set[str]) -> torch.Tensor:
    """One unit key (N, d) per item, a weighted sum of cached term keys."""
    table = linker.table
    stems = [name_stem(it.name) for it in items]
    stem_vectors = linker.vectors(sorted(set(stems)))  # (U, d)
    stem_row = {s: i for i, s in enumerate(sorted(set(stems)))}
    keys = torch.zeros(len(items), table.keys.shape[1])  # (N, d)
    for n, it in enumerate(items):
        keys[n] += NAME_WEIGHT * stem_vectors[stem_row[stems[n]]]
        type_vector = table.text_vector.get(type_texts(it.type)[0])
        if type_vector is not None:
            keys[n] += type_vector
        for attr, value in it.attrs.items():
            vector = table.text_vector.get(str(value).lower()) if attr in categorical else None
            if vector is not None:
                keys[n] += vector
    return torch.nn.functional.normalize(keys, dim=-1)


def rank(
    items: list[Item], text: str, linker: Linker, categorical: set[str], limit: int
) -> list[tuple[Item, float]]:
    """The `limit` items whose keys `text` attends to most, best first, with cosine scores."""
    if not items:
        return []
    query = linker.vectors([humanize(text)])  # (1, d)
    keys = item_keys(items, linker, categorical)  # (N, d)
    scores = scaled_scores(query, keys, scale=1.0)  # (1, d) @ (d, N) -> (1, N)
    best, idx = top_k(scores, limit)  # (1, k), (1, k)
    return [(items[int(i)], float(s)) for s, i in zip(best[0], idx[0], strict=True)]
