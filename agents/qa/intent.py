"""What kind of answer a question wants, and which runbook sections give that kind.

"How do I fix X" wants the Fix section, "how do I check X" the Diagnosis, "what happens
when X" the Symptoms. The Q&A agent turns a match into a prior (an additive attention bias)
over the sentences, so a symptom sentence that merely repeats the question's words does
not outrank the step that answers it.
"""

from __future__ import annotations

import re

import torch

INTENTS: dict[str, re.Pattern[str]] = {
    "fix": re.compile(
        r"\b(fix|fixe?s|resolve|repair|recover|clean|free|clear|stop|solve|mitigate|restart|"
        r"remove|delete|reduce|increase|raise|renew|rotate|roll ?back|restore|get rid|handle|"
        r"unblock|drain|tune|set up|configure|prevent|what (?:should|do|can) i do|what now)\b",
        re.IGNORECASE,
    ),
    "diagnose": re.compile(
        r"\b(check|find|debug|diagnos\w*|investigat\w*|troubleshoot\w*|tell if|identify|"
        r"cause[sd]?|why|verify|see which|look at)\b",
        re.IGNORECASE,
    ),
    "symptom": re.compile(r"\b(symptoms?|look like|what happens|impact|signs?)\b", re.IGNORECASE),
    "define": re.compile(
        r"^\W*(what(?:'s| is| are| does)|define|explain|meaning of)\b", re.IGNORECASE
    ),
}
SECTIONS: dict[str, re.Pattern[str]] = {
    "fix": re.compile(
        r"\b(fix|mitigation|resolution|remediation|solution|recovery|restore|steps|procedure|"
        r"how to|executing)\b",
        re.IGNORECASE,
    ),
    "diagnose": re.compile(
        r"\b(diagnos\w*|investigat\w*|check\w*|debug\w*|troubleshoot\w*)\b", re.I
    ),
    "symptom": re.compile(r"\b(symptoms?|impact|meaning|overview)\b", re.IGNORECASE),
}
# A definition lives in a runbook's opening text (no heading) or a Meaning/Overview section.
DEFINE_SECTION = re.compile(
    r"^$|\b(meaning|overview|description|about|introduction|summary)\b", re.I
)
BONUS = 3.0  # in scaled-score units: with τ = 0.05, a 0.15 cosine head start


def question_intent(question: str) -> str | None:
    """The first intent the question shows, checked in order fix, diagnose, symptom, define."""
    for intent, pattern in INTENTS.items():
        if pattern.search(question):
            return intent
    return None


def section_kind(heading: str) -> str | None:
    """The kind of answer a section heading promises, if it says."""
    for kind, pattern in SECTIONS.items():
        if pattern.search(heading):
            return kind
    return None


def section_bias(question: str, headings: list[str]) -> torch.Tensor | None:
    """An additive attention bias (S,) favouring sentences under the sections the question wants."""
    intent = question_intent(question)
    if intent is None:
        return None
    if intent == "define":
        return torch.tensor([BONUS if DEFINE_SECTION.search(h) else 0.0 for h in headings])
    return torch.tensor([BONUS if section_kind(h) == intent else 0.0 for h in headings])
