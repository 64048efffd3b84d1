"""Joint goal accuracy and average goal accuracy, as the DSTC8 SGD evaluation defines them.

Per user frame, every slot of the service's schema is scored against the cumulative
gold state:

    in gold and predicted   categorical: 1.0 if the first values are equal, else 0.0
                            free text:   best fuzzy score of the first predicted value
                                         against every gold variant, in [0, 1]
    in gold only            0.0        (a missed slot)
    predicted only          0.0        (a false positive fails the frame)
    in neither              1.0

Frame JGA is the product of the slot scores; average goal accuracy of a frame is the
mean over the slots the gold state fills (undefined when it fills none). Both are
averaged over frames, per service and over all services.

The fuzzy score is rapidfuzz's `token_sort_ratio` with its `default_process`
(lower-case, non-alphanumerics to spaces, trim), rounded to an integer and divided by
100. The official script uses fuzzywuzzy; the differences: fuzzywuzzy also drops
non-ASCII characters (rapidfuzz keeps them, so "Café" vs "Cafe" scores lower here),
fuzzywuzzy without python-Levenshtein falls back to difflib's ratio (rapidfuzz always
uses the Indel ratio, as python-Levenshtein does), and rapidfuzz returns an unrounded
float (we round as fuzzywuzzy does). Empty strings score 0, as in fuzzywuzzy.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

ALL_SERVICES = "#ALL_SERVICES"


@dataclass(frozen=True)
class SlotKind:
    """What the scorer needs of a schema slot: its name and whether it is categorical."""

    name: str
    categorical: bool


def fuzzy_score(ref: str, hyp: str) -> float:
    """Token-sort similarity of two strings in [0, 1], in steps of 0.01."""
    a, b = default_process(ref), default_process(hyp)
    if not a or not b:
        return 0.0
    return round(fuzz.token_sort_ratio(a, b)) / 100.0


def slot_score(ref: Sequence[str] | None, hyp: Sequence[str] | None, *, categorical: bool) -> float:
    """One slot's score; `ref` is the gold variants, `hyp` the prediction (first value used)."""
    if not ref:
        return 0.0 if hyp else 1.0
    if not hyp:
        return 0.0
    if categorical:
        return 1.0 if hyp[0] == ref[0] else 0.0
    return max(fuzzy_score(r, hyp[0]) for r in ref)


@dataclass(frozen=True)
class FrameScore:
    """The scores of one user frame."""

    service: str
    jga: float
    slot_scores: dict[str, float]  # every schema slot
    active: tuple[str, ...]  # the slots the gold state fills

    @property
    def goal_accuracy(self) -> float | None:
        """Mean score over the gold-filled slots; None when the gold state is empty."""
        if not self.active:
            return None
        return sum(self.slot_scores[s] for s in self.active) / len(self.active)

    @property
    def wrong_slots(self) -> list[str]:
        """The slots that scored below 1, in schema order."""
        return [name for name, score in self.slot_scores.items() if score < 1.0]


def score_frame(
    service: str,
    slots: Sequence[SlotKind],
    ref: Mapping[str, Sequence[str]],
    hyp: Mapping[str, Sequence[str]],
) -> FrameScore | None:
    """Score one frame over every schema slot; None for a service without slots (left out)."""
    if not slots:
        return None
    scores = {
        s.name: slot_score(ref.get(s.name), hyp.get(s.name), categorical=s.categorical)
        for s in slots
    }
    active = tuple(s.name for s in slots if ref.get(s.name))
    return FrameScore(
        service=service, jga=math.prod(scores.values()), slot_scores=scores, active=active
    )


@dataclass(frozen=True)
class Summary:
    """Aggregate scores of a set of frames."""

    frames: int
    jga: float
    goal_accuracy: float | None  # None when no frame has a filled gold state
    empty_floor: float  # JGA of always predicting the empty state


def summarise(frames: Iterable[FrameScore]) -> dict[str, Summary]:
    """Summaries per service, plus `ALL_SERVICES` over every frame; services sorted by name."""
    groups: dict[str, list[FrameScore]] = {}
    for frame in frames:
        groups.setdefault(frame.service, []).append(frame)
        groups.setdefault(ALL_SERVICES, []).append(frame)
    return {name: _summary(groups[name]) for name in sorted(groups)}


def _summary(frames: list[FrameScore]) -> Summary:
    accuracies = [a for f in frames if (a := f.goal_accuracy) is not None]
    return Summary(
        frames=len(frames),
        jga=sum(f.jga for f in frames) / len(frames),
        goal_accuracy=sum(accuracies) / len(accuracies) if accuracies else None,
        empty_floor=sum(1.0 for f in frames if not f.active) / len(frames),
    )
