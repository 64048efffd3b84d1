"""Slot queries over utterance tokens: which words speak to which slot.

Q = one embedding per slot description (S, d); K = V = the utterance's contextual token
states, unit-normalised (T, d). The weights (S, T) say where each slot looks; a candidate
value's share of a slot's attention, against what uniform attention would give it, is
that slot's support for the candidate.
"""

from __future__ import annotations

import math

import torch

from knowledge.attention import cross_attend

DEFAULT_SCALE = 20.0  # unit vectors: cosines in [-1, 1] need a sharper softmax than 1/sqrt(d)


def slot_weights(
    queries: torch.Tensor,
    tokens: torch.Tensor,
    active: torch.Tensor,
    *,
    scale: float = DEFAULT_SCALE,
) -> torch.Tensor:
    """Attention of each slot over the active tokens: (S, d) x (T, d) -> (S, T) weights."""
    keys = torch.nn.functional.normalize(tokens, dim=-1)  # (T, d)
    _, weights = cross_attend(
        queries[None], keys[None], keys[None], active[None], scale=scale
    )  # (1, S, T)
    return weights[0]  # (S, T)


def tokens_in_span(offsets: list[tuple[int, int]], start: int, end: int) -> list[int]:
    """Indices of the tokens overlapping characters [start, end)."""
    return [i for i, (s, e) in enumerate(offsets) if s < end and start < e]


def span_lift(
    weights: torch.Tensor,
    offsets: list[tuple[int, int]],
    active: torch.Tensor,
    start: int,
    end: int,
    *,
    window: int = 1,
) -> torch.Tensor:
    """Per slot (S,): attention mass on the span (± `window` tokens) over the uniform share.

    1.0 means the slot looks at the span no more than at any other word; above, it looks
    there more. Tokens outside `active` are ignored.
    """
    inside = tokens_in_span(offsets, start, end)
    if not inside or int(active.sum()) == 0:
        return torch.ones(weights.shape[0])
    lo, hi = max(0, inside[0] - window), min(len(offsets), inside[-1] + window + 1)
    picked = [i for i in range(lo, hi) if bool(active[i])]
    if not picked:
        return torch.ones(weights.shape[0])
    mass = weights[:, picked].sum(dim=-1)  # (S,)
    uniform = len(picked) / int(active.sum())
    return mass / uniform


def lift_bonus(lift: float, up: float = 0.2, down: float = 0.15) -> float:
    """A score adjustment in [-down, up] from a lift: log-scaled, clipped at x2.7 / x0.37.

    Milder downwards: a slot whose description draws its attention to a cue word ("access")
    looks away from every candidate, which says little against any one of them.
    """
    log_lift = max(-1.0, min(1.0, math.log(max(lift, 1e-6))))
    return (up if log_lift > 0 else down) * log_lift
