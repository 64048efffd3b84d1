"""The keys schema linking attends over: one per (text, CMDB term) pair, for item types,
attributes with their synonyms, and the distinct values of categorical attributes (with
their abbreviations and value families). The values (V) are one-hot rows of the term each
key names, so synonyms pool their attention weight.

Key vectors come from the static key cache, so they are encoded only when these texts change.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from knowledge.attention import scaled_scores
from knowledge.cmdb.language.lexicon import (
    attr_texts,
    family_of,
    family_texts,
    type_texts,
    value_texts,
)
from knowledge.cmdb.language.lexicon_zh import STAND_INS, TYPE_GROUPS_ZH, zh_value_texts
from knowledge.cmdb.schema import Schema
from knowledge.keycache import KeyCache


@dataclass(frozen=True)
class Target:
    """A CMDB term a key names: an item type, an attribute, or values of an attribute."""

    kind: str  # type | attr | value
    name: str  # the type or the attribute
    values: tuple[str, ...] = ()  # values; for a word naming several types, those types
    types: frozenset[str] = frozenset()  # item types it occurs on; empty: any

    def label(self) -> str:
        """`type=host`, `attr:cpu_usage`, `env=prod`, `os in [ubuntu-20.04, ubuntu-22.04]`."""
        if self.kind == "type":
            return f"type in [{', '.join(self.values)}]" if self.values else f"type={self.name}"
        if self.kind == "attr":
            return f"attr:{self.name}"
        if len(self.values) == 1:
            return f"{self.name}={self.values[0]}"
        return f"{self.name} in [{', '.join(self.values)}]"

    def type_names(self) -> tuple[str, ...]:
        """The item types a type target names (one, or a group's members)."""
        return self.values or (self.name,)


@dataclass(frozen=True)
class Mask:
    """Which keys a linking pass may attend to; `key` names it for caches."""

    key: tuple[object, ...]
    keys: torch.Tensor  # (N,) bool

    def any(self) -> bool:
        """True when at least one key is allowed."""
        return bool(self.keys.any())


class KeyTable:
    """Every key text with its target, and the keys (N, d) from the key cache."""

    def __init__(self, schema: Schema, cache: KeyCache, name: str) -> None:
        pairs = _key_pairs(schema)
        self.targets: list[Target] = list(dict.fromkeys(t for _, t in pairs))
        target_index = {t: i for i, t in enumerate(self.targets)}
        self.texts = sorted({text for text, _ in pairs})
        text_row = {text: i for i, text in enumerate(self.texts)}
        unique_keys = cache.keys(name, self.texts)  # (U, d)
        self.key_text = torch.tensor([text_row[text] for text, _ in pairs], dtype=torch.long)
        self.keys = unique_keys[self.key_text]  # (N, d)
        self.key_target = torch.tensor([target_index[t] for _, t in pairs], dtype=torch.long)
        self.values = torch.nn.functional.one_hot(self.key_target, len(self.targets)).float()
        self.text_vector = {text: unique_keys[i] for text, i in text_row.items()}
        # Scores of every key text against every key, once: a question word that is a key
        # text (most are) then costs a row lookup instead of a matmul per question.
        scores = scaled_scores(unique_keys, self.keys, scale=1.0)  # (U, d) @ (d, N) -> (U, N)
        self.text_scores = {text: scores[i] for text, i in text_row.items()}
        self.text_row = text_row
        self._masks: dict[tuple[object, ...], Mask] = {}
        self._lock = threading.Lock()

    def allowed(self, kinds: set[str], types: Sequence[str] = ()) -> Mask:
        """Keys whose target is one of `kinds` and occurs on one of `types` (type keys:
        only those types themselves); empty `types`: any."""
        wanted = frozenset(types)

        def keep(t: Target) -> bool:
            if t.kind not in kinds:
                return False
            if not wanted:
                return True
            if t.kind == "type":
                return set(t.type_names()) <= wanted
            return not t.types or bool(t.types & wanted)

        return self._mask(("kinds", frozenset(kinds), wanted), keep)

    def same_text(self, text: str) -> torch.Tensor | None:
        """(N,) True on the keys whose text is exactly `text`; None when no key has it."""
        row = self.text_row.get(text)
        return None if row is None else self.key_text == row

    def attrs_mask(self, names: frozenset[str]) -> Mask:
        """Keys naming one of the attributes `names`."""
        return self._mask(("attrs", names), lambda t: t.kind == "attr" and t.name in names)

    def _mask(self, key: tuple[object, ...], keep: Callable[[Target], bool]) -> Mask:
        with self._lock:
            found = self._masks.get(key)
        if found is None:
            ok = torch.tensor([keep(t) for t in self.targets], dtype=torch.bool)
            found = Mask(key, ok[self.key_target])  # (N,)
            with self._lock:
                self._masks[key] = found
        return found


def _key_pairs(schema: Schema) -> list[tuple[str, Target]]:
    pairs: list[tuple[str, Target]] = []
    for type_name in sorted(schema.types):
        target = Target("type", type_name)
        pairs += [(text, target) for text in type_texts(type_name)]
    for text, members in TYPE_GROUPS_ZH.items():
        present = tuple(m for m in members if m in schema.types)
        if len(present) > 1:
            pairs.append((text, Target("type", "+".join(present), present)))
    every_type = frozenset(schema.types)
    pairs += [(text, Target("attr", "type", types=every_type)) for text in attr_texts("type")]
    for attr, info in sorted(schema.attrs.items()):
        target = Target("attr", attr, types=frozenset(info.types))
        pairs += [(text, target) for text in attr_texts(attr)]
    for attr, values in sorted(schema.values.items()):
        pairs += _value_pairs(attr, values, schema.attrs[attr].kind == "bool")
    return pairs


def _value_pairs(
    attr: str, values: dict[str, dict[str, int]], boolean: bool
) -> list[tuple[str, Target]]:
    pairs: list[tuple[str, Target]] = []
    if boolean:  # "backup enabled" -> backup_enabled = true
        if "true" in values:
            target = Target("value", attr, ("true",), frozenset(values["true"]))
            pairs += [(text, target) for text in attr_texts(attr)]
        return pairs
    families: dict[str, list[str]] = {}
    for value, per_type in sorted(values.items()):
        target = Target("value", attr, (value,), frozenset(per_type))
        pairs += [(text, target) for text in value_texts(value)]
        for missing, stand_in in STAND_INS.items():  # "测试环境" is dev where no test env is
            if value == stand_in and missing not in values:
                pairs += [(text, target) for text in zh_value_texts(missing)]
        family = family_of(value)
        if family is not None and family not in values:
            families.setdefault(family, []).append(value)
    for family, members in sorted(families.items()):
        types = frozenset(t for m in members for t in values[m])
        target = Target("value", attr, tuple(members), types)
        pairs += [(text, target) for text in family_texts(family)]
    return pairs
