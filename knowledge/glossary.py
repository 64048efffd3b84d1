"""`Glossary`: Chinese ops words -> the English words English runbooks use for them.

A question in plain Chinese shares no token with an English runbook, so BM25 cannot help
it; the shipped glossary (knowledge/data/glossary/zh-en.yaml) adds the English terms of the
concepts the question names. At each position the longest Chinese term wins ("负载均衡" is
load balancing, not load), and text without Han characters passes through untouched.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from collections.abc import Iterable
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError, field_validator

from errors import ConfigError
from knowledge.sentences import has_han


class GlossaryEntry(BaseModel):
    """One concept: its Chinese surface forms and the English words runbooks use for it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    zh: list[str]
    en: list[str]

    @field_validator("zh")
    @classmethod
    def _chinese_terms(cls, terms: list[str]) -> list[str]:
        for term in terms:
            # A single character ("库", "慢") would match inside unrelated words.
            if len(term) < 2 or not has_han(term):
                raise ValueError(f"{term!r} is no Chinese term of two or more characters")
        return terms


_ENTRIES = TypeAdapter(list[GlossaryEntry])


class Glossary:
    """Finds the glossary's Chinese terms in a text and gives their English words."""

    def __init__(self, entries: Iterable[GlossaryEntry]) -> None:
        self._english: dict[str, tuple[str, ...]] = {}
        for entry in entries:
            for term in entry.zh:
                if term in self._english:
                    raise ConfigError(f"glossary term {term!r} is in two entries; keep it in one")
                self._english[term] = tuple(entry.en)
        # Longest first: an alternation takes the first alternative that matches.
        longest_first = sorted(self._english, key=len, reverse=True)
        self._pattern = (
            re.compile("|".join(map(re.escape, longest_first))) if self._english else None
        )

    @classmethod
    def load(cls, path: Path) -> Glossary:
        """The glossary in a YAML file; a bad file is one ConfigError line."""
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            return cls(_ENTRIES.validate_python(data or []))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
            raise ConfigError(f"cannot read the glossary {path}: {e}") from e
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ConfigError(f"glossary {path}, entry {where}: {first['msg']}") from e

    def __len__(self) -> int:
        return len(self._english)

    def english_for(self, text: str) -> list[str]:
        """The English words of the Chinese terms in `text`, in order, each once."""
        if self._pattern is None or not has_han(text):
            return []
        found = (w for m in self._pattern.finditer(text) for w in self._english[m.group()])
        return list(dict.fromkeys(found))

    def expand(self, text: str) -> str:
        """`text` followed by the English words of the Chinese terms it holds."""
        words = self.english_for(text)
        return f"{text} {' '.join(words)}" if words else text


@functools.cache
def shipped_glossary() -> Glossary:
    """The Chinese -> English ops glossary shipped with opsqkv, loaded once."""
    files = importlib.resources.files("knowledge") / "data" / "glossary" / "zh-en.yaml"
    return Glossary.load(Path(str(files)))
