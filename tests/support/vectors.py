"""Unit vectors clustered like text embeddings, and recall against a brute-force truth."""

from __future__ import annotations

import torch


def clustered_keys(n: int, d: int = 32, clusters: int = 12, seed: int = 0) -> torch.Tensor:
    """Unit vectors around a few centres, clustered like text embeddings.

    Low dimension on purpose: sentence embeddings have a low intrinsic dimension, while
    noise in many dimensions has no meaningful near neighbours to find.
    """
    gen = torch.Generator().manual_seed(seed)
    centres = torch.randn(clusters, d, generator=gen)  # (C, d)
    members = torch.randint(0, clusters, (n,), generator=gen)  # (n,)
    keys = centres[members] + 0.6 * torch.randn(n, d, generator=gen)  # (n, d)
    return torch.nn.functional.normalize(keys, dim=-1)


def recall_at(k: int, found: torch.Tensor, truth: torch.Tensor) -> float:
    hits = sum(len(set(f.tolist()) & set(t.tolist())) for f, t in zip(found, truth, strict=True))
    return hits / truth.numel()
