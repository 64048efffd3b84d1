"""What a CMDB answer holds: items, grouped numbers, topology, and how the question was read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from knowledge.cmdb.models import CMDBQuery, Scalar


@dataclass(frozen=True)
class Item:
    """One configuration item as answers show it (sensitive attributes already removed)."""

    rid: int  # the store's row id; stable for the life of the file
    id: str
    type: str
    name: str
    attrs: dict[str, Scalar]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, the same shape a load file uses."""
        return {"id": self.id, "type": self.type, "name": self.name, "attrs": dict(self.attrs)}


@dataclass(frozen=True)
class StatRow:
    """One group: its key values, how many items, and the aggregate (avg/sum/min/max) if asked."""

    group: tuple[str | None, ...]
    count: int
    value: float | None = None


@dataclass(frozen=True)
class Stats:
    """Grouped numbers for a counting or averaging question."""

    group_by: tuple[str, ...]
    agg: str
    attr: str | None
    rows: tuple[StatRow, ...]

    def label(self, row: StatRow) -> str:
        """`sh-1` or `sh-1 / prod` for a group, `all` when not grouped."""
        return " / ".join("(none)" if g is None else g for g in row.group) or "all"

    def number(self, row: StatRow) -> float:
        """The number a chart shows for `row`: the aggregate, or the count."""
        return float(row.count if self.agg == "count" or row.value is None else row.value)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "group_by": list(self.group_by),
            "agg": self.agg,
            "attr": self.attr,
            "rows": [
                {"group": list(r.group), "count": r.count, "value": r.value} for r in self.rows
            ],
        }


@dataclass(frozen=True)
class Link:
    """A span of the question tied to a CMDB term, with the attention score that tied it."""

    span: str
    target: str  # e.g. "type=host", "env=prod", "attr:cpu_usage", "item:payment-api"
    score: float


@dataclass(frozen=True)
class Parsed:
    """A question read into a `CMDBQuery`, with the evidence and whatever did not map."""

    question: str
    query: CMDBQuery
    links: tuple[Link, ...] = ()
    unmapped: tuple[str, ...] = ()  # words or phrases nothing in the CMDB matched
    problems: tuple[str, ...] = ()  # e.g. "'over 80%': which attribute?"

    @property
    def understood(self) -> bool:
        """True when every part of the question mapped to something."""
        return not self.unmapped and not self.problems

    def complaint(self) -> str:
        """One line saying what did not map and what was understood."""
        parts = [f"could not map {', '.join(repr(u) for u in self.unmapped)} to the CMDB"]
        parts = (parts if self.unmapped else []) + list(self.problems)
        return (
            f"{'; '.join(parts)} (understood: {self.query.describe()}); rephrase with "
            "attribute names or values (`opsqkv cmdb stats` lists them)"
        )


@dataclass(frozen=True)
class Edge:
    """A relation between two items, by item id."""

    src: str
    type: str
    dst: str


@dataclass(frozen=True)
class Topology:
    """A subgraph of the estate: items, the relations among them, and which items were asked for."""

    nodes: tuple[Item, ...]
    edges: tuple[Edge, ...]
    focus: frozenset[str] = frozenset()  # ids of the answer, drawn outlined
    truncated: bool = False
    anchors: frozenset[str] = frozenset()  # ids of the items asked about, drawn in gold


class CMDBResult:
    """The answer to one question. Items are read from the store when first asked for, so
    a count over 10^5 hosts, or the first page of a long list, never reads them all."""

    def __init__(
        self,
        query: CMDBQuery,
        *,
        total: int,
        items: list[Item] | None = None,
        fetch: Callable[[int | None], list[Item]] | None = None,
        stats: Stats | None = None,
        parsed: Parsed | None = None,
        scores: dict[str, float] | None = None,
    ) -> None:
        self.query = query
        self.total = total  # matching items, before any limit
        self.stats = stats
        self.parsed = parsed
        self.scores = scores or {}  # item id -> attention score, when text ranked the answer
        self._items = items
        self._fetch = fetch

    @property
    def items(self) -> list[Item]:
        """All the matching items (up to the query's limit), in answer order."""
        if self._items is None:
            self._items = self._fetch(None) if self._fetch is not None else []
        return self._items

    def page(self, n: int) -> list[Item]:
        """The first `n` items, reading no more than those."""
        if self._items is not None or self._fetch is None:
            return self.items[:n]
        return self._fetch(n)

    def to_dict(self, *, max_items: int | None = None) -> dict[str, Any]:
        """JSON-ready form of the whole answer (the first `max_items` items if given)."""
        items = self.items if max_items is None else self.page(max_items)
        return {
            "query": self.query.model_dump(mode="json"),
            "understood": self.query.describe(),
            "total": self.total,
            "items": [it.to_dict() for it in items],
            "stats": None if self.stats is None else self.stats.to_dict(),
        }


def table_columns(items: list[Item], result: CMDBResult) -> list[str]:
    """Attributes to show: those the question used first, then the rest by frequency."""
    query = result.query
    asked = [c.attr for c in query.filters] + [c.attr for g in query.any_of for c in g]
    asked += query.columns + query.group_by + ([query.sort.attr] if query.sort else [])
    counts: dict[str, int] = {}
    for it in items:
        for key in it.attrs:
            counts[key] = counts.get(key, 0) + 1
    rest = sorted(counts, key=lambda k: (-counts[k], k))
    return [c for c in dict.fromkeys([*asked, *rest]) if c in counts]
