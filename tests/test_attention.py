"""The attention math against torch's own SDPA and a brute-force top-k."""

from __future__ import annotations

import math

import pytest
import torch

from knowledge import attention


@pytest.mark.parametrize(("q", "n", "d"), [(1, 1, 3), (3, 7, 5), (5, 33, 384)])
def test_attention_attend_matches_sdpa(q: int, n: int, d: int) -> None:
    g = torch.Generator().manual_seed(q * 100 + n)
    qs, ks, vs = (torch.randn(x, d, generator=g) for x in (q, n, n))
    out, weights = attention.attend(qs, ks, vs)
    ref = torch.nn.functional.scaled_dot_product_attention(qs[None], ks[None], vs[None])[0]
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(weights.sum(-1), torch.ones(q))


def test_attention_mask_matches_sdpa_and_zeroes_fully_masked_rows() -> None:
    g = torch.Generator().manual_seed(7)
    qs, ks, vs = torch.randn(4, 8, generator=g), torch.randn(9, 8, generator=g), torch.randn(9, 2)
    mask = torch.rand(4, 9, generator=g) > 0.4
    mask[0] = True
    mask[3] = False
    out, weights = attention.attend(qs, ks, vs, mask=mask)
    ref = torch.nn.functional.scaled_dot_product_attention(
        qs[None, :3], ks[None], vs[None], attn_mask=mask[None, :3]
    )[0]
    torch.testing.assert_close(out[:3], ref, rtol=1e-5, atol=1e-5)
    assert torch.count_nonzero(weights[3]) == 0 and torch.count_nonzero(out[3]) == 0


def test_attention_top_k_matches_brute_force_on_odd_sizes() -> None:
    g = torch.Generator().manual_seed(3)
    scores = torch.randn(5, 101, generator=g)
    values, idx = attention.top_k(scores, 7)
    for row in range(5):
        brute = sorted(range(101), key=lambda j: -float(scores[row, j]))[:7]
        assert idx[row].tolist() == brute
        torch.testing.assert_close(values[row], scores[row, brute])
    assert attention.top_k(scores, 500)[1].shape == (5, 101)


def test_attention_sparse_equals_dense_restricted_to_top_keys() -> None:
    g = torch.Generator().manual_seed(11)
    qs, ks, vs = (
        torch.randn(3, 16, generator=g),
        torch.randn(50, 16, generator=g),
        torch.randn(50, 4),
    )
    out, weights, idx = attention.sparse_attend(qs, ks, vs, top=6)
    mask = torch.zeros(3, 50, dtype=torch.bool)
    mask.scatter_(1, idx, True)
    dense_out, _ = attention.attend(qs, ks, vs, mask=mask)
    torch.testing.assert_close(out, dense_out, rtol=1e-5, atol=1e-5)
    assert weights.shape == (3, 6)


def test_attention_sparse_with_all_keys_equals_dense() -> None:
    g = torch.Generator().manual_seed(5)
    qs, ks, vs = torch.randn(2, 8, generator=g), torch.randn(13, 8, generator=g), torch.randn(13, 3)
    out, _, _ = attention.sparse_attend(qs, ks, vs, top=13)
    torch.testing.assert_close(out, attention.attend(qs, ks, vs)[0], rtol=1e-5, atol=1e-5)


def test_attention_cross_attend_batches_with_key_mask() -> None:
    g = torch.Generator().manual_seed(9)
    qs, ks = torch.randn(2, 3, 8, generator=g), torch.randn(2, 6, 8, generator=g)
    mask = torch.tensor([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]], dtype=torch.bool)
    out, weights = attention.cross_attend(qs, ks, ks, mask)
    assert torch.all(weights[0, :, 4:] == 0)
    single, _ = attention.attend(qs[0], ks[0, :4], ks[0, :4])
    torch.testing.assert_close(out[0], single, rtol=1e-5, atol=1e-5)


def test_attention_scaled_scores_default_scale_is_inverse_sqrt_d() -> None:
    q, k = torch.ones(1, 16), torch.ones(2, 16)
    torch.testing.assert_close(
        attention.scaled_scores(q, k), torch.full((1, 2), 16 / math.sqrt(16))
    )
    torch.testing.assert_close(attention.scaled_scores(q, k, scale=1.0), torch.full((1, 2), 16.0))


def test_attention_bias_matches_sdpa_float_mask() -> None:
    g = torch.Generator().manual_seed(21)
    qs, ks, vs = torch.randn(3, 8, generator=g), torch.randn(10, 8, generator=g), torch.randn(10, 4)
    bias = torch.randn(3, 10, generator=g)
    out, _ = attention.attend(qs, ks, vs, bias=bias)
    ref = torch.nn.functional.scaled_dot_product_attention(
        qs[None], ks[None], vs[None], attn_mask=bias[None]
    )[0]
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5)
