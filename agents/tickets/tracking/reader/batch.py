"""Padding the reader's inputs: slot states and context states of ragged lengths into batches."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from knowledge.encoder import LayerStates

SYSTEM, USER = 1, 2  # segment ids of the context's two utterances (0 is the slot)


@dataclass(frozen=True)
class Context:
    """One turn's context (system utterance, user utterance) after the encoder's lower layers."""

    system: str
    user: str
    states: torch.Tensor  # (T, d) special tokens included
    segment: torch.Tensor  # (T,) long: SYSTEM or USER (specials count with their neighbour)
    readable: torch.Tensor  # (T,) bool: a token a span may start or end on
    offsets: list[tuple[int, int]]  # (T) character span of each token inside its utterance

    def span_chars(self, start: int, end: int) -> tuple[int, int]:
        """Characters of tokens [start, end] (inclusive) in their utterance, whole words."""
        utterance = self.user if int(self.segment[start]) == USER else self.system
        a, b = self.offsets[start][0], self.offsets[end][1]
        while a > 0 and utterance[a - 1].isalnum():
            a -= 1
        while b < len(utterance) and utterance[b].isalnum():
            b += 1
        return a, b

    def span_text(self, start: int, end: int) -> str:
        """The words of tokens [start, end] (inclusive), widened to whole words."""
        utterance = self.user if int(self.segment[start]) == USER else self.system
        a, b = self.span_chars(start, end)
        return utterance[a:b].strip()

    def char_to_token(self, segment: int, start: int, end: int) -> tuple[int, int] | None:
        """The first and last token covering characters [start, end) of one utterance."""
        inside = [
            t
            for t, (a, b) in enumerate(self.offsets)
            if bool(self.readable[t]) and int(self.segment[t]) == segment and a < end and b > start
        ]
        return (inside[0], inside[-1]) if inside else None


def contexts_from(
    states: LayerStates, systems: Sequence[str], users: Sequence[str]
) -> list[Context]:
    """Split a padded pair batch into per-turn contexts, padding dropped."""
    out: list[Context] = []
    for i, (system, user) in enumerate(zip(systems, users, strict=True)):
        length = int(states.mask[i].sum())
        ids = states.segments[i][:length]
        readable = torch.tensor([s is not None for s in ids])
        # A special token takes the segment of the token before it ([CLS] counts as system).
        segment: list[int] = []
        for s in ids:
            segment.append(
                USER if s == 1 else SYSTEM if s == 0 else (segment[-1] if segment else SYSTEM)
            )
        out.append(
            Context(
                system=system,
                user=user,
                states=states.states[i, :length].to(torch.float16),
                segment=torch.tensor(segment),
                readable=readable,
                offsets=states.offsets[i][:length],
            )
        )
    return out


def pad(rows: Sequence[torch.Tensor], fill: float | int | bool = 0) -> torch.Tensor:
    """Stack tensors of shape (L_i, ...) into (B, max L, ...), filling the rest with `fill`."""
    longest = max(r.shape[0] for r in rows)
    out = torch.full((len(rows), longest, *rows[0].shape[1:]), fill, dtype=rows[0].dtype)
    for i, r in enumerate(rows):
        out[i, : r.shape[0]] = r
    return out


@dataclass(frozen=True)
class ReaderBatch:
    """Padded inputs of ReaderNet.forward."""

    slot: torch.Tensor  # (B, Ls, d)
    slot_mask: torch.Tensor  # (B, Ls)
    context: torch.Tensor  # (B, Lc, d)
    context_mask: torch.Tensor  # (B, Lc)
    segment: torch.Tensor  # (B, Lc)
    readable: torch.Tensor  # (B, Lc)


def collate(slots: Sequence[torch.Tensor], contexts: Sequence[Context]) -> ReaderBatch:
    """One batch of (slot states, context) pairs, fp32."""
    return ReaderBatch(
        slot=pad([s.float() for s in slots]),
        slot_mask=pad([torch.ones(s.shape[0], dtype=torch.bool) for s in slots], False),
        context=pad([c.states.float() for c in contexts]),
        context_mask=pad(
            [torch.ones(c.states.shape[0], dtype=torch.bool) for c in contexts], False
        ),
        segment=pad([c.segment for c in contexts], 1),
        readable=pad([c.readable for c in contexts], False),
    )
