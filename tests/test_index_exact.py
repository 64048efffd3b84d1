"""The exact index against a brute-force oracle, on odd sizes, and its row bookkeeping."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from errors import ConfigError
from knowledge.index import ExactIndex, make_index, open_index


def _unit(n: int, d: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.nn.functional.normalize(torch.randn(n, d, generator=g), dim=-1)


def _oracle(queries: torch.Tensor, keys: torch.Tensor, k: int) -> torch.Tensor:
    """Rows sorted by dot product, computed one pair at a time."""
    rows = []
    for q in queries:
        scores = [float(torch.dot(q, key)) for key in keys]
        rows.append(sorted(range(len(keys)), key=lambda i: -scores[i])[:k])
    return torch.tensor(rows)


@pytest.mark.parametrize(("n", "d", "k"), [(1, 3, 1), (37, 7, 5), (101, 13, 101), (5, 4, 9)])
def test_index_exact_matches_brute_force(n: int, d: int, k: int) -> None:
    keys, queries = _unit(n, d, 0), _unit(3, d, 1)
    scores, rows = ExactIndex(keys).search(queries, k)
    assert rows.shape == (3, min(k, n))
    assert torch.equal(rows, _oracle(queries, keys, k))
    torch.testing.assert_close(scores, (queries @ keys.T).gather(1, rows))


def test_index_allowed_rows_limits_the_candidates() -> None:
    keys, query = _unit(50, 8, 2), _unit(1, 8, 3)
    allowed = torch.tensor([3, 17, 42, 8])
    _, rows = ExactIndex(keys).search(query, 3, allowed)
    expected = allowed[_oracle(query, keys[allowed], 3)[0]]
    assert rows[0].tolist() == expected.tolist()


def test_index_empty_allowed_rows_gives_no_hits() -> None:
    scores, rows = ExactIndex(_unit(5, 4, 0)).search(
        _unit(2, 4, 1), 3, torch.tensor([], dtype=torch.long)
    )
    assert scores.shape == (2, 0) and rows.shape == (2, 0)


def test_index_add_update_remove_keep_rows_aligned() -> None:
    keys = _unit(6, 5, 4)
    index = ExactIndex(keys)
    extra = _unit(2, 5, 5)
    index.add(extra)
    index.update(torch.tensor([1]), extra[:1])
    index.remove(torch.tensor([0, 3]))
    expected = torch.cat([extra[:1], keys[2:3], keys[4:6], extra])  # rows 1,2,4,5,6,7 after edits
    assert len(index) == 6
    torch.testing.assert_close(index.keys, expected)
    _, rows = index.search(extra[1:2], 1)
    assert rows.tolist() == [[5]]


def test_index_float16_keys_rank_like_float32() -> None:
    keys, queries = _unit(64, 16, 6), _unit(4, 16, 7)
    _, rows32 = ExactIndex(keys).search(queries, 3)
    scores16, rows16 = ExactIndex(keys.half()).search(queries, 3)
    assert scores16.dtype == torch.float32
    assert torch.equal(rows16[:, 0], rows32[:, 0])


def test_index_factory_gives_an_index_and_rejects_unknown_kinds(tmp_path: Path) -> None:
    keys = _unit(4, 3, 8)
    assert len(make_index(keys)) == 4 and len(open_index(tmp_path, keys)) == 4
    with pytest.raises(ConfigError, match="unknown index kind"):
        make_index(keys, kind="annoy")
