"""One load, chunk by chunk, inside one transaction of the store.

Per chunk: value classes checked against everything seen so far, duplicate ids refused,
new attributes given an `items` column, items and their attributes written, relations
staged. At the end: relations resolved (an unknown end fails the whole load), the schema
summarised from aggregates, the attribute-column indexes brought in line with it, planner
statistics refreshed. Memory holds one chunk plus one entry per attribute name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from errors import CMDBError
from knowledge.cmdb.columns import wanted_indexes
from knowledge.cmdb.loadfile import Chunk, LoadStream, value_class
from knowledge.cmdb.models import CIRecord
from knowledge.cmdb.schema import AttrInfo
from knowledge.cmdb.sensitive import SensitivePolicy
from knowledge.cmdb.store import Store, encode_value
from knowledge.cmdb.summary import summarize
from knowledge.cmdb.tables import ATTR_INDEXES, attr_index_statements, checked_column
from knowledge.cmdb.writer import AttrRow, ItemRow, RelationRow, Writer
from knowledge.progress import Progress, no_progress


@dataclass(frozen=True)
class LoadCounts:
    """What one load wrote."""

    items: int
    relations: int


@dataclass
class _Classes:
    """Each attribute's value class, and where it was first seen (for the error message)."""

    stored: dict[str, str]
    seen: dict[str, str] = field(default_factory=dict)
    first_item: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.seen = dict(self.stored)

    def check(self, items: list[CIRecord]) -> None:
        for item in items:
            for key, value in item.attrs.items():
                if value is None:
                    continue
                cls = value_class(value)
                known = self.seen.setdefault(key, cls)
                self.first_item.setdefault(key, item.id)
                if known != cls:
                    origin = (
                        self.first_item.get(key) if key not in self.stored else "the stored CMDB"
                    )
                    raise CMDBError(
                        f"item {item.id!r}: attribute {key!r} is {value!r} ({cls}) but is "
                        f"{known} elsewhere ({origin}); give every {key} the same kind of value"
                    )


def run_load(
    store: Store,
    stream: LoadStream,
    pattern: str,
    *,
    replace: bool,
    origin: str,
    progress: Progress | None = None,
) -> LoadCounts:
    """Write `stream` into `store` as one transaction; raises `CMDBError` (nothing changed)."""
    report = progress or no_progress
    counts = {"items": 0, "relations": 0}
    with store.loading(replace=replace) as writer:
        # Read inside the transaction: a concurrent load has either finished or waits.
        stored = {} if replace else _stored_classes(writer)
        classes = _Classes(stored)
        declared = {str(r[0]) for r in writer.rows("SELECT key FROM sensitive")}
        legacy = writer.rows("SELECT value FROM meta WHERE key = 'schema_version'") == [("1",)]
        policy = SensitivePolicy(pattern, declared)
        if writer.fresh:  # one bulk build at the end beats index upkeep row by row
            for name in [*(str(i.name) for i in ATTR_INDEXES), *writer.column_indexes()]:
                writer.execute(f"DROP INDEX IF EXISTS {_index_name(name)}")
        elif legacy:
            _add_columns_to_legacy(writer, stored, policy)
        for attr in [a for a in writer.columns.columns if policy.is_sensitive(a)]:
            writer.drop_column(attr)
        for chunk in stream.chunks:
            policy = _write_chunk(writer, chunk, classes, policy, counts)
            report("items", counts["items"], stream.total_items or counts["items"])
        report("relations", 0, 1)
        bad = writer.first_unknown_relation()
        if bad is not None:
            src, rtype, dst = bad
            raise CMDBError(
                f"relation {src} -{rtype}-> {dst} points to unknown item id "
                f"{_missing(writer, src, dst)!r}; add the item or fix the relation"
            )
        writer.insert_relations()
        report("relations", 1, 1)
        summary = summarize(writer.rows, policy, writer.columns, classes.seen, report)
        _index(writer, summary, report)
        writer.finish(json.dumps(summary), origin)
    return LoadCounts(counts["items"], counts["relations"])


def _stored_classes(writer: Writer) -> dict[str, str]:
    found = writer.rows("SELECT value FROM meta WHERE key = 'schema'")
    attrs = json.loads(str(found[0][0])).get("attrs", {}) if found else {}
    return {name: str(info["kind"]) for name, info in attrs.items()}


def _add_columns_to_legacy(writer: Writer, stored: dict[str, str], policy: SensitivePolicy) -> None:
    """A store written before attribute columns: give its attributes columns, filled from
    `attrs`, so old and new items answer the same conditions."""
    for attr, cls in sorted(stored.items()):
        if not policy.is_sensitive(attr) and writer.columns.column(attr) is None:
            writer.add_column(attr, cls)
            writer.fill_column(attr)


def _write_chunk(
    writer: Writer,
    chunk: Chunk,
    classes: _Classes,
    policy: SensitivePolicy,
    counts: dict[str, int],
) -> SensitivePolicy:
    if chunk.sensitive:
        writer.add_sensitive(chunk.sensitive)
        policy = policy.with_declared(chunk.sensitive)
        for name in chunk.sensitive:  # declared after some items were written (JSON Lines)
            writer.drop_column(name)
    if chunk.items:
        classes.check(chunk.items)
        _check_unique(writer, chunk.items)
        for attr in sorted({k for it in chunk.items for k, v in it.attrs.items() if v is not None}):
            mapped = writer.columns.columns.get(attr)
            if mapped is not None and mapped[1] != classes.seen[attr]:
                writer.drop_column(attr)  # a replacing load gave it another class
                mapped = None
            if mapped is None and not policy.is_sensitive(attr):
                writer.add_column(attr, classes.seen[attr])
        items, attrs, columns = _rows(chunk.items, writer, classes.seen)
        writer.write_items(items, attrs, columns)
        counts["items"] += len(chunk.items)
    if chunk.relations:
        rows: list[RelationRow] = [(r.src, r.type, r.dst) for r in chunk.relations]
        writer.stage_relations(rows)
        counts["relations"] += len(rows)
    return policy


def _check_unique(writer: Writer, items: list[CIRecord]) -> None:
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            _duplicate(item.id)
        seen.add(item.id)
    again = writer.stage_ids([it.id for it in items])
    if again is not None:
        _duplicate(again)


def _duplicate(ident: str) -> None:
    raise CMDBError(f"item id {ident!r} appears twice in the load file; ids must be unique")


def _rows(
    items: list[CIRecord], writer: Writer, classes: dict[str, str]
) -> tuple[list[ItemRow], list[AttrRow], list[str]]:
    """Item rows (own fields, then every column) and attribute rows for one chunk."""
    mapped = writer.columns.columns
    position = {attr: n for n, attr in enumerate(mapped)}
    item_rows: list[ItemRow] = []
    attr_rows: list[AttrRow] = []
    for it in items:
        values: list[Any] = [None] * len(position)
        for key, value in it.attrs.items():
            if value is None:
                continue
            kind, txt, num = encode_value(value)
            attr_rows.append((it.id, key, kind, txt, num))
            at = position.get(key)
            if at is not None:
                values[at] = num if classes[key] == "number" else txt
        item_rows.append((it.id, it.type, it.name, it.name.lower(), *values))
    return item_rows, attr_rows, [col for col, _ in mapped.values()]


def _missing(writer: Writer, src: str, dst: str) -> str:
    found = {str(r[0]) for r in writer.rows("SELECT id FROM items WHERE id IN (?, ?)", (src, dst))}
    return src if src not in found else dst


def _index(writer: Writer, summary: dict[str, Any], report: Progress) -> None:
    """Build the attrs indexes (after a bulk load) and the attribute-column indexes the
    summary asks for; drop those it no longer wants (an attribute now an identifier)."""
    attrs = {name: AttrInfo(name=name, **info) for name, info in summary["attrs"].items()}
    wanted = wanted_indexes(attrs, summary["columns"])
    have = writer.column_indexes()
    for name in sorted(have - set(wanted)):
        writer.execute(f"DROP INDEX IF EXISTS {_index_name(name)}")
    todo = attr_index_statements(writer.dialect) + [
        ddl for name, ddl in sorted(wanted.items()) if name not in have
    ]
    for n, ddl in enumerate(todo):
        report("indexing", n, len(todo))
        writer.execute(ddl)
    report("indexing", len(todo), len(todo))
    writer.analyze()


def _index_name(name: str) -> str:
    """Our own index names only (`attrs_txt`, `items_c3`): they are spliced into DROP INDEX."""
    if name in {str(i.name) for i in ATTR_INDEXES}:
        return name
    return "items_" + checked_column(name.removeprefix("items_"))
