"""The dialogue state tracker: iterative slot attention over each user turn.

Per turn, for any template (no template is special-cased):
  1. token states of the user utterance (contextualised by the system utterance) are K = V;
     each slot's description embedding is a query (precomputed with KeyCache);
  2. typed extractors propose values with character spans ("09:40", "sev2", "web-01"),
     and "the X is Y" mentions hand a span to slot X's extractor;
  3. each (slot, candidate) is scored by the extractor's strength, the slot's attention
     lift over the span, and whether the slot was just asked or named; spans are assigned
     greedily, one slot per span, one value per slot;
  4. pass 2+ masks the tokens already explained and re-attends with what is now known
     (a chosen service narrows the hosts), until nothing changes;
  5. the answer to the slot just asked is read from what is left of the utterance;
  6. a gate decides what may overwrite a filled slot: the slot just asked, a slot named
     explicitly, an enum value said outright, or an utterance that corrects itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import torch

from agents.dialogue_cues import is_affirmation, is_correction, mentions
from agents.extractors.base import Candidate, ExtractContext, Extractor, Refusal
from agents.extractors.entities import EntityCatalog
from agents.extractors.factory import build_extractor
from agents.extractors.text import says_nothing
from agents.slot_attention import DEFAULT_SCALE, lift_bonus, slot_weights, span_lift
from agents.templates import TicketTemplate
from agents.tracker_turn import (
    Choice,
    TurnReading,
    apply_choices,
    may_write,
    related_names,
    residual,
)
from knowledge.attention import cosine_matrix
from knowledge.encoder import Encoder
from knowledge.keycache import KeyCache
from state.models import TicketState

MAX_PASSES = 3
_ACCEPT = 0.3  # lowest score a candidate may fill a slot with
_PENDING_BONUS = 0.3
_MENTION_BONUS = 0.3
_REQUIRED_BONUS = 0.05  # of two slots equally likely, fill the one the ticket needs
_SYSTEM_CONTEXT = 120  # characters of the system utterance kept as context (its last question)
_ASKED_MIN = 0.4  # cosine a system question needs to a slot to count as asking it


@dataclass
class _Prepared:
    """A template's precomputed queries and extractors."""

    queries: torch.Tensor  # (S, d) unit slot queries
    extractors: dict[str, Extractor]


class SlotTracker:
    """Updates a TicketState from one exchange, by slot attention and typed extractors."""

    def __init__(
        self,
        encoder: Encoder,
        key_cache: KeyCache,
        entities: EntityCatalog | None = None,
        *,
        scale: float = DEFAULT_SCALE,
    ) -> None:
        self.encoder = encoder
        self.key_cache = key_cache
        self.entities = entities
        self.scale = scale
        self._prepared: dict[tuple[str, str], _Prepared] = {}

    def prepare(self, template: TicketTemplate) -> _Prepared:
        """Slot queries and extractors of a template, built once per template content."""
        tag = (template.name, template.model_dump_json())
        if tag not in self._prepared:
            safe = re.sub(r"\W", "_", template.name)
            queries = self.key_cache.keys(f"slotq_{safe}", [s.query_text() for s in template.slots])
            extractors: dict[str, Extractor] = {}
            for spec in template.slots:
                name_keys = None
                if spec.type == "enum" and spec.values:
                    names = [n for v in spec.values for n in v.names()]
                    name_keys = self.key_cache.keys(f"enum_{safe}_{spec.name}", names)
                extractors[spec.name] = build_extractor(
                    spec, catalog=self.entities, embed=self.encoder.encode_one, name_keys=name_keys
                )
            self._prepared[tag] = _Prepared(queries, extractors)
        return self._prepared[tag]

    def update(
        self,
        state: TicketState,
        template: TicketTemplate,
        system_utterance: str,
        user_utterance: str,
        *,
        now: datetime,
    ) -> TicketState:
        """The state after the system said `system_utterance` and the user answered."""
        prepared = self.prepare(template)
        now = now if now.tzinfo is not None else now.astimezone()  # naive: the local zone
        new = state.model_copy(deep=True)
        new.turn += 1
        new.issues = {}
        if not user_utterance.strip():
            return new
        turn = self._encode(state, template, prepared, system_utterance, user_utterance, now)
        for _ in range(MAX_PASSES):
            if not self._one_pass(turn, state, template, prepared):
                break
        if is_affirmation(user_utterance) and system_utterance:
            # "sounds good" answers an offer, not the question: it is no slot's value
            self._accept_offers(turn, state, template, prepared, system_utterance)
            if turn.pending and template.slot(turn.pending).type == "bool":
                self._read_answer(turn, template, prepared)
        else:
            self._read_answer(turn, template, prepared)
        apply_choices(new, turn)
        return new

    def _encode(
        self,
        state: TicketState,
        template: TicketTemplate,
        prepared: _Prepared,
        system: str,
        user: str,
        now: datetime,
    ) -> TurnReading:
        # The user's words come first so truncation only ever cuts the system's.
        context = system.strip()[-_SYSTEM_CONTEXT:]
        encoded = self.encoder.token_states(f"{user}\n{context}" if context else user)
        keep = [i for i, (s, _) in enumerate(encoded.offsets) if s < len(user)]
        pending = state.pending if state.pending and template.has_slot(state.pending) else None
        if pending is None and system.strip():
            pending = self._asked(template, prepared, system)
        return TurnReading(
            text=user,
            offsets=[encoded.offsets[i] for i in keep],
            states=encoded.states[keep],
            active=torch.ones(len(keep), dtype=torch.bool),
            pending=pending,
            correction=is_correction(user),
            ctx=ExtractContext(now=now, related=related_names(state.values(), template)),
        )

    def _asked(self, template: TicketTemplate, prepared: _Prepared, system: str) -> str | None:
        """The slot a system question asks for, when the state does not say (replayed dialogues)."""
        if "?" not in system:
            return None
        question = system.strip().split("?")[0][-200:]
        sims = cosine_matrix(self.encoder.encode_one(question)[None], prepared.queries)[0]  # (S,)
        top = torch.topk(sims, min(2, len(sims)))
        best = float(top.values[0])
        second = float(top.values[1]) if len(sims) > 1 else -1.0
        if best < _ASKED_MIN or best - second < 0.05:
            return None
        return template.slots[int(top.indices[0])].name

    def _one_pass(
        self, turn: TurnReading, state: TicketState, template: TicketTemplate, prepared: _Prepared
    ) -> bool:
        """Score every open slot's candidates against fresh attention; True if any was chosen."""
        weights = slot_weights(
            prepared.queries, turn.states, turn.active, scale=self.scale
        )  # (S, T)
        options: list[Choice] = []
        for index, spec in enumerate(template.slots):
            if spec.name in turn.chosen:
                continue
            extractor = prepared.extractors[spec.name]
            asked = spec.name == turn.pending
            found = extractor.find(turn.text, turn.ctx)
            for refusal in found.refusals:
                if not turn.taken(refusal.start, refusal.end):
                    turn.refusals.setdefault(spec.name, refusal.reason)
            scored = [(c, False) for c in found.candidates]
            for mention in mentions(turn.text, spec):
                read = extractor.read(turn.text[mention.start : mention.end], turn.ctx)
                if isinstance(read, Refusal):
                    turn.refusals.setdefault(spec.name, read.reason)
                    continue
                shifted = Candidate(
                    read.value,
                    mention.start + read.start,
                    mention.start + read.end,
                    max(read.strength, 0.9),
                    read.verified,
                    read.suggestions,
                )
                scored.append((shifted, True))
            held = state.value(spec.name)
            for candidate, named in scored:
                if turn.taken(candidate.start, candidate.end):
                    continue
                if held == candidate.value and not asked:
                    continue  # said again: nothing to change, and the words may answer another slot
                lift = span_lift(
                    weights, turn.offsets, turn.active, candidate.start, candidate.end
                )[index]
                score = candidate.strength + lift_bonus(float(lift))
                score += _PENDING_BONUS if asked else 0.0
                score += _REQUIRED_BONUS if spec.required else 0.0
                score += _MENTION_BONUS if named else 0.0
                # An enum value said outright may replace an old one, unless another slot
                # was just asked: then the words are most likely part of that answer.
                outright = spec.type == "enum" and candidate.strength >= 1.0 and not turn.pending
                # While another slot is asked, only sure values may fill this one unasked.
                if turn.pending and not asked and not named and candidate.strength < 0.9:
                    continue
                score += 0.001 * candidate.start / max(1, len(turn.text))  # later wins a tie
                options.append(Choice(spec.name, candidate, score, asked or named or outright))
        chose = False
        for option in sorted(options, key=lambda o: -o.score):
            if option.score < _ACCEPT or option.slot in turn.chosen:
                continue
            if turn.taken(option.candidate.start, option.candidate.end):
                continue
            if not may_write(state, option, turn):
                continue
            turn.chosen[option.slot] = option
            chose = True
            for i, (s, e) in enumerate(turn.offsets):
                if s < option.candidate.end and option.candidate.start < e:
                    turn.active[i] = False
        if chose:
            known = state.values() | {n: c.candidate.value for n, c in turn.chosen.items()}
            turn.ctx = ExtractContext(now=turn.ctx.now, related=related_names(known, template))
        return chose

    def _read_answer(
        self, turn: TurnReading, template: TicketTemplate, prepared: _Prepared
    ) -> None:
        """Read the asked slot from what the other slots left of the utterance."""
        if turn.pending is None or turn.pending in turn.chosen:
            return
        rest = residual(turn.text, [c.candidate for c in turn.chosen.values()])
        if turn.chosen and (says_nothing(rest) or turn.correction):
            return  # the turn was about other slots ("sorry, it's sev1")
        read = prepared.extractors[turn.pending].read(rest, turn.ctx)
        if isinstance(read, Refusal):
            if not turn.chosen:  # with other slots filled, the rest was likely no answer
                turn.refusals[turn.pending] = read.reason
            return
        start = turn.text.find(rest[read.start : read.end])
        located = Candidate(
            read.value,
            max(0, start),
            max(0, start) + (read.end - read.start),
            read.strength,
            read.verified,
            read.suggestions,
        )
        turn.chosen[turn.pending] = Choice(turn.pending, located, read.strength, True)

    def _accept_offers(
        self,
        turn: TurnReading,
        state: TicketState,
        template: TicketTemplate,
        prepared: _Prepared,
        system: str,
    ) -> None:
        """A yes to "how about Blue Bottle?": take the one value offered per slot."""
        for spec in template.slots:
            if spec.name in turn.chosen or state.value(spec.name) is not None:
                continue
            found = prepared.extractors[spec.name].find(system, turn.ctx)
            offered = {c.value for c in found.candidates if c.strength >= 0.9}
            if len(offered) == 1:
                candidate = next(c for c in found.candidates if c.value in offered)
                said = system[candidate.start : candidate.end]
                turn.chosen[spec.name] = Choice(
                    spec.name, candidate, candidate.strength, True, said=said
                )
