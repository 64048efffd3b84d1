"""The reader network: the encoder's top layers run over [slot ; context], then three heads.

The encoder's lower layers read the slot description and the dialogue context apart (so
each is computed once: a slot's states are static, a turn's context is shared by every
slot). Its top layers, copied and fine-tuned, read them joined, so every context token
attends to the slot and the slot's [CLS] to every context token: that is where the slot
query meets its keys. Heads on the result:

    status  from the slot's [CLS] and the pooled context tokens: none / dontcare / value
    span    start and end scores over context tokens (free-text slots)
    choice  the slot's [CLS] against each allowed value's key (categorical slots)
"""

from __future__ import annotations

import math

import torch
from torch import nn

STATUSES = ("none", "dontcare", "value")
SEGMENTS = 3  # slot, system utterance, user utterance


class TopLayer(nn.TransformerEncoderLayer):
    """One BERT layer (post-norm, GELU) as torch's encoder layer, loadable from HF weights."""

    def __init__(self, d: int, heads: int, ff: int, dropout: float) -> None:
        super().__init__(
            d, heads, ff, dropout, activation="gelu", layer_norm_eps=1e-12, batch_first=True
        )

    def load_hf(self, weights: dict[str, torch.Tensor]) -> None:
        """Copy a Hugging Face BertLayer's parameters into this layer."""
        w = weights
        prefix = "attention.self."
        in_w = [w[f"{prefix}{n}.weight"] for n in ("query", "key", "value")]
        in_b = [w[f"{prefix}{n}.bias"] for n in ("query", "key", "value")]
        with torch.no_grad():
            self.self_attn.in_proj_weight.copy_(torch.cat(in_w))  # (3d, d)
            self.self_attn.in_proj_bias.copy_(torch.cat(in_b))  # (3d,)
            self.self_attn.out_proj.weight.copy_(w["attention.output.dense.weight"])
            self.self_attn.out_proj.bias.copy_(w["attention.output.dense.bias"])
            self.norm1.weight.copy_(w["attention.output.LayerNorm.weight"])
            self.norm1.bias.copy_(w["attention.output.LayerNorm.bias"])
            self.linear1.weight.copy_(w["intermediate.dense.weight"])
            self.linear1.bias.copy_(w["intermediate.dense.bias"])
            self.linear2.weight.copy_(w["output.dense.weight"])
            self.linear2.bias.copy_(w["output.dense.bias"])
            self.norm2.weight.copy_(w["output.LayerNorm.weight"])
            self.norm2.bias.copy_(w["output.LayerNorm.bias"])


class ReaderNet(nn.Module):
    """Top encoder layers over [slot ; context] with status, span and choice heads."""

    def __init__(
        self, d: int = 384, heads: int = 12, ff: int = 1536, layers: int = 2, dropout: float = 0.1
    ) -> None:
        super().__init__()
        self.segment = nn.Embedding(SEGMENTS, d)
        nn.init.zeros_(self.segment.weight)  # start as the plain encoder
        self.layers = nn.ModuleList([TopLayer(d, heads, ff, dropout) for _ in range(layers)])
        # status reads the slot's [CLS] and what the slot-aware context tokens hold (max, mean)
        self.status = nn.Sequential(nn.Linear(3 * d, d), nn.GELU(), nn.Linear(d, len(STATUSES)))
        self.start = nn.Linear(d, 1)
        self.end = nn.Linear(d, 1)
        self.slot_key = nn.Linear(d, d)
        self.value_key = nn.Linear(d, d)

    def forward(
        self,
        slot: torch.Tensor,  # (B, Ls, d) lower-layer states of the slot text, [CLS] first
        slot_mask: torch.Tensor,  # (B, Ls) bool
        context: torch.Tensor,  # (B, Lc, d) lower-layer states of the context
        context_mask: torch.Tensor,  # (B, Lc) bool
        context_segment: torch.Tensor,  # (B, Lc) long: 1 system, 2 user
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Status logits (B, 3), start and end logits (B, Lc), and the slot's summary (B, d)."""
        slot_segment = torch.zeros(slot.shape[:2], dtype=torch.long)  # (B, Ls)
        x = torch.cat([slot, context], dim=1)  # (B, Ls + Lc, d)
        x = x + self.segment(torch.cat([slot_segment, context_segment], dim=1))
        pad = ~torch.cat([slot_mask, context_mask], dim=1)  # (B, Ls + Lc) True = ignore
        for layer in self.layers:
            x = layer(x, src_key_padding_mask=pad)
        summary = x[:, 0]  # (B, d) the slot's [CLS]
        tokens = x[:, slot.shape[1] :]  # (B, Lc, d)
        real = context_mask.unsqueeze(-1)  # (B, Lc, 1)
        peak = tokens.masked_fill(~real, float("-inf")).amax(dim=1)  # (B, d)
        mean = (tokens * real).sum(1) / real.sum(1).clamp(min=1)  # (B, d)
        status = self.status(torch.cat([summary, peak, mean], dim=-1))  # (B, 3d) -> (B, 3)
        start = self.start(tokens).squeeze(-1)  # (B, Lc)
        end = self.end(tokens).squeeze(-1)  # (B, Lc)
        return status, start, end, summary

    def choice(self, summary: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
        """Scores of each allowed value: (B, d) x (B, V, d) -> (B, V)."""
        q = self.slot_key(summary).unsqueeze(1)  # (B, 1, d)
        k = self.value_key(values)  # (B, V, d)
        scores: torch.Tensor = (q * k).sum(-1) / math.sqrt(q.shape[-1])  # (B, V)
        return scores
