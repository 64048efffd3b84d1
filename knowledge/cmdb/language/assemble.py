"""Turns the marked, linked pieces of a question into a `CMDBQuery`.

Pieces relate by position: a comparison takes the attribute said next to it, a negation
the condition after it, 'or' the conditions on either side, a relation verb the item
named nearest to it. Anything left over is reported as not understood.
"""

from __future__ import annotations

from knowledge.cmdb.language.conditions import apply_values
from knowledge.cmdb.language.elements import Element, State
from knowledge.cmdb.language.grammar import Mark
from knowledge.cmdb.language.linking import Linker
from knowledge.cmdb.language.measures import aggregates, comparisons, levels, sorting
from knowledge.cmdb.language.phrases import STOP_PHRASES
from knowledge.cmdb.language.phrases_zh import DEMONSTRATIVES_ZH
from knowledge.cmdb.models import CMDBQuery, Condition, Hop
from knowledge.cmdb.results import Link, Parsed
from knowledge.cmdb.schema import Schema
from knowledge.sentences import has_han

NEG_GLUE = {"in", "on", "at", "the", "from", "a", "an", "running", "is", "are", "be", *STOP_PHRASES,
            "的", "在", "是", "于", "里", "位于", "处于"}  # fmt: skip
PASSIVE_ZH = {"被", "由"}
VERB_VALUES = {"running"}  # "hosts running debian": a verb here, not status=running
MAX_DEPTH = 4
SEMANTIC_LIMIT = 10


def assemble(question: str, elements: list[Element], schema: Schema, linker: Linker) -> Parsed:
    """Build the query; record links, unmapped words and problems on the way."""
    state = State(CMDBQuery())
    query = state.query
    for e in elements:
        if e.kind in ("stop", "comma"):
            e.used = True
        if e.mention is not None:
            state.links.append(Link(e.text, e.mention.target.label(), round(e.mention.score, 3)))
        if e.entity is not None:
            state.links.append(Link(e.text, f"item:{e.entity.id}", 1.0))
    modifier = _types(elements, schema, query)
    _verbs(elements)
    _output(elements, query)
    _relations(elements, schema, state, modifier)
    levels(elements, schema, linker, state)
    comparisons(elements, schema, linker, state)
    aggregates(elements, schema, linker, state)
    sorting(elements, schema, linker, state)
    _values(elements, state)
    _leftover_attrs(elements, state)
    _text(elements, query)
    unmapped = _unmapped(elements)
    if not unmapped and not state.problems and _empty(query):
        state.problems.append("nothing in the question names a CMDB type, attribute, value or item")
    return Parsed(question, query, tuple(state.links), tuple(unmapped), tuple(state.problems))


def _empty(query: CMDBQuery) -> bool:
    return not (
        query.types
        or query.filters
        or query.any_of
        or query.hop
        or query.text
        or query.agg
        or query.group_by
    )


def _types(elements: list[Element], schema: Schema, query: CMDBQuery) -> str | None:
    """Result types; returns a modifier type ('db servers': hosts databases run on)."""
    modifier: str | None = None
    for i, e in enumerate(elements):
        if e.kind != "type" or e.mention is None:
            continue
        e.used = True
        name = e.mention.target.name
        if len(e.mention.target.type_names()) > 1:  # "数据存储": several types at once
            query.types = sorted({*query.types, *e.mention.target.type_names()})
            continue
        nxt = elements[i + 1] if i + 1 < len(elements) else None
        if nxt is not None and nxt.entity is not None and nxt.entity.type == name:
            continue  # "cluster k8s-prod-sh-1": the type only classifies the item named
        if has_han(e.text) and _named_before(elements, i, name):
            continue  # "k8s-prod-sh-1 这个集群": Chinese says the type after the name
        if nxt is not None and nxt.kind == "type" and nxt.mention is not None and modifier is None:
            head = nxt.mention.target.name
            if head != name and (
                schema.relation_between(name, head) or schema.relation_between(head, name)
            ):
                modifier = name
                continue
        query.types = sorted({*query.types, name})
    return modifier


def _named_before(elements: list[Element], i: int, type_name: str) -> bool:
    """An item of `type_name` said right before element i, or with only 这个 / 该 between."""
    k = i - 1
    while k >= 0 and elements[k].kind == "stop" and elements[k].text in DEMONSTRATIVES_ZH:
        k -= 1
    entity = elements[k].entity if k >= 0 else None
    return entity is not None and entity.type == type_name


def _output(elements: list[Element], query: CMDBQuery) -> None:
    for e in elements:
        if e.kind == "output" and e.mark is not None:
            query.output = "topology" if e.mark.name == "topology" else "stats"
            e.used = True
        elif e.kind == "depth":
            e.used = True


def _relations(elements: list[Element], schema: Schema, state: State, modifier: str | None) -> None:
    query = state.query
    entities = [i for i, e in enumerate(elements) if e.kind == "entity"]
    deep = any(e.kind == "depth" for e in elements)
    hop_from: tuple[int, str | None, str] | None = None  # entity index, relation, direction
    for i, e in enumerate(elements):
        if e.kind not in ("rel", "semantic") or e.mark is None or not entities:
            continue
        if e.kind == "semantic" and _next_kind(elements, i) != "entity":
            continue
        nearest = min(entities, key=lambda k: (abs(k - i), k < i))
        if e.kind == "semantic":
            relation, direction = None, "both"
        else:
            relation = e.mark.name or None
            direction = e.mark.direction
            if direction == "positional":
                direction = "in" if nearest > i else "out"
            elif direction == "reverse":
                direction = "out" if nearest > i else "in"
            if e.mark.direction in ("positional", "reverse") and _passive(elements, nearest, i):
                direction = "in" if direction == "out" else "out"  # "X 被哪些服务依赖"
        if hop_from is None:
            hop_from = (nearest, relation, direction)
            e.used = True
    if hop_from is None and entities:
        anchor = elements[entities[0]].entity
        assert anchor is not None  # noqa: S101 (invariant, for mypy)
        if query.output == "topology" and len(entities) == 1:
            hop_from = (entities[0], None, "both")
        elif query.types and anchor.type not in query.types and len(entities) == 1:
            hop_from = _inferred_hop(entities[0], anchor.type, query.types, schema, state)
    if hop_from is not None:
        index, relation, direction = hop_from
        anchor = elements[index].entity
        assert anchor is not None  # noqa: S101 (invariant, for mypy)
        elements[index].used = True
        query.hop = Hop(
            anchor=anchor.id,
            anchor_name=anchor.name,
            relation=relation,
            direction=direction,
            depth=MAX_DEPTH if deep else 1,
        )  # type: ignore[arg-type]
        if not _reachable(schema, anchor.type, query.hop, query.types):
            state.problems.append(
                f"{anchor.name} ({anchor.type}) has no {relation or 'relation'} "
                f"{'to' if direction == 'out' else 'from'} {' or '.join(query.types)} items"
            )
        extra = [elements[k] for k in entities if k != index]
        if extra:
            state.problems.append(
                f"one starting item per question: used {anchor.name}, not "
                + ", ".join(e.text for e in extra)
            )
            for e in extra:
                e.used = True
        return
    if modifier is not None:
        found = _inferred_hop(-1, modifier, query.types, schema, state)
        if found is not None:
            query.hop = Hop(anchor_type=modifier, relation=found[1], direction=found[2])  # type: ignore[arg-type]
    named = [elements[k] for k in entities]
    for e in named:
        e.used = True
        e.conds = [Condition(attr="name", op="=", value=e.entity.name if e.entity else e.text)]
    for e in elements:
        if e.kind == "rel" and e.mark is not None and not e.used:
            e.used = True  # "hosts that use ubuntu": a verb with no item to anchor it


def _passive(elements: list[Element], anchor: int, verb: int) -> bool:
    """'被' between the item and the verb after it: the item is the verb's object."""
    return anchor < verb and any(elements[k].text in PASSIVE_ZH for k in range(anchor + 1, verb))


def _reachable(schema: Schema, anchor_type: str, hop: Hop, types: list[str]) -> bool:
    """Can one hop from an item of `anchor_type` reach an item of `types` at all?"""
    if not types or hop.depth > 1:
        return True
    for r in schema.relations:
        if hop.relation is not None and r.type != hop.relation:
            continue
        if hop.direction != "in" and r.src_type == anchor_type and r.dst_type in types:
            return True
        if hop.direction != "out" and r.dst_type == anchor_type and r.src_type in types:
            return True
    return False


def _next_kind(elements: list[Element], i: int) -> str | None:
    k = i + 1
    while k < len(elements) and elements[k].kind == "stop":
        k += 1
    return elements[k].kind if k < len(elements) else None


def _inferred_hop(
    index: int, anchor_type: str, types: list[str], schema: Schema, state: State
) -> tuple[int, str | None, str] | None:
    """'payment-api hosts': the relation the data has between the two types."""
    for wanted in types:
        relation = schema.relation_between(wanted, anchor_type)
        if relation is not None:
            return index, relation, "in"
        relation = schema.relation_between(anchor_type, wanted)
        if relation is not None:
            return index, relation, "out"
    state.problems.append(f"no relation links {anchor_type} items to {' or '.join(types)} items")
    return None


def _verbs(elements: list[Element]) -> None:
    """'running' beside an item is the runs_on verb ('where is payment-api running', 'hosts
    running payment-api'); before a value it is filler ('running debian'); else a status."""
    for i, e in enumerate(elements):
        if e.kind != "value" or e.text.lower() not in VERB_VALUES:
            continue
        around = [_neighbour(elements, i, -1), _neighbour(elements, i, +1)]
        if any(n is not None and n.kind == "entity" for n in around):
            e.kind, e.mention = "rel", None
            e.mark = Mark("rel", e.start, e.end, name="runs_on", direction="out")
        elif around[1] is not None and around[1].kind == "value":
            e.kind, e.used = "stop", True


def _neighbour(elements: list[Element], i: int, step: int) -> Element | None:
    k = i + step
    while 0 <= k < len(elements) and elements[k].kind == "stop":
        k += step
    return elements[k] if 0 <= k < len(elements) else None


def _values(elements: list[Element], state: State) -> None:
    apply_values(elements, state.query, state.problems, NEG_GLUE)


def _leftover_attrs(elements: list[Element], state: State) -> None:
    """An attribute said beside its value ('idc sh-1') is absorbed; otherwise it is a column."""
    for i, e in enumerate(elements):
        if e.kind != "attr" or e.used or e.mention is None:
            continue
        name = e.mention.target.name
        for k in (i - 1, i + 1, i + 2):
            if 0 <= k < len(elements) and name in _attrs_of(elements[k]):
                e.used = True
        if not e.used and name != "type":
            if name not in state.query.columns:
                state.query.columns.append(name)
            e.used = True


def _attrs_of(e: Element) -> set[str]:
    found: set[str] = set(e.attrs)
    if e.mention is not None and e.kind == "value":
        found.add(e.mention.target.name)
    found.update(c.attr for c in e.conds)
    return found


def _text(elements: list[Element], query: CMDBQuery) -> None:
    texts = [e.text for e in elements if e.kind == "text"]
    for e in elements:
        if e.kind in ("text", "semantic"):
            e.used = True
    if texts:
        query.text = " ".join(texts)
        if query.limit is None:
            query.limit = SEMANTIC_LIMIT


def _unmapped(elements: list[Element]) -> list[str]:
    """Words nothing used, neighbours joined into one phrase."""
    out: list[str] = []
    last_end = -1
    for e in elements:
        if e.used or e.kind != "free":
            continue
        if out and last_end == e.start:
            out[-1] = f"{out[-1]} {e.text}"
        else:
            out.append(e.text)
        last_end = e.end
    return out
