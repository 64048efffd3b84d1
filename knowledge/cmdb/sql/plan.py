"""Whole statements for a `CMDBQuery`: which restriction drives the scan, then the select,
count and grouped-statistics SQL around it (see compile.py for the parts)."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.cmdb.models import CMDBQuery
from knowledge.cmdb.schema import Schema
from knowledge.cmdb.sql.compile import BROAD_SHARE, Compiled, Part, query_parts
from knowledge.cmdb.tables import checked_column

DRIVE_SHARE = BROAD_SHARE  # a broad source is not worth driving from
_AGG_SQL = {"avg": "AVG", "sum": "SUM", "min": "MIN", "max": "MAX"}
_OWN = {"name": "i.name", "id": "i.id", "type": "i.type"}


@dataclass(frozen=True)
class Scan:
    """FROM and WHERE of a query, apart, so joins can go between them."""

    source: Compiled  # "FROM ..." text
    where: Compiled  # conditions, without the keyword
    driven: bool = False  # True when a selective condition is the outer loop

    def sql(self, select: str, joins: Compiled | None = None, tail: str = "") -> Compiled:
        """`SELECT select FROM ... [joins] WHERE ... tail`, parameters in text order."""
        join_sql, join_params = (joins.sql, joins.params) if joins else ("", ())
        return Compiled(
            f"SELECT {select} {self.source.sql}{join_sql} WHERE {self.where.sql}{tail}",
            (*self.source.params, *join_params, *self.where.params),
        )


def scan(
    query: CMDBQuery,
    schema: Schema,
    *,
    drive: bool = True,
    rid_only: bool = False,
    hops_only: bool = False,
) -> Scan:
    """Drive from the most selective source when one is selective enough, else scan items.

    `rid_only`: the caller reads nothing but `i.rid`, so a driver that is the only
    restriction ("members of k8s-prod-sh-1") is the whole answer, with no item lookups.
    `hops_only`: only relation walks drive; the database combines the indexes of the
    other conditions itself (PostgreSQL's bitmap AND; SQLite uses one index per table)."""
    parts = query_parts(query, schema)
    total = max(sum(schema.types.values()), 1)
    drivers = [p for p in parts if p.source is not None and p.estimate <= DRIVE_SHARE * total]
    drivers = [p for p in drivers if p.hop or not hops_only] if drive else []
    driver: Part | None = min(drivers, key=lambda p: p.estimate) if drivers else None
    checks = [p.check for p in parts if p is not driver]
    if driver is not None and driver.source is not None and rid_only and not checks:
        source = Compiled(f"FROM ({driver.source.sql}) AS i", driver.source.params)
        return Scan(source, Compiled("1 = 1"), driven=True)
    if driver is not None and driver.source is not None:
        # CROSS JOIN keeps the driver as the outer loop; each candidate is then checked
        # with primary-key lookups only.
        source = Compiled(
            f"FROM ({driver.source.sql}) AS d CROSS JOIN items AS i", driver.source.params
        )
        checks.insert(0, Compiled("i.rid = d.rid"))
    else:
        source = Compiled("FROM items AS i")
    where = " AND ".join(c.sql for c in checks) or "1 = 1"
    params = tuple(p for c in checks for p in c.params)
    return Scan(source, Compiled(where, params), driven=driver is not None)


def _attr_join(alias: str, attr: str, schema: Schema, *, number: bool) -> tuple[str, Compiled]:
    """(value expression, join) reading one attribute of each item: its `items` column when
    it has one (`number`: the numeric value, else the text one), else a LEFT JOIN of its
    EAV row. Numbers are grouped by their text ("8", not "8.0"): always through the join."""
    if attr in _OWN:
        return _OWN[attr], Compiled("")
    info, col = schema.attrs.get(attr), schema.columns.get(attr)
    if col is not None and info is not None and info.numeric == number:
        return f"i.{checked_column(col)}", Compiled("")
    return f"{alias}.{'num' if number else 'txt'}", Compiled(
        f" LEFT JOIN attrs {alias} ON {alias}.item = i.rid AND {alias}.key = ?", (attr,)
    )


def _joins(parts: list[Compiled]) -> Compiled:
    return Compiled("".join(p.sql for p in parts), tuple(x for p in parts for x in p.params))


def select_sql(
    query: CMDBQuery, schema: Schema, *, with_limit: bool = True, hops_only: bool = False
) -> Compiled:
    """Row ids of matching items in answer order, limited if asked.

    Sorted answers order by the attribute, ties by row id in the same direction, items
    without the attribute last; a top-N ('10 busiest hosts') leaves those out and, when no
    condition is selective, walks the attribute's index from the top and stops at N.
    """
    sort, limit = query.sort, query.limit if with_limit else None
    if sort is None:
        compiled = scan(query, schema, rid_only=True, hops_only=hops_only).sql(
            "i.rid", tail=" ORDER BY i.rid"
        )
        return _limited(compiled, limit)
    info = schema.attrs.get(sort.attr)
    direction = "DESC" if sort.descending else "ASC"
    if sort.attr in _OWN:
        order = f" ORDER BY {_OWN[sort.attr]} {direction}, i.rid {direction}"
        return _limited(scan(query, schema, hops_only=hops_only).sql("i.rid", tail=order), limit)
    numeric = info is not None and info.numeric
    col = schema.columns.get(sort.attr) if info is not None else None
    column = f"i.{checked_column(col)}" if col else f"s.{'num' if numeric else 'txt'}"
    order = f" ORDER BY {column} {direction}, i.rid {direction}"
    if limit is None:
        join = Compiled(" LEFT JOIN attrs s ON s.item = i.rid AND s.key = ?", (sort.attr,))
        last = f" ORDER BY {column} {direction} NULLS LAST, i.rid {direction}"
        return scan(query, schema, hops_only=hops_only).sql("i.rid", None if col else join, last)
    plan = scan(query, schema, hops_only=hops_only)
    if plan.driven:
        if col:  # a top-N leaves out items without the attribute
            return _limited(plan.sql("i.rid", tail=f" AND {column} IS NOT NULL{order}"), limit)
        join = Compiled(" JOIN attrs s ON s.item = i.rid AND s.key = ?", (sort.attr,))
        return _limited(plan.sql("i.rid", join, order), limit)
    # No selective condition: the attribute's index gives the order, the checks filter.
    every = scan(query, schema, drive=False)
    ranked = Scan(Compiled("FROM attrs AS s CROSS JOIN items AS i", ()),
                  Compiled(f"s.key = ? AND i.rid = s.item AND {every.where.sql}", (sort.attr, *every.where.params)))  # fmt: skip
    walk = f" ORDER BY s.{'num' if numeric else 'txt'} {direction}, s.item {direction}"
    return _limited(ranked.sql("i.rid", tail=walk), limit)


def _limited(compiled: Compiled, limit: int | None) -> Compiled:
    if limit is None:
        return compiled
    return Compiled(compiled.sql + " LIMIT ?", (*compiled.params, limit))


def count_sql(query: CMDBQuery, schema: Schema, *, hops_only: bool = False) -> Compiled:
    """How many items match, ignoring sort and limit."""
    return scan(query, schema, rid_only=True, hops_only=hops_only).sql("COUNT(*)")


def stats_sql(query: CMDBQuery, schema: Schema, *, hops_only: bool = False) -> Compiled:
    """Grouped count (and avg/sum/min/max of `agg_attr`) over the matching items, biggest first."""
    plan = scan(query, schema, hops_only=hops_only)
    columns: list[str] = []
    joins: list[Compiled] = []
    for n, attr in enumerate(query.group_by):
        column, join = _attr_join(f"g{n}", attr, schema, number=False)
        columns.append(column)
        joins.append(join)
    value = "NULL"
    if query.agg in _AGG_SQL and query.agg_attr is not None:
        column, join = _attr_join("v", query.agg_attr, schema, number=True)
        joins.append(join)
        value = f"{_AGG_SQL[query.agg]}({column})"
    select = ", ".join([*columns, "COUNT(*)", value])
    tail = ""
    if columns:
        ranked = len(columns) + (2 if value != "NULL" else 1)
        keys = ", ".join(str(k + 1) for k in range(len(columns)))
        # NULLS FIRST: SQLite's order for ascending keys, spelled out for PostgreSQL.
        ordered = ", ".join(f"{k + 1} NULLS FIRST" for k in range(len(columns)))
        tail = f" GROUP BY {keys} ORDER BY {ranked} DESC, {ordered}"
    return plan.sql(select, _joins(joins), tail)
