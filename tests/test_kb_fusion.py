"""`rank_runs` (arrays, what a query runs) against the dict definitions it replaces."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.fusion import file_scores, fuse_reciprocal_rank, rank_runs

ROWS = 40
Runs = list[dict[int, float]]


def _reference(runs: Runs, sources: list[int], fuse: bool) -> list[tuple[int, float, float]]:
    """What `KnowledgeBase.rank` computed before arrays: string groups and dicts."""
    group = {
        row: f"source:{sources[row]}" if sources[row] >= 0 else f"row:{row}"
        for run in runs
        for row in run
    }
    file_runs = [file_scores(run, group) for run in runs]
    if fuse:
        files, passages = fuse_reciprocal_rank(file_runs), fuse_reciprocal_rank(runs)
    else:
        files, passages = file_runs[0], runs[0]
    ranked = [(row, files[group[row]], score) for row, score in passages.items()]
    ranked.sort(key=lambda item: (item[1], item[2]), reverse=True)
    return ranked


def _as_arrays(run: dict[int, float]) -> tuple[np.ndarray, np.ndarray]:
    return np.array(list(run), dtype=np.int64), np.array(list(run.values()), dtype=np.float64)


# Scores from a handful of values, so ties (in passages, in files, in fused ranks) are common.
_score = st.sampled_from([0.0, 0.25, 0.5, 0.5, 0.75, 1.0, 2.5, 7.0])
_run = st.dictionaries(st.integers(0, ROWS - 1), _score, max_size=25)


@settings(max_examples=300, deadline=None)
@given(
    sources=st.lists(st.integers(-1, 6), min_size=ROWS, max_size=ROWS),
    first=_run.filter(bool),
    second=_run,
    fuse=st.booleans(),
)
def test_kb_fusion_rank_runs_matches_the_dict_definition(
    sources: list[int], first: dict[int, float], second: dict[int, float], fuse: bool
) -> None:
    runs = [first, second] if fuse else [first]
    rows, files, passages = rank_runs(
        [_as_arrays(run) for run in runs], np.array(sources, dtype=np.int32), fuse=fuse
    )
    got = list(zip(rows.tolist(), files.tolist(), passages.tolist(), strict=True))
    assert got == _reference(runs, sources, fuse)  # same scores, same order, ties included


def test_kb_fusion_rows_without_a_source_are_files_of_their_own() -> None:
    run = _as_arrays({3: 0.9, 4: 0.8, 5: 0.7})
    rows, files, _ = rank_runs([run], np.array([0, 0, 0, -1, -1, 1], dtype=np.int32), fuse=False)
    assert rows.tolist() == [3, 4, 5] and files.tolist() == [0.9, 0.8, 0.7]
