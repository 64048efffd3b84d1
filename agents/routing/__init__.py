"""Who answers a message: agent cards as keys, the message as the query, cues as a prior.

router.py   Router (attention over the cards' keys), Route, AgentCard, slash commands
cards.py    the built-in cards and one card per ticket template (router_for)
cues.py     surface cues: "how do I", "open a ticket", ticket nouns
"""

from agents.routing.cards import BUILT_IN_CARDS, router_for, template_card
from agents.routing.cues import (
    CUE_BIAS,
    asks_for_ticket,
    asks_how_to,
    cue_prior,
    message_prior,
    route_prior,
    ticket_request,
    without_ticket_request,
)
from agents.routing.router import COMMANDS, AgentCard, Route, Router, parse_command

__all__ = [
    "BUILT_IN_CARDS",
    "COMMANDS",
    "CUE_BIAS",
    "AgentCard",
    "Route",
    "Router",
    "asks_for_ticket",
    "asks_how_to",
    "cue_prior",
    "message_prior",
    "parse_command",
    "route_prior",
    "router_for",
    "template_card",
    "ticket_request",
    "without_ticket_request",
]
