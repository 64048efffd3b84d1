"""The CMDB's schema as data shows it: types, attributes (numeric, categorical or identifier),
distinct values per type, and which relations join which types.

Computed inside each load's transaction and kept as JSON in the meta table, so opening a
large CMDB never rescans it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from knowledge.cmdb.sensitive import SensitivePolicy
from knowledge.progress import Progress

MAX_CATEGORIES = 200  # more distinct texts than this: an identifier (ip, serial), not a category


@dataclass(frozen=True)
class AttrInfo:
    """One attribute: its value class and where it occurs."""

    name: str
    kind: str  # number | text | bool
    count: int
    distinct: int
    types: dict[str, int]  # item type -> items having it
    low: float | None = None
    high: float | None = None

    @property
    def numeric(self) -> bool:
        return self.kind == "number"

    @property
    def categorical(self) -> bool:
        """Low-cardinality text or bool: its values become linking keys."""
        if self.kind == "bool":
            return True
        return self.kind == "text" and (
            self.distinct <= 20
            or (self.distinct <= MAX_CATEGORIES and self.distinct * 5 <= self.count)
        )


@dataclass(frozen=True)
class RelationInfo:
    """How often `src_type --type--> dst_type` occurs."""

    src_type: str
    type: str
    dst_type: str
    count: int


@dataclass
class Schema:
    """Types, visible attributes, categorical values and relation shapes of one CMDB."""

    types: dict[str, int] = field(default_factory=dict)
    attrs: dict[str, AttrInfo] = field(default_factory=dict)
    values: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)  # attr->val->type->n
    relations: list[RelationInfo] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: dict[str, Any], policy: SensitivePolicy) -> Schema:
        """Rebuild from the stored summary, dropping every sensitive attribute."""
        attrs = {
            name: AttrInfo(name=name, **info)
            for name, info in data.get("attrs", {}).items()
            if not policy.is_sensitive(name)
        }
        return cls(
            types=dict(data.get("types", {})),
            attrs=attrs,
            values={a: v for a, v in data.get("values", {}).items() if a in attrs},
            relations=[RelationInfo(*r) for r in data.get("relations", [])],
        )

    def attrs_of(self, types: list[str]) -> set[str]:
        """Attributes present on any of `types` (all attributes when `types` is empty)."""
        if not types:
            return set(self.attrs)
        return {a for a, info in self.attrs.items() if any(t in info.types for t in types)}

    def relation_between(self, src_type: str, dst_type: str) -> str | None:
        """The most frequent relation type from `src_type` to `dst_type`, if any."""
        found = [r for r in self.relations if r.src_type == src_type and r.dst_type == dst_type]
        return max(found, key=lambda r: r.count).type if found else None


def summarize(
    conn: sqlite3.Connection,
    policy: SensitivePolicy,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Scan the stored CMDB into the JSON summary `Schema.from_json` reads."""
    report = progress or (lambda phase, done, total: None)
    hidden = policy.with_declared(r[0] for r in conn.execute("SELECT key FROM sensitive"))
    types = {t: n for t, n in conn.execute("SELECT type, COUNT(*) FROM items GROUP BY type")}
    attrs: dict[str, dict[str, Any]] = {}
    rows = conn.execute(
        "SELECT a.key, i.type, a.kind, COUNT(*), MIN(a.num), MAX(a.num) "
        "FROM attrs a JOIN items i ON i.rid = a.item GROUP BY a.key, i.type"
    )
    for key, itype, kind, count, low, high in rows:
        info = attrs.setdefault(
            key, {"kind": "", "count": 0, "distinct": 0, "types": {}, "low": None, "high": None}
        )
        info["kind"] = {"i": "number", "n": "number", "b": "bool"}.get(kind, "text")
        info["count"] += count
        info["types"][itype] = info["types"].get(itype, 0) + count
        if low is not None:
            info["low"] = low if info["low"] is None else min(info["low"], low)
            info["high"] = high if info["high"] is None else max(info["high"], high)
    values: dict[str, dict[str, dict[str, int]]] = {}
    for n, (key, info) in enumerate(attrs.items()):
        report("schema", n, len(attrs))
        (distinct,) = conn.execute(
            "SELECT COUNT(*) FROM (SELECT DISTINCT txt FROM attrs WHERE key = ? LIMIT ?)",
            (key, MAX_CATEGORIES + 1),
        ).fetchone()
        info["distinct"] = distinct
        if hidden.is_sensitive(key) or not AttrInfo(name=key, **info).categorical:
            continue
        per_value: dict[str, dict[str, int]] = {}
        for txt, itype, count in conn.execute(
            "SELECT a.txt, i.type, COUNT(*) FROM attrs a JOIN items i ON i.rid = a.item "
            "WHERE a.key = ? GROUP BY a.txt, i.type",
            (key,),
        ):
            per_value.setdefault(txt, {})[itype] = count
        values[key] = per_value
    report("schema", len(attrs), len(attrs))
    relations = [
        list(r)
        for r in conn.execute(
            "SELECT s.type, r.type, d.type, COUNT(*) FROM relations r "
            "JOIN items s ON s.rid = r.src JOIN items d ON d.rid = r.dst GROUP BY 1, 2, 3"
        )
    ]
    return {"types": types, "attrs": attrs, "values": values, "relations": relations}
