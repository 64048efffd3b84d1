"""Published SGD baseline figures, shown beside our scores (they cover whole splits, not subsets)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PublishedResult:
    """One published figure and where it comes from."""

    system: str
    split: str
    jga: float
    goal_accuracy: float | None
    source: str


# From ../shared/eval/sgd/README.md ("Published numbers"). These are trained models
# scored on the whole split (seen and unseen services, all dialogues); our subsets hold
# only unseen, single-service dialogues, so they are a reference line, not a like-for-like.
PUBLISHED: tuple[PublishedResult, ...] = (
    PublishedResult(
        system="SGD-Single BERT baseline",
        split="dev",
        jga=0.486,
        goal_accuracy=0.776,
        source="google-research schema_guided_dst/README.md",
    ),
    PublishedResult(
        system="SGD-All BERT baseline",
        split="dev",
        jga=0.383,
        goal_accuracy=0.694,
        source="google-research schema_guided_dst/README.md",
    ),
    PublishedResult(
        system="SGD BERT baseline",
        split="test",
        jga=0.254,
        goal_accuracy=None,
        source="arXiv:1909.05855 via wizwand.com",
    ),
)
