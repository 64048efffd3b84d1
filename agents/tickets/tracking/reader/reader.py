"""SlotReader: every slot of a template reads one turn at once, through the trained ReaderNet.

Q = the slot's name and description, K = V = the tokens of the last system utterance and
the user utterance. The encoder's lower layers run once per turn (the context) and once
per slot text (cached); the reader's top layers and heads run for all slots in one batch.
"""

from __future__ import annotations

import importlib.resources
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file

from agents.tickets.tracking.reader.batch import USER, Context, collate, contexts_from
from agents.tickets.tracking.reader.net import STATUSES, ReaderNet
from errors import ModelError
from knowledge.encoder import Encoder

MAX_SPAN_TOKENS = 12
WEIGHTS_FILE = "reader.safetensors"
CARD_FILE = "card.json"
READERS_DIRNAME = "slot-readers"  # <home>/slot-readers/<model folder name>: readers per base


def trained_reader_dir(home: Path, encoder: Encoder) -> Path:
    """Where `opsqkv train slots` puts, and the bot looks for, the reader of a base model."""
    return home / READERS_DIRNAME / encoder.model_dir.name


def reader_folder(encoder: Encoder, explicit: Path | None, home: Path) -> Path | None:
    """The reader for `encoder`: the one named, the shipped one when it was trained on this
    base model, else one trained for it under `home`; None when there is none (the tracker
    then reads without it: a reader over another model's layers would read noise)."""
    if explicit is not None:
        return explicit
    for folder in (shipped_weights_dir(), trained_reader_dir(home, encoder)):
        if _base_fingerprint(folder) == encoder.fingerprint:
            return folder
    return None


def _base_fingerprint(folder: Path) -> str | None:
    try:
        return str(json.loads((folder / CARD_FILE).read_text())["base_fingerprint"])
    except (OSError, ValueError, KeyError):
        return None


def shipped_weights_dir() -> Path:
    """The folder of the reader weights shipped inside the `agents` package."""
    return Path(str(importlib.resources.files("agents.tickets.tracking.reader") / "weights"))


@dataclass(frozen=True)
class SlotQuery:
    """One slot as the reader sees it: its name, its query text, its allowed values if closed."""

    name: str
    text: str  # "label: description"
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class SlotReading:
    """What the reader read for one slot in one turn."""

    name: str
    status: str  # one of STATUSES
    confidence: float  # the status's probability
    value: str | None  # the words of the span, or the chosen allowed value
    from_user: bool  # the span lies in the user's words (not the system's offer)
    chars: tuple[int, int] | None = None  # the span's characters in its utterance


def best_span(
    start: torch.Tensor, end: torch.Tensor, readable: torch.Tensor, longest: int
) -> tuple[int, int, float]:
    """The (start, end) token pair, start <= end < start + longest, with the highest score."""
    scores = start.unsqueeze(1) + end.unsqueeze(0)  # (T, 1) + (1, T) -> (T, T)
    t = start.shape[0]
    band = torch.ones(t, t, dtype=torch.bool).triu().tril(longest - 1)  # (T, T) start <= end
    allowed = band & readable.unsqueeze(1) & readable.unsqueeze(0)  # (T, T)
    scores = scores.masked_fill(~allowed, float("-inf"))
    flat = int(scores.argmax())
    return flat // t, flat % t, float(scores.flatten()[flat])


class SlotReader:
    """Reads slot status, span and choice for many slots over one dialogue turn."""

    def __init__(
        self, encoder: Encoder, net: ReaderNet, *, lower_layers: int, threshold: float = 0.5
    ) -> None:
        self.encoder = encoder
        self.net = net.eval()
        self.lower_layers = lower_layers
        self.threshold = threshold  # the status confidence a reading needs, chosen on dev
        self._slots: dict[str, torch.Tensor] = {}
        self._values: dict[tuple[str, str], torch.Tensor] = {}
        self._lock = threading.Lock()

    @classmethod
    def load(cls, encoder: Encoder, folder: Path | None = None) -> SlotReader:
        """The reader whose weights and card lie in `folder` (default: the shipped ones)."""
        folder = folder if folder is not None else shipped_weights_dir()
        try:
            card = json.loads((folder / CARD_FILE).read_text())
            base = card.get("base_fingerprint")
            if base is not None and base != encoder.fingerprint:
                raise ModelError(
                    f"the slot reader in {folder} was trained on another base model "
                    f"({card.get('base_model', base)}); train one for this model with "
                    "`opsqkv train slots`, or unset OPSQKV_SLOT_READER"
                )
            weights = load_file(str(folder / WEIGHTS_FILE))
            net = ReaderNet(layers=int(card["top_layers"]))
            net.load_state_dict({k: v.float() for k, v in weights.items()})
        except (OSError, ValueError, KeyError, RuntimeError) as e:
            raise ModelError(
                f"cannot load the slot reader from {folder}: {e}; "
                "reinstall opsqkv or retrain it with `opsqkv train slots`"
            ) from e
        return cls(
            encoder,
            net,
            lower_layers=int(card["lower_layers"]),
            threshold=float(card.get("threshold", 0.5)),
        )

    def slot_states(self, text: str) -> torch.Tensor:
        """Lower-layer states of a slot text, (Ls, d), computed once."""
        with self._lock:
            hit = self._slots.get(text)
        if hit is None:
            layer = self.encoder.layer_states([text], layers=self.lower_layers)
            hit = layer.states[0, : int(layer.mask[0].sum())].clone()
            with self._lock:
                self._slots[text] = hit
        return hit

    def value_keys(self, query: SlotQuery) -> torch.Tensor:
        """Keys of a categorical slot's allowed values, (V, d), computed once."""
        tag = (query.text, "\x1f".join(query.values))
        with self._lock:
            hit = self._values.get(tag)
        if hit is None:
            hit = self.encoder.encode([value_text(query.text, v) for v in query.values])
            with self._lock:
                self._values[tag] = hit
        return hit

    def context(self, system: str, user: str) -> Context:
        """One turn's context through the lower layers."""
        states = self.encoder.layer_states([system], [user], layers=self.lower_layers)
        return contexts_from(states, [system], [user])[0]

    def _reading(
        self,
        query: SlotQuery,
        probs: torch.Tensor,  # (3,) status probabilities
        start: torch.Tensor,  # (Lc,)
        end: torch.Tensor,  # (Lc,)
        summary: torch.Tensor,  # (d,)
        context: Context,
    ) -> SlotReading:
        if not query.values:
            return _free_text(query.name, probs, start, end, context)
        kind = int(probs.argmax())
        scores = self.net.choice(summary[None], self.value_keys(query)[None])  # (1, V)
        value = query.values[int(scores[0].argmax())]
        return SlotReading(query.name, STATUSES[kind], float(probs[kind]), value, True)

    def read(self, queries: Sequence[SlotQuery], system: str, user: str) -> list[SlotReading]:
        """Every slot's reading of the turn (system said `system`, the user answered `user`)."""
        if not queries:
            return []
        context = self.context(system, user)
        batch = collate([self.slot_states(q.text) for q in queries], [context] * len(queries))
        with torch.inference_mode():
            status, start, end, summary = self.net(
                batch.slot, batch.slot_mask, batch.context, batch.context_mask, batch.segment
            )
            probs = status.softmax(-1)  # (S, 3)
            readings = []
            for i, query in enumerate(queries):
                readings.append(
                    self._reading(query, probs[i], start[i], end[i], summary[i], context)
                )
        return readings


def _free_text(
    name: str, probs: torch.Tensor, start: torch.Tensor, end: torch.Tensor, context: Context
) -> SlotReading:
    """A free-text slot: its best span against the "no answer" span at the context's [CLS]."""
    s, e, score = best_span(start, end, context.readable, MAX_SPAN_TOKENS)
    said = torch.sigmoid(torch.tensor(score - float(start[0] + end[0])))  # P(span over none)
    value, from_user = context.span_text(s, e), int(context.segment[s]) == USER
    chars = context.span_chars(s, e)
    if int(probs.argmax()) == STATUSES.index("dontcare"):
        return SlotReading(name, "dontcare", float(probs.max()), value, from_user, chars)
    if float(said) >= 0.5:
        return SlotReading(name, "value", float(said), value, from_user, chars)
    return SlotReading(name, "none", 1.0 - float(said), value, from_user, chars)


def value_text(slot_text: str, value: str) -> str:
    """The text whose embedding keys one allowed value of a slot."""
    return f"{slot_text} -- {value}"
