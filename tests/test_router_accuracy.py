"""The router on its own: commands, attention shares, and accuracy on the labelled set."""

from __future__ import annotations

from pathlib import Path

import torch

from agents.routing import router_for
from agents.routing.router import parse_command
from agents.tickets.templates import load_templates
from evals.routing import score_routing
from knowledge.encoder import Encoder

LABELLED = Path(__file__).parent / "data" / "routing_messages.jsonl"


def test_router_accuracy_on_labelled_messages_beats_floor(encoder: Encoder) -> None:
    router = router_for(encoder, load_templates(None).values())
    score = score_routing(router, encoder, LABELLED)
    assert score.total >= 150
    # The largest class alone is under 25%: 0.8 means the attention really routes.
    assert score.accuracy >= 0.8, score.mistakes


def test_router_scores_are_attention_shares_summing_to_one(encoder: Encoder) -> None:
    router = router_for(encoder, load_templates(None).values())
    scores = router.scores(encoder.encode_one("how many hosts per idc"))
    assert set(scores) == {"qa", "cmdb", "help", *(f"ticket:{t}" for t in load_templates(None))}
    torch.testing.assert_close(torch.tensor(sum(scores.values())), torch.tensor(1.0))
    assert max(scores, key=lambda a: scores[a]) == "cmdb"


def test_router_explicit_commands_win() -> None:
    kb = parse_command("/kb how do I rotate logs")
    assert kb is not None and kb.agent == "qa" and kb.argument == "how do I rotate logs"
    ticket = parse_command("/ticket incident")
    assert ticket is not None and ticket.agent == "ticket" and ticket.argument == "incident"
    unknown = parse_command("/frobnicate")
    assert unknown is not None and unknown.command == "/unknown"
    assert parse_command("how do I fix it") is None
