"""How long to wait before the next attempt: exponential backoff with jitter, or Retry-After."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from delivery.config import RetryPolicy


def backoff_delay(
    attempt: int,
    policy: RetryPolicy,
    retry_after_s: float | None = None,
    *,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait after failed attempt `attempt` (1-based).

    The step doubles from `backoff_s` up to `backoff_max_s`; "equal jitter" waits between half
    the step and the step, so workers that failed together do not retry together, yet never
    retry at once. A target's Retry-After (capped at `retry_after_max_s`) is waited in full.
    """
    step = min(policy.backoff_max_s, policy.backoff_s * 2.0 ** (attempt - 1))
    delay = step / 2 + rand() * step / 2
    if retry_after_s is not None:
        delay = max(delay, min(retry_after_s, policy.retry_after_max_s))
    return delay


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """A Retry-After header as seconds: delta-seconds or an HTTP date; None if unreadable."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
