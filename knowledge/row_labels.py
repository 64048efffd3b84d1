"""Which label of a vector engine (hnswlib, FAISS, Milvus) holds each row of the store.

Store rows shift down when a row is removed; engine labels never change (renumbering a
graph or a collection would mean rebuilding it). Every index that keeps vectors in an
engine keeps one `RowLabels`: row -> label to write and filter, label -> row to read
results back. Each change returns a new snapshot, so a search that took one reads a
consistent pair while a writer moves on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RowLabels:
    """A snapshot: `labels` (N,) row -> label; `row_of_label` (next_label,) label -> row, -1 gone."""

    labels: np.ndarray
    next_label: int
    row_of_label: np.ndarray

    @classmethod
    def of(cls, labels: np.ndarray, next_label: int) -> RowLabels:
        """The map for saved `labels` (row order), with `next_label` the next one to issue."""
        inverse = np.full(next_label, -1, dtype=np.int64)
        inverse[labels] = np.arange(labels.shape[0], dtype=np.int64)
        return cls(labels, next_label, inverse)

    @classmethod
    def empty(cls) -> RowLabels:
        return cls.of(np.empty(0, dtype=np.int64), 0)

    @classmethod
    def identity(cls, n: int) -> RowLabels:
        """Row i is label i (a freshly compacted engine)."""
        return cls.of(np.arange(n, dtype=np.int64), n)

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def appended(self, n: int) -> tuple[RowLabels, np.ndarray]:
        """Rows len..len+n-1 on new labels: (the new map, those labels)."""
        fresh = np.arange(self.next_label, self.next_label + n, dtype=np.int64)
        rows = np.arange(len(self), len(self) + n, dtype=np.int64)
        grown = RowLabels(
            np.concatenate([self.labels, fresh]),
            self.next_label + n,
            np.concatenate([self.row_of_label, rows]),
        )
        return grown, fresh

    def relabelled(self, rows: np.ndarray) -> tuple[RowLabels, np.ndarray]:
        """`rows` moved to new labels (their vectors were rewritten): (new map, new labels)."""
        fresh = np.arange(self.next_label, self.next_label + rows.shape[0], dtype=np.int64)
        labels = self.labels.copy()
        labels[rows] = fresh
        return RowLabels.of(labels, self.next_label + rows.shape[0]), fresh

    def removed(self, rows: np.ndarray) -> RowLabels:
        """The map without `rows` (unique); the rows after them shift down."""
        return RowLabels.of(np.delete(self.labels, rows), self.next_label)

    def mask(self, rows: np.ndarray) -> np.ndarray:
        """(next_label,) bool: the labels of `rows`, for an engine's search filter."""
        allowed = np.zeros(self.next_label, dtype=bool)
        allowed[self.labels[rows]] = True
        return allowed
