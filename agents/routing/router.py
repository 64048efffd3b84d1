"""Routing a message to an agent: one attention step over agent descriptions and examples.

Q is the message vector; K the encoded descriptions and example utterances of every agent;
V the one-hot agent each key belongs to. The attention output is then directly the share of
attention each agent receives -- the router's score -- and the top share wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

from knowledge import attention
from knowledge.attention import COSINE_SCALE
from knowledge.keycache import KeyCache

# Slash commands that bypass attention; the argument (if any) follows the command word.
COMMANDS = ("/ticket", "/cancel", "/reset", "/help", "/kb", "/cmdb", "/explain")


@dataclass(frozen=True)
class AgentCard:
    """What the router knows of one agent: who it is, and how people talk to it."""

    name: str  # "qa", "cmdb", "help", or "ticket:<template>"
    description: str
    examples: tuple[str, ...]
    cues: tuple[str, ...] = ()  # words that mark a message as for this agent (template cues)


@dataclass(frozen=True)
class Route:
    """Where a message goes, and why (the scores are kept for --explain and logs)."""

    agent: str
    scores: dict[str, float] = field(default_factory=dict)
    command: str | None = None  # an explicit slash command, e.g. "/kb"
    argument: str = ""  # the text after the command word


def parse_command(text: str) -> Route | None:
    """An explicit `/command [argument]`, or None when the message is ordinary text."""
    stripped = text.strip()
    if not stripped.startswith("/"):
        return None
    word, _, rest = stripped.partition(" ")
    word = word.lower()
    if word not in COMMANDS:
        return Route(agent="help", command="/unknown", argument=word)
    agent = {"/kb": "qa", "/cmdb": "cmdb", "/ticket": "ticket"}.get(word, "control")
    return Route(agent=agent, command=word, argument=rest.strip())


class Router:
    """Scores every agent for a message by attention over their precomputed keys."""

    def __init__(
        self, cards: Sequence[AgentCard], key_cache: KeyCache, *, scale: float = COSINE_SCALE
    ) -> None:
        if not cards:
            raise ValueError("a router needs at least one agent card")
        self.cards = list(cards)
        self.agents = [card.name for card in self.cards]
        texts: list[str] = []
        owner: list[int] = []
        for i, card in enumerate(self.cards):
            for text in (card.description, *card.examples):
                texts.append(text)
                owner.append(i)
        self._keys = key_cache.keys("router", texts)  # (N, d)
        # V: one row per key, a one-hot of the agent it belongs to.
        self._values = torch.nn.functional.one_hot(
            torch.tensor(owner), num_classes=len(self.cards)
        ).float()  # (N, A)
        # Unit vectors make q·k a cosine in [-1, 1]: the scale sharpens the softmax over them.
        self._scale = scale

    def scores(
        self, query: torch.Tensor, prior: dict[str, float] | None = None
    ) -> dict[str, float]:
        """The share of attention each agent receives for a unit query vector (d,).

        `prior` adds a bias to every key of an agent (a name, or a prefix such as "ticket").
        """
        bias = None
        if prior:
            per_agent = torch.tensor(
                [
                    sum(b for p, b in prior.items() if a == p or a.startswith(p + ":"))
                    for a in self.agents
                ]
            )  # (A,)
            bias = self._values @ per_agent  # (N, A) @ (A,) -> (N,): each key's agent bias
        shares, _ = attention.attend(
            query[None, :], self._keys, self._values, scale=self._scale, bias=bias
        )  # (1, d) over (N, d) -> (1, A)
        return {name: float(s) for name, s in zip(self.agents, shares[0], strict=True)}

    def route(
        self,
        query: torch.Tensor,
        *,
        prior: dict[str, float] | None = None,
        allowed: Sequence[str] | None = None,
    ) -> Route:
        """The best agent for the message (optionally among `allowed` only)."""
        scores = self.scores(query, prior)
        pool = [a for a in self.agents if allowed is None or a in allowed] or self.agents
        best = max(pool, key=lambda a: scores[a])
        return Route(agent=best, scores=scores)
