"""Statistics: grouped numbers from SQL rows, the default grouping a plain item list is charted
by, and the summary of a whole CMDB (the bar chart itself is drawing/charts.py)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from knowledge.cmdb.models import CMDBQuery
from knowledge.cmdb.results import Item, StatRow, Stats
from knowledge.cmdb.schema import AttrInfo, Schema

MAX_BARS = 30
CHART_BY = ("idc", "env", "type", "role", "engine", "owner", "os", "status", "tier")


def chart_label(stats: Stats) -> str:
    """What the numbers are: `count`, `avg cpu_usage`."""
    return "count" if stats.agg == "count" or stats.attr is None else f"{stats.agg} {stats.attr}"


def counts_by(items: list[Item], query: CMDBQuery) -> Stats | None:
    """Counts of a plain answer by its most telling attribute (one the question did not fix)."""
    fixed = {c.attr for c in query.filters if c.op in ("=", "in")}
    mixed = len({it.type for it in items}) > 1
    for attr in ("type", *CHART_BY) if mixed else CHART_BY:
        if attr in fixed or (attr == "type" and len(query.types) == 1):
            continue
        values = Counter(it.type if attr == "type" else it.attrs.get(attr) for it in items)
        values.pop(None, None)
        if 2 <= len(values) <= 60:
            rows = tuple(
                StatRow((str(value),), count)
                for value, count in sorted(values.items(), key=lambda kv: (-kv[1], str(kv[0])))
            )
            return Stats((attr,), "count", None, rows)
    return None


def counts_from_summary(query: CMDBQuery, schema: Schema) -> Stats | None:
    """ "How many hosts per idc": counts per value of one categorical attribute, restricted
    to item types only, read from the schema summary (exact: the load that wrote the items
    counted them in the same transaction) instead of counting 10^6 rows. None when the
    question asks more than that; the SQL answers it."""
    if query.agg not in (None, "count") or len(query.group_by) != 1 or query.agg_attr:
        return None
    if query.filters or query.any_of or query.hop is not None or query.text:
        return None
    attr = query.group_by[0]
    info, per_value = schema.attrs.get(attr), schema.values.get(attr)
    if info is None or not info.categorical or per_value is None:
        return None
    types = set(query.types) if query.types else set(schema.types)
    counts = {
        v: sum(n for t, n in by_type.items() if t in types) for v, by_type in per_value.items()
    }
    groups: dict[str | None, int] = {v: n for v, n in counts.items() if n}
    missing = sum(schema.types.get(t, 0) for t in types) - sum(groups.values())
    if missing:
        groups[None] = missing  # items of these types without the attribute
    # Biggest first, then by value with "(none)" first: the order stats_sql gives.
    ordered = sorted(groups.items(), key=lambda kv: (-kv[1], kv[0] is not None, kv[0] or ""))
    rows = tuple(StatRow((value,), count) for value, count in ordered)
    return Stats((attr,), "count", None, rows)


def stats_from_rows(query: CMDBQuery, rows: list[tuple[Any, ...]]) -> Stats:
    """`Stats` from the rows of `compile.stats_sql`: group values, count, aggregate."""
    n = len(query.group_by)
    stat_rows = tuple(
        StatRow(
            tuple(None if g is None else str(g) for g in r[:n]),
            int(r[n]),
            None if r[n + 1] is None else float(r[n + 1]),
        )
        for r in rows
    )
    return Stats(tuple(query.group_by), query.agg or "count", query.agg_attr, stat_rows)


def _kind(info: AttrInfo) -> str:
    if info.numeric:
        return "numeric"
    return "categorical" if info.categorical else "identifier"


def estate_summary(schema: Schema, hidden: set[str], where: str | Path) -> dict[str, Any]:
    """What a CMDB holds, JSON-ready: items per type, relation shapes, attribute kinds."""
    attributes: dict[str, dict[str, Any]] = {}
    for name, info in sorted(schema.attrs.items()):
        entry: dict[str, Any] = {
            "kind": _kind(info),
            "items": info.count,
            "distinct": info.distinct,
            "types": sorted(info.types),
        }
        if info.numeric:
            entry |= {"min": info.low, "max": info.high}
        if info.categorical:
            entry["values"] = sorted(schema.values.get(name, {}))[:12]
        attributes[name] = entry
    return {
        "path": str(where),
        "items": sum(schema.types.values()),
        "types": dict(sorted(schema.types.items())),
        "relations": [
            {"from": r.src_type, "type": r.type, "to": r.dst_type, "count": r.count}
            for r in schema.relations
        ],
        "attributes": attributes,
        "hidden": sorted(hidden),
    }
