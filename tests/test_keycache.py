"""The static key cache: encode once, reload from disk, invalidate on change."""

from __future__ import annotations

from pathlib import Path

import torch

from knowledge.encoder import Encoder
from knowledge.keycache import KeyCache


def test_keycache_second_cache_loads_from_disk_without_encoding(
    encoder: Encoder, tmp_path: Path
) -> None:
    texts = ["open an incident", "query the cmdb", "how do I fix this"]
    first = KeyCache(encoder, tmp_path).keys("router", texts)
    before = encoder.texts_encoded
    second_cache = KeyCache(encoder, tmp_path)
    again = second_cache.keys("router", texts)
    assert encoder.texts_encoded == before and second_cache.encoded_sets == 0
    torch.testing.assert_close(first, again)


def test_keycache_changed_texts_are_re_encoded_and_old_file_dropped(
    encoder: Encoder, tmp_path: Path
) -> None:
    cache = KeyCache(encoder, tmp_path)
    cache.keys("slots", ["service name", "severity"])
    changed = cache.keys("slots", ["service name", "severity", "start time"])
    assert changed.shape == (3, encoder.dim) and cache.encoded_sets == 2
    assert len(list(tmp_path.glob("slots-*.safetensors"))) == 1


def test_keycache_damaged_file_is_rebuilt(encoder: Encoder, tmp_path: Path) -> None:
    KeyCache(encoder, tmp_path).keys("x", ["disk full"])
    (file,) = tmp_path.glob("x-*.safetensors")
    file.write_bytes(b"garbage")
    cache = KeyCache(encoder, tmp_path)
    assert cache.keys("x", ["disk full"]).shape == (1, encoder.dim) and cache.encoded_sets == 1
