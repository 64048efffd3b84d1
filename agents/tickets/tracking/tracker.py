"""The dialogue state tracker: the slot reader's attention, typed values, gated updates.

Per turn, for any template (no template is special-cased):
  1. the slot reader (Q = each slot's name + description, K = V = the tokens of the bot's
     last question and the user's answer) reads every slot: nothing new / a value / any;
  2. typed extractors propose values with character spans ("09:40", "sev2", "web-01"),
     ranked by their fit to each slot query (cosine of their words in context), the slots
     asked for, a label said ("impact: ...") and the reader's span; a candidate is admitted
     only when sure of itself (a literal, a catalog or name-shaped name, a labelled text,
     the asked slot's short answer) or the reader reads a value for its slot;
  3. slots the reader reads that no candidate filled take the reader's span, parsed by
     the slot's type; a yes to an offer takes only a value offered alone (not a menu);
  4. the message that opens a ticket describes the problem: what is left of it, without
     requests, headers and labels, fills the problem's text slot;
  5. the gate: a filled slot changes only on a new value the reader reads for it in the
     user's words, or on an explicit correction.
"""

from __future__ import annotations

from datetime import datetime

import torch

from agents.lexicon import accepts, is_correction
from agents.tickets.templates import SlotSpec, TicketTemplate
from agents.tickets.tracking.candidate_fit import (
    RESULT_COUNT,
    FitScorer,
    context_phrase,
    counted_noun,
)
from agents.tickets.tracking.cues import mentions
from agents.tickets.tracking.normalisers import (
    Candidate,
    EntityCatalog,
    ExtractContext,
    Refusal,
    says_nothing,
)
from agents.tickets.tracking.prepare import PreparedTemplate, prepare_template
from agents.tickets.tracking.reader import SlotReader
from agents.tickets.tracking.reading import read_turn
from agents.tickets.tracking.turn import (
    Choice,
    TurnReading,
    admitted,
    apply_choices,
    held_elsewhere,
    held_words,
    may_write,
    menus,
    overlap,
    question_clauses,
    read_opening,
    read_spans,
    read_there,
    related_names,
    residual,
    restates,
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
_ASKED_MIN = 0.45  # cosine a question clause needs to a slot to count as asking for it
_ASKED_MARGIN = 0.05  # over the runner-up slot
_UNASKED_MIN = 0.8  # strength a value needs to fill a slot while other slots were asked
_OFFER_MIN = 1.2  # score (strength + fit) an offered name needs to be taken on a yes
_OFFER_LITERAL_MIN = 0.8  # ... and an offered literal value (an enum value, a date, a count)
_FIT_WEIGHT = 1.0
_READ_BONUS = 0.3  # the reader's span for this slot, and no other's, covers the value
_WINDOWS = (1, 2, 3)  # words of left context in a candidate's key phrases (averaged)
_COUNTED = ("int", "float")
_COUNT_MIN = 0.25  # fit "4 seats" needs to its slot ("one way" fits no count)
_BARE_COUNT_MIN = 0.2  # fit of a number counting nothing said ("a table for 2")


class SlotTracker:
    """Updates a TicketState from one exchange, by slot attention and typed extractors."""

    def __init__(
        self,
        encoder: Encoder,
        key_cache: KeyCache,
        entities: EntityCatalog | None = None,
        *,
        reader: SlotReader | None = None,
    ) -> None:
        self.encoder = encoder
        self.reader = reader
        self.key_cache = key_cache
        self.entities = entities
        self.fitter = FitScorer(encoder.encode_one)
        self._prepared: dict[tuple[str, str], PreparedTemplate] = {}

    def prepare(self, template: TicketTemplate) -> PreparedTemplate:
        """Slot queries and extractors of a template, built once per template content."""
        tag = (template.name, template.model_dump_json())
        if tag not in self._prepared:
            self._prepared[tag] = prepare_template(
                template, self.encoder, self.key_cache, self.entities
            )
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
        if self.reader is not None:
            turn.reads = read_turn(self.reader, template, system_utterance, user_utterance)
        for _ in range(MAX_PASSES):
            if not self._one_pass(turn, state, template, prepared):
                break
        if accepts(user_utterance) and system_utterance:
            # "sounds good" answers an offer, not the question: it is no slot's value
            self._accept_offers(turn, state, template, prepared, system_utterance)
            if turn.pending and template.slot(turn.pending).type == "bool":
                self._read_answer(turn, template, prepared)
        else:
            self._read_answer(turn, template, prepared)
        if turn.reads is not None:
            read_spans(turn, state, template, prepared.extractors, turn.reads)
        if not state.slots and not system_utterance and turn.pending is None:
            read_opening(turn, template, prepared.extractors)
        apply_choices(new, turn)
        return new

    def _encode(
        self,
        state: TicketState,
        template: TicketTemplate,
        prepared: PreparedTemplate,
        system: str,
        user: str,
        now: datetime,
    ) -> TurnReading:
        pending = state.pending if state.pending and template.has_slot(state.pending) else None
        asked = [pending] if pending else self._asked(template, prepared, system)
        return TurnReading(
            text=user,
            pending=asked[0] if asked else None,
            asked=frozenset(asked),
            correction=is_correction(user),
            ctx=ExtractContext(now=now, related=related_names(state.values(), template)),
        )

    def _asked(
        self, template: TicketTemplate, prepared: PreparedTemplate, system: str
    ) -> list[str]:
        """The slots the system's questions ask for, when the state does not say (replayed
        dialogues): each clause of a question may ask for one ("Which city, and what time?")."""
        asked: list[str] = []
        for clause in question_clauses(system):
            key = self.encoder.encode_one(clause[-200:])  # (d,)
            by_name = cosine_matrix(key[None], prepared.ask_keys)[0]  # (1, d) @ (d, S) -> (S,)
            by_prompt = cosine_matrix(key[None], prepared.prompt_keys)[0]  # (S,)
            sims = torch.maximum(by_name, by_prompt)  # (S,)
            top = torch.topk(sims, min(2, len(sims)))
            best = float(top.values[0])
            second = float(top.values[1]) if len(sims) > 1 else -1.0
            slot = template.slots[int(top.indices[0])].name
            if best >= _ASKED_MIN and best - second >= _ASKED_MARGIN and slot not in asked:
                asked.append(slot)
        return asked

    def _one_pass(
        self,
        turn: TurnReading,
        state: TicketState,
        template: TicketTemplate,
        prepared: PreparedTemplate,
    ) -> bool:
        """Score every open slot's candidates and choose greedily; True if any was chosen."""
        chose = False
        for option in sorted(
            self._options(turn, state, template, prepared), key=lambda o: -o.score
        ):
            if option.score < _ACCEPT or option.slot in turn.chosen:
                continue
            if not admitted(turn, template, option, turn.text):
                continue  # the reader hears no value for this slot in the turn
            if turn.taken(option.candidate.start, option.candidate.end):
                continue
            if not may_write(state, option, turn):
                continue
            turn.chosen[option.slot] = option
            chose = True
        if chose:
            known = state.values() | {n: c.candidate.value for n, c in turn.chosen.items()}
            turn.ctx = ExtractContext(now=turn.ctx.now, related=related_names(known, template))
        return chose

    def _options(
        self,
        turn: TurnReading,
        state: TicketState,
        template: TicketTemplate,
        prepared: PreparedTemplate,
    ) -> list[Choice]:
        """Every (slot, candidate) pair worth choosing, scored: the extractor's strength, the
        slot's fit to the candidate's words, and whether the slot was asked or named."""
        options: list[Choice] = []
        claimed: list[Choice] = []  # words that restate a held value: that slot's, no other's
        held = held_words(state)
        for index, spec in enumerate(template.slots):
            if spec.name in turn.chosen:
                continue
            asked = spec.name in turn.asked
            for candidate, named in self._candidates(turn, spec, prepared):
                if turn.taken(candidate.start, candidate.end):
                    continue
                said = turn.text[candidate.start : candidate.end]
                # "San Jose" said again (or read back) is still the city, not a restaurant.
                if not named and held_elsewhere(said, spec.name, held):
                    continue
                if state.value(spec.name) == candidate.value and not asked:
                    claimed.append(Choice(spec.name, candidate, 0.0, False, said=said))
                    continue
                # While another slot is asked, only sure values may fill this one unasked.
                if turn.asked and not asked and not named and candidate.strength < _UNASKED_MIN:
                    continue
                counted = spec.type in _COUNTED
                fit = float(self._fit(turn, prepared, candidate, counted)[index])
                if (
                    counted
                    and not (asked or named)
                    and not self._counts_for(turn, template, prepared, candidate, index, fit)
                ):
                    continue
                score = candidate.strength + _FIT_WEIGHT * fit
                score += _PENDING_BONUS if asked else 0.0
                score += _REQUIRED_BONUS if spec.required else 0.0
                score += _MENTION_BONUS if named else 0.0
                score += _READ_BONUS if read_there(turn, spec.name, candidate) else 0.0
                # An enum value said outright may replace an old one, unless another slot
                # was just asked: then the words are most likely part of that answer.
                outright = spec.type == "enum" and candidate.strength >= 1.0 and not turn.asked
                score += 0.001 * candidate.start / max(1, len(turn.text))  # later wins a tie
                explicit = asked or named or outright
                options.append(Choice(spec.name, candidate, score, explicit, said, named))
        turn.restated.update(c.slot for c in claimed)
        return [o for o in options if not any(overlap(c.candidate, o.candidate) for c in claimed)]

    def _candidates(
        self, turn: TurnReading, spec: SlotSpec, prepared: PreparedTemplate
    ) -> list[tuple[Candidate, bool]]:
        """The slot's typed values in the text, and those in "the <slot> is X" (named=True)."""
        extractor = prepared.extractors[spec.name]
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
        return scored

    def _fit(
        self, turn: TurnReading, prepared: PreparedTemplate, candidate: Candidate, counted: bool
    ) -> torch.Tensor:
        """Each slot's fit (S,) to a candidate's words: the mean cosine of its key phrases
        (one per context width) with the slot queries; each phrase is embedded once a turn."""
        fits = []
        for width in _WINDOWS:
            phrase = context_phrase(
                turn.text, candidate.start, candidate.end, counted=counted, left_words=width
            )
            if phrase not in turn.fits:
                turn.fits[phrase] = self.fitter.fit(prepared.queries, phrase)
            fits.append(turn.fits[phrase])
        return torch.stack(fits).mean(dim=0)  # (W, S) -> (S,)

    def _counts_for(
        self,
        turn: TurnReading,
        template: TicketTemplate,
        prepared: PreparedTemplate,
        candidate: Candidate,
        index: int,
        fit: float,
    ) -> bool:
        """Whether an unasked number counts slot `index`'s things: "4 seats" fits it well
        enough, and better than any other count slot ("one way", "1 layover" count nothing)."""
        bare = counted_noun(turn.text, candidate.end) is None
        if fit < (_BARE_COUNT_MIN if bare else _COUNT_MIN):
            return False
        fits = self._fit(turn, prepared, candidate, True)
        counts = [i for i, spec in enumerate(template.slots) if spec.type in _COUNTED]
        return max(counts, key=lambda i: float(fits[i])) == index

    def _read_answer(
        self, turn: TurnReading, template: TicketTemplate, prepared: PreparedTemplate
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
        answer = Choice(turn.pending, read, read.strength, True)
        if not admitted(turn, template, answer, rest, answer=True):
            return  # the reader hears no value for the asked slot in these words
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
        prepared: PreparedTemplate,
        system: str,
    ) -> None:
        """A yes to "how about Blue Bottle at 6 pm?" or to a read-back: the system's values,
        read from its words as the user's are, fill what the user's turn left open."""
        offer = TurnReading(
            text=system, pending=None, asked=frozenset(), correction=False, ctx=turn.ctx
        )
        options = sorted(self._options(offer, state, template, prepared), key=lambda o: -o.score)
        choice_lists = menus(options, template)
        for option in options:
            if option.slot in choice_lists:
                continue  # "P1 critical, P2 high, ...?" lists choices: a yes picks none
            # A literal value (an enum, a date) or a count that passed its own test is surely
            # what it says; a name needs to fit its slot.
            literal = (
                option.candidate.strength >= 1.0 or template.slot(option.slot).type in _COUNTED
            )
            needed = _OFFER_LITERAL_MIN if literal else _OFFER_MIN
            if option.score < needed or option.slot in turn.chosen:
                continue
            if not admitted(turn, template, option):
                continue
            if option.slot in offer.chosen or offer.taken(
                option.candidate.start, option.candidate.end
            ):
                continue
            if RESULT_COUNT.search(system[: option.candidate.start]):
                continue  # "I found 4 flights" counts results, not what the user wants
            held = state.slots.get(option.slot)
            if held is not None and (option.slot in offer.restated or restates(held, option)):
                continue  # the read-back says the held value (again, or at length): confirmed
            offer.chosen[option.slot] = option
        turn.chosen.update(offer.chosen)
