"""`KnowledgeBase`: the K/V store, its index and BM25 behind one object; ingest and search.

Search modes: "dense" (attention scores of the query against the passage keys), "bm25"
(exact tokens) and "hybrid" (both, fused by reciprocal rank). In every mode a passage's
score is lifted by the best passages of the same source file, since a runbook that
matches in several sections is more likely the right one than a stray paragraph.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.resources
import json
import logging
import os
import shutil
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Literal, get_args

import numpy as np
import torch

from errors import ConfigError, IngestError, InputError
from knowledge.default_encoder import default_encoder
from knowledge.encoder import Encoder
from knowledge.fusion import (
    RRF_K,
    SECOND_WEIGHT,
    Run,
    file_scores,
    fuse_reciprocal_rank,
    rank_runs,
)
from knowledge.glossary import shipped_glossary
from knowledge.index import VectorIndex, open_index
from knowledge.ingest import Skipped, load
from knowledge.input_text import require_unicode
from knowledge.kb_results import Hit, IngestReport, KBStats
from knowledge.lexical import LexicalIndex
from knowledge.progress import Progress
from knowledge.store import KeyDtype, KVStore, Record, StoreChanges
from settings import Settings

__all__ = [
    "RRF_K", "SECOND_WEIGHT", "Hit", "IngestReport", "KBStats", "KnowledgeBase", "demo_kb_dir", "file_scores",
    "fuse_reciprocal_rank", "open_default_kb",
]  # fmt: skip
SearchMode = Literal["dense", "bm25", "hybrid"]
SEARCH_MODES: tuple[str, ...] = get_args(SearchMode)
DEFAULT_MODE: SearchMode = "hybrid"  # best on the runbook dev questions (bench/runbooks.py)
CANDIDATES = 200  # passages each retriever contributes before fusion
SEED_MARKER = "demo-seed.json"
ENCODING = "encoding passages"  # the progress stage of writing new or changed texts
LEXICAL_PREFIX = "lexical-"  # + store generation: the saved BM25 index of that generation


log = logging.getLogger("opsqkv.kb")


class KnowledgeBase:
    """Passages with their keys: ingest files, upsert records, search by meaning and by token."""

    def __init__(self, store: KVStore, encoder: Encoder, index: VectorIndex) -> None:
        self.store = store
        self.encoder = encoder
        self._index = index
        self._lexical: LexicalIndex | None = None
        self._lock = threading.Lock()

    @classmethod
    def open(
        cls,
        path: Path | str,
        *,
        create: bool = False,
        encoder: Encoder | None = None,
        settings: Settings | None = None,
        dtype: KeyDtype = "float32",
        index: str | None = None,
    ) -> KnowledgeBase:
        """Open the knowledge base in folder `path`; `create` starts an empty one there.

        Without `encoder`, the shared default encoder of `settings` (the environment's when
        None): the store's keys must come from the model that `--model` names. Without
        `index`, the kind `settings` names (`--kb-index`, `--milvus-uri`), else "auto".
        """
        encoder = encoder if encoder is not None else default_encoder(settings)
        folder = Path(path)
        store = KVStore.open(
            folder, dim=encoder.dim, fingerprint=encoder.fingerprint, create=create, dtype=dtype
        )
        if not (folder / "manifest.json").exists():
            store.save()  # an empty store on disk, so `kb stats` and other processes see it
        kind = index if index is not None else settings.kb_index_kind if settings else "auto"
        uri = settings.milvus_uri if settings is not None else None
        vectors = open_index(folder, store.keys, kind, milvus_uri=uri)
        if getattr(vectors, "rebuilt_because", None) is not None:
            # A graph rebuilt because none fitted is kept, so the next process only loads it;
            # a folder this process may not write to still serves, only slower to open.
            with contextlib.suppress(OSError):
                vectors.save(folder)
        return cls(store, encoder, vectors)

    def __len__(self) -> int:
        return len(self.store)

    @property
    def index(self) -> VectorIndex:
        """The dense top-k index over the keys."""
        return self._index

    def get(self, record_id: str) -> Record | None:
        """The stored record with this id, or None."""
        row = self.store.row_of(record_id)
        return None if row is None else self.store.record(row)

    def passages_of(self, source: str) -> list[Record]:
        """Every passage of one source file, in file order (an answer's whole section)."""
        records = self.store.records_at(self.store.rows_of_source(source))
        return sorted(records, key=lambda r: r.lines[0] if r.lines else 0)

    def titles(self) -> list[str]:
        """The distinct titles of the stored sources (what runbooks the KB has)."""
        return self.store.titles()

    # ---- writing -------------------------------------------------------------------------

    def upsert(
        self, records: Sequence[Record], *, progress: Progress | None = None
    ) -> StoreChanges:
        """Add or replace records and save; unchanged texts are not re-encoded."""
        changes = self._apply(records, [], progress)
        return changes[0]

    def delete(self, ids: Iterable[str]) -> int:
        """Remove records by id and save; returns how many were stored."""
        return len(self._apply([], list(ids), None)[1].removed)

    def ingest(
        self,
        paths: Sequence[Path | str],
        *,
        on_skip: Callable[[Skipped], None] | None = None,
        progress: Progress | None = None,
    ) -> IngestReport:
        """Read files and folders into the KB (the path `opsqkv kb ingest` takes).

        Passages that vanished from a re-read file, and files that vanished from a named
        folder, are removed; a file that is skipped keeps whatever it had stored. `progress`
        hears the stages "reading files" and "encoding passages".
        """
        loaded = load(paths, on_skip=on_skip, progress=progress)
        if not loaded.files:
            reasons = "; ".join(f"{s.path}: {s.reason}" for s in loaded.skipped[:3])
            more = f" and {len(loaded.skipped) - 3} more" if len(loaded.skipped) > 3 else ""
            raise IngestError(
                f"nothing to ingest, every file was skipped ({reasons}{more}); "
                "give Markdown, text, YAML/JSON FAQ or CSV files"
            )
        fresh = {r.id for r in loaded.records}
        read = {str(f.path) for f in loaded.files}
        present = read | {s.path for s in loaded.skipped}
        roots = {str(r) for r in loaded.roots}
        stale = [
            r.id
            for r in self.store.records
            if r.id not in fresh
            and (
                r.metadata.get("path") in read
                or (r.metadata.get("root") in roots and r.metadata.get("path") not in present)
            )
        ]
        upserted, deleted = self._apply(loaded.records, stale, progress)
        return IngestReport(
            added=len(upserted.added),
            updated=len(upserted.updated),
            unchanged=upserted.unchanged,
            removed=len(deleted.removed),
            skipped=loaded.skipped,
            files=len(loaded.files),
            encoded=upserted.encoded,
        )

    def _apply(
        self, records: Sequence[Record], stale: list[str], progress: Progress | None
    ) -> tuple[StoreChanges, StoreChanges]:
        def encode(texts: list[str]) -> torch.Tensor:
            # Encode in length order: a batch is padded to its longest text, so mixing one
            # long passage into a batch of short ones makes the whole batch slow.
            order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
            passages = [texts[i] for i in order]
            vectors = self.encoder.encode(
                passages, role="passage", progress=progress, stage=ENCODING
            )  # (n, d)
            out = torch.empty_like(vectors)
            out[torch.tensor(order, dtype=torch.long)] = vectors
            return out

        with self._lock:
            # The index mirrors each store change with the rows as they are at that moment:
            # updates and appends before the delete shifts rows down.
            upserted = self.store.upsert(records, encode)
            if upserted.reencoded_rows:
                rows = torch.tensor(upserted.reencoded_rows, dtype=torch.long)
                self._index.update(rows, self.store.keys[rows])
            if upserted.added:
                self._index.add(self.store.keys[upserted.appended_from :])
            deleted = self.store.delete(stale)
            if deleted.removed_rows:
                self._index.remove(torch.tensor(deleted.removed_rows, dtype=torch.long))
            if upserted.added or upserted.updated or deleted.removed:
                self.store.save()  # also sweeps older generations, the BM25 folder included
                try:
                    self._index.save(self.store.folder)
                except (OSError, RuntimeError) as e:
                    # The passages are committed; the graph is derived from them and is
                    # rebuilt by the next open that finds none for these keys.
                    log.warning(
                        "the knowledge base in %s was saved, but its vector index could not "
                        "be written (%s); the next start rebuilds it -- free disk space there",
                        self.store.folder,
                        str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__,
                    )
                self._lexical = None
            else:
                self.store.sweep()  # what a killed earlier run may have left
        if upserted.added or upserted.updated or deleted.removed:
            self.lexical()  # built and saved now, so the next open only maps it
        return upserted, deleted

    # ---- searching -----------------------------------------------------------------------

    def search(
        self,
        query: str,
        k: int = 10,
        *,
        within: Iterable[str] | None = None,
        mode: str | None = None,
    ) -> list[Hit]:
        """The k best passages for `query`, best first; `within` ranks only those ids."""
        if not require_unicode(query, "search text").strip():
            raise InputError("the search text is empty; give a few words to search for")
        mode = DEFAULT_MODE if mode is None else mode
        if mode not in SEARCH_MODES:
            raise ConfigError(f"unknown search mode {mode!r}; use one of {', '.join(SEARCH_MODES)}")
        allowed = self._allowed_rows(within)
        if len(self.store) == 0 or k <= 0 or (allowed is not None and len(allowed) == 0):
            return []
        ranked = self.rank(query, mode, allowed)[:k]
        records = self.store.records_at([row for row, _, _ in ranked])
        return [_hit(r, s, p) for r, (_, s, p) in zip(records, ranked, strict=True)]

    def search_vector(
        self, query: torch.Tensor, k: int = 10, *, within: Iterable[str] | None = None
    ) -> list[Hit]:
        """Dense search with an already encoded query (d,): attention scores, no fusion."""
        allowed = self._allowed_rows(within)
        if len(self.store) == 0 or (allowed is not None and len(allowed) == 0):
            return []
        scores, rows = self._index.search(query[None, :], k, allowed)  # (1, k'), (1, k')
        records = self.store.records_at(rows[0].tolist())
        return [_hit(r, s, s) for r, s in zip(records, scores[0].tolist(), strict=True)]

    def rank(
        self, query: str, mode: str, allowed: torch.Tensor | None
    ) -> list[tuple[int, float, float]]:
        """Candidate rows, best first, as (row, score, passage score).

        Each retriever scores passages, and each source file by its best passage plus
        `SECOND_WEIGHT` times its second best. Single modes order files by that score;
        hybrid fuses the retrievers' file rankings (and passage rankings) by reciprocal
        rank. A passage's score is its file's; its passage score orders it within the file.
        """
        runs: list[Run] = []
        # A Chinese question gains the English words of the ops concepts it names: English
        # runbooks share no token with it otherwise, and the encoder reads it better so.
        query = shipped_glossary().expand(query)
        if mode in ("dense", "hybrid"):
            q = self.encoder.encode_one(query, role="query")  # (d,)
            scores, rows = self._index.search(q[None, :], CANDIDATES, allowed)  # (1, C)
            runs.append((rows[0].numpy().astype(np.int64), scores[0].numpy().astype(np.float64)))
        if mode in ("bm25", "hybrid"):
            runs.append(self._lexical_run(query, allowed))
        # Passages of one source file share evidence (a record without a source stands
        # alone); the row -> source numbers are a mapped array, so no record is read here.
        sources = self.store.source_numbers()  # (N,)
        ranked, files, passages = rank_runs(runs, sources, fuse=mode == "hybrid")  # (M,) each
        return list(zip(ranked.tolist(), files.tolist(), passages.tolist(), strict=True))

    def _lexical_run(self, query: str, allowed: torch.Tensor | None) -> Run:
        """BM25's candidates, best first: (rows, scores), only rows sharing a token."""
        scores, rows = self.lexical().search(query, CANDIDATES, allowed)  # (C,)
        values = scores.numpy().astype(np.float64)
        keep = values > 0  # (C,)
        return rows.numpy()[keep].astype(np.int64), values[keep]

    def lexical(self) -> LexicalIndex:
        """BM25 over the passages: loaded (memory-mapped) from beside the store, else built.

        It is saved under the store's generation, so an index of older contents is never
        used; one that cannot be loaded is rebuilt and saved again.
        """
        with self._lock:
            if self._lexical is None or len(self._lexical) != len(self.store):
                generation = self.store.generation
                folder = self.store.folder / f"{LEXICAL_PREFIX}{generation}"
                lexical = LexicalIndex.load(folder, len(self.store)) if generation else None
                if lexical is None:
                    lexical = LexicalIndex([r.key_text() for r in self.store.records])
                    if generation:
                        shutil.rmtree(folder, ignore_errors=True)
                        lexical.save(folder)
                self._lexical = lexical
            return self._lexical

    def _allowed_rows(self, within: Iterable[str] | None) -> torch.Tensor | None:
        if within is None:
            return None
        rows = sorted({r for i in within if (r := self.store.row_of(i)) is not None})
        return torch.tensor(rows, dtype=torch.long)

    def stats(self) -> KBStats:
        """Size and identity of the store, for `opsqkv kb stats`."""
        sources = {r.source for r in self.store.records}
        return KBStats(
            folder=self.store.folder,
            passages=len(self.store),
            sources=len(sources),
            dim=self.store.dim,
            dtype=self.store.dtype,
            fingerprint=self.store.fingerprint,
            index=self._index.kind,
            disk_bytes=self.store.disk_bytes(),
        )


def _hit(r: Record, score: float, passage_score: float) -> Hit:
    return Hit(r.id, score, r.source, r.title, r.heading, r.lines, r.text, passage_score)


# ---- the default KB --------------------------------------------------------------------------


def demo_kb_dir() -> Path:
    """The demo runbooks shipped inside the `knowledge` package."""
    return Path(str(importlib.resources.files("knowledge") / "data" / "kb"))


def open_default_kb(
    settings: Settings,
    encoder: Encoder,
    *,
    progress: Progress | None = None,
) -> KnowledgeBase:
    """The KB in `settings.kb_dir`, seeded from the shipped demo KB on first use.

    When the shipped demo documents change (an upgrade), they are re-ingested; only the
    changed passages are encoded again.
    """
    kb = KnowledgeBase.open(settings.kb_dir, create=True, encoder=encoder, settings=settings)
    demo = demo_kb_dir()
    files = sorted(p for p in demo.rglob("*") if p.is_file()) if demo.is_dir() else []
    if not files:
        return kb
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.relative_to(demo).as_posix().encode() + b"\0" + file.read_bytes())
    marker = settings.kb_dir / SEED_MARKER
    try:
        seeded = json.loads(marker.read_text(encoding="utf-8")).get("digest")
    except (OSError, ValueError, AttributeError):
        seeded = None
    if seeded != digest.hexdigest():
        kb.ingest([demo], progress=progress)
        tmp = marker.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps({"digest": digest.hexdigest()}), encoding="utf-8")
        os.replace(tmp, marker)
    return kb
