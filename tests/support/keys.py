"""The slot key cache the ticket test modules share, so slot keys are encoded once a run."""

from __future__ import annotations

import pytest

from knowledge.encoder import Encoder
from knowledge.keycache import KeyCache


def shared_keys(encoder: Encoder, factory: pytest.TempPathFactory) -> KeyCache:
    """A key cache on one folder of the session's temp dir, the same for every module."""
    return KeyCache(encoder, factory.getbasetemp() / "ticket-keys")
