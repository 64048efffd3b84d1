"""What one tracker update works on: the turn being read, the choices made, the write gate."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import torch
from rapidfuzz import fuzz

from agents.lexicon import FILLER_WORDS
from agents.routing import without_ticket_request
from agents.tickets.templates import ENTITY_TYPES, TicketTemplate
from agents.tickets.tracking.normalisers import (
    Candidate,
    ExtractContext,
    Extractor,
    Refusal,
    says_nothing,
)
from agents.tickets.tracking.reader import SlotReading
from agents.tickets.tracking.reading import TurnReadings, span_candidate
from knowledge.sentences import HAN
from state.models import PreviousValue, SlotBelief, SlotValue, TicketState

# Words that tie a removed value to the rest of the sentence ("... since 10:30").
CONNECTOR = re.compile(
    r"(?:\b(?:since|at|from|on|in|for|by|around|about|starting|started|to|is|it's|of)\s*,?\s*)+$",
    re.IGNORECASE,
)
# Chinese frames a value on both sides: "从 10:30 开始", "自昨晚起", "下午3点左右".
CONNECTOR_ZH = re.compile(r"(?:自从|从|自|于|在)\s*$")
CONNECTOR_AFTER_ZH = re.compile(r"^\s*(?:开始|以来|左右|前后|的时候|起)")
_HAN_START = re.compile(f"^\\s*[{HAN}]")

SAME_WORDS = 90.0  # rapidfuzz ratio at which two wordings name the same thing


@dataclass(frozen=True)
class Choice:
    """A candidate value chosen for a slot, with its score."""

    slot: str
    candidate: Candidate
    score: float
    explicit: bool  # the slot was named or asked, or the value said outright
    said: str | None = None  # the words, when not the user's (a value the system offered)
    named: bool = False  # said after the slot's label: "impact: no orders can be placed"


@dataclass
class TurnReading:
    """Working state of one update."""

    text: str
    pending: str | None  # the slot whose answer is read from what is left of the text
    asked: frozenset[str]  # every slot the system's questions asked for
    correction: bool
    ctx: ExtractContext
    chosen: dict[str, Choice] = field(default_factory=dict)
    refusals: dict[str, str] = field(default_factory=dict)
    fits: dict[str, torch.Tensor] = field(default_factory=dict)  # phrase -> (S,) slot fits
    restated: set[str] = field(default_factory=set)  # slots whose held value was said again
    reads: TurnReadings | None = None  # the slot reader's view of the turn, when there is one

    def taken(self, start: int, end: int) -> bool:
        """Whether characters [start, end) already went to a slot."""
        return any(
            c.candidate.start < end and start < c.candidate.end for c in self.chosen.values()
        )


def apply_choices(new: TicketState, turn: TurnReading) -> None:
    """Write the turn's choices into `new` (keeping what each slot held before) and its refusals."""
    for name, choice in turn.chosen.items():
        c = choice.candidate
        old = new.slots.get(name)
        belief = SlotBelief(
            value=c.value,
            confidence=max(0.0, min(1.0, choice.score)),
            turn=new.turn,
            span=choice.said or turn.text[c.start : c.end] or None,
            verified=c.verified,
            suggestions=list(c.suggestions),
        )
        if old is not None:
            if old.value == c.value:
                continue
            belief.history = [
                *old.history,
                PreviousValue(value=old.value, turn=old.turn, span=old.span),
            ]
        new.slots[name] = belief
    for name, reason in turn.refusals.items():
        if name not in turn.chosen:
            new.issues[name] = reason


def question_clauses(text: str) -> list[str]:
    """The clauses of the questions in `text`: "What city? Which restaurant and what time?"
    gives "What city", "Which restaurant", "what time"."""
    clauses: list[str] = []
    for part in text.split("?")[:-1]:
        question = re.split(r"(?<=[.!])\s+", part.strip())[-1]
        clauses.extend(
            c.strip() for c in re.split(r",|;|\s--?\s|—|\band\b|\bor\b", question) if c.strip()
        )
    return clauses


def held_words(state: TicketState) -> dict[str, str]:
    """The words each filled slot's value was read from (its value when there are none)."""
    return {name: belief.span or str(belief.value) for name, belief in state.slots.items()}


def held_elsewhere(said: str, slot: str, held: Mapping[str, str]) -> bool:
    """Whether words name the value another slot holds ("Bourbon Steaks" for a held
    "Bourbon Steak"): then they are about that slot, not this one."""
    return any(
        other != slot and fuzz.ratio(said.casefold(), words.casefold()) >= SAME_WORDS
        for other, words in held.items()
    )


def restates(held: SlotBelief, choice: Choice) -> bool:
    """Whether an offered value only says again what the slot holds ("Sipan" as "Sipan
    Peruvian Restaurant & Bar", "11:30" as "11:30 am")."""
    if held.value == choice.candidate.value:
        return True
    said = set(re.findall(r"\w+", (held.span or str(held.value)).casefold()))
    offered = set(re.findall(r"\w+", (choice.said or "").casefold()))
    return bool(said) and bool(offered) and (said <= offered or offered <= said)


def may_write(state: TicketState, choice: Choice, turn: TurnReading) -> bool:
    """The gate: a filled slot changes only on a new value for it in this turn or a correction."""
    held = state.value(choice.slot)
    if held is None or held == choice.candidate.value:
        return True
    if turn.reads is not None:  # the reader hears a new value for this slot, or a correction
        return turn.reads.user_value(choice.slot) or turn.correction
    return choice.explicit or turn.correction


def related_names(values: Mapping[str, SlotValue], template: TicketTemplate) -> dict[str, str]:
    """Known entity names by kind, for narrowing other entity slots ({"service": "billing"})."""
    out: dict[str, str] = {}
    for spec in template.slots:
        value = values.get(spec.name)
        if spec.type in ENTITY_TYPES and isinstance(value, str):
            for kind in spec.entity_kinds:
                out.setdefault(kind, value)
    return out


def residual(text: str, used: list[Candidate]) -> str:
    """`text` with the used spans (and the words tying them in) replaced by commas."""
    out = text
    for c in sorted(used, key=lambda c: -c.start):
        head = CONNECTOR_ZH.sub("", CONNECTOR.sub("", out[: c.start]))
        tail = CONNECTOR_AFTER_ZH.sub("", out[c.end :])
        # Inside a Chinese clause the words run on ("从 10:30 开始一直报 502" -> "一直报 502").
        joint = " " if _HAN_START.match(tail) and tail != out[c.end :] else ", "
        out = head + joint + tail
    return re.sub(r"^[\s,]+|[\s,]+$", "", re.sub(r"(?:\s*,\s*)+", ", ", out))


def read_spans(
    turn: TurnReading,
    state: TicketState,
    template: TicketTemplate,
    extractors: Mapping[str, Extractor],
    reads: TurnReadings,
) -> None:
    """Slots the reader reads a value for that no typed candidate filled: the reader's
    words, parsed by the slot's type; "any will do" for an optional slot."""
    surest_first = sorted(template.slots, key=lambda spec: -reads.readings[spec.name].confidence)
    for spec in surest_first:  # slots compete for a span: the surest reading takes it
        if spec.name in turn.chosen:
            continue
        reading = reads.readings[spec.name]
        if reads.dontcare(spec.name) and not spec.required:
            anything = Candidate("dontcare", 0, 0, reading.confidence)
            turn.chosen[spec.name] = Choice(
                spec.name, anything, reading.confidence, True, said="dontcare"
            )
            continue
        if not reads.says_value(spec.name):
            continue
        source = turn.text if reading.from_user else ""
        found = span_candidate(spec, reading, extractors[spec.name], source, turn.ctx)
        if found is None:
            continue
        if isinstance(found, Refusal):
            turn.refusals.setdefault(spec.name, found.reason)
            continue
        if found.end > found.start and turn.taken(found.start, found.end):
            continue  # one span, one slot: another slot's value holds these words
        said = None if reading.from_user and found.end > found.start else reading.value
        choice = Choice(spec.name, found, reading.confidence, True, said=said)
        if may_write(state, choice, turn):
            turn.chosen[spec.name] = choice


_OPENING_MIN_WORDS = 1  # what an opening message says beyond names and small talk
# Chinese words that carry no content on their own: a run of Han characters that is only
# these ("我要", "的") or leaves a single character is no symptom.
_ZH_FILLER = re.compile("[我你您他她它们的了吧呢啊呀要想帮请是个一下在从开始起把给就都也还]")
_POLITE_END = re.compile(r"[\s,;:.-]*\b(?:please|pls|thanks|thank you)\W*$", re.IGNORECASE)
_PROBLEM = re.compile(r"\b(?:symptoms?|errors?|failures?|problem)\b", re.IGNORECASE)


def read_opening(
    turn: TurnReading, template: TicketTemplate, extractors: Mapping[str, Extractor]
) -> None:
    """The message that opens a ticket describes the problem: what its other values leave
    ("payment-api is returning 502s since 14:05, sev2" -> "payment-api is returning 502s")
    fills the slot that holds the problem, when it says more than names and small talk."""
    spec = next(
        (s for s in template.slots if s.type == "text" and _PROBLEM.search(s.description)),
        None,
    )
    if spec is None or spec.name in turn.chosen:
        return
    # The names stay in the sentence ("payment-api is down"); times and levels go.
    said = [
        c.candidate
        for name, c in turn.chosen.items()
        if template.slot(name).type not in ENTITY_TYPES
    ]
    labels = {w for spec in template.slots for w in spec.label.casefold().split()}
    labels |= set(re.findall(r"[a-z0-9']+", f"{template.name} {template.title}".casefold()))
    names = {
        turn.text[c.candidate.start : c.candidate.end].casefold() for c in turn.chosen.values()
    }
    rest = without_ticket_request(residual(turn.text, said))
    cues = "|".join(re.escape(s.label) for s in template.slots)
    # "..., P2. impact: about a third ...": the label of a value taken out goes with it
    rest = re.sub(
        rf"\b(?:the\s+)?(?:{cues})\s*(?::|\bis\b|\bwas\b)\s*(?=,|$)", "", rest, flags=re.I
    )
    rest = _without_header(" ".join(rest.split()), labels | names)
    rest = _POLITE_END.sub("", rest).strip(" ,;:-.，；：。、")
    # What it says beyond the names, the slots' own words and small talk ("for billing",
    # "the service name is api-gateway", "sorry to bother you, could you ...") is no symptom.
    bare = residual(turn.text, [c.candidate for c in turn.chosen.values()])
    content = [
        w
        for w in re.findall(rf"[a-z0-9']+|[{HAN}]+", without_ticket_request(bare).casefold())
        if w not in FILLER_WORDS and w not in labels and _has_content(w)
    ]
    if says_nothing(rest) or len(content) < _OPENING_MIN_WORDS:
        return
    read = extractors[spec.name].read(rest, turn.ctx)
    if isinstance(read, Refusal):
        return
    located = Candidate(read.value, 0, 0, read.strength)
    turn.chosen[spec.name] = Choice(spec.name, located, read.strength, True, said=str(read.value))


def _has_content(word: str) -> bool:
    """A Latin word counts; a Han run counts when two characters are more than filler."""
    return not _HAN_START.match(word) or len(_ZH_FILLER.sub("", word)) >= 2


_HEADER = re.compile(r"^\s*([^:,;]*)[:,;]\s*")


def _without_header(text: str, known: set[str]) -> str:
    """`text` without leading headings made only of names, labels and small words
    ("incident on payment-api: requests time out" -> "requests time out")."""
    while (m := _HEADER.match(text)) and m.end() < len(text):
        words = re.findall(r"[\w'.-]+", m.group(1).casefold())
        if not all(w in FILLER_WORDS or w in known for w in words):
            break
        text = text[m.end() :]
    return text


def admitted(
    turn: TurnReading,
    template: TicketTemplate,
    option: Choice,
    text: str | None = None,
    *,
    answer: bool = False,
) -> bool:
    """Whether the reader lets a typed candidate fill its slot (always, without a reader);
    `text` holds the candidate's words, for the words around it."""
    if turn.reads is None:
        return True
    if option.named and template.slot(option.slot).type == "text":
        return True  # "impact: no orders can be placed": the user labelled the words
    c = option.candidate
    before, after = ("", "") if text is None else (text[: c.start], text[c.end :])
    return turn.reads.admits(
        option.slot,
        template.slot(option.slot).type,
        c.value,
        verified=c.verified and c.strength >= 1.0,
        answer=answer,
        before=before,
        after=after,
    )


def read_there(turn: TurnReading, slot: str, candidate: Candidate) -> bool:
    """Whether the reader's span for `slot`, and for no other slot, covers the candidate in
    the user's words: where the context fit cannot tell two slots apart, the reader may."""
    if turn.reads is None:
        return False

    def covers(reading: SlotReading) -> bool:
        if reading.chars is None or not reading.from_user:
            return False
        start, end = reading.chars
        return start < candidate.end and candidate.start < end

    readings = turn.reads.readings
    return (
        slot in readings
        and covers(readings[slot])
        and not any(covers(r) for name, r in readings.items() if name != slot)
    )


def menus(options: list[Choice], template: TicketTemplate) -> set[str]:
    """Closed slots for which the system's words name several values: a list of choices."""
    named: dict[str, set[str]] = {}
    for o in options:
        if template.slot(o.slot).type in ("enum", "bool"):
            named.setdefault(o.slot, set()).add(str(o.candidate.value))
    return {slot for slot, values in named.items() if len(values) > 1}


def overlap(a: Candidate, b: Candidate) -> bool:
    return a.start < b.end and b.start < a.end
