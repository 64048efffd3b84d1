"""Which ticket a first message asks for: attention of the message over templates' examples."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import torch

from agents.lexicon import cue_winner
from agents.tickets.templates import TicketTemplate
from knowledge.attention import COSINE_SCALE, attend
from knowledge.encoder import Encoder
from knowledge.keycache import KeyCache

_MIN_COSINE = 0.27  # below this, the message is about no ticket we know
_MIN_WEIGHT = 0.65  # and the attention must clearly favour one template
_FILING_ZH = r"(?:申请|开|提|建|创建|报|登记|发起|录|走|要|做|需要)(?:一?个|一?张|一下|下)?[^。？！?!]{0,16}?"
_DOCUMENT_ZH = ("工单", "单", "申请", "请求")  # what a Chinese ticket title ends in: 故障单


def _zh_kind(title: str) -> str:
    """The kind a Chinese ticket title names, without its document word (故障单 -> 故障)."""
    for suffix in _DOCUMENT_ZH:
        if title.endswith(suffix) and len(title) > len(suffix):
            return title.removesuffix(suffix)
    return title


@dataclass(frozen=True)
class TemplateChoice:
    """The chosen template (None: none fits) and each template's attention weight."""

    name: str | None
    weights: dict[str, float]
    best_cosine: float


class TemplateChooser:
    """Keys: each template's title+description and examples, encoded once (KeyCache)."""

    def __init__(
        self, encoder: Encoder, key_cache: KeyCache, templates: Mapping[str, TicketTemplate]
    ) -> None:
        self.encoder = encoder
        self.names = sorted(templates)
        texts: list[str] = []
        self.owner: list[int] = []
        for index, name in enumerate(self.names):
            for text in templates[name].route_texts():
                texts.append(text)
                self.owner.append(index)
        self.keys = key_cache.keys("template_routes", texts)  # (N, d)
        # Naming the kind of ticket ("an incident", "a change", "access") settles it.
        self.named = {
            name: re.compile(rf"\b{re.escape(templates[name].title.split()[0].lower())}\b")
            for name in self.names
        }
        self.cues = {name: templates[name].cues for name in self.names if templates[name].cues}
        # In Chinese, a verb of filing then the kind ("申请…权限", "提个变更", "报故障"); the
        # kind alone is not enough ("变更后一直报错" is an incident after a change).
        self.named_zh = {
            name: re.compile(_FILING_ZH + re.escape(kind))
            for name in self.names
            if (kind := _zh_kind(templates[name].titles.get("zh", "")))
        }

    def named_in(self, text: str) -> str | None:
        """The one template the message names by its kind ("file a change: ..."), if any."""
        named = [n for n, pattern in self.named.items() if pattern.search(text.lower())]
        if not named:
            named = [n for n, pattern in self.named_zh.items() if pattern.search(text)]
        return named[0] if len(named) == 1 else None

    def choose(self, text: str) -> TemplateChoice:
        """The template whose keys the message attends to most."""
        if not self.names or not text.strip():
            return TemplateChoice(None, {}, 0.0)
        query = self.encoder.encode_one(text)[None, :]  # (1, d)
        owners = torch.nn.functional.one_hot(
            torch.tensor(self.owner), len(self.names)
        ).float()  # (N, M): which template each key belongs to
        per_template, _ = attend(query, self.keys, owners, scale=COSINE_SCALE)  # (1, M)
        cosine = float((query @ self.keys.T).max())
        scores = {name: float(per_template[0, i]) for i, name in enumerate(self.names)}
        named = self.named_in(text) or cue_winner(text, self.cues)
        if named is not None:
            return TemplateChoice(named, scores, cosine)
        best = max(scores, key=lambda n: scores[n])
        clear = cosine >= _MIN_COSINE and scores[best] >= _MIN_WEIGHT
        return TemplateChoice(best if clear else None, scores, cosine)
