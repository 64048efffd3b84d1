"""Scripted ticket flows: YAML conversations replayed through OpsBot and checked slot by slot.

runner.py   Flow, load_flow, run_flow, bot_handler, the tallies
values.py   when an expected value and a tracked one are the same
"""

from agents.flows.runner import (
    Flow,
    FlowResult,
    HandledTurn,
    SlotTally,
    TurnHandler,
    bot_handler,
    load_flow,
    run_flow,
)
from agents.flows.values import same

__all__ = [
    "Flow",
    "FlowResult",
    "HandledTurn",
    "SlotTally",
    "TurnHandler",
    "bot_handler",
    "load_flow",
    "run_flow",
    "same",
]
