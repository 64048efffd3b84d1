"""What a replayed flow got wrong, flattened for an assertion message."""

from __future__ import annotations

from agents.flows import FlowResult


def mismatches(result: FlowResult) -> list[str]:
    """The flow-level mismatches, then every turn's, in order."""
    return result.mismatches + [m for t in result.turns for m in t.mismatches]
