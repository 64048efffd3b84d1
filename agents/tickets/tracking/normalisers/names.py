"""Names of things (places, venues, people, titles) in a sentence: "San Jose", "Rosie Mccann's".

A name is a run of capitalised words, which may hold short linking words ("Ada And The
Engine", "Bank of America") and a number after a word ("Big 4", "Studio 9294"). The first
word of a sentence is capitalised anyway, so a lone capitalised word opening a sentence
("Seattle is ...", "Check to see ...") is a less sure name, and a verb there is none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agents.lexicon import SENTENCE_WORDS
from agents.tickets.tracking.normalisers.base import Candidate, ExtractContext, Findings, Refusal
from agents.tickets.tracking.normalisers.text import says_nothing, trim_answer

_WORD = re.compile(r"[A-Za-z0-9](?:[\w'’&-]|\.(?=\w))*|&|@")
# Lower-case words that may sit inside a name, never at its ends.
_LINKS = {"of", "the", "and", "&", "de", "del", "la", "le", "@", "y"}
# Verbs that open requests; capitalised only because they start the sentence.
_VERBS = {
    "check", "read", "add", "go", "put", "set", "change", "cancel", "call", "ask", "see", "say",
    "use", "keep", "take", "send", "buy", "order", "pick", "choose", "select", "start", "stop",
    "listen", "hear", "uh", "leave", "fly", "travel", "depart",
}  # fmt: skip
_NUMBER = re.compile(r"[\d.,:$%]+(?:st|nd|rd|th)?")
# "Long Beach, CA", "Paris, France", "Sydney, NSW": a place written with its region is one
# name. A region is an upper-case code or one of these (states, provinces, countries).
_REGION_CODE = re.compile(r"[A-Z]{2,3}\b")
_REGIONS = {
    "alabama", "alaska", "arizona", "arkansas", "california", "colorado", "connecticut",
    "delaware", "florida", "georgia", "hawaii", "idaho", "illinois", "indiana", "iowa",
    "kansas", "kentucky", "louisiana", "maine", "maryland", "massachusetts", "michigan",
    "minnesota", "mississippi", "missouri", "montana", "nebraska", "nevada", "ohio",
    "oklahoma", "oregon", "pennsylvania", "tennessee", "texas", "utah", "vermont", "virginia",
    "washington", "wisconsin", "wyoming", "ontario", "quebec", "alberta", "manitoba",
    "england", "scotland", "wales", "ireland", "france", "italy", "spain", "portugal",
    "germany", "austria", "greece", "netherlands", "belgium", "switzerland", "sweden",
    "norway", "denmark", "finland", "poland", "russia", "turkey", "egypt", "kenya", "india",
    "china", "japan", "korea", "thailand", "vietnam", "malaysia", "singapore", "indonesia",
    "australia", "canada", "mexico", "brazil", "argentina", "peru", "chile", "colombia",
}  # fmt: skip
_REGION_AFTER = re.compile(r",\s*([A-Z][A-Za-z]+)(?=\s*(?:[.,;!?]|$|\s+[a-z]))")
_BREAK = re.compile(r"[,;:!?.\n()]")


@dataclass(frozen=True)
class NameSpan:
    """A name and where it was written."""

    start: int
    end: int
    sure: bool  # False: a lone capitalised word opening a sentence ("Seattle is ...")


def _is_name_word(word: str) -> bool:
    return word[:1].isupper() and word.lower() not in SENTENCE_WORDS and not _NUMBER.fullmatch(word)


def _opens_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in ".!?:\n"


def find_names(text: str) -> list[NameSpan]:
    """Every run of capitalised words in `text` that is not just a sentence opener."""
    words = list(_WORD.finditer(text))
    spans: list[NameSpan] = []
    i = 0
    while i < len(words):
        if not _is_name_word(words[i].group(0)):
            i += 1
            continue
        last = i
        j = i + 1
        while j < len(words) and not _BREAK.search(text[words[j - 1].end() : words[j].start()]):
            word = words[j].group(0)
            if _is_name_word(word):
                last = j
            elif (
                _NUMBER.fullmatch(word)
                and last == j - 1
                and not re.match(r"\s*[:.]\d", text[words[j].end() :])
            ):
                last = j  # "Big 4", "Studio 9294"; not "at 11:30"
            elif word.lower() not in _LINKS and not word[:1].isupper():
                break  # a capitalised small word links ("Uncle Yu's At The Vineyard")
            j += 1
        start, end = words[i].start(), words[last].end()
        lone = (
            last == i
            and _opens_sentence(text, start)
            and bool(re.match(r" [a-z]", text[end : end + 2]))
        )
        first = words[i].group(0).lower()
        if lone and (first.endswith("ing") or first in _VERBS):
            i += 1  # "Booking a table ...", "Check to see ...": a verb opening the sentence
            continue
        region = _REGION_AFTER.match(text, end)
        if region and (
            _REGION_CODE.fullmatch(region.group(1)) or region.group(1).lower() in _REGIONS
        ):
            end = region.end(1)
            while last + 1 < len(words) and words[last + 1].end() <= end:
                last += 1
        the = re.search(r"\bThe\s+$", text[:start])
        if the and not lone:
            start = the.start()  # "The Cooperage": the article is part of the name
        spans.append(NameSpan(start, end, sure=not lone))
        i = last + 1
    return spans


class NameExtractor:
    """Names: spotted anywhere when capitalised; any words when they are the whole answer."""

    def find(self, text: str, ctx: ExtractContext) -> Findings:
        found = Findings()
        for span in find_names(text):
            value = text[span.start : span.end]
            strength = 0.8 if span.sure else 0.6
            found.candidates.append(Candidate(value, span.start, span.end, strength))
        return found

    def read(self, text: str, ctx: ExtractContext) -> Candidate | Refusal:
        names = self.find(text, ctx).candidates
        if len(names) == 1:
            return names[0]
        start, end = trim_answer(text)
        value = text[start:end]
        if not value or says_nothing(value):
            return Refusal("that answer named nothing", 0, len(text))
        return Candidate(value, start, end, 0.7)
