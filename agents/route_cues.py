"""Surface cues that shift the router's attention: a prior over agents, added to the scores.

Embeddings hear the topic ("disk full") but not the speech act: "how do I fix a full disk"
and "disk full on db-01, open an incident" sit close together. Two cues say which act it
is -- a how-to question, or an explicit request for a ticket -- and become an additive bias
on the keys of the agents they point to (softmax(QKᵀ/τ + b)).
"""

from __future__ import annotations

import re

_HOW_TO = re.compile(
    r"(^\s*(how(?!\s+(many|much|big|old|long))|why|what now|any guidance|steps? to|troubleshoot\w*|explain|is there a runbook)\b)"
    r"|\b(how (do|can|should|to|would) (i|we|you)?|how to|what (should|do|can) (i|we) (do|check)"
    r"|what('s| is) the (fix|procedure|runbook|best way)|runbook|fix\?|what now|how to resolve)",
    re.IGNORECASE,
)
_TICKET_REQUEST = re.compile(
    r"\b(open|raise|file|create|log|submit|page|book|schedule|request|need|want|get)\b"
    r"[^.?!]{0,40}\b(incident|ticket|change|cr|access|outage|p[1-4]|sev ?[1-4]|window)\b",
    re.IGNORECASE,
)
CUE_BIAS = 3.0  # in scaled-score units: a matching cue multiplies the agent's share by ~e²


def without_ticket_request(text: str) -> str:
    """`text` with its explicit request for a ticket ("please open an incident") cut out."""
    return _TICKET_REQUEST.sub(" ", text)


def asks_for_ticket(text: str) -> bool:
    """Whether the message explicitly asks for a ticket ("open an incident", "raise a P1")."""
    return bool(_TICKET_REQUEST.search(text))


def route_prior(text: str) -> dict[str, float]:
    """Agent -> additive bias for this message ("ticket" stands for every ticket agent)."""
    if asks_for_ticket(text):
        return {"ticket": CUE_BIAS}
    if _HOW_TO.search(text):
        return {"qa": CUE_BIAS}
    return {}
