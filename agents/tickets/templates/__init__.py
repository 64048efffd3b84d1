"""Ticket templates: the schema of each ticket kind (slots, types, prompts), loaded from YAML.

The shipped templates live in `agents/tickets/templates/*.yaml`; a user folder (settings.templates_dir)
adds more, and a user template with a shipped name replaces the shipped one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from agents.tickets.durations import parse_duration
from errors import ConfigError
from knowledge.sentences import has_han
from state.models import Language

SlotType = Literal[
    "enum", "text", "name", "int", "float", "bool", "datetime", "date", "time", "duration",
    "email", "host", "service", "ip", "url",
]  # fmt: skip
ENTITY_TYPES = ("host", "service")
SHIPPED_DIR = Path(__file__).parent  # the YAML files sit beside this module

# Words in another language than English, by language: `prompts: {zh: 哪个服务受影响？}`.
# English is the plain field (`prompt`, `title`); a language without an entry falls back.
Translations = dict[Language, str]


def _no_english(words: Translations) -> Translations:
    if "en" in words:
        raise ValueError("English is the plain field (prompt, title), not an `en:` entry")
    if any(not w.strip() for w in words.values()):
        raise ValueError("a translation is empty")
    return words


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EnumValue(_Spec):
    """One allowed value of an enum slot, with the other ways people say it."""

    value: str = Field(min_length=1)
    synonyms: list[str] = Field(default_factory=list)

    def names(self) -> list[str]:
        """The value and its synonyms."""
        return [self.value, *self.synonyms]


class SlotSpec(_Spec):
    """One slot of a template."""

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    description: str = Field(min_length=1)
    type: SlotType
    required: bool = True
    prompt: str | None = None
    prompts: Translations = Field(
        default_factory=dict, description="the prompt in other languages, e.g. {zh: ...}"
    )
    labels: Translations = Field(
        default_factory=dict, description="the slot's name in other languages, e.g. {zh: 服务}"
    )
    examples: list[str] = Field(default_factory=list)
    aliases: list[str] = Field(
        default_factory=list,
        description="other names a user writes before the value, e.g. 影响 for impact",
    )
    leads: list[str] = Field(
        default_factory=list,
        description="text only: words that open the value without naming the slot, "
        "e.g. 因为 for a reason",
    )
    values: list[EnumValue] | None = Field(default=None, description="enum only")
    strict: bool = Field(default=False, description="host/service: refuse names not known")
    kinds: list[str] | None = Field(default=None, description="host/service: catalog kinds")
    min: float | None = Field(default=None, description="int/float: smallest allowed")
    max: float | None = Field(default=None, description="int/float: largest allowed")
    max_duration: str | None = Field(default=None, description="duration: longest allowed")
    when: Literal["past", "future", "any"] = Field(default="any", description="datetime only")

    _translated = field_validator("prompts", "labels")(_no_english)

    @field_validator("values", mode="before")
    @classmethod
    def _plain_values(cls, raw: Any) -> Any:
        """Allow `values: [P2, P3]` as well as `[{value: P1, synonyms: [sev1]}]`."""
        if isinstance(raw, list):
            return [{"value": str(v)} if isinstance(v, str | int | float) else v for v in raw]
        return raw

    @model_validator(mode="after")
    def _fits_type(self) -> Self:
        if self.leads and self.type != "text":
            raise ValueError("`leads` open a free-text value; this slot is not text")
        if self.type == "enum":
            if not self.values:
                raise ValueError("an enum slot needs `values`")
            seen = [v.value.casefold() for v in self.values]
            if len(set(seen)) != len(seen):
                raise ValueError("enum `values` repeat a value")
        elif self.values is not None:
            raise ValueError(f"`values` is only for enum slots, not {self.type}")
        if self.kinds is not None and self.type not in ENTITY_TYPES:
            raise ValueError("`kinds` is only for host and service slots")
        if (self.min is not None or self.max is not None) and self.type not in ("int", "float"):
            raise ValueError("`min`/`max` are only for int and float slots")
        if self.max_duration is not None:
            if self.type != "duration":
                raise ValueError("`max_duration` is only for duration slots")
            if parse_duration(self.max_duration) is None:
                raise ValueError(f"`max_duration` {self.max_duration!r} is not a duration")
        if self.when != "any" and self.type != "datetime":
            raise ValueError("`when` is only for datetime slots")
        return self

    @property
    def label(self) -> str:
        """The slot name as words."""
        return self.name.replace("_", " ")

    @property
    def ask(self) -> str:
        """What the bot says to ask for this slot."""
        return self.prompt or f"What is the {self.label}?"

    def label_in(self, language: Language) -> str:
        """The slot's name in `language`: its entry in `labels`, else (Chinese) its first
        Chinese alias, else the English label."""
        if language == "en":
            return self.label
        named = self.labels.get(language)
        if named is None and language == "zh":
            named = next((a for a in self.aliases if has_han(a)), None)
        return named or self.label

    def ask_in(self, language: Language) -> str:
        """What the bot says to ask for this slot in `language` (its `prompts` entry, else
        a plain question built on the slot's name in that language)."""
        if language == "en":
            return self.ask
        asked = self.prompts.get(language)
        if asked is None and language == "zh":
            asked = f"请提供{self.label_in(language)}。"
        return asked or self.ask

    @property
    def entity_kinds(self) -> list[str]:
        """The catalog kinds a host/service slot's names come from."""
        return self.kinds or [self.type]

    def query_text(self) -> str:
        """The text whose embedding is this slot's attention query."""
        return f"{self.label}: {self.description}"


class TicketTemplate(_Spec):
    """A kind of ticket: what it is for and which slots it has."""

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    title: str = Field(min_length=1)
    description: str = Field(min_length=1)
    titles: Translations = Field(
        default_factory=dict, description="the title in other languages, e.g. {zh: 故障单}"
    )
    examples: list[str] = Field(default_factory=list)
    cues: list[str] = Field(
        default_factory=list,
        description="words that mark a message as asking for this ticket where the encoder "
        "reads its language poorly, e.g. [故障, 挂了, 报错]",
    )
    slots: list[SlotSpec] = Field(min_length=1)

    _translated = field_validator("titles")(_no_english)

    @field_validator("cues")
    @classmethod
    def _words(cls, cues: list[str]) -> list[str]:
        if any(not c.strip() for c in cues):
            raise ValueError("a cue is an empty word")
        return cues

    @model_validator(mode="after")
    def _unique_slots(self) -> Self:
        names = [s.name for s in self.slots]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"slot names repeat: {', '.join(twice)}")
        return self

    def title_in(self, language: Language) -> str:
        """The title in `language` (its `titles` entry, else the English title)."""
        return self.title if language == "en" else self.titles.get(language, self.title)

    def slot(self, name: str) -> SlotSpec:
        """The slot called `name` (KeyError when there is none)."""
        for spec in self.slots:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def has_slot(self, name: str) -> bool:
        """Whether the template has a slot called `name`."""
        return any(spec.name == name for spec in self.slots)

    def required(self) -> list[SlotSpec]:
        """The slots a ticket cannot be submitted without, in template order."""
        return [s for s in self.slots if s.required]

    def route_texts(self) -> list[str]:
        """Texts whose keys say "this utterance wants this template"."""
        return [f"{self.title}: {self.description}", *self.examples]


def read_yaml_mapping(path: Path, what: str, fields: str) -> dict[str, Any]:
    """A YAML file that must hold a mapping; anything else is one ConfigError naming the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError(f"cannot read {what} {path} ({e.strerror}); check the path") from e
    except UnicodeDecodeError as e:
        raise ConfigError(
            f"{what} {path} is not UTF-8 text (byte {e.start}); save it as UTF-8"
        ) from e
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{what} {path} is not valid YAML{at}; fix the file") from e
    if not isinstance(data, dict):
        raise ConfigError(f"{what} {path} must be a YAML mapping with {fields}")
    return data


def load_template_file(path: Path) -> TicketTemplate:
    """One template from YAML; anything wrong is one ConfigError naming the file and field."""
    data = read_yaml_mapping(path, "template", "name, title, slots…")
    try:
        return TicketTemplate.model_validate(data)
    except ValidationError as e:
        raise ConfigError(f"template {path}: {first_error(e, data)}; fix the template") from e


def first_error(e: ValidationError, data: dict[str, Any]) -> str:
    """`slots[2] (colour).type: 'rgb' is not allowed; …` for the first thing pydantic refused."""
    first = e.errors()[0]
    parts: list[str] = []
    node: Any = data
    for key in first["loc"]:
        if isinstance(key, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}[{key}]"]
            node = node[key] if isinstance(node, list) and key < len(node) else None
            if isinstance(node, dict) and "name" in node:
                parts[-1] += f" ({node['name']})"
        else:
            parts.append(key)
            node = node.get(key) if isinstance(node, dict) else None
    where = ".".join(parts) or "template"
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "literal_error":
        message = f"{first.get('input')!r} is not allowed; {message.lower()}"
    return f"{where}: {message}"


def load_templates(extra_dir: Path | None = None) -> dict[str, TicketTemplate]:
    """The shipped templates plus those in `extra_dir`, by name (the user's win on a clash)."""
    templates = _load_folder(SHIPPED_DIR)
    if extra_dir is not None:
        if not extra_dir.is_dir():
            raise ConfigError(
                f"templates folder {extra_dir} does not exist; fix --templates / OPSQKV_TEMPLATES"
            )
        templates.update(_load_folder(extra_dir))
    return templates


def _load_folder(folder: Path) -> dict[str, TicketTemplate]:
    found: dict[str, TicketTemplate] = {}
    where: dict[str, Path] = {}
    for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
        template = load_template_file(path)
        if template.name in found:
            raise ConfigError(
                f"templates {where[template.name]} and {path} are both named "
                f"{template.name!r}; rename one"
            )
        found[template.name] = template
        where[template.name] = path
    return found
