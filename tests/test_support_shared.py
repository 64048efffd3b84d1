"""require_shared: missing ../shared data skips a test locally and fails it in CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.shared import require_shared


def test_support_shared_present_path_is_returned(tmp_path: Path) -> None:
    assert require_shared(tmp_path) == tmp_path


def test_support_shared_missing_path_skips_outside_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="nowhere is missing"):
        require_shared(tmp_path / "nowhere")


def test_support_shared_missing_path_fails_in_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"nowhere is missing.*CI=true"):
        require_shared(tmp_path / "nowhere")
