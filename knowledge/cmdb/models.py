"""CMDB boundary models: what a load file holds, and the structured query a question becomes."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Scalar = str | int | float | bool | None
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
Op = Literal["=", "!=", ">", ">=", "<", "<=", "in", "not in", "contains"]
Direction = Literal["out", "in", "both"]
Output = Literal["table", "topology", "stats"]
Agg = Literal["count", "avg", "sum", "min", "max"]


def _check_identifier(value: str, what: str) -> str:
    if not NAME_PATTERN.match(value):
        raise ValueError(f"{what} {value!r} must be lower_snake_case (e.g. 'load_balancer')")
    return value


class CIRecord(BaseModel):
    """One configuration item as a load file gives it."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=200)
    type: str
    name: str = Field(min_length=1, max_length=200)
    attrs: dict[str, Scalar] = Field(default_factory=dict)

    @field_validator("type")
    @classmethod
    def _type_is_identifier(cls, value: str) -> str:
        return _check_identifier(value, "item type")

    @field_validator("attrs")
    @classmethod
    def _attr_names_are_identifiers(cls, attrs: dict[str, Scalar]) -> dict[str, Scalar]:
        for key in attrs:
            _check_identifier(key, "attribute name")
            if key in ("id", "type", "name"):
                raise ValueError(f"attribute {key!r} clashes with the item's own field")
        return attrs


class RelationRecord(BaseModel):
    """A directed, typed edge between two items: `from` --type--> `to`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    src: str = Field(alias="from", min_length=1)
    type: str
    dst: str = Field(alias="to", min_length=1)

    @field_validator("type")
    @classmethod
    def _type_is_identifier(cls, value: str) -> str:
        return _check_identifier(value, "relation type")


class LoadFile(BaseModel):
    """A whole load file: items, relations and the attribute names to keep secret."""

    model_config = ConfigDict(extra="forbid")

    items: list[CIRecord] = Field(default_factory=list)
    relations: list[RelationRecord] = Field(default_factory=list)
    sensitive: list[str] = Field(default_factory=list)


class Condition(BaseModel):
    """One filter: `attr op value`; attr is an attribute name, or `name` / `id` of the item."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    attr: str
    op: Op
    value: str | float | list[str] | list[float]

    @model_validator(mode="after")
    def _list_only_for_sets(self) -> Condition:
        is_list = isinstance(self.value, list)
        if is_list != (self.op in ("in", "not in")):
            raise ValueError(f"operator {self.op!r} does not fit value {self.value!r}")
        return self

    def describe(self) -> str:
        """Human text, e.g. `cpu_usage > 80`."""
        value = self.value
        shown = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
        if isinstance(value, list):
            shown = f"[{shown}]"
        return f"{self.attr} {self.op} {shown}"


class Hop(BaseModel):
    """Follow relations from an anchor item; the items reached are the answer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    anchor: str | None = Field(default=None, description="id of the item the walk starts from")
    anchor_name: str = ""
    anchor_type: str | None = Field(
        default=None, description="without an anchor: start from every item of this type"
    )
    relation: str | None = Field(default=None, description="None: any relation type")
    direction: Direction = "out"
    depth: int = Field(default=1, ge=1, le=6)

    def describe(self) -> str:
        """Human text, e.g. `payment-api -runs_on-> ?`."""
        rel = self.relation or "any"
        arrow = {"out": f"-{rel}->", "in": f"<-{rel}-", "both": f"<-{rel}->"}[self.direction]
        depth = f" (up to {self.depth} hops)" if self.depth > 1 else ""
        start = self.anchor_name if self.anchor is not None else f"any {self.anchor_type}"
        return f"{start} {arrow} ?{depth}"

    @model_validator(mode="after")
    def _has_a_start(self) -> Hop:
        if (self.anchor is None) == (self.anchor_type is None):
            raise ValueError("a hop starts from one anchor item or from one anchor type")
        return self


class SortSpec(BaseModel):
    """Order the answer by an attribute."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    attr: str
    descending: bool = True


class CMDBQuery(BaseModel):
    """What a question asks, structured: compiled to parameterised SQL, never to text SQL."""

    model_config = ConfigDict(extra="forbid")

    types: list[str] = Field(default_factory=list, description="item types; empty: any")
    filters: list[Condition] = Field(default_factory=list, description="all must hold")
    any_of: list[list[Condition]] = Field(
        default_factory=list, description="each group: at least one must hold (the user's 'or')"
    )
    hop: Hop | None = None
    text: str | None = Field(default=None, description="free text ranked by attention")
    group_by: list[str] = Field(default_factory=list)
    agg: Agg | None = None
    agg_attr: str | None = None
    sort: SortSpec | None = None
    limit: int | None = Field(default=None, ge=1)
    columns: list[str] = Field(default_factory=list, description="attributes asked to be shown")
    output: Output = "table"

    def describe(self) -> str:
        """One line of what was understood, for answers and error messages."""
        parts: list[str] = []
        if self.types:
            parts.append("type " + " or ".join(self.types))
        parts += [c.describe() for c in self.filters]
        parts += ["(" + " or ".join(c.describe() for c in g) + ")" for g in self.any_of]
        if self.hop is not None:
            parts.append(self.hop.describe())
        if self.text:
            parts.append(f"about {self.text!r}")
        if self.agg is not None:
            what = self.agg if self.agg_attr is None else f"{self.agg} of {self.agg_attr}"
            parts.append(what + (" per " + ", ".join(self.group_by) if self.group_by else ""))
        if self.sort is not None:
            parts.append(f"sorted by {self.sort.attr} {'desc' if self.sort.descending else 'asc'}")
        if self.limit is not None:
            parts.append(f"limit {self.limit}")
        if self.columns:
            parts.append("showing " + ", ".join(self.columns))
        if self.output != "table":
            parts.append(f"as {self.output}")
        return "; ".join(parts) if parts else "nothing"
