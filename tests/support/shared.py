"""Data that ships beside the repo in ../shared (the SGD subsets, the eval sets).

Locally a missing folder skips the test that needs it, with the path in the reason. In CI
(`CI=true`) it fails instead: a CI run that silently skipped the SGD tests would pass
without ever checking them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.env import REPO

SHARED = REPO.parent / "shared"


def require_shared(path: Path) -> Path:
    """`path` if it exists; otherwise skip the calling test, or fail it when CI=true."""
    if path.exists():
        return path
    message = f"{path} is missing; it ships beside the repo in {SHARED}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}, and CI=true runs must have it", pytrace=False)
    pytest.skip(message)
