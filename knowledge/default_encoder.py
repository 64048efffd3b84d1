"""The one shared default encoder of a process: what `open(..., encoder=None)` means everywhere.

Loading a model costs seconds and hundreds of MB, so everything opened without an explicit
encoder shares one per model folder (`settings.model_path`, i.e. `--model`/`OPSQKV_MODEL`),
loaded on first use, never at import. The CLI, OpsBot, KnowledgeBase.open and CMDB.open all
come here, so a test that loads the model once (through `shared_encoder`) serves them all.
"""

from __future__ import annotations

import threading
from pathlib import Path

from knowledge.encoder import Encoder
from settings import Settings, settings_from_env

_LOCK = threading.Lock()
_SHARED: dict[Path | None, Encoder] = {}


def shared_encoder(model_path: Path | None = None) -> Encoder:
    """The process's encoder for `model_path` (None: the shipped MiniLM), loaded once."""
    with _LOCK:  # two threads opening at once must not load the model twice
        encoder = _SHARED.get(model_path)
        if encoder is None:
            encoder = _SHARED[model_path] = Encoder(model_path)
        return encoder


def is_loaded(model_path: Path | None = None) -> bool:
    """Whether `shared_encoder(model_path)` would return at once (no model load)."""
    return model_path in _SHARED


def default_encoder(settings: Settings | None = None) -> Encoder:
    """The shared encoder for the settings' model (the environment's settings when None)."""
    return shared_encoder((settings or settings_from_env()).model_path)
