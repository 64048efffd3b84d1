"""Which attributes are secret: stored, but never shown, linked, filtered on or exported."""

from __future__ import annotations

import re
from collections.abc import Iterable

from errors import CMDBError

# "key" only as a whole word part (ssh_key, api-key), so "keyspace" or "monkey" stay visible.
DEFAULT_SENSITIVE_PATTERN = (
    r"password|passwd|secret|token|credential|(?:^|[_\-.])key(?:$|[_\-.])|apikey"
)


class SensitivePolicy:
    """Attribute names marked sensitive in a load file, plus a name pattern."""

    def __init__(self, pattern: str = DEFAULT_SENSITIVE_PATTERN, declared: Iterable[str] = ()):
        try:
            self.pattern = re.compile(pattern, re.IGNORECASE)
        except re.error as e:
            raise CMDBError(
                f"sensitive-attribute pattern {pattern!r} is not a valid regex ({e}); fix it"
            ) from e
        self.declared = set(declared)

    def is_sensitive(self, attr: str) -> bool:
        """True when `attr` must never be shown."""
        return attr in self.declared or self.pattern.search(attr) is not None

    def with_declared(self, more: Iterable[str]) -> SensitivePolicy:
        """A copy that also hides `more`."""
        return SensitivePolicy(self.pattern.pattern, self.declared | set(more))
