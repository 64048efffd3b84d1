"""Late interaction (MaxSim): each query token attends to its best-matching passage token.

ColBERT-style scoring with the shipped encoder's token states: score(q, p) is the mean,
over the query's tokens, of the highest cosine with any of the passage's tokens. Pure
functions over tensors; the caller brings the token states.
"""

from __future__ import annotations

import torch


def maxsim(query: torch.Tensor, passage: torch.Tensor) -> torch.Tensor:
    """res = mean_i max_j cos(query[i], passage[j]); query (Tq, d), passage (Tp, d) -> ()."""
    q = torch.nn.functional.normalize(query, dim=-1)  # (Tq, d)
    p = torch.nn.functional.normalize(passage, dim=-1)  # (Tp, d)
    sims = q @ p.transpose(-2, -1)  # (Tq, d) @ (d, Tp) -> (Tq, Tp)
    return sims.max(dim=-1).values.mean()  # (Tq,) -> ()


def maxsim_many(query: torch.Tensor, passages: list[torch.Tensor]) -> torch.Tensor:
    """res[b] = maxsim(query, passages[b]), batched by padding: query (Tq, d) -> (B,)."""
    if not passages:
        return torch.empty(0)
    q = torch.nn.functional.normalize(query, dim=-1)  # (Tq, d)
    padded = torch.nn.utils.rnn.pad_sequence(passages, batch_first=True)  # (B, Tp, d)
    lengths = torch.tensor([p.shape[0] for p in passages])  # (B,)
    mask = torch.arange(padded.shape[1])[None, :] < lengths[:, None]  # (B, Tp)
    p = torch.nn.functional.normalize(padded, dim=-1)  # (B, Tp, d)
    sims = q[None, :, :] @ p.transpose(-2, -1)  # (1, Tq, d) @ (B, d, Tp) -> (B, Tq, Tp)
    sims = sims.masked_fill(~mask[:, None, :], float("-inf"))  # padding never wins
    return sims.max(dim=-1).values.mean(dim=-1)  # (B, Tq) -> (B,)
