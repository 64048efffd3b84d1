"""The pieces a question is cut into before they become a query, and the query being built."""

from __future__ import annotations

from dataclasses import dataclass, field

from knowledge.cmdb.language.grammar import Mark
from knowledge.cmdb.language.linking import Mention
from knowledge.cmdb.models import CMDBQuery, Condition
from knowledge.cmdb.results import Link


@dataclass(frozen=True)
class Entity:
    """An item named in the question."""

    rid: int
    id: str
    type: str
    name: str


@dataclass
class Element:
    """One piece of the question: a grammar mark, an item, a linked term, or a free word."""

    kind: str
    start: int
    end: int
    text: str
    mark: Mark | None = None
    mention: Mention | None = None
    entity: Entity | None = None
    attrs: tuple[str, ...] = ()
    used: bool = False
    conds: list[Condition] = field(default_factory=list)
    negated: bool = False


@dataclass
class State:
    """The query being assembled, and what was noticed on the way."""

    query: CMDBQuery
    problems: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
