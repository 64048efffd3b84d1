"""How a model expects to be used: text prefixes per role, pooling, normalisation.

Stored as `opsqkv.json` in the model folder; a folder without one (the shipped MiniLM, any
plain sentence-transformers folder) gets the defaults: no prefixes, mean pooling, unit vectors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from errors import ModelError

CONVENTIONS_FILE = "opsqkv.json"
Role = Literal["query", "passage"]


class Conventions(BaseModel):
    """What the encoder does around the transformer for this model."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    query_prefix: str = ""  # prepended to questions, messages, and texts compared with them
    passage_prefix: str = ""  # prepended to knowledge-base passages
    pooling: Literal["mean", "cls"] = "mean"
    normalize: bool = True

    def prefix(self, role: Role) -> str:
        """The prefix for texts in this role."""
        return self.query_prefix if role == "query" else self.passage_prefix

    @property
    def is_default(self) -> bool:
        return self == Conventions()


def read_conventions(folder: Path) -> Conventions:
    """The conventions stored in `folder`, or the defaults when it has no `opsqkv.json`."""
    path = folder / CONVENTIONS_FILE
    if not path.is_file():
        return Conventions()
    try:
        return Conventions.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValidationError) as e:
        raise ModelError(
            f"cannot read {path}: {str(e).splitlines()[0]}; fix it or reinstall the model"
        ) from e


def write_conventions(folder: Path, conventions: Conventions) -> None:
    """Store `conventions` as `folder/opsqkv.json`."""
    (folder / CONVENTIONS_FILE).write_text(conventions.model_dump_json(indent=2) + "\n", "utf-8")
