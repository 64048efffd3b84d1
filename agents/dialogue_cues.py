"""Surface cues a tracker and a policy act on: corrections, yes/no, "the X is Y" mentions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from agents.templates import SlotSpec

_CORRECTION = re.compile(
    r"^\W*(?:no|nope|sorry|actually|oops|wait|correction|my\s+bad|i\s+meant|rather)\b"
    r"|\b(?:instead|rather|not\s+[\w.-]+\s*,?\s*but|make\s+(?:it|that)|i\s+meant|"
    r"should\s+(?:be|have\s+been)|change\s+(?:it|that)\s+to|actually)\b",
    re.IGNORECASE,
)
_YES = (
    r"(?:yes|yep|yeah|yup|y|sure|ok|okay|sounds\s+good|that\s+works|works\s+for\s+me|"
    r"perfect|great|correct|right|fine|please\s+do|go\s+ahead|confirm(?:ed)?|do\s+it|"
    r"submit(?:\s+it)?|looks\s+good|lgtm|that'?s\s+right|absolutely|of\s+course)"
)
_POLITE = r"(?:please|pls|plz|thanks|thx|thank\s+you|it\s+is)"
# A yes, maybe more yeses or thanks, and nothing else: "ok, submit it", "yes, sounds good".
_AFFIRM = re.compile(rf"^\W*{_YES}\b(?:[\s,.!]+(?:{_YES}|{_POLITE})\b)*\W*$", re.IGNORECASE)
_NEGATE = re.compile(
    r"^\W*(?:no|nope|nah|not\s+(?:yet|quite|really)|wrong|incorrect|don'?t|do\s+not)\b\W*$",
    re.IGNORECASE,
)
_NOT_A_NAME = {
    "the", "a", "an", "this", "that", "which", "what", "my", "our", "your", "their", "same",
    "other", "another", "any", "some", "whole", "entire", "main", "new", "old", "affected",
}  # fmt: skip
_COPULA = r"(?:is|was|are|=|:|should\s+be|will\s+be|would\s+be|to|as)"


@dataclass(frozen=True)
class Mention:
    """The slot named at [cue_start, cue_end); its value written at [start, end)."""

    cue_start: int
    cue_end: int
    start: int
    end: int


def is_correction(text: str) -> bool:
    """Whether the user is correcting something said before ("no, make it P1")."""
    return bool(_CORRECTION.search(text))


def is_affirmation(text: str) -> bool:
    """A plain yes ("yes", "sounds good", "ok, submit it")."""
    return bool(_AFFIRM.match(text))


def is_negation(text: str) -> bool:
    """A plain no ("no", "not yet")."""
    return bool(_NEGATE.match(text))


def label_pattern(spec: SlotSpec) -> str:
    """The slot's name as words, e.g. `rollback\\s+plan`, tolerant of spacing and _/-."""
    return r"[\s_-]+".join(map(re.escape, spec.label.split()))


def mentions(text: str, spec: SlotSpec) -> list[Mention]:
    """Places where `text` names the slot and gives its value: "the service is billing",
    "severity: P1", "host web-01", "billing service"."""
    label = label_pattern(spec)
    # Free text runs to the end of the sentence; other values stop at a comma or "and".
    stop = (
        r"(?=\s*(?:[.;!?](?:\s|$)|$))"
        if spec.type == "text"
        else r"(?=\s*(?:[,;!?]|\.(?:\s|$)|\band\b|$))"
    )
    found: list[Mention] = []
    # The slot's name stands alone: "order-service" holds no mention of a service.
    copula = re.compile(
        rf"(?<![\w-])(?:the\s+)?(?P<cue>{label})\s*{_COPULA}\s+(?P<v>.+?){stop}", re.I
    )
    for m in copula.finditer(text):
        found.append(Mention(m.start("cue"), m.end("cue"), m.start("v"), m.end("v")))
    if spec.type != "text":
        direct = re.compile(
            rf"(?<![\w-])(?P<cue>{label})\s+(?!{_COPULA}\b)(?P<v>[\w.@:/+-]+)", re.I
        )
        for m in direct.finditer(text):
            if not any(f.cue_start == m.start("cue") for f in found):
                found.append(Mention(m.start("cue"), m.end("cue"), m.start("v"), m.end("v")))
    if spec.type in ("host", "service"):
        before = re.compile(rf"(?P<v>[\w.-]+)\s+(?P<cue>{label})(?![\w-])", re.I)
        for m in before.finditer(text):
            if m.group("v").lower() not in _NOT_A_NAME:
                found.append(Mention(m.start("cue"), m.end("cue"), m.start("v"), m.end("v")))
    return found


# A yes that may run on ("Yes, thanks. What's their phone number?", "That sounds great.").
_ACCEPT_OPENING = re.compile(
    r"^\W*(?:(?:well|oh|so|um|uh|hmm)\W+)?(?:yes|yeah|yep|yup|sure|ok|okay|alright|all\s+right|"
    r"perfect|great|good|fine|correct|exactly|right|absolutely|definitely|certainly|of\s+course|"
    r"confirm(?:ed)?|please\s+do|go\s+ahead|do\s+it|book\s+it|sounds\s+\w+|"
    r"(?:that|this|it)(?:'s|\s+is|\s+one)?\s+(?:sounds|seems|works|would\s+work|will\s+work|"
    r"is|would\s+be|will\s+be|looks)?\s*(?:good|great|fine|perfect|right|correct|nice|"
    r"excellent|wonderful|awesome|ok|okay|alright|works)|"
    r"(?:that|this|it)\s+(?:works|would\s+work|will\s+work|sounds|seems|suits)|suits\s+me|"
    r"works\s+for\s+me|i\s+(?:like|love)\s+(?:it|that)|i'?ll\s+take\s+(?:it|that)|"
    r"let'?s\s+(?:do|go\s+with|book)\s+(?:it|that))\b",
    re.IGNORECASE,
)
_REFUSE = re.compile(
    r"^\W*(?:no|nope|nah|not|never|don'?t|do\s+not|actually|rather|instead|wait|hold)\b"
    r"|\b(?:won'?t|doesn'?t|does\s+not|will\s+not|isn'?t)\s+work\b",
    re.IGNORECASE,
)


# Ending the conversation right after an offer takes it ("Thanks, that's all I need").
_CLOSING = re.compile(
    r"^\W*(?:(?:ok|okay|great|cool|thanks|thank\s+you|alright)\W+)*"
    r"(?:that'?s|that\s+is|this\s+is|it'?s)\s+(?:all|it|everything)\b",
    re.IGNORECASE,
)


def accepts(text: str) -> bool:
    """Whether the user takes what was just offered or read back ("yes, and what's the
    address?", "that sounds great", "thanks, that's all"): a yes at the start, no refusal."""
    if _REFUSE.search(text):
        return False
    return bool(_ACCEPT_OPENING.match(text) or _CLOSING.match(text))
