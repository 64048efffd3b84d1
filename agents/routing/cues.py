"""Surface cues that shift the router's attention: a prior over agents, added to the scores.

Embeddings hear the topic ("disk full") but not the speech act: "how do I fix a full disk"
and "disk full on db-01, open an incident" sit close together. Two cues say which act it
is -- a how-to question, or an explicit request for a ticket -- and become an additive bias
on the keys of the agents they point to (softmax(QKᵀ/τ + b)).
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

_HOW_TO = re.compile(
    r"(^\s*(how(?!\s+(many|much|big|old|long))|why|what now|any guidance|steps? to|troubleshoot\w*|explain|is there a runbook)\b)"
    r"|\b(how (do|can|should|to|would) (i|we|you)?|how to|what (should|do|can) (i|we) (do|check)"
    r"|what('s| is) the (\w+ )?(fix|procedure|runbook|way)\b|(best|safest|right|proper) way to"
    r"|runbook|fix\?|what now|how to resolve)",
    re.IGNORECASE,
)
_TICKET_REQUEST = re.compile(
    r"(?<![\w-])(open(ing)?|rais(e|ing)|fil(e|ing)|creat(e|ing)|log(ging)?|submit(ting)?|page"
    r"|book|schedule|request|need|want|get|report(ing)?)\b(?!-)"
    r"[^.?!]{0,40}\b(incident|ticket|change|cr|access|outage|p[1-4]|sev ?[1-4]|window)\b",
    re.IGNORECASE,
)
# Typed in a hurry ("pls open an incidnet"): a near miss of a ticket noun still names it.
_TICKET_NOUNS = ("incident", "request", "access", "ticket", "outage")
_NOUN_RATIO = 85.0
CUE_BIAS = 3.0  # in scaled-score units: a matching cue multiplies the agent's share by ~e²


def _respelled(text: str) -> str:
    """`text` with near misses of the ticket nouns spelled right ("incidnet" -> "incident")."""

    def fix(m: re.Match[str]) -> str:
        word = m.group(0).lower()
        if any(word.startswith(n) for n in _TICKET_NOUNS):
            return m.group(0)  # the noun itself, or a form of it ("requests", "accessed")
        near = (n for n in _TICKET_NOUNS if fuzz.ratio(word, n) >= _NOUN_RATIO)
        return next(near, m.group(0))

    return re.sub(r"[A-Za-z]{5,}", fix, text)


def without_ticket_request(text: str) -> str:
    """`text` with its explicit request for a ticket ("please open an incident") cut out."""
    return _TICKET_REQUEST.sub(" ", _respelled(text))


def ticket_request(text: str) -> str | None:
    """The words that ask for a ticket ("file a change", "open an incident"), if any."""
    m = _TICKET_REQUEST.search(_respelled(text))
    return m.group(0) if m else None


def asks_for_ticket(text: str) -> bool:
    """Whether the message explicitly asks for a ticket ("open an incident", "raise a P1")."""
    return ticket_request(text) is not None


def asks_how_to(text: str) -> bool:
    """Whether the message asks how to do or fix something ("what's the safest way to ...")."""
    return bool(_HOW_TO.search(text))


def route_prior(text: str) -> dict[str, float]:
    """Agent -> additive bias for this message ("ticket" stands for every ticket agent)."""
    if asks_for_ticket(text):
        return {"ticket": CUE_BIAS}
    if asks_how_to(text):
        return {"qa": CUE_BIAS}
    return {}
