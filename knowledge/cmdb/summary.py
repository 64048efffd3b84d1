"""The schema summary of a stored CMDB, from aggregates only: counts, ranges and capped
distinct values per attribute, computed by the database inside the load's transaction.

Attributes with a column on `items` are summarised from that column (one scan for all
counts and ranges, then a capped DISTINCT and, for categorical ones, value counts per type);
attributes kept only in `attrs` (secrets, or a store written before columns existed) from
their EAV rows, through the attrs (key, ...) indexes. Nothing here holds more than one
attribute's distinct values (at most MAX_CATEGORIES + 1) in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from knowledge.cmdb.columns import ColumnMap
from knowledge.cmdb.schema import MAX_CATEGORIES, AttrInfo
from knowledge.cmdb.sensitive import SensitivePolicy
from knowledge.progress import Progress, no_progress

Rows = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]
_KINDS = {"i": "number", "n": "number", "b": "bool"}


def _blank(kind: str) -> dict[str, Any]:
    return {"kind": kind, "count": 0, "distinct": 0, "types": {}, "low": None, "high": None}


def _column_stats(rows: Rows, columns: dict[str, tuple[str, str]]) -> dict[str, dict[str, Any]]:
    """Count, item types and range of every column attribute, in one scan of `items`."""
    if not columns:
        return {}
    names = sorted(columns)
    parts = [f"COUNT({columns[a][0]}), MIN({columns[a][0]}), MAX({columns[a][0]})" for a in names]
    sql = f"SELECT type, {', '.join(parts)} FROM items GROUP BY type"  # noqa: S608 (checked column names only)
    out = {a: _blank(columns[a][1]) for a in names}
    for row in rows(sql, ()):
        itype = str(row[0])
        for n, attr in enumerate(names):
            count, low, high = row[1 + 3 * n : 4 + 3 * n]
            if not count:
                continue
            info = out[attr]
            info["count"] += int(count)
            info["types"][itype] = int(count)
            if info["kind"] == "number":
                info["low"] = low if info["low"] is None else min(info["low"], low)
                info["high"] = high if info["high"] is None else max(info["high"], high)
    return {a: info for a, info in out.items() if info["count"]}


def _eav_stats(rows: Rows, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The same numbers for attributes that live only in `attrs`, one key at a time."""
    out: dict[str, dict[str, Any]] = {}
    for key in sorted(keys):
        for itype, kind, count, low, high in rows(
            "SELECT i.type, a.kind, COUNT(*), MIN(a.num), MAX(a.num) FROM attrs a "
            "JOIN items i ON i.rid = a.item WHERE a.key = ? GROUP BY i.type, a.kind",
            (key,),
        ):
            info = out.setdefault(key, _blank(_KINDS.get(str(kind), "text")))
            info["count"] += int(count)
            info["types"][str(itype)] = info["types"].get(str(itype), 0) + int(count)
            if low is not None:
                info["low"] = low if info["low"] is None else min(info["low"], low)
                info["high"] = high if info["high"] is None else max(info["high"], high)
    return out


def _distinct(rows: Rows, attr: str, col: str | None) -> int:
    """Distinct values, counted up to MAX_CATEGORIES + 1 (more only says 'identifier')."""
    if col is not None:
        sql = f"SELECT COUNT(*) FROM (SELECT DISTINCT {col} FROM items WHERE {col} IS NOT NULL LIMIT ?) AS d"  # noqa: S608 (checked column name)
        return int(rows(sql, (MAX_CATEGORIES + 1,))[0][0])
    sql = "SELECT COUNT(*) FROM (SELECT DISTINCT txt FROM attrs WHERE key = ? LIMIT ?) AS d"
    return int(rows(sql, (attr, MAX_CATEGORIES + 1))[0][0])


def _value_counts(rows: Rows, col: str) -> dict[str, dict[str, int]]:
    """value -> item type -> count, for one categorical column."""
    per_value: dict[str, dict[str, int]] = {}
    sql = f"SELECT {col}, type, COUNT(*) FROM items WHERE {col} IS NOT NULL GROUP BY {col}, type"  # noqa: S608 (checked column name)
    for value, itype, count in rows(sql, ()):
        per_value.setdefault(str(value), {})[str(itype)] = int(count)
    return per_value


def summarize(
    rows: Rows,
    policy: SensitivePolicy,
    columns: ColumnMap,
    names: Iterable[str],
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The JSON summary `Schema.from_json` reads. `names`: every attribute that may be stored
    (those without a column are looked up in `attrs`; absent ones are left out)."""
    report = progress or no_progress
    hidden = policy.with_declared(str(r[0]) for r in rows("SELECT key FROM sensitive", ()))
    types = {str(t): int(n) for t, n in rows("SELECT type, COUNT(*) FROM items GROUP BY type", ())}
    visible = {a: c for a, c in columns.columns.items() if not hidden.is_sensitive(a)}
    report("schema", 0, 1)
    attrs = _column_stats(rows, visible)
    attrs |= _eav_stats(rows, set(names) - set(visible))
    values: dict[str, dict[str, dict[str, int]]] = {}
    for n, (attr, info) in enumerate(sorted(attrs.items())):
        report("schema", n, len(attrs))
        col = visible[attr][0] if attr in visible else None
        info["distinct"] = _distinct(rows, attr, col)
        if hidden.is_sensitive(attr) or not AttrInfo(name=attr, **info).categorical:
            continue
        values[attr] = _value_counts(rows, col) if col else _eav_value_counts(rows, attr)
    report("schema", len(attrs), len(attrs))
    relations = [
        [str(s), str(t), str(d), int(c)]
        for s, t, d, c in rows(
            "SELECT s.type, r.type, d.type, COUNT(*) FROM relations r "
            "JOIN items s ON s.rid = r.src JOIN items d ON d.rid = r.dst GROUP BY 1, 2, 3 "
            "ORDER BY 1, 2, 3",
            (),
        )
    ]
    shown = {a: c for a, (c, _) in visible.items() if a in attrs}
    return {
        "types": types,
        "attrs": attrs,
        "values": values,
        "relations": relations,
        "columns": shown,
    }


def _eav_value_counts(rows: Rows, attr: str) -> dict[str, dict[str, int]]:
    per_value: dict[str, dict[str, int]] = {}
    for txt, itype, count in rows(
        "SELECT a.txt, i.type, COUNT(*) FROM attrs a JOIN items i ON i.rid = a.item "
        "WHERE a.key = ? GROUP BY a.txt, i.type",
        (attr,),
    ):
        per_value.setdefault(str(txt), {})[str(itype)] = int(count)
    return per_value
