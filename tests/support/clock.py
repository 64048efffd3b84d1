"""The fixed "now" of the ticket, extractor and flow tests: relative times read against it."""

from __future__ import annotations

from datetime import UTC, datetime

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday
