"""MaxSim late interaction: the batched form matches the one-pair brute force on odd sizes."""

from __future__ import annotations

import torch

from knowledge.late_interaction import maxsim, maxsim_many


def test_knowledge_maxsim_many_matches_each_pair() -> None:
    gen = torch.Generator().manual_seed(7)
    query = torch.randn(5, 16, generator=gen)
    passages = [torch.randn(n, 16, generator=gen) for n in (3, 11, 1, 7)]
    batched = maxsim_many(query, passages)
    single = torch.stack([maxsim(query, p) for p in passages])
    torch.testing.assert_close(batched, single)


def test_knowledge_maxsim_is_one_when_every_query_token_appears() -> None:
    passage = torch.randn(6, 8, generator=torch.Generator().manual_seed(3))
    assert abs(float(maxsim(passage[[1, 4]], passage)) - 1.0) < 1e-6
