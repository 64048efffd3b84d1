"""`CMDB`: the one class callers use: open, load, ask, and walk the topology."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rapidfuzz import process

from errors import CMDBError
from knowledge.cmdb.language import KeyTable, Linker, QuestionParser
from knowledge.cmdb.loadfile import LoadStream, dict_stream, file_stream, model_stream
from knowledge.cmdb.loading import run_load
from knowledge.cmdb.models import CMDBQuery, Direction, Hop, LoadFile
from knowledge.cmdb.results import CMDBResult, Edge, Item, Parsed, Topology
from knowledge.cmdb.schema import Schema
from knowledge.cmdb.semantic import rank
from knowledge.cmdb.sensitive import DEFAULT_SENSITIVE_PATTERN, SensitivePolicy
from knowledge.cmdb.sql import count_sql, select_sql, stats_sql
from knowledge.cmdb.stats import counts_from_summary, estate_summary, stats_from_rows
from knowledge.cmdb.store import Store
from knowledge.cmdb.stores import open_store
from knowledge.default_encoder import default_encoder
from knowledge.encoder import Encoder
from knowledge.input_text import require_unicode
from knowledge.keycache import KeyCache
from knowledge.progress import Progress
from settings import Settings

OWN_FIELDS = ("name", "id", "type")
MAX_NODES = 80  # items a topology picture shows
SEMANTIC_POOL = 20_000  # items a free-text question ranks at most (the first, by row id)


@dataclass(frozen=True)
class LoadReport:
    """What one load did."""

    items: int
    relations: int
    total_items: int
    generation: int


class CMDB:
    """Configuration items and relations in SQLite (or PostgreSQL), asked in plain language."""

    def __init__(
        self,
        store: Store,
        *,
        encoder: Encoder | None = None,
        settings: Settings | None = None,
        cache_dir: Path | None = None,
        sensitive_pattern: str = DEFAULT_SENSITIVE_PATTERN,
    ) -> None:
        self.store = store
        self._encoder = encoder
        self._settings = settings
        self.cache_dir = cache_dir
        self.pattern = sensitive_pattern
        self._lock = threading.RLock()
        self._built_for = -1
        self._schema = Schema()
        self._hidden: set[str] = set()
        self._parser: QuestionParser | None = None
        self._parser_for = -1
        self._hops_only = not store.drives_from_attrs

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        create: bool = False,
        encoder: Encoder | None = None,
        settings: Settings | None = None,
        cache_dir: str | Path | None = None,
        sensitive_pattern: str = DEFAULT_SENSITIVE_PATTERN,
    ) -> CMDB:
        """Open the SQLite CMDB at `path` (made when `create`), or the PostgreSQL one a
        `postgresql://` URL names (its tables made when `create`).

        Without `encoder`, questions use the shared default encoder of `settings` (the
        environment's when None), loaded on the first question, not here.
        """
        SensitivePolicy(sensitive_pattern)  # a bad pattern fails here, not on first use
        store = open_store(path, create=create)
        folder = Path(cache_dir) if cache_dir is not None else None
        return cls(
            store,
            encoder=encoder,
            settings=settings,
            cache_dir=folder,
            sensitive_pattern=sensitive_pattern,
        )

    @property
    def encoder(self) -> Encoder:
        """The encoder questions are read with (the shared default one unless given)."""
        if self._encoder is None:
            self._encoder = default_encoder(self._settings)
        return self._encoder

    def close(self) -> None:
        """Close the database file."""
        self.store.close()

    # -- loading -----------------------------------------------------------------------

    def load(
        self,
        source: str | Path | LoadFile | dict[str, Any] | LoadStream,
        progress: Progress | None = None,
        *,
        replace: bool = False,
        origin: str = "file",
    ) -> LoadReport:
        """Validate then upsert a load file (path), parsed data or a stream of chunks, read
        part by part in one transaction: all or nothing.

        With `replace`, the new data takes the place of everything stored (atomically).
        """
        if isinstance(source, LoadStream):
            stream = source
        elif isinstance(source, LoadFile):
            stream = model_stream(source)
        elif isinstance(source, str | Path):
            stream = file_stream(Path(source), progress)
        else:
            stream = dict_stream(source)
        counts = run_load(
            self.store, stream, self.pattern, replace=replace, origin=origin, progress=progress
        )
        return LoadReport(
            items=counts.items,
            relations=counts.relations,
            total_items=self.store.count_items(),
            generation=self.store.generation(),
        )

    # -- schema and parser, rebuilt only when a load changed the file ---------------------

    def _raw_schema(self) -> dict[str, Any]:
        text = self.store.meta("schema")
        return dict(json.loads(text)) if text else {}

    def _refresh(self) -> None:
        generation = self.store.generation()
        with self._lock:
            if generation == self._built_for:
                return
            raw = self._raw_schema()
            policy = SensitivePolicy(self.pattern, self.store.sensitive_keys())
            self._hidden = {a for a in raw.get("attrs", {}) if policy.is_sensitive(a)}
            self._schema = Schema.from_json(raw, policy)
            self._built_for = generation

    @property
    def schema(self) -> Schema:
        """Types, visible attributes, categorical values and relation shapes."""
        self._refresh()
        return self._schema

    @property
    def hidden(self) -> set[str]:
        """Attribute names never shown (declared sensitive or matching the pattern)."""
        self._refresh()
        return self._hidden

    def parser(self) -> QuestionParser:
        """The question parser for the current contents (keys from the static key cache)."""
        self._refresh()
        with self._lock:
            if self._parser is None or self._parser_for != self._built_for:
                # One key set name per cache folder: a CMDB with other texts replaces the
                # file, the same texts (a copy of the estate) reuse it.
                table = KeyTable(self._schema, KeyCache(self.encoder, self.cache_dir), "cmdb_keys")
                linker = Linker(table, self.encoder)
                self._parser = QuestionParser(
                    self._schema, linker, self.store.find_items, self._find_identifier
                )
                self._parser_for = self._built_for
            return self._parser

    def _find_identifier(self, word: str) -> list[str]:
        identifiers = [
            a
            for a, info in self._schema.attrs.items()
            if info.kind == "text" and not info.categorical
        ]
        if not identifiers:
            return []
        marks = ",".join("?" * len(identifiers))
        rows = self.store.rows(
            f"SELECT DISTINCT key FROM attrs WHERE key IN ({marks}) AND txt = ?",  # noqa: S608 (only ? marks; values are bound)
            [*identifiers, word],
        )
        return sorted(str(r[0]) for r in rows)

    # -- asking --------------------------------------------------------------------------

    def parse(self, question: str) -> Parsed:
        """Read a question into a `CMDBQuery` without running it; never raises for bad words."""
        if not require_unicode(question, "question").strip():
            raise CMDBError(
                "the question is empty; ask e.g. 'prod hosts in sh-1 with cpu over 80%'"
            )
        if self.store.is_empty():
            raise CMDBError("the CMDB is empty; run `opsqkv cmdb load FILE` or `opsqkv cmdb demo`")
        parsed = self.parser().parse(question)
        hints = []
        for phrase in parsed.unmapped:
            close = (
                self._close_names(phrase) if any(c.isdigit() or c == "-" for c in phrase) else []
            )
            if close:
                hints.append(f"{phrase!r} names no item (did you mean {', '.join(close)}?)")
        return replace(parsed, problems=(*parsed.problems, *hints)) if hints else parsed

    def _close_names(self, text: str) -> list[str]:
        """Up to three item names that look like `text` (a typo, a missing digit)."""
        names = [str(r[0]) for r in self.store.rows("SELECT name FROM items")]
        found = process.extract(text, names, limit=3, score_cutoff=75)
        return [str(m[0]) for m in found]

    def ask(self, question: str) -> CMDBResult:
        """Answer a question; raises `CMDBError` saying what was understood when part of it
        maps to nothing, instead of answering a broader question."""
        parsed = self.parse(question)
        if not parsed.understood:
            raise CMDBError(parsed.complaint())
        return self.run(parsed.query, parsed=parsed)

    def _check_query(self, query: CMDBQuery) -> None:
        named = [c.attr for c in query.filters] + [c.attr for g in query.any_of for c in g]
        named += query.group_by + [a for a in (query.agg_attr,) if a] + query.columns
        named += [query.sort.attr] if query.sort else []
        for attr in named:
            if attr in self._hidden:
                raise CMDBError(f"attribute {attr!r} is sensitive; it cannot be queried or shown")
            if attr not in self._schema.attrs and attr not in OWN_FIELDS:
                raise CMDBError(f"unknown attribute {attr!r}; `opsqkv cmdb stats` lists them")

    def run(self, query: CMDBQuery, *, parsed: Parsed | None = None) -> CMDBResult:
        """Execute a structured query."""
        self._refresh()
        self._check_query(query)
        schema = self._schema
        if query.text:
            return self._run_semantic(query, parsed)
        if query.agg is not None or query.group_by:
            stats = counts_from_summary(query, schema)
            if stats is None:
                compiled = stats_sql(query, schema, hops_only=self._hops_only)
                stats = stats_from_rows(query, self.store.rows(compiled.sql, compiled.params))
            listing = query.model_copy(update={"agg": None, "agg_attr": None, "group_by": []})
            return CMDBResult(query, total=sum(r.count for r in stats.rows), stats=stats,
                              parsed=parsed, fetch=lambda n: self._items_for(listing, n))  # fmt: skip
        rids = self._rids(query)
        total = len(rids)
        if query.limit is not None:
            counted = count_sql(query, schema, hops_only=self._hops_only)
            total = int(self.store.rows(counted.sql, counted.params)[0][0])
        return CMDBResult(query, total=total, parsed=parsed,
                          fetch=lambda n: self.store.items_by_rid(rids[:n] if n else rids, self._hidden))  # fmt: skip

    def _rids(self, query: CMDBQuery, *, with_limit: bool = True) -> list[int]:
        compiled = select_sql(query, self._schema, with_limit=with_limit, hops_only=self._hops_only)
        return [int(r[0]) for r in self.store.rows(compiled.sql, compiled.params)]

    def _items_for(self, query: CMDBQuery, first: int | None = None) -> list[Item]:
        rids = self._rids(query)
        return self.store.items_by_rid(rids[:first] if first else rids, self._hidden)

    def _run_semantic(self, query: CMDBQuery, parsed: Parsed | None) -> CMDBResult:
        rids = self._rids(query, with_limit=False)
        # Item keys are composed per candidate: a broad question on a big estate ranks the
        # first SEMANTIC_POOL items rather than all of them.
        candidates = self.store.items_by_rid(rids[:SEMANTIC_POOL], self._hidden)
        categorical = {a for a, info in self._schema.attrs.items() if info.categorical}
        linker = self.parser().linker
        ranked = rank(candidates, query.text or "", linker, categorical, query.limit or 10)
        items = [it for it, _ in ranked]
        scores = {it.id: round(score, 4) for it, score in ranked}
        return CMDBResult(query, total=len(rids), items=items, parsed=parsed, scores=scores)

    # -- items and topology --------------------------------------------------------------

    def names(self, type: str, related: Mapping[str, str] | None = None) -> list[str]:
        """Names of the items of `type` ('host', 'service'), sorted; with `related`
        ({"service": "payment-api"}), only those linked to it, when any are."""
        rows = self.store.rows("SELECT name FROM items WHERE type = ? ORDER BY name", (type,))
        every = [str(r[0]) for r in rows]
        linked: set[str] = set()
        for name in (related or {}).values():
            anchor = self.item(name)
            if anchor is not None:
                hop = Hop(anchor=anchor.id, anchor_name=anchor.name, direction="both")
                linked |= {it.name for it in self.run(CMDBQuery(types=[type], hop=hop)).items}
        narrowed = [n for n in every if n in linked]
        return narrowed or every

    def item(self, name_or_id: str) -> Item | None:
        """The item with this id or (case-insensitive) name, if any."""
        self._refresh()
        found = self.store.find_items([name_or_id, name_or_id.lower()])
        if not found:
            return None
        exact = [f for f in found if f[1] == name_or_id] or found
        return self.store.items_by_rid([exact[0][0]], self._hidden)[0]

    def _require(self, name_or_id: str) -> Item:
        item = self.item(name_or_id)
        if item is not None:
            return item
        close = self._close_names(name_or_id)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise CMDBError(f"no CMDB item named {name_or_id!r}{hint}")

    def neighbors(
        self,
        name_or_id: str,
        relation: str | None = None,
        direction: Direction = "both",
        depth: int = 1,
    ) -> Topology:
        """The item and what it reaches by `relation` (any when None), as a topology."""
        anchor = self._require(name_or_id)
        hop = Hop(
            anchor=anchor.id,
            anchor_name=anchor.name,
            relation=relation,
            direction=direction,
            depth=depth,
        )
        items = self.run(CMDBQuery(hop=hop)).page(MAX_NODES)
        return self.subgraph([anchor, *items], {it.id for it in items}, anchors={anchor.id})

    def subgraph(
        self,
        items: list[Item],
        focus: set[str],
        max_nodes: int = MAX_NODES,
        anchors: set[str] | None = None,
    ) -> Topology:
        """`items` (the first `max_nodes`) and the relations among them."""
        self._refresh()
        nodes = list({it.rid: it for it in items}.values())
        truncated = len(nodes) > max_nodes
        nodes = nodes[:max_nodes]
        by_rid = {it.rid: it for it in nodes}
        edges = [
            Edge(by_rid[s].id, t, by_rid[d].id)
            for s, t, d in self.store.edges_touching(list(by_rid))
            if s in by_rid and d in by_rid
        ]
        return Topology(
            tuple(nodes), tuple(edges), frozenset(focus), truncated, frozenset(anchors or ())
        )

    def topology(self, result: CMDBResult, max_nodes: int = MAX_NODES) -> Topology:
        """What to draw for an answer: the anchor item and the answer for a hop, else the
        answer (its first 40 items) and their direct neighbours."""
        items = result.page(max_nodes)
        focus = {it.id for it in items}
        hop = result.query.hop
        if hop is not None and hop.anchor is not None:
            anchor = self._require(hop.anchor)
            topo = self.subgraph([anchor, *items], focus, max_nodes, anchors={anchor.id})
        else:
            shown = items[:40]
            rids = [it.rid for it in shown]
            around = {end for s, _, d in self.store.edges_touching(rids) for end in (s, d)}
            extra_rids = sorted(around - set(rids))[: max_nodes - len(rids)]
            extra = self.store.items_by_rid(extra_rids, self._hidden)
            topo = self.subgraph([*shown, *extra], {it.id for it in shown}, max_nodes)
        if result.total > len(topo.focus) and not topo.truncated:
            return Topology(topo.nodes, topo.edges, topo.focus, True, topo.anchors)
        return topo

    def summary(self) -> dict[str, Any]:
        """Counts per type and relation, and each visible attribute's kind: for `cmdb stats`."""
        return estate_summary(self.schema, self.hidden, self.store.where)
