"""What one call to a target gives: the record it created (or found), or why it failed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Created:
    """The ticket exists at the target: made by this call, or found there (`existing`)."""

    external_id: str | None
    url: str | None
    existing: bool = False


@dataclass(frozen=True)
class Failure:
    """The call did not create the ticket; `retryable`: trying again may help."""

    reason: str
    retryable: bool
    retry_after_s: float | None = None


Outcome = Created | Failure


class Refused(Exception):
    """Raised inside a sink's HTTP steps; `Sink.deliver` returns its `failure`, never raises it."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.reason)
        self.failure = failure
