"""The CMDB's schema as data shows it: types, attributes (numeric, categorical or identifier),
distinct values per type, which relations join which types, and which attributes have a
column on `items`.

Built from aggregates (summary.py, inside each load's transaction) and kept as JSON in the
meta table, so opening a large CMDB never rescans it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from knowledge.cmdb.sensitive import SensitivePolicy
from knowledge.cmdb.tables import checked_column

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
    columns: dict[str, str] = field(default_factory=dict)  # attr -> its column on items

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
            columns={
                a: checked_column(c) for a, c in data.get("columns", {}).items() if a in attrs
            },
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
