"""The real shipped encoder: unit vectors, semantics, token offsets, cache, bad folders."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from errors import ModelError
from knowledge.encoder import Encoder


def test_encoder_vectors_are_unit_and_semantic(encoder: Encoder) -> None:
    v = encoder.encode(["disk is full on web-01", "no space left on device", "kafka consumer lag"])
    assert v.shape == (3, encoder.dim) and encoder.dim == 384
    torch.testing.assert_close(v.norm(dim=-1), torch.ones(3))
    assert float(v[0] @ v[1]) > float(v[0] @ v[2]) + 0.2


def test_encoder_encode_one_caches_repeated_text(encoder: Encoder) -> None:
    first = encoder.encode_one("restart nginx on lb-02")
    before = encoder.texts_encoded
    again = encoder.encode_one("restart nginx on lb-02")
    assert encoder.texts_encoded == before
    torch.testing.assert_close(first, again)
    torch.testing.assert_close(
        first, encoder.encode(["restart nginx on lb-02"])[0], atol=1e-5, rtol=0
    )


def test_encoder_token_states_keep_character_offsets(encoder: Encoder) -> None:
    text = "payment-api is down since 10:30, sev1"
    ts = encoder.token_states(text)
    assert ts.states.shape == (len(ts.tokens), encoder.dim)
    assert ts.span_text(0, 3) == "payment-api"
    assert all(text[s:e] for s, e in ts.offsets)


@pytest.mark.parametrize("make", ["missing", "empty", "garbage"])
def test_encoder_bad_model_folder_is_one_clear_error(tmp_path: Path, make: str) -> None:
    folder = tmp_path / "model"
    if make != "missing":
        folder.mkdir()
    if make == "garbage":
        (folder / "config.json").write_text("{not json")
        (folder / "tokenizer_config.json").write_text("{}")
        (folder / "model.safetensors").write_bytes(b"\x00" * 10)
    with pytest.raises(ModelError, match=str(folder)):
        Encoder(folder)
