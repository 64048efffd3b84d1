"""`CMDBQuery` -> parameterised SQL. Every user-given value, attribute name and type travels
as a bound parameter; only fixed fragments chosen from the tables below are spliced in.

Each restriction compiles to a `Part` with two forms: a check (a WHERE fragment over
`items i`: the attribute's column on the item's own row when it has one, else one lookup
in `attrs`) and, where it can, a source (an index range scan yielding item row ids).
`plan.py` drives the query from the most selective source and checks the rest, so 'prod
mysql hosts in sh-1' walks the few mysql hosts, not every host. The text is the same for
SQLite and PostgreSQL (`?` marks; each store binds them its driver's way).
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.cmdb.models import CMDBQuery, Condition, Hop
from knowledge.cmdb.schema import Schema
from knowledge.cmdb.tables import checked_column

_SQL_OP = {"=": "=", "!=": "=", ">": ">", ">=": ">=", "<": "<", "<=": "<=", "in": "IN",
           "not in": "IN", "contains": "LIKE"}  # fmt: skip
_NEGATIVE = {"!=", "not in"}
_OWN_COLUMNS = {"name": "lname", "id": "id", "type": "type"}
UNKNOWN = float("inf")  # no source: the part can only be checked
BROAD_SHARE = 0.3  # a restriction matching more than this share of all items is broad


@dataclass(frozen=True)
class Compiled:
    """SQL text made only of fixed fragments, and the parameters bound to it."""

    sql: str
    params: tuple[object, ...] = ()


@dataclass(frozen=True)
class Part:
    """One restriction: its check over `items i`, and a source of candidate row ids
    (`SELECT ... AS rid`) with an estimate of how many it yields."""

    check: Compiled
    source: Compiled | None = None
    estimate: float = UNKNOWN
    hop: bool = False  # the source walks relations (not an attribute or own-field index)


def _placeholders(n: int) -> str:
    return ",".join("?" * n)


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _numbers(values: list[object]) -> list[float] | None:
    try:
        return [float(v) for v in values]  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _values(cond: Condition) -> list[object]:
    return list(cond.value) if isinstance(cond.value, list) else [cond.value]


def _own_part(cond: Condition, schema: Schema) -> Part:
    column = _OWN_COLUMNS[cond.attr]
    values = [str(v).lower() if cond.attr == "name" else str(v) for v in _values(cond)]
    params: list[object]
    if cond.op == "contains":
        shape, params = "LOWER({}) LIKE ? ESCAPE '\\'", [_like(values[0].lower())]
    elif cond.op in ("in", "not in", "=", "!="):
        shape, params = f"{{}} IN ({_placeholders(len(values))})", list(values)
    else:
        shape, params = f"{{}} {_SQL_OP[cond.op]} ?", [values[0]]
    negative = cond.op in _NEGATIVE
    check = Compiled(f"{'NOT ' if negative else ''}{shape.format('i.' + column)}", tuple(params))
    if negative or cond.op not in ("=", "in"):
        return Part(check)
    if cond.attr == "type":
        estimate = float(sum(schema.types.get(v, 0) for v in values))
    else:
        estimate = float(len(values))
    source = Compiled(f"SELECT rid FROM items WHERE {shape.format(column)}", tuple(params))  # noqa: S608 (only ? marks; values are bound)
    return Part(check, source, estimate)


def condition_part(cond: Condition, schema: Schema) -> Part:
    """One condition: an item's own column, or an attribute test (its column on `items`
    when it has one, else its EAV row)."""
    if cond.attr in _OWN_COLUMNS:
        return _own_part(cond, schema)
    info = schema.attrs.get(cond.attr)
    values = _values(cond)
    numbers = (
        _numbers(values) if info is not None and info.numeric and cond.op != "contains" else None
    )
    column = "num" if numbers is not None else "txt"
    bound: list[object] = list(numbers) if numbers is not None else [str(v) for v in values]
    params: list[object]
    if cond.op == "contains":
        shape, params = "LOWER({}) LIKE ? ESCAPE '\\'", [_like(str(values[0]).lower())]
    elif cond.op in ("in", "not in"):
        shape, params = f"{{}} IN ({_placeholders(len(bound))})", bound
    else:
        shape, params = f"{{}} {_SQL_OP[cond.op]} ?", [bound[0]]
    test = shape.format(column)
    lookup = f"EXISTS (SELECT 1 FROM attrs a WHERE a.item = i.rid AND a.key = ? AND {shape.format('a.' + column)})"  # noqa: S608 (only ? marks; values are bound)
    if cond.op in _NEGATIVE:
        check = _column_check(cond, schema, shape, tuple(params), numbers is not None, broad=False)
        return Part(check or Compiled(f"NOT {lookup}", (cond.attr, *params)))
    source = Compiled(
        f"SELECT item AS rid FROM attrs WHERE key = ? AND {test}",  # noqa: S608 (only ? marks; values are bound)
        (cond.attr, *params),
    )
    estimate = _estimate(cond, schema, numbers)
    broad = estimate > BROAD_SHARE * max(sum(schema.types.values()), 1)
    check = _column_check(cond, schema, shape, tuple(params), numbers is not None, broad=broad)
    return Part(check or Compiled(lookup, (cond.attr, *params)), source, estimate)


def _column_check(
    cond: Condition,
    schema: Schema,
    shape: str,
    params: tuple[object, ...],
    numeric: bool,
    *,
    broad: bool,
) -> Compiled | None:
    """`shape` (a test with `{}` for the value) on the attribute's `items` column: numbers
    compare as numbers, text and booleans as their text. None when the column cannot answer
    (no column, or a text test on a number): the EAV row does.

    `broad`: the summary says the test matches more than BROAD_SHARE of the items. SQLite
    knows how many rows an equality keeps (ANALYZE), but without histograms it guesses that
    a range keeps 1/4 of them and walks the attribute's index, one row lookup per entry,
    where reading the table is twice as fast: a broad range is then tested on the column as
    an expression (`+ 0`), which no index answers."""
    info = schema.attrs.get(cond.attr)
    col = schema.columns.get(cond.attr)
    if info is None or col is None or info.numeric != numeric:
        return None
    target = f"i.{checked_column(col)}"
    if broad and numeric and cond.op in (">", ">=", "<", "<="):
        target = f"({target} + 0)"
    if cond.op in _NEGATIVE:
        # As with NOT EXISTS: an item without the attribute is "not prod" too.
        return Compiled(f"({target} IS NULL OR NOT {shape.format(target)})", params)
    return Compiled(shape.format(target), params)


def _estimate(cond: Condition, schema: Schema, numbers: list[float] | None) -> float:
    """Rows a condition's source yields, from the schema summary (uniform within a range)."""
    info = schema.attrs.get(cond.attr)
    if info is None:
        return 0.0
    if numbers is None:
        per_value = schema.values.get(cond.attr)
        if per_value is None or cond.op == "contains":
            return float(info.count) / (1.0 if cond.op == "contains" else max(info.distinct, 1))
        return float(sum(sum(per_value.get(str(v), {}).values()) for v in _values(cond)))
    low, high = info.low or 0.0, info.high or 0.0
    span = max(high - low, 1e-9)
    if cond.op in (">", ">="):
        share = (high - numbers[0]) / span
    elif cond.op in ("<", "<="):
        share = (numbers[0] - low) / span
    else:
        share = len(numbers) / max(info.distinct, 1)
    return info.count * min(max(share, 0.0), 1.0)


def hop_part(hop: Hop, schema: Schema) -> Part:
    """Items the hop reaches, as a row-id source (small: one anchor's neighbours)."""
    if hop.anchor is None:
        source = _typed_hop(hop)
        estimate = float(sum(r.count for r in schema.relations
                             if hop.anchor_type in (r.src_type, r.dst_type)))  # fmt: skip
    else:
        source = _anchored_hop(hop)
        estimate = 50.0 * hop.depth
    return Part(Compiled(f"i.rid IN ({source.sql})", source.params), source, estimate, hop=True)


def _steps(direction: str) -> list[tuple[str, str]]:
    """(the end reached, the end walked from) per direction."""
    out = [("dst", "src")] if direction in ("out", "both") else []
    return out + ([("src", "dst")] if direction in ("in", "both") else [])


def _anchored_hop(hop: Hop) -> Compiled:
    anchor = "(SELECT rid FROM items WHERE id = ?)"
    rel = "" if hop.relation is None else " AND r.type = ?"
    rel_params: list[object] = [] if hop.relation is None else [hop.relation]
    steps = _steps(hop.direction)
    if hop.depth == 1:
        parts = [
            f"SELECT r.{to} AS rid FROM relations r WHERE r.{frm} = {anchor}{rel}"  # noqa: S608 (only ? marks; values are bound)
            for to, frm in steps
        ]
        return Compiled(
            " UNION ".join(parts), tuple(p for _ in steps for p in (hop.anchor, *rel_params))
        )
    # One recursive term (PostgreSQL allows no more): "both" follows either end of a relation.
    reached = {"out": "r.dst", "in": "r.src"}.get(
        hop.direction, "CASE WHEN r.src = w.rid THEN r.dst ELSE r.src END"
    )
    joined = {"out": "r.src = w.rid", "in": "r.dst = w.rid"}.get(
        hop.direction, "(r.src = w.rid OR r.dst = w.rid)"
    )
    sql = (
        f"WITH RECURSIVE walk(rid, depth) AS (SELECT rid, 0 FROM items WHERE id = ? "  # noqa: S608 (only ? marks; values are bound)
        f"UNION SELECT {reached}, w.depth + 1 FROM walk w JOIN relations r ON {joined}{rel} "
        f"WHERE w.depth < ?) "
        f"SELECT DISTINCT rid FROM walk WHERE depth > 0 AND rid != {anchor}"
    )
    return Compiled(sql, (hop.anchor, *rel_params, hop.depth, hop.anchor))


def _typed_hop(hop: Hop) -> Compiled:
    """One hop from every item of a type ('db servers': hosts some database runs on)."""
    rel = "" if hop.relation is None else " AND r.type = ?"
    rel_params: list[object] = [] if hop.relation is None else [hop.relation]
    parts = [
        f"SELECT r.{to} AS rid FROM items a JOIN relations r ON r.{frm} = a.rid "  # noqa: S608 (only ? marks; values are bound)
        f"WHERE a.type = ?{rel}"
        for to, frm in _steps(hop.direction)
    ]
    params = [p for _ in parts for p in (hop.anchor_type, *rel_params)]
    return Compiled(" UNION ".join(parts), tuple(params))


def query_parts(query: CMDBQuery, schema: Schema) -> list[Part]:
    """Every restriction of `query` as a `Part` (types, filters, or-groups, hop)."""
    parts: list[Part] = []
    if query.types:
        parts.append(
            condition_part(Condition(attr="type", op="in", value=list(query.types)), schema)
        )
    parts += [condition_part(c, schema) for c in query.filters]
    for group in query.any_of:
        checks = [condition_part(c, schema).check for c in group]
        sql = "(" + " OR ".join(c.sql for c in checks) + ")"
        parts.append(Part(Compiled(sql, tuple(p for c in checks for p in c.params))))
    if query.hop is not None:
        parts.append(hop_part(query.hop, schema))
    return parts
