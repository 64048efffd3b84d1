"""Flow replays count every checked slot as right, wrong (a wrong fill) or missing."""

from __future__ import annotations

from datetime import UTC, datetime

from agents.flows.runner import Flow, HandledTurn, run_flow
from agents.tickets.templates import load_templates
from state.models import SlotBelief, TicketState

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
TEMPLATES = load_templates()


def _scripted(*states: dict[str, str]):  # type: ignore[no-untyped-def]
    """A TurnHandler that reports the given slot values, one dict per turn."""
    replies = iter(states)

    def handle(session_id: str, text: str, now: datetime, template: str | None) -> HandledTurn:
        state = TicketState(template="incident")
        for name, value in next(replies).items():
            state.slots[name] = SlotBelief(value=value, confidence=1.0, turn=1)
        return HandledTurn("ok", "ticket", state, None)

    return handle


def test_flows_slot_tally_counts_right_wrong_and_missing() -> None:
    flow = Flow.model_validate(
        {
            "name": "tally",
            "template": "incident",
            "turns": [
                {
                    "user": "payment-api is down, sev2",
                    "expect": {"service": "payment-api", "severity": "P2"},
                },
                {
                    "user": "since 09:40",
                    "expect": {"severity": "P2", "started_at": "2026-11-25T09:40:00+00:00"},
                },
            ],
        }
    )
    handler = _scripted(
        {"service": "payment-api", "severity": "P1"},  # one right, one wrong
        {"severity": "sev 2"},  # a synonym is right; the time is missing
    )
    result = run_flow(flow, handler, TEMPLATES, now=NOW)
    assert (result.slots.correct, result.slots.wrong, result.slots.missing) == (2, 1, 1)
    assert result.slots.precision == 2 / 3 and result.slots.recall == 2 / 4
    assert not result.passed
