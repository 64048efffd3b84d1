"""Host and service names: known names from a catalog (the CMDB), unknown ones as given.

A name found in the catalog is verified. A name-shaped word that is not (`web-O1`,
`billing-v2`) is accepted as given and marked unverified, with close known names
suggested, unless the slot is strict, in which case it is refused with the suggestions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Protocol

from rapidfuzz import fuzz, process

from agents.lexicon import NOT_ENTITY_WORDS
from agents.tickets.tracking.normalisers.base import Candidate, ExtractContext, Findings, Refusal

# Looks like a machine name: parts joined by - _ or ., or letters then digits (web01).
_SHAPED = re.compile(
    r"(?<![\w@/:.-])(?:[A-Za-z][A-Za-z0-9]*(?:[-_.][A-Za-z0-9]+)+|[A-Za-z]+\d+[A-Za-z0-9]*)(?![\w@-]|\.\w)"
)
# A plain word governed by a preposition ("access to billing", "errors in checkout"): maybe
# a name; attention decides which slot, if any, it belongs to.
_OBJECT = re.compile(
    r"\b(?:to|on|in|for|of|at|from|with|into|onto)\s+(?:the\s+)?(?P<w>[A-Za-z][A-Za-z0-9_]*)\b(?![@.-]\w)"
)
_SUGGEST_SCORE = 75.0
# Leading words of an answer that are not part of the name ("it's the billing service").
_FILLER = re.compile(
    r"^(?:(?:it'?s|it\s+is|that'?s|the|on|in|for|to|at|service|host|server|system|"
    r"machine|app|application|called|named|um|uh|well|so|ok|okay)\s+)+",
    re.IGNORECASE,
)
_TRAILER = re.compile(
    r"(?:\s+(?:service|host|server|system|machine|app|application|please|thanks|thank\s+you))+$",
    re.IGNORECASE,
)


class EntityCatalog(Protocol):
    """Known names of things by kind ("host", "service"); the CMDB implements this."""

    def names(self, kind: str, related: Mapping[str, str] | None = None) -> Sequence[str]:
        """Known names of `kind`; with `related` ({"service": "payment-api"}), those linked to it first or only."""
        ...


class ListCatalog:
    """A catalog from plain lists, with optional links between names (hosts of a service)."""

    def __init__(
        self,
        names: Mapping[str, Sequence[str]],
        links: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self._names = {kind: list(items) for kind, items in names.items()}
        self._links = {k: set(v) for k, v in (links or {}).items()}

    def names(self, kind: str, related: Mapping[str, str] | None = None) -> Sequence[str]:
        every = self._names.get(kind, [])
        linked: set[str] = set()
        for name in (related or {}).values():
            linked |= self._links.get(name, set())
        narrowed = [n for n in every if n in linked]
        return narrowed or every


class EntityExtractor:
    """Names of the given kinds, checked against a catalog when there is one."""

    def __init__(
        self, kinds: list[str], catalog: EntityCatalog | None, *, strict: bool = False
    ) -> None:
        self.kinds = kinds
        self.catalog = catalog
        self.strict = strict

    def _known(self, ctx: ExtractContext) -> list[str]:
        if self.catalog is None:
            return []
        related = {k: v for k, v in ctx.related.items() if k not in self.kinds}
        out: list[str] = []
        for kind in self.kinds:
            out.extend(self.catalog.names(kind, related or None))
        return out

    def find(self, text: str, ctx: ExtractContext) -> Findings:
        found = Findings()
        known = self._known(ctx)
        taken: list[tuple[int, int]] = []
        for name in sorted(known, key=len, reverse=True):
            pattern = rf"(?<![\w-]){re.escape(name)}(?![\w-])"
            for m in re.finditer(pattern, text, re.IGNORECASE):
                if not any(s < m.end() and m.start() < e for s, e in taken):
                    found.candidates.append(Candidate(name, m.start(), m.end(), 1.0))
                    taken.append(m.span())
        for m in _SHAPED.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            taken.append(m.span())
            strength = 0.5 + self._shape_prior(m.group(0))
            self._unknown(found, m.group(0), m.start(), m.end(), known, strength=strength)
        for m in _OBJECT.finditer(text):
            word = m.group("w")
            if word.lower() in NOT_ENTITY_WORDS or any(
                s < m.end() and m.start("w") < e for s, e in taken
            ):
                continue
            self._unknown(found, word, m.start("w"), m.end("w"), known, strength=0.45)
        return found

    def _shape_prior(self, name: str) -> float:
        """Machines are numbered (web-01, db02), services are not: a small nudge between kinds."""
        if "host" in self.kinds and "service" in self.kinds:
            return 0.0
        numbered = bool(re.search(r"\d+$", name))
        if "host" in self.kinds:
            return 0.1 if numbered else -0.1
        return -0.1 if numbered else 0.1

    def _unknown(
        self, found: Findings, name: str, start: int, end: int, known: list[str], strength: float
    ) -> None:
        close = tuple(
            match
            for match, score, _ in process.extract(name, known, scorer=fuzz.ratio, limit=3)
            if score >= _SUGGEST_SCORE
        )
        if self.strict and self.catalog is not None:
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            kinds = " or ".join(self.kinds)
            found.refusals.append(Refusal(f"{name} is not a known {kinds}{hint}", start, end))
            return
        found.candidates.append(Candidate(name, start, end, strength, False, close))

    def read(self, text: str, ctx: ExtractContext) -> Candidate | Refusal:
        found = self.find(text, ctx)
        if found.candidates:
            return max(found.candidates, key=lambda c: (c.strength, c.end - c.start))
        if found.refusals:
            return found.refusals[0]
        # A plain answer ("billing") is a name as given, once filler words are trimmed.
        stripped = text.strip().rstrip(".!?,;")
        lead = _FILLER.match(stripped)
        start = lead.end() if lead else 0
        name = _TRAILER.sub("", stripped[start:]).strip()
        offset = text.find(name) if name else -1
        if not name or len(name.split()) > 3 or offset < 0 or name.lower() in NOT_ENTITY_WORDS:
            kinds = " or ".join(self.kinds)
            return Refusal(f"I could not read a {kinds} name from {text.strip()!r}", 0, len(text))
        refused = Findings()
        self._unknown(refused, name, offset, offset + len(name), self._known(ctx), strength=0.8)
        if refused.refusals:
            return refused.refusals[0]
        return refused.candidates[0]
