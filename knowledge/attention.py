"""Attention as retrieval: pure tensor functions, no state, no I/O.

Q is what is asked, K what it is matched against, V what is read out.
Every other module calls these; none re-derives them.
"""

from __future__ import annotations

import math

import torch

# The softmax scale over cosines of unit vectors that the router, the Q&A agent, the ticket
# template chooser and CMDB schema linking all attend with. 20 (a temperature of 0.05) makes
# keys 0.05 apart in cosine differ by a factor e in weight: sharp enough that an exact match
# takes nearly all the weight, soft enough that close paraphrases still share it. Lower it
# to blend more keys into the read-out; raise it to make each read-out pick one key.
COSINE_SCALE = 20.0


def scaled_scores(q: torch.Tensor, k: torch.Tensor, scale: float | None = None) -> torch.Tensor:
    """res[i][j] = q[i]·k[j] * scale; scale defaults to 1/√d."""
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    return (q @ k.transpose(-2, -1)) * scale  # (..., Q, d) @ (..., d, N) -> (..., Q, N)


def attend(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    *,
    mask: torch.Tensor | None = None,
    scale: float | None = None,
    bias: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Dense attention softmax(QKᵀ·scale + bias)V; returns (output, weights).

    `mask` is boolean, broadcastable to (..., Q, N), True where a key may be attended.
    A query whose keys are all masked gets zero weights and a zero output.
    `bias` is added to the scaled scores (a prior over keys), broadcastable to (..., Q, N).
    """
    scores = scaled_scores(q, k, scale)  # (..., Q, N)
    if bias is not None:
        scores = scores + bias
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)  # (..., Q, N)
    weights = torch.nan_to_num(weights, nan=0.0)  # all-masked rows: softmax gives NaN
    return weights @ v, weights  # (..., Q, N) @ (..., N, dv) -> (..., Q, dv)


def top_k(scores: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The k best scores per row and their key indices, best first; k is capped at N."""
    k = min(k, scores.shape[-1])
    return torch.topk(scores, k, dim=-1, largest=True, sorted=True)  # (Q, k), (Q, k)


def sparse_attend(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    top: int,
    *,
    scale: float | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Top-k attention: softmax over each query's `top` best keys only.

    Returns (output (Q, dv), weights (Q, top), indices (Q, top)); values are read
    only at the chosen indices.
    """
    scores = scaled_scores(q, k, scale)  # (Q, N)
    best, idx = top_k(scores, top)  # (Q, top), (Q, top)
    return attend_selected(best, idx, v)


def attend_selected(
    best_scores: torch.Tensor, idx: torch.Tensor, v: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Softmax over already-selected scaled scores, reading values only at `idx`."""
    weights = torch.softmax(best_scores, dim=-1)  # (Q, top)
    picked = v[idx]  # (Q, top, dv)
    out = (weights.unsqueeze(-1) * picked).sum(dim=-2)  # (Q, top, 1) * (Q, top, dv) -> (Q, dv)
    return out, weights, idx


def cross_attend(
    queries: torch.Tensor,
    keys: torch.Tensor,
    values: torch.Tensor,
    key_mask: torch.Tensor | None = None,
    *,
    scale: float | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Many queries over many keys, batched: (B, Q, d) over (B, N, d) with a (B, N) key mask.

    Used by slot filling (slot queries over utterance tokens) and schema linking.
    """
    mask = None if key_mask is None else key_mask[:, None, :]  # (B, 1, N) broadcasts over Q
    return attend(queries, keys, values, mask=mask, scale=scale)


def cosine_matrix(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """res[i][j] = cos(a[i], b[j]); unit rows make this a plain dot product."""
    a = torch.nn.functional.normalize(a, dim=-1)
    b = torch.nn.functional.normalize(b, dim=-1)
    return a @ b.transpose(-2, -1)  # (A, d) @ (d, B) -> (A, B)
