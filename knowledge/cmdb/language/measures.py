"""Numbers in a question: which attribute a comparison, an aggregate or a sort speaks of.

A number takes the attribute said right next to it ('cpu over 80%', '64gb of ram'); the
unit narrows the candidates ('%' is never cpu_cores) and masked attention over the
attribute keys picks among them.
"""

from __future__ import annotations

from knowledge.cmdb.language.elements import Element, State
from knowledge.cmdb.language.keys import Target
from knowledge.cmdb.language.lexicon import UNIT_TEXT, convert, unit_fits
from knowledge.cmdb.language.linking import ACCEPT, Linker
from knowledge.cmdb.language.phrases import AND_WORDS, LEVEL_WORDS
from knowledge.cmdb.language.phrases_zh import SUPERLATIVE_PREFIX_ZH
from knowledge.cmdb.models import Condition, SortSpec
from knowledge.cmdb.results import Link
from knowledge.cmdb.schema import Schema
from knowledge.sentences import has_han

# fmt: off
BEFORE_GLUE = {"with", "whose", "where", "having", "has", "have", "is", "are", "at", "of", "its",
               "their", "the", "a", "an", "that", "which", "in", "on", "的", "是", "为", "在", "都"}
# fmt: on
AFTER_GLUE = {"of", "the"}


def _attr_near(elements: list[Element], i: int) -> int | None:
    """Index of the attribute mention said right after or right before element i."""
    after = _next_attr(elements, i, +1, AFTER_GLUE)
    if after is not None:
        k = after + 1
        while (
            k < len(elements)
            and elements[k].kind == "stop"
            and elements[k].text.lower() in BEFORE_GLUE
        ):
            k += 1
        takes_next = k < len(elements) and elements[k].kind == "compare"
        if not takes_next:
            return after
    return _next_attr(elements, i, -1, BEFORE_GLUE)


def _next_attr(elements: list[Element], i: int, step: int, glue: set[str]) -> int | None:
    k = i + step
    while 0 <= k < len(elements):
        e = elements[k]
        if e.kind == "attr" and not e.used:
            return k
        if e.kind in ("stop", "by") and e.text.lower() in glue:
            k += step
            continue
        return None
    return None


def _resolve_numeric(
    linker: Linker, schema: Schema, types: list[str], unit: str | None, said: str | None
) -> Target | None:
    """Which numeric attribute a number speaks of: the word said, the unit, by attention."""
    names = frozenset(
        a
        for a in schema.attrs_of(types)
        if schema.attrs[a].numeric and (unit is None or unit_fits(unit, a))
    )
    if not names:
        return None
    mask = linker.table.attrs_mask(names)
    single = None  # the one attribute that can carry this unit, if only one can
    if unit is not None and len(names) == 1:
        single = next(t for t in linker.table.targets if t.kind == "attr" and t.name in names)
    if single is not None and not said:
        return single
    tries = [said] if said else []
    if said and unit:
        tries.append(f"{said} {UNIT_TEXT.get(unit, unit)}")
    if not said and unit:
        tries.append(UNIT_TEXT.get(unit, unit))
    for text in tries:
        found = linker.best_attr(text, mask) if text else None
        if found is not None and found[1] >= ACCEPT:
            return found[0]
    return single


def levels(elements: list[Element], schema: Schema, linker: Linker, state: State) -> None:
    """'high cpu', 'disk is low', 'idle hosts': a level word beside a percentage attribute
    is a threshold on it (over 80%, under 20%)."""
    for i, e in enumerate(elements):
        if e.kind != "free" or e.text.lower() not in LEVEL_WORDS:
            continue
        op, number = LEVEL_WORDS[e.text.lower()]
        near = _next_attr(elements, i, +1, AFTER_GLUE)
        near = near if near is not None else _next_attr(elements, i, -1, BEFORE_GLUE)
        said = elements[near].text.lower() if near is not None else "cpu"  # "idle hosts"
        target = _resolve_numeric(linker, schema, state.query.types, "pct", said)
        if target is None:
            continue
        if near is not None:
            elements[near].used = True
        e.kind, e.used = "compare", True
        e.conds = [Condition(attr=target.name, op=op, value=number)]  # type: ignore[arg-type]
        state.links.append(Link(f"{e.text} {said}", f"{target.name} {op} {number:g}", 1.0))


def comparisons(elements: list[Element], schema: Schema, linker: Linker, state: State) -> None:
    """Each number read by the grammar becomes a condition on the attribute beside it."""
    for i, e in enumerate(elements):
        if e.kind != "compare" or e.mark is None:
            continue
        mark = e.mark
        near = _attr_near(elements, i)
        said = elements[near].text.lower() if near is not None else None
        target = _resolve_numeric(linker, schema, state.query.types, mark.unit, said)
        if target is None:
            what = f" after {said!r}" if said else ""
            state.problems.append(f"{e.text!r}{what}: which numeric attribute is meant?")
            e.used = True
            continue
        if near is not None:
            elements[near].used = True
        state.links.append(
            Link(e.text if said is None else f"{said} {e.text}", f"attr:{target.name}", 1.0)
        )
        values = [convert(n, mark.unit, target.name) for n in mark.numbers]
        if mark.op == "between":
            e.conds = [
                Condition(attr=target.name, op=">=", value=values[0]),
                Condition(attr=target.name, op="<=", value=values[1]),
            ]
        else:
            e.conds = [Condition(attr=target.name, op=mark.op, value=values[0])]  # type: ignore[arg-type]
        e.used = True


def _attr_after(elements: list[Element], i: int) -> int | None:
    """The next unused attribute mention, looking past fillers, types and values."""
    k = i + 1
    while k < len(elements):
        e = elements[k]
        if e.kind == "attr" and not e.used:
            return k
        if e.kind in ("stop", "by", "type", "value", "comma"):
            k += 1
            continue
        return None
    return None


def _attr_around(elements: list[Element], i: int) -> int | None:
    """The attribute after element i; for a Chinese word, else the one before it
    ("CPU 最高的", "CPU 平均值"): Chinese says the attribute first."""
    k = _attr_after(elements, i)
    if k is None and has_han(elements[i].text):
        k = _next_attr(elements, i, -1, BEFORE_GLUE)
    return k


def _and_attr(elements: list[Element], k: int) -> int | None:
    """The attribute after `k` joined by 'and' / ',' ('per env and idc')."""
    j = k + 1
    if j + 1 < len(elements) and (
        elements[j].kind == "comma" or elements[j].text.lower() in AND_WORDS
    ):
        nxt = elements[j + 1]
        if nxt.kind == "attr" and not nxt.used:
            return j + 1
    return None


def _by_category(elements: list[Element], i: int, has_sort: bool, schema: Schema) -> bool:
    """'databases by engine' groups; 'hosts by cpu' (a number) sorts."""
    k = _attr_after(elements, i)
    if has_sort or k is None or elements[k].mention is None:
        return False
    info = schema.attrs.get(elements[k].mention.target.name)  # type: ignore[union-attr]
    return info is None or not info.numeric


def aggregates(elements: list[Element], schema: Schema, linker: Linker, state: State) -> None:
    """Counts, averages and totals, and what they are grouped by ('per idc', 'by engine')."""
    query = state.query
    has_agg = any(e.kind == "agg" for e in elements)
    has_sort = any(e.kind == "sort" for e in elements)
    for i, e in enumerate(elements):
        if e.kind == "agg" and e.mark is not None:
            e.used = True
            kind = e.mark.name
            if kind == "count":
                query.agg = "count"
                continue
            k = _attr_around(elements, i)
            said = elements[k].text.lower() if k is not None else None
            target = _resolve_numeric(linker, schema, query.types, None, said) if said else None
            if target is None:
                if kind == "total":
                    query.agg = "count"
                else:
                    state.problems.append(f"{e.text!r}: of which numeric attribute?")
                continue
            assert k is not None  # noqa: S101 (invariant, for mypy)
            elements[k].used = True
            query.agg = "sum" if kind == "total" else kind  # type: ignore[assignment]
            query.agg_attr = target.name
        elif e.kind == "group" or (
            e.kind == "by" and (has_agg or _by_category(elements, i, has_sort, schema))
        ):
            k = _attr_around(elements, i)
            e.used = True
            if k is None and query.group_by and has_han(e.text):
                continue  # "每个机房各有多少台": the second word repeats the first
            if k is None:
                state.problems.append(f"{e.text!r}: grouped by which attribute?")
                continue
            while k is not None:  # "per env and idc"
                mention = elements[k].mention
                assert mention is not None  # noqa: S101 (invariant, for mypy)
                elements[k].used = True
                if mention.target.name not in query.group_by:
                    query.group_by.append(mention.target.name)
                k = _and_attr(elements, k)
    if query.group_by and query.agg is None:
        query.agg = "count"
    if query.agg is not None:
        query.output = "stats" if query.output == "table" else query.output


def sorting(elements: list[Element], schema: Schema, linker: Linker, state: State) -> None:
    """Sort and limit: 'top 5 by cpu', '10 busiest', 'the fullest host', 'sorted by memory'."""
    query = state.query
    sort_attr: str | None = None
    descending = True
    for i, e in enumerate(elements):
        if e.kind == "limit" and e.mark is not None:
            e.used = True
            if e.mark.count is not None:
                query.limit = e.mark.count
        if e.kind not in ("sort", "by") or e.mark is None or e.used:
            continue
        e.used = True
        if e.mark.name == "!mod":
            descending = e.mark.direction == "desc"
            continue
        if e.kind == "sort":
            descending = e.mark.direction == "desc"
            if e.mark.count is not None:
                query.limit = e.mark.count
        if e.kind == "sort" and e.mark.name and e.mark.name in schema.attrs:
            sort_attr = e.mark.name
            continue
        k = _attr_around(elements, i)
        if k is None:
            continue
        mention = elements[k].mention
        assert mention is not None  # noqa: S101 (invariant, for mypy)
        elements[k].used = True
        sort_attr = mention.target.name
        if mention.target.name in schema.attrs and not schema.attrs[mention.target.name].numeric:
            target = _resolve_numeric(linker, schema, query.types, None, elements[k].text.lower())
            sort_attr = target.name if target is not None else sort_attr
    sorts = [
        e for e in elements if e.kind == "sort" and e.mark is not None and e.mark.name != "!mod"
    ]
    if sorts and query.limit is None:  # "5 hosts with the highest disk usage"
        for e in elements:
            if e.kind == "free" and not e.used and e.text.isdigit() and int(e.text) > 0:
                query.limit, e.used = int(e.text), True
                break
    singular = any(
        e.kind == "type" and not has_han(e.text) and not e.text.lower().endswith("s")
        for e in elements
    ) or any(e.text.startswith(SUPERLATIVE_PREFIX_ZH) for e in sorts)  # "CPU 最高的主机"
    if sort_attr is not None and query.limit is None and singular:
        query.limit = 1  # "the busiest host"
    if sort_attr is not None:
        query.sort = SortSpec(attr=sort_attr, descending=descending)
    elif sorts:
        state.problems.append(f"{sorts[0].text!r}: sorted by which attribute?")
