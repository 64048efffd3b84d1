"""Realistic benchmark keys: encoded ops texts, extended to any N by local perturbation.

Real keys come from the encoder run over real ops text: the shipped demo KB
(knowledge/data/kb) and the prometheus-operator runbooks (../shared/eval/runbooks),
cut into sentences and overlapping word windows (overlap is what chunked passages
look like in a real store: neighbouring chunks sit close together).

Extension to N keys (`extend_keys`). Each synthetic key is

    x = normalise(b + t·(c − b) + σ·ε),   t ~ U(0, t_max),  ε ~ N(0, I/d)

where b is a random real key and c one of b's m nearest real keys. Why this keeps
the neighbourhood structure of real embeddings:
- every synthetic key lies on a short chord between two real neighbours, so it stays
  inside the occupied region of the embedding space (MiniLM vectors are anisotropic
  and clustered by topic; uniform random unit vectors are near-orthogonal to each other
  and have no clusters, which makes ANN search look unrealistically hard or easy);
- topics keep their relative sizes (b is drawn uniformly from the real keys), and
  dense topics stay dense;
- σ is small and is calibrated so that the cosine of a synthetic key to its nearest
  real key matches the cosine of a real key to its nearest other real key
  (`neighbour_stats` measures both; the retrieval benchmark prints them).
Queries are real, not synthetic: the runbook dev questions plus real texts held out
of the base set.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from bench.common import REPO
from knowledge.encoder import Encoder
from knowledge.keycache import KeyCache

KB_DIR = REPO / "knowledge" / "data" / "kb"
RUNBOOKS_DIR = REPO.parent / "shared" / "eval" / "runbooks"
QUESTIONS = REPO.parent / "shared" / "eval" / "runbooks-questions" / "dev.jsonl"
CACHE_DIR = REPO / "bench" / "results" / "cache"
TEXT_SUFFIXES = {".md", ".txt", ".yaml", ".yml"}
_MARKUP = re.compile(r"[`*#>|_\[\]()]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def default_sources() -> list[Path]:
    """The text folders used when none are given: the demo KB and the eval runbooks."""
    return [p for p in (KB_DIR, RUNBOOKS_DIR) if p.is_dir()]


def ops_texts(
    sources: Sequence[Path],
    *,
    windows: Sequence[int] = (8, 16, 32),
    stride: int = 3,
    min_words: int = 4,
) -> dict[Path, list[str]]:
    """Sentences and overlapping word windows of every text file under `sources`, per file."""
    return {
        path: file_texts(
            path.read_text(encoding="utf-8", errors="replace"),
            windows=windows,
            stride=stride,
            min_words=min_words,
        )
        for path in _text_files(sources)
    }


def file_texts(text: str, *, windows: Sequence[int], stride: int, min_words: int) -> list[str]:
    """One file's sentences and word windows, deduplicated, in order."""
    seen: dict[str, None] = {}
    words: list[str] = []
    for raw in text.splitlines():
        line = " ".join(_MARKUP.sub(" ", raw).split())
        words.extend(line.split())
        for sentence in _SENTENCE_END.split(line):
            if len(sentence.split()) >= min_words:
                seen.setdefault(sentence, None)
    for window in windows:  # several chunk sizes, as stores with different chunkers hold
        for start in range(0, max(len(words) - window, 0) + 1, stride):
            chunk = words[start : start + window]
            if len(chunk) >= min_words:
                seen.setdefault(" ".join(chunk), None)
    return list(seen)


def _text_files(sources: Sequence[Path]) -> Iterable[Path]:
    for source in sources:
        if source.is_file():
            yield source
        else:
            yield from sorted(p for p in source.rglob("*") if p.suffix in TEXT_SUFFIXES)


def real_questions() -> list[str]:
    """The runbook dev questions, phrased as an on-call engineer asks them."""
    if not QUESTIONS.is_file():
        return []
    lines = QUESTIONS.read_text().splitlines()
    return [str(json.loads(line)["query"]) for line in lines if line.strip()]


def encode_cached(encoder: Encoder, name: str, texts: Sequence[str]) -> torch.Tensor:
    """Unit keys for `texts`, encoded once per (model, texts) and memory-mapped after that."""
    return KeyCache(encoder, CACHE_DIR).keys(name, texts)


@dataclass(frozen=True)
class Corpus:
    """Real encoded keys to extend, and real query vectors held out of them."""

    base: torch.Tensor  # (B, d) unit keys of real texts
    queries: torch.Tensor  # (Q, d) unit vectors of real questions and held-out texts
    base_texts: int
    query_texts: int


def load_corpus(
    encoder: Encoder, sources: Sequence[Path], *, n_queries: int = 200, seed: int = 0
) -> Corpus:
    """Encode the ops texts (cached per file) and split off held-out query texts."""
    parts = []
    for path, texts in ops_texts(sources).items():
        if texts:  # cached per file: editing one document re-encodes only that document
            tag = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
            parts.append(encode_cached(encoder, f"bench-text-{tag}", texts))
    keys = torch.unique(torch.cat(parts), dim=0) if parts else torch.empty(0, encoder.dim)
    questions = real_questions()
    if keys.shape[0] < n_queries * 2:
        raise SystemExit(f"only {keys.shape[0]} texts under {', '.join(map(str, sources))}")
    gen = torch.Generator().manual_seed(seed)
    order = torch.randperm(keys.shape[0], generator=gen)
    n_held = max(n_queries - len(questions), 0)
    held, kept = order[:n_held], order[n_held:]
    question_keys = (
        encode_cached(encoder, "bench-questions", questions)
        if questions
        else torch.empty(0, encoder.dim)
    )
    queries = torch.cat([question_keys, keys[held]])[:n_queries]  # (Q, d)
    return Corpus(
        base=keys[kept].contiguous(),
        queries=queries.contiguous(),
        base_texts=int(kept.shape[0]),
        query_texts=int(queries.shape[0]),
    )


def nearest_neighbours(keys: torch.Tensor, m: int, *, block: int = 4096) -> torch.Tensor:
    """Indices (B, m) of each key's m most similar other keys (exact, blocked)."""
    out = torch.empty((keys.shape[0], m), dtype=torch.long)
    for start in range(0, keys.shape[0], block):
        sims = keys[start : start + block] @ keys.T  # (b, d) @ (d, B) -> (b, B)
        rows = torch.arange(start, start + sims.shape[0])
        sims[torch.arange(sims.shape[0]), rows] = -2.0  # a key is not its own neighbour
        out[start : start + sims.shape[0]] = sims.topk(m, dim=-1).indices
    return out


def extend_keys(
    base: torch.Tensor,
    n: int,
    *,
    seed: int = 0,
    neighbours: int = 10,
    t_max: float = 0.5,
    sigma: float = 0.4,
    block: int = 65536,
    near: torch.Tensor | None = None,
) -> torch.Tensor:
    """N unit keys (n, d): the real keys first, then perturbed chords between real neighbours.

    Generated in blocks so 10⁶ keys need only the output tensor in memory. `near` is
    `nearest_neighbours(base, neighbours)` when the caller already has it.
    """
    if n <= base.shape[0]:
        gen = torch.Generator().manual_seed(seed)
        return base[torch.randperm(base.shape[0], generator=gen)[:n]].contiguous()
    gen = torch.Generator().manual_seed(seed)
    near = nearest_neighbours(base, neighbours) if near is None else near  # (B, m)
    d = base.shape[1]
    out = torch.empty((n, d), dtype=torch.float32)
    out[: base.shape[0]] = base
    for start in range(base.shape[0], n, block):
        size = min(block, n - start)
        b = torch.randint(0, base.shape[0], (size,), generator=gen)  # (s,)
        pick = torch.randint(0, neighbours, (size,), generator=gen)  # (s,)
        c = near[b, pick]  # (s,)
        t = torch.rand((size, 1), generator=gen) * t_max  # (s, 1)
        noise = torch.randn((size, d), generator=gen) * (sigma / d**0.5)  # (s, d), |ε|≈σ
        x = base[b] + t * (base[c] - base[b]) + noise  # (s, d)
        out[start : start + size] = torch.nn.functional.normalize(x, dim=-1)
    return out


def neighbour_stats(
    base: torch.Tensor, keys: torch.Tensor, *, sample: int = 2000
) -> dict[str, float]:
    """Median nearest-real-key cosine for real keys and for synthetic keys (the calibration)."""
    gen = torch.Generator().manual_seed(1)
    real_rows = torch.randperm(base.shape[0], generator=gen)[: min(sample, base.shape[0])]
    real_sims = base[real_rows] @ base.T  # (s, B)
    real_sims[torch.arange(real_rows.shape[0]), real_rows] = -2.0
    stats = {"real_to_nearest_real": float(real_sims.max(dim=-1).values.median())}
    synthetic = keys[base.shape[0] :]
    if synthetic.shape[0]:
        rows = torch.randint(
            0, synthetic.shape[0], (min(sample, synthetic.shape[0]),), generator=gen
        )
        synth_sims = synthetic[rows] @ base.T  # (s, B)
        stats["synthetic_to_nearest_real"] = float(synth_sims.max(dim=-1).values.median())
    return stats


def runbook_documents(
    texts: Sequence[str], n_docs: int, sections: int, *, seed: int = 0, revision: int = 0
) -> dict[str, str]:
    """`n_docs` Markdown runbooks of `sections` passages each, built from real ops texts.

    Each passage is a real text plus a scope line naming its service, so every passage
    is distinct. `revision` > 0 gives other contents for the same file names (an edit).
    """
    docs: dict[str, str] = {}
    for doc in range(n_docs):
        gen = torch.Generator().manual_seed(seed * 1_000_003 + doc * 7 + revision * 104_729)
        picks = torch.randint(0, len(texts), (sections + 1,), generator=gen).tolist()
        title = " ".join(texts[picks[0]].split()[:6])
        lines = [f"# Runbook {doc:05d}: {title}", ""]
        for section in range(sections):
            lines += [
                f"## Step {section + 1}",
                "",
                texts[picks[1 + section]],
                f"Scope: service svc-{doc:05d}-{section}, revision {revision}.",
                "",
            ]
        docs[f"runbook-{doc:05d}.md"] = "\n".join(lines)
    return docs
