"""BM25 over the passages (the `bm25s` library): exact tokens such as error codes and flags.

Tokens are lower-cased words; identifiers are also split at case changes and separators
(`KubePodCrashLooping` -> kubepodcrashlooping, kube, pod, crash, looping), because ops text
names things in CamelCase and kebab-case while people ask in words.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
import torch
from bm25s.stopwords import STOPWORDS_EN

from knowledge.attention import top_k
from knowledge.sentences import HAN

# English function words plus the words of asking, which say nothing about the topic.
STOPWORDS = frozenset(STOPWORDS_EN) | {
    "am", "been", "being", "can", "could", "did", "do", "does", "doing", "from", "had", "has",
    "have", "he", "her", "here", "him", "his", "how", "i", "i'm", "its", "me", "my", "our",
    "ours", "she", "should", "so", "than", "them", "there", "these", "they", "this", "those",
    "us", "was", "we", "were", "what", "when", "where", "which", "who", "why", "would", "you",
    "your", "keep", "keeps", "get", "gets", "got",
}  # fmt: skip
# Chinese has no spaces: a run of Han characters gives its overlapping character pairs
# ("磁盘空间" -> 磁盘 盘空 空间), which match a word wherever it stands without a segmenter.
# Pairs of the words of asking say nothing about the topic, like the English ones above.
CHINESE_STOP_PAIRS = frozenset({
    "怎么", "么办", "怎样", "如何", "什么", "为什", "应该", "可以", "一下", "请问", "我们",
    "这个", "那个", "一个", "是不", "不是", "了怎", "么处", "该怎", "要怎", "办法",
})  # fmt: skip
_WORD = re.compile(r"[A-Za-z0-9]+(?:['._-][A-Za-z0-9]+)*")
_HAN_RUN = re.compile(f"[{HAN}]+")
_PARTS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def tokenize(text: str) -> list[str]:
    """BM25 terms of `text`: words, and the parts of compound identifiers, stop words dropped."""
    terms: list[str] = []
    for match in _WORD.finditer(text):
        word = match.group(0)
        lowered = word.lower()
        if lowered not in STOPWORDS:
            terms.append(_stem(lowered))
        parts = [p.lower() for p in _PARTS.findall(word)]
        if len(parts) > 1:
            terms.extend(_stem(p) for p in parts if p not in STOPWORDS)
    for match in _HAN_RUN.finditer(text):
        run = match.group(0)
        pairs = [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]
        terms.extend(p for p in pairs if p not in CHINESE_STOP_PAIRS)
    return terms


def _stem(word: str) -> str:
    """A light suffix stripper (plural -s, -es, -ing, -ed) so `restarting` meets `restart`."""
    if len(word) <= 4 or not word.isalpha():
        return word
    for suffix, keep in (
        ("ies", "y"),
        ("sses", "ss"),
        ("ing", ""),
        ("ed", ""),
        ("es", ""),
        ("s", ""),
    ):
        if word.endswith(suffix) and not word.endswith("ss"):
            stem = word[: -len(suffix)] + keep
            if len(stem) >= 3:
                return stem
    return word


class LexicalIndex:
    """BM25 scores of a query against every passage text, row-aligned with the store."""

    def __init__(self, texts: Sequence[str], *, bm25: bm25s.BM25 | None = None) -> None:
        self.size = len(texts) if bm25 is None else int(bm25.scores["num_docs"])
        self._bm25: bm25s.BM25 | None = bm25
        self.loaded_from: Path | None = None  # the folder it was mapped from, when loaded
        if texts and bm25 is None:
            # An empty document still needs a token for bm25s; it can never match a query.
            corpus = [tokenize(t) or ["\x00"] for t in texts]
            self._bm25 = bm25s.BM25()
            self._bm25.index(corpus, show_progress=False)

    def __len__(self) -> int:
        return self.size

    def save(self, folder: Path) -> None:
        """Write the index into `folder` (a new name: written aside, then renamed into place)."""
        if self._bm25 is None or folder.exists():
            return
        tmp = folder.with_name(f"{folder.name}.tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            self._bm25.save(str(tmp), show_progress=False)
            os.replace(tmp, folder)
        except OSError:
            # Only a cache: another process may have saved it first, or the disk is full;
            # either way the next open rebuilds what it cannot load.
            shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path, size: int) -> LexicalIndex | None:
        """The index saved in `folder`, memory-mapped, or None when missing or unusable."""
        if size == 0 or not (folder / "params.index.json").is_file():
            return None
        try:
            bm25 = bm25s.BM25.load(str(folder), mmap=True, show_progress=False)
        except (OSError, ValueError, KeyError, TypeError):
            return None  # damaged: the caller rebuilds it from the records
        if int(bm25.scores.get("num_docs", -1)) != size:
            return None
        index = cls([], bm25=bm25)
        index.loaded_from = folder
        return index

    def scores(self, query: str) -> torch.Tensor:
        """BM25 score of every row for `query`, shape (N,); zeros when no term is known."""
        terms = tokenize(query)
        if self._bm25 is None or not terms:
            return torch.zeros(self.size)
        ids = self._bm25.get_tokens_ids(terms)
        values = np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float32)
        return torch.from_numpy(values.copy())  # (N,)

    def search(
        self, query: str, k: int, allowed_rows: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The k best rows by BM25, best first: (scores (k',), rows (k',))."""
        scores = self.scores(query)  # (N,)
        if allowed_rows is not None:
            best, idx = top_k(scores[allowed_rows], k)
            return best, allowed_rows[idx]
        return top_k(scores, k)
