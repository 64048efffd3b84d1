"""The static K/V cache for fixed key sets (router examples, schema keys, slot queries).

A key set is encoded once per (model, content) and kept on disk as safetensors, so a
restart loads it instead of re-encoding. The file name carries a digest of the model
fingerprint and the texts, so a changed text or another model can never be served stale keys.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from knowledge.encoder import Encoder

log = logging.getLogger("opsqkv.cache")


def content_digest(fingerprint: str, texts: Sequence[str]) -> str:
    """A stable digest of a model fingerprint and an ordered list of texts."""
    digest = hashlib.sha256(fingerprint.encode())
    for text in texts:
        digest.update(b"\x1f" + text.encode())
    return digest.hexdigest()[:20]


class KeyCache:
    """Encodes named key sets once and memory-maps them from `folder` afterwards."""

    def __init__(self, encoder: Encoder, folder: Path | None) -> None:
        self.encoder = encoder
        self.folder = folder
        self._memory: dict[str, torch.Tensor] = {}
        self._lock = threading.Lock()
        self.encoded_sets = 0  # key sets that had to be encoded (tests and benchmarks read it)

    def keys(self, name: str, texts: Sequence[str]) -> torch.Tensor:
        """Unit keys (N, d) for `texts`, from memory, then disk, then the encoder."""
        digest = content_digest(self.encoder.fingerprint, texts)
        tag = f"{name}-{digest}"
        with self._lock:
            if tag in self._memory:
                return self._memory[tag]
        keys = self._load(tag, len(texts))
        if keys is None:
            keys = self.encoder.encode(list(texts)) if texts else torch.empty(0, self.encoder.dim)
            self.encoded_sets += 1
            self._save(name, tag, keys)
        with self._lock:
            self._memory[tag] = keys
        return keys

    def _path(self, tag: str) -> Path | None:
        return None if self.folder is None else self.folder / f"{tag}.safetensors"

    def _load(self, tag: str, expected_rows: int) -> torch.Tensor | None:
        path = self._path(tag)
        if path is None or not path.is_file():
            return None
        try:
            keys = load_file(str(path))["keys"]
        except (SafetensorError, KeyError, OSError):
            return None  # a damaged cache file is only a cache: re-encode and overwrite it
        if keys.shape != (expected_rows, self.encoder.dim) or not _unit_rows(keys):
            return None  # the wrong size, or not what the encoder writes: never trusted
        return keys

    def _save(self, name: str, tag: str, keys: torch.Tensor) -> None:
        path = self._path(tag)
        if path is None:
            return
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            save_file({"keys": keys.contiguous()}, str(tmp))
            os.replace(tmp, path)  # atomic: a concurrent reader never sees half a file
        except (OSError, SafetensorError) as e:
            # Only a cache: the keys are right in memory, the next process encodes again.
            tmp.unlink(missing_ok=True)
            detail = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            log.warning(
                "cannot write the key cache file %s (%s); the keys are used from memory and "
                "encoded again by the next start -- free disk space in %s",
                path,
                detail,
                path.parent,
            )
            return
        for stale in path.parent.glob(f"{name}-*.safetensors"):
            if stale != path:  # an older version of this key set: texts or model changed
                stale.unlink(missing_ok=True)


def _unit_rows(keys: torch.Tensor) -> bool:
    """True when every row is finite and of length 1 (or 0, an empty text), as encoded."""
    if not keys.is_floating_point():
        return False
    norms = keys.float().norm(dim=-1)  # (N,)
    finite = bool(torch.isfinite(keys).all())
    return finite and bool(((norms - 1).abs() < 1e-2).logical_or(norms == 0).all())
