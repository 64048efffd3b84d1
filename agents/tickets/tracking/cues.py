"""Where a turn names a slot: "the X is Y" mentions and label patterns (yes/no are in agents.lexicon)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from agents.lexicon import NOT_A_VALUE
from agents.tickets.templates import SlotSpec

_COPULA = r"(?:is|was|are|=|:|should\s+be|will\s+be|would\s+be|to|as)"


@dataclass(frozen=True)
class Mention:
    """The slot named at [cue_start, cue_end); its value written at [start, end)."""

    cue_start: int
    cue_end: int
    start: int
    end: int


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
    if spec.aliases:
        found.extend(_alias_mentions(text, spec))
    if spec.leads:
        found.extend(_lead_mentions(text, spec))
    if spec.type in ("host", "service"):
        before = re.compile(rf"(?P<v>[\w.-]+)\s+(?P<cue>{label})(?![\w-])", re.I)
        for m in before.finditer(text):
            if m.group("v").lower() not in NOT_A_VALUE:
                found.append(Mention(m.start("cue"), m.end("cue"), m.start("v"), m.end("v")))
    return found


def _alias_mentions(text: str, spec: SlotSpec) -> list[Mention]:
    """ "影响：用户没法付款", "级别是P1": an alias of the slot (written in the template), a
    colon or copula, the value (up to the end of the sentence for free text)."""
    names = "|".join(map(re.escape, sorted(spec.aliases, key=len, reverse=True)))
    stop = (
        r"(?=\s*(?:[。；！？;!?]|$))" if spec.type == "text" else r"(?=\s*(?:[，,。；;！？!?]|$))"
    )
    alias = re.compile(rf"(?P<cue>{names})\s*(?:[:：]|是|为|改成|改为)\s*(?P<v>.+?){stop}", re.I)
    return [
        Mention(m.start("cue"), m.end("cue"), m.start("v"), m.end("v"))
        for m in alias.finditer(text)
    ]


def _lead_mentions(text: str, spec: SlotSpec) -> list[Mention]:
    """ "…，因为她下周开始值班": a word that opens the slot's free text (the template's
    `leads`), the value running to the end of its sentence."""
    names = "|".join(map(re.escape, sorted(spec.leads, key=len, reverse=True)))
    lead = re.compile(rf"(?P<cue>{names})\s*(?P<v>[^。；！？;!?]+?)(?=\s*(?:[。；！？;!?]|$))")
    return [
        Mention(m.start("cue"), m.end("cue"), m.start("v"), m.end("v")) for m in lead.finditer(text)
    ]
