"""The SGD scorer on hand-made frames: each per-slot rule, the frame product, the aggregates."""

from __future__ import annotations

import re

import pytest

from evals.sgd.scorer import (
    ALL_SERVICES,
    SlotKind,
    fuzzy_score,
    score_frame,
    slot_score,
    summarise,
)

SLOTS = [
    SlotKind("city", categorical=False),
    SlotKind("seats", categorical=True),
    SlotKind("time", categorical=False),
]


def _lcs(a: str, b: str) -> int:
    """Longest common subsequence by dynamic programming: the oracle for the Indel ratio."""
    row = [0] * (len(b) + 1)
    for ch in a:
        prev_diag = 0
        for j, other in enumerate(b, start=1):
            keep = row[j]
            row[j] = prev_diag + 1 if ch == other else max(row[j], row[j - 1])
            prev_diag = keep
    return row[-1]


def _oracle(ref: str, hyp: str) -> float:
    """fuzzywuzzy's token_sort_ratio written out: normalise, sort tokens, 2·LCS/(|a|+|b|)."""

    def norm(s: str) -> str:
        return " ".join(sorted(re.sub(r"[^0-9a-z]+", " ", s.lower()).split()))

    a, b = norm(ref), norm(hyp)
    return round(100 * 2 * _lcs(a, b) / (len(a) + len(b))) / 100


def test_sgd_scorer_categorical_needs_exact_first_value() -> None:
    assert slot_score(["2"], ["2"], categorical=True) == 1.0
    assert slot_score(["2"], ["3"], categorical=True) == 0.0
    assert slot_score(["True"], ["true"], categorical=True) == 0.0  # exact, case included


@pytest.mark.parametrize(
    ("ref", "hyp"),
    [
        ("11:30 am", "11:30"),
        ("half past 11 in the morning", "half past 11"),
        ("Ace Hotel London", "the Ace Hotel"),
        ("march 3rd", "3rd of March"),
    ],
)
def test_sgd_scorer_fuzzy_partial_matches_the_oracle(ref: str, hyp: str) -> None:
    score = slot_score([ref], [hyp], categorical=False)
    assert 0.0 < score < 1.0
    assert score == pytest.approx(_oracle(ref, hyp))


def test_sgd_scorer_fuzzy_ignores_case_punctuation_and_word_order() -> None:
    assert fuzzy_score("San Jose", "san jose!") == 1.0
    assert fuzzy_score("March 3rd", "3rd March") == 1.0


def test_sgd_scorer_fuzzy_takes_the_best_gold_variant() -> None:
    variants = ["quarter past 11 in the morning", "11:15 am"]
    assert slot_score(variants, ["11:15 am"], categorical=False) == 1.0
    assert slot_score(variants, ["11:15"], categorical=False) == pytest.approx(
        max(_oracle(v, "11:15") for v in variants)
    )


def test_sgd_scorer_uses_only_the_first_predicted_value() -> None:
    assert slot_score(["Paris"], ["London", "Paris"], categorical=False) == 0.0


def test_sgd_scorer_false_positive_fails_the_frame() -> None:
    frame = score_frame("S", SLOTS, {"city": ["Paris"]}, {"city": ["Paris"], "seats": ["2"]})
    assert frame is not None
    assert frame.slot_scores["seats"] == 0.0
    assert frame.jga == 0.0
    assert frame.goal_accuracy == 1.0  # only gold-filled slots count here


def test_sgd_scorer_missing_slot_scores_zero() -> None:
    frame = score_frame("S", SLOTS, {"city": ["Paris"], "seats": ["2"]}, {"city": ["Paris"]})
    assert frame is not None
    assert frame.slot_scores["seats"] == 0.0
    assert frame.jga == 0.0
    assert frame.goal_accuracy == 0.5
    assert frame.wrong_slots == ["seats"]


def test_sgd_scorer_empty_both_is_a_perfect_frame() -> None:
    frame = score_frame("S", SLOTS, {}, {})
    assert frame is not None
    assert frame.jga == 1.0
    assert frame.goal_accuracy is None
    assert set(frame.slot_scores) == {"city", "seats", "time"}


def test_sgd_scorer_frame_jga_is_the_product_of_fuzzy_scores() -> None:
    ref = {"city": ["San Jose"], "seats": ["2"], "time": ["11:30 am"]}
    hyp = {"city": ["San Jose"], "seats": ["2"], "time": ["11:30"]}
    frame = score_frame("S", SLOTS, ref, hyp)
    assert frame is not None
    assert frame.jga == pytest.approx(_oracle("11:30 am", "11:30"))


def test_sgd_scorer_service_without_slots_is_left_out() -> None:
    assert score_frame("S", [], {}, {}) is None


def test_sgd_scorer_summary_means_per_service_and_overall() -> None:
    a_right = score_frame("A", SLOTS, {"seats": ["2"]}, {"seats": ["2"]})
    a_wrong = score_frame("A", SLOTS, {"seats": ["2"]}, {})
    b_empty = score_frame("B", SLOTS, {}, {})
    frames = [f for f in (a_right, a_wrong, b_empty) if f is not None]
    summary = summarise(frames)
    assert set(summary) == {"A", "B", ALL_SERVICES}
    assert summary["A"].jga == 0.5
    assert summary["A"].goal_accuracy == 0.5
    assert summary["A"].empty_floor == 0.0
    assert summary["B"].goal_accuracy is None
    assert summary[ALL_SERVICES].frames == 3
    assert summary[ALL_SERVICES].jga == pytest.approx(2 / 3)
    assert summary[ALL_SERVICES].empty_floor == pytest.approx(1 / 3)
    assert summary[ALL_SERVICES].goal_accuracy == 0.5  # frames with an empty gold are skipped
