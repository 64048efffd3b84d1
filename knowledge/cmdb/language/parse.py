"""Question -> `CMDBQuery`: grammar marks, exact item names, then schema linking by attention,
then `assemble` puts the pieces together. Whatever maps to nothing is reported, never dropped.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from knowledge.cmdb.language.assemble import assemble
from knowledge.cmdb.language.elements import Element, Entity
from knowledge.cmdb.language.grammar import CHINESE_WORDS, Mark, Word, scan, tokenize
from knowledge.cmdb.language.linking import Linker, candidate_spans
from knowledge.cmdb.results import Parsed
from knowledge.cmdb.schema import Schema
from knowledge.sentences import has_han

FindItems = Callable[[list[str]], list[tuple[int, str, str, str]]]  # names -> (rid,id,type,name)
FindIdentifier = Callable[[str], list[str]]  # a word -> identifier attributes holding it


class QuestionParser:
    """Parses questions against one CMDB's schema, keys and item names."""

    def __init__(
        self,
        schema: Schema,
        linker: Linker,
        find_items: FindItems,
        find_identifier: FindIdentifier,
    ) -> None:
        self.schema = schema
        self.linker = linker
        self.find_items = find_items
        self.find_identifier = find_identifier
        # Chinese is cut into the phrases the grammar knows and the key texts of this CMDB.
        runs = {run for t in linker.table.texts if has_han(t) for run in _han_runs(t)}
        self.vocabulary = CHINESE_WORDS | runs

    def parse(self, question: str) -> Parsed:
        """Read `question`; `Parsed.understood` is False when any part did not map."""
        words = tokenize(question, self.vocabulary)
        lows = [w.low for w in words]
        marks = scan(words)
        taken = [False] * len(words)
        elements: list[Element] = []
        for mark in marks:
            elements.append(Element(mark.kind, mark.start, mark.end, _text(words, mark), mark=mark))
            _take(taken, mark.start, mark.end)
        elements += self._entities(words, taken)
        elements += self._semantic_text(words, marks, taken, elements)
        elements += self._identifiers(words, taken)
        elements += self._linked(lows, taken, exact_first=has_han(question))
        free = [i for i, t in enumerate(taken) if not t]
        for i in free:
            elements.append(Element("free", i, i + 1, words[i].text))
        elements.sort(key=lambda e: (e.start, e.end))
        return assemble(question, elements, self.schema, self.linker)

    def _entities(self, words: list[Word], taken: list[bool]) -> list[Element]:
        """Item names said exactly (`payment-api`, `web-01`, or `payment api`)."""
        candidates: dict[str, tuple[int, int]] = {}
        for i in range(len(words)):
            for n in (3, 2, 1):
                j = i + n
                if j > len(words) or any(taken[i:j]):
                    continue
                parts = [w.low for w in words[i:j]]
                for joined in {" ".join(parts), "-".join(parts), "".join(parts)}:
                    candidates.setdefault(joined, (i, j))
        if not candidates:
            return []
        found: dict[str, Entity] = {}
        for rid, iid, itype, name in self.find_items(list(candidates)):
            entity = Entity(rid, iid, itype, name)
            found.setdefault(name.lower(), entity)
            found.setdefault(iid, entity)
        out: list[Element] = []
        for text, (i, j) in sorted(candidates.items(), key=lambda kv: kv[1][0] - kv[1][1]):
            hit = found.get(text) or found.get(text.upper())
            if hit is None or any(taken[i:j]):
                continue
            _take(taken, i, j)
            out.append(Element("entity", i, j, hit.name, entity=hit))
        return out

    def _semantic_text(
        self, words: list[Word], marks: list[Mark], taken: list[bool], elements: list[Element]
    ) -> list[Element]:
        """The free words right after 'like' / 'related to' become text for semantic ranking."""
        out: list[Element] = []
        entity_starts = {e.start for e in elements if e.kind == "entity"}
        for mark in marks:
            if mark.kind != "semantic":
                continue
            i = mark.end
            while i < len(words) and words[i].low in ("the", "a", "an") and not taken[i]:
                i += 1
            if i in entity_starts:
                continue
            j = i
            while j < len(words) and not taken[j]:
                j += 1
            if j > i:
                _take(taken, i, j)
                out.append(Element("text", i, j, " ".join(w.text for w in words[i:j])))
        return out

    def _identifiers(self, words: list[Word], taken: list[bool]) -> list[Element]:
        """Exact values of identifier attributes (an ip, a serial) said in the question."""
        out: list[Element] = []
        for i, word in enumerate(words):
            if taken[i] or not any(ch.isdigit() for ch in word.low):
                continue
            attrs = [a for a in self.find_identifier(word.text) if a in self.schema.attrs]
            if attrs:
                taken[i] = True
                out.append(Element("ident", i, i + 1, word.text, attrs=tuple(attrs)))
        return out

    def _linked(self, lows: list[str], taken: list[bool], *, exact_first: bool) -> list[Element]:
        """Schema linking in two passes: types first, then everything masked to those types.
        `exact_first` for Chinese questions: a word that is a key text is that key."""
        exact = set(self.linker.table.text_vector)
        spans = candidate_spans(lows, [not t for t in taken], exact=exact)
        table = self.linker.table
        first = self.linker.link(
            spans, table.allowed({"type", "attr", "value"}), exact_first=exact_first
        )
        type_mentions = [m for m in first if m.target.kind == "type"]
        dropped: set[int] = set()
        for m, head in itertools.pairwise(type_mentions):
            if head.start == m.end and head.target.name != m.target.name:
                # "app servers": a modifier that is also a value of the head type is that value
                as_value = self.linker.link(
                    [(m.start, m.end, m.text)],
                    table.allowed({"value"}, head.target.type_names()),
                    exact_first=exact_first,
                )
                if as_value:
                    dropped.add(m.start)
        types = sorted(
            {n for m in type_mentions if m.start not in dropped for n in m.target.type_names()}
        )
        mentions = first
        if types:
            mentions = self.linker.link(
                spans, table.allowed({"type", "attr", "value"}, types), exact_first=exact_first
            )
        out: list[Element] = []
        for mention in mentions:
            _take(taken, mention.start, mention.end)
            out.append(
                Element(
                    mention.target.kind, mention.start, mention.end, mention.text, mention=mention
                )
            )
        return out


def _han_runs(text: str) -> list[str]:
    runs: list[str] = []
    current = ""
    for ch in text:
        if has_han(ch):
            current += ch
        elif current:
            runs.append(current)
            current = ""
    return [*runs, current] if current else runs


def _text(words: list[Word], mark: Mark) -> str:
    return " ".join(w.text for w in words[mark.start : mark.end])


def _take(taken: list[bool], start: int, end: int) -> None:
    for i in range(start, end):
        taken[i] = True
