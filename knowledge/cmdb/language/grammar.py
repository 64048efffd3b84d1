"""The small grammar around schema linking: words, numbers with units, comparisons, ranges,
negation, 'or', counts and averages, group-by, sort/limit, relation phrases.

It marks what it recognises; every word it leaves unmarked goes to schema linking.
Chinese text is cut into words first (chinese.py): the phrase tables hold Chinese words too.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from knowledge.cmdb.language import lexicon_zh
from knowledge.cmdb.language.chinese import halfwidth, is_han, segment
from knowledge.cmdb.language.lexicon import UNIT_WORDS
from knowledge.cmdb.language.phrases import (
    AGG_WORDS,
    BY_WORDS,
    COMPARATORS,
    DEPTH_WORDS,
    GROUP_WORDS,
    LIMIT_WORDS,
    NEGATIONS,
    OR_WORDS,
    OUTPUT_WORDS,
    POST_COMPARATORS,
    RANGE_JOINERS,
    RANGE_TO_ZH,
    RELATION_PHRASES,
    SEMANTIC_WORDS,
    SORT_WORDS,
    STOP_PHRASES,
    STOPWORDS,
)
from knowledge.sentences import HAN, has_han

_TOKEN = re.compile(r"[<>]=?|!=|==|=|,|[≥≤]|[\w][\w.\-/:'%+]*[\w%+]|[\w%]")
_HAN_RUN = re.compile(f"[{HAN}]+")
_NUMBER = re.compile(r"^(\d+(?:\.\d+)?)(?:-?([a-z%]+))?\+?$")
_RANGE = re.compile(r"^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)([a-z%]+)?$")


@dataclass(frozen=True)
class Word:
    """One token of the question with its character span."""

    text: str
    low: str
    start: int
    end: int


@dataclass
class Mark:
    """A recognised construct covering words [start, end)."""

    kind: str  # compare | number | neg | or | agg | group | sort | limit | rel | depth | output
    #            | semantic | stop | by
    start: int
    end: int
    op: str = ""
    numbers: list[float] = field(default_factory=list)
    unit: str | None = None
    unit_text: str = ""
    name: str = ""  # agg kind, relation type, output kind, sort implicit attr
    direction: str = ""  # relation: positional | reverse | out | in | both; sort: desc | asc
    count: int | None = None  # top N / limit N


def _chinese_vocabulary() -> frozenset[str]:
    """Every Chinese phrase the grammar and the lexicon know: what Han runs are cut into."""
    tables: list[Collection[str]] = [
        COMPARATORS, POST_COMPARATORS, RELATION_PHRASES, AGG_WORDS, GROUP_WORDS, SORT_WORDS,
        LIMIT_WORDS, NEGATIONS, OR_WORDS, DEPTH_WORDS, OUTPUT_WORDS, SEMANTIC_WORDS,
        STOP_PHRASES, STOPWORDS, BY_WORDS, RANGE_JOINERS, UNIT_WORDS,
    ]  # fmt: skip
    texts = [t for table in tables for t in table]
    for names in (lexicon_zh.TYPE_ZH, lexicon_zh.ATTR_ZH, lexicon_zh.VALUE_ZH, lexicon_zh.TEAM_ZH):
        texts += [t for group in names.values() for t in group]
    texts += [*lexicon_zh.TYPE_GROUPS_ZH, *lexicon_zh.FAMILY_ZH.values()]
    return frozenset(run for text in texts for run in _HAN_RUN.findall(text))


CHINESE_WORDS = _chinese_vocabulary()


def tokenize(question: str, vocabulary: Collection[str] = CHINESE_WORDS) -> list[Word]:
    """Words, numbers and comparison signs; `non-prod` splits, possessive `'s` drops.
    Chinese: Han runs are cut into the phrases of `vocabulary` (longest first)."""
    original, question = question, halfwidth(question)  # one character for one
    words: list[Word] = []
    for match in _TOKEN.finditer(question):
        if has_han(match.group(0)):
            words += _split_han(match.group(0), match.start(), vocabulary)
            continue
        text = match.group(0)
        low = text.lower()
        start = match.start()
        if low.endswith("'s") or low.endswith("’s"):
            low = low[:-2]
        if low.startswith("non-") and len(low) > 4:
            words.append(Word(text[:3], "non", start, start + 3))
            words.append(Word(text[4:], low[4:], start + 4, match.end()))
            continue
        if low:
            words.append(Word(text, low, start, match.end()))
    return [Word(original[w.start : w.end], w.low, w.start, w.end) for w in words]


def _split_han(text: str, offset: int, vocabulary: Collection[str]) -> list[Word]:
    """A token mixing scripts ("CPU超过80%的") as its Latin words and its Chinese words."""
    words: list[Word] = []
    i = 0
    while i < len(text):
        j = i
        han = is_han(text[i])
        while j < len(text) and is_han(text[j]) == han:
            j += 1
        if han:
            for start, end, low in segment(text[i:j], vocabulary):
                words.append(
                    Word(text[i + start : i + end], low, offset + i + start, offset + i + end)
                )
        else:
            words += tokenize(" " * (offset + i) + text[i:j], vocabulary)
        i = j
    return words


def parse_number(low: str) -> tuple[float, str | None] | None:
    """`80%` -> (80, 'pct'); `64gb` -> (64, 'gb'); `16` -> (16, None); words -> None."""
    match = _NUMBER.match(low)
    if not match:
        return None
    unit = match.group(2)
    if unit is not None and unit not in UNIT_WORDS:
        return None
    return float(match.group(1)), None if unit is None else UNIT_WORDS[unit]


def _phrase_at(lows: list[str], i: int, table: Mapping[str, object]) -> str | None:
    """The longest phrase of `table` starting at word i."""
    for n in (4, 3, 2, 1):
        phrase = " ".join(lows[i : i + n])
        if len(lows[i : i + n]) == n and phrase in table:
            return phrase
    return None


def scan(words: list[Word]) -> list[Mark]:
    """Mark grammar constructs, left to right, longest phrase first."""
    lows = [w.low for w in words]
    marks: list[Mark] = []
    i = 0
    while i < len(words):
        mark = _read_at(lows, i, marks)
        if mark is None:
            i += 1
            continue
        marks.append(mark)
        i = mark.end
    return marks


def _read_at(lows: list[str], i: int, marks: list[Mark]) -> Mark | None:
    for reader in (_read_compare, _read_number, _read_phrases):
        mark = reader(lows, i, marks)
        if mark is not None:
            return mark
    return None


def _read_compare(lows: list[str], i: int, marks: list[Mark]) -> Mark | None:
    phrase = _phrase_at(lows, i, COMPARATORS)
    negated = False
    start = i
    if phrase is None and lows[i] in ("not", "no") and i + 1 < len(lows):
        phrase = _phrase_at(lows, i + 1, COMPARATORS)
        negated = phrase is not None
        i += 1 if negated else 0
    if phrase is None:
        return None
    op = COMPARATORS[phrase]
    j = i + len(phrase.split())
    if op == "between":
        return _read_between(lows, start, j)
    value = _read_value(lows, j)
    if value is None:
        return None
    number, unit, unit_text, end = value
    if negated:
        op = {">": "<=", ">=": "<", "<": ">=", "<=": ">", "=": "!=", "!=": "="}[op]
    return Mark("compare", start, end, op=op, numbers=[number], unit=unit, unit_text=unit_text)


def _read_between(lows: list[str], start: int, j: int) -> Mark | None:
    first = _read_value(lows, j)
    if first is None:
        return None
    low_number, unit, unit_text, k = first
    if k < len(lows) and lows[k] in RANGE_JOINERS:
        second = _read_value(lows, k + 1)
        if second is not None:
            high, unit2, unit_text2, end = second
            return Mark(
                "compare",
                start,
                end,
                op="between",
                numbers=sorted([low_number, high]),
                unit=unit or unit2,
                unit_text=" ".join(t for t in (unit_text, unit_text2) if t),
            )
    return None


def _read_value(lows: list[str], j: int) -> tuple[float, str | None, str, int] | None:
    """A number at word j, with its unit inline (`80%`) or as the next word (`16 cores`)."""
    if j >= len(lows):
        return None
    parsed = parse_number(lows[j])
    if parsed is None:
        return None
    number, unit = parsed
    unit_text = lows[j].lstrip("0123456789.-+") if unit else ""
    end = j + 1
    if unit is None and end < len(lows):
        two = " ".join(lows[end : end + 2])
        if end + 1 < len(lows) and two in UNIT_WORDS:
            unit, unit_text, end = UNIT_WORDS[two], two, end + 2
        elif lows[end] in UNIT_WORDS:
            unit, unit_text, end = UNIT_WORDS[lows[end]], lows[end], end + 1
    return number, unit, unit_text, end


def _read_number(lows: list[str], i: int, marks: list[Mark]) -> Mark | None:
    """A number outside a comparison: a range (`20-40%`), `16+ cores`, `8 cores or more`,
    or a plain `32gb` meaning equality. Bare numbers are left for top/limit."""
    ranged = _RANGE.match(lows[i])
    if ranged and (ranged.group(3) is None or ranged.group(3) in UNIT_WORDS):
        unit_word = ranged.group(3)
        unit = UNIT_WORDS[unit_word] if unit_word else None
        numbers = sorted([float(ranged.group(1)), float(ranged.group(2))])
        return Mark(
            "compare", i, i + 1, op="between", numbers=numbers, unit=unit, unit_text=unit_word or ""
        )
    value = _read_value(lows, i)
    if value is None:
        return None
    number, unit, unit_text, end = value
    if end < len(lows) and lows[end] in RANGE_TO_ZH:  # "20 到 40%": no word before it
        ranged_mark = _read_between(lows, i, i)
        if ranged_mark is not None:
            return ranged_mark
    op = ">=" if lows[i].endswith("+") else "="
    post = _phrase_at(lows, end, POST_COMPARATORS)
    if post is not None:
        op, end = POST_COMPARATORS[post], end + len(post.split())
    if op == "=" and unit is None:
        return None
    return Mark("compare", i, end, op=op, numbers=[number], unit=unit, unit_text=unit_text)


def _read_phrases(lows: list[str], i: int, marks: list[Mark]) -> Mark | None:
    tables: list[tuple[str, Mapping[str, object]]] = [
        ("rel", RELATION_PHRASES),
        ("stop", STOP_PHRASES),
        ("agg", AGG_WORDS),
        ("group", GROUP_WORDS),
        ("sort", SORT_WORDS),
        ("limit", LIMIT_WORDS),
        ("neg", NEGATIONS),
        ("or", OR_WORDS),
        ("depth", DEPTH_WORDS),
        ("output", OUTPUT_WORDS),
        ("semantic", SEMANTIC_WORDS),
    ]
    best: tuple[int, str, str] | None = None
    for kind, table in tables:
        phrase = _phrase_at(lows, i, table)
        if phrase is not None and (best is None or len(phrase.split()) > best[0]):
            best = (len(phrase.split()), kind, phrase)
    if best is None:
        if lows[i] in STOPWORDS or lows[i] == ",":
            return Mark("stop" if lows[i] != "," else "comma", i, i + 1)
        if lows[i] in BY_WORDS:
            return Mark("by", i, i + 1)
        return None
    n, kind, phrase = best
    mark = Mark(kind, i, i + n)
    if kind == "rel":
        mark.name, mark.direction = RELATION_PHRASES[phrase]
    elif kind in ("agg", "output"):
        mark.name = AGG_WORDS[phrase] if kind == "agg" else OUTPUT_WORDS[phrase]
    elif kind == "sort":
        mark.direction, mark.name = SORT_WORDS[phrase]
    if kind in ("sort", "limit") and mark.end < len(lows):
        count = parse_number(lows[mark.end])
        if count is not None and count[1] is None and count[0] == int(count[0]):
            mark.count, mark.end = int(count[0]), mark.end + 1
    if kind == "sort" and mark.count is None and i > 0:
        count = parse_number(lows[i - 1])  # "5 busiest hosts"
        if count is not None and count[1] is None and not _covered(marks, i - 1):
            mark.count, mark.start = int(count[0]), i - 1
    return mark


def _covered(marks: list[Mark], i: int) -> bool:
    return any(m.start <= i < m.end for m in marks)
