"""Conditions from linked values, identifiers, comparisons and item names, with negation
('not in staging', 'non-prod') and 'or' ('sh-1 or bj-2', 'in sh-1 or over 90% cpu')."""

from __future__ import annotations

from typing import TYPE_CHECKING

from knowledge.cmdb.language.keys import Target
from knowledge.cmdb.language.phrases import AND_WORDS
from knowledge.cmdb.models import CMDBQuery, Condition
from knowledge.sentences import has_han

if TYPE_CHECKING:
    from knowledge.cmdb.language.elements import Element

CONDITION_KINDS = ("value", "ident", "compare", "entity")
FLIP = {
    "=": "!=",
    "!=": "=",
    ">": "<=",
    ">=": "<",
    "<": ">=",
    "<=": ">",
    "in": "not in",
    "not in": "in",
    "contains": "contains",
}


def _target_condition(target: Target) -> Condition:
    if len(target.values) == 1:
        return Condition(attr=target.name, op="=", value=target.values[0])
    return Condition(attr=target.name, op="in", value=list(target.values))


def _build(e: Element, types: list[str]) -> bool:
    """Fill e.conds for a value or identifier; True when they are alternatives (any one)."""
    if e.kind == "value" and e.mention is not None:
        targets = [e.mention.target]
        for alt in e.mention.alternatives:
            fits = not types or not alt.types or bool(alt.types & set(types))
            if fits and alt.name not in {t.name for t in targets}:
                targets.append(alt)
        e.conds = [_target_condition(t) for t in targets]
        return len(targets) > 1
    if e.kind == "ident":
        e.conds = [Condition(attr=a, op="=", value=e.text) for a in e.attrs]
        return len(e.attrs) > 1
    return False


def _negate(e: Element) -> None:
    e.negated = True
    if e.kind == "compare" and len(e.conds) == 2:  # not between a and b: below a or above b
        low, high = e.conds
        e.conds = [
            Condition(attr=low.attr, op="<", value=low.value),
            Condition(attr=high.attr, op=">", value=high.value),
        ]
        return
    e.conds = [Condition(attr=c.attr, op=FLIP[c.op], value=c.value) for c in e.conds]  # type: ignore[arg-type]


def apply_values(
    elements: list[Element], query: CMDBQuery, problems: list[str], neg_glue: set[str]
) -> None:
    """Add every condition to `query`: AND by default, OR groups where the user said 'or'."""
    alternatives: set[int] = set()
    for i, e in enumerate(elements):
        if e.kind in ("value", "ident") and _build(e, query.types):
            alternatives.add(i)
        if e.kind in ("value", "ident"):
            e.used = True
    candidates = [i for i, e in enumerate(elements) if e.kind in CONDITION_KINDS and e.conds]
    _apply_negations(elements, candidates, problems, neg_glue)
    parent = {i: i for i in candidates}

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i, e in enumerate(elements):
        if e.kind != "or":
            continue
        e.used = True
        left = [k for k in candidates if k < i]
        right = [k for k in candidates if k > i]
        if left and right:
            parent[root(right[0])] = root(left[-1])
    groups: dict[int, list[int]] = {}
    for i in candidates:
        groups.setdefault(root(i), []).append(i)
    for members in groups.values():
        _add_group([elements[k] for k in members], members, alternatives, query, problems)
    _merge_same_attr(query)


def _apply_negations(
    elements: list[Element], candidates: list[int], problems: list[str], glue: set[str]
) -> None:
    for i, e in enumerate(elements):
        if e.kind != "neg":
            continue
        e.used = True
        target = next((k for k in candidates if k > i), None)
        between_ok = target is not None and _glued(elements, i + 1, target, glue)
        if not between_ok and has_han(e.text):  # "上海二区的不要": Chinese may say it after
            target = next((k for k in reversed(candidates) if k < i), None)
            between_ok = target is not None and _glued(elements, target + 1, i, glue)
        if target is None or not between_ok:
            problems.append(f"could not tell what {e.text!r} applies to")
            continue
        _negate(elements[target])
        attr = {c.attr for c in elements[target].conds}
        k = target + 1  # "not in staging or dev", "excluding sh-1, sh-2": the list shares it
        while k + 1 < len(elements) and elements[k].kind in ("or", "comma", "stop"):
            nxt = elements[k + 1]
            if nxt.kind == "value" and {c.attr for c in nxt.conds} == attr and not nxt.negated:
                _negate(nxt)
                k += 2
                continue
            if elements[k].kind == "stop" and elements[k].text.lower() in (*AND_WORDS, "nor"):
                k += 1
                continue
            break


def _glued(elements: list[Element], start: int, end: int, glue: set[str]) -> bool:
    """Only fillers and type words between elements [start, end)."""
    return all(
        elements[k].kind in ("stop", "type")
        and (elements[k].kind == "type" or elements[k].text.lower() in glue)
        for k in range(start, end)
    )


def _add_group(
    group: list[Element],
    members: list[int],
    alternatives: set[int],
    query: CMDBQuery,
    problems: list[str],
) -> None:
    if len(group) == 1:
        e = group[0]
        if members[0] in alternatives and not e.negated:
            query.any_of.append(list(e.conds))
        else:
            query.filters.extend(e.conds)
        return
    attrs = {c.attr for e in group for c in e.conds}
    simple = all(e.kind == "value" and len(e.conds) == 1 for e in group)
    if simple and len(attrs) == 1 and len({e.negated for e in group}) == 1:
        values: list[str] = []
        for e in group:
            value = e.conds[0].value
            values += [str(v) for v in value] if isinstance(value, list) else [str(value)]
        op = "not in" if group[0].negated else "in"
        query.filters.append(Condition(attr=attrs.pop(), op=op, value=list(dict.fromkeys(values))))
        return
    either: list[Condition] = []
    for e in group:
        if len(e.conds) > 1 and e.kind == "compare" and not e.negated:
            problems.append(f"a range ({e.text!r}) cannot be one side of 'or'; ask it separately")
            continue
        either.extend(e.conds)
    if either:
        query.any_of.append(either)


def _merge_same_attr(query: CMDBQuery) -> None:
    """Two positive values of one attribute ('sh-1 and sh-2 hosts') mean either of them."""
    merged: list[Condition] = []
    positive: dict[str, int] = {}
    for cond in query.filters:
        if cond.op in ("=", "in") and isinstance(cond.value, str | list):
            values = cond.value if isinstance(cond.value, list) else [cond.value]
            if cond.attr in positive:
                k = positive[cond.attr]
                old = merged[k].value
                combined = [*(old if isinstance(old, list) else [old]), *values]
                unique = [str(v) for v in dict.fromkeys(combined)]
                merged[k] = Condition(attr=cond.attr, op="in", value=unique)
                continue
            positive[cond.attr] = len(merged)
        merged.append(cond)
    query.filters = merged
