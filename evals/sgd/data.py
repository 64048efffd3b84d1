"""The Schema-Guided Dialogue (SGD) files: pydantic models of schema.json and dialogues.json, and a loader.

A split folder holds `schema.json` (a list of services) and `dialogues.json` (a list of
dialogues). Every field of the published format is modelled, so a file that is not SGD
is one clear error instead of a wrong score.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from errors import ConfigError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SchemaSlot(_Strict):
    """One slot of a service: categorical slots have a closed list of values."""

    name: str
    description: str
    is_categorical: bool
    possible_values: list[str] = Field(default_factory=list)


class SchemaIntent(_Strict):
    """One intent: the slots it needs, the optional ones (with defaults) and what it returns."""

    name: str
    description: str
    is_transactional: bool
    required_slots: list[str] = Field(default_factory=list)
    optional_slots: dict[str, str] = Field(default_factory=dict)
    result_slots: list[str] = Field(default_factory=list)


class Service(_Strict):
    """One service of a schema file."""

    service_name: str
    description: str
    slots: list[SchemaSlot]
    intents: list[SchemaIntent]

    def slot(self, name: str) -> SchemaSlot | None:
        """The slot called `name`, if the service has one."""
        return next((s for s in self.slots if s.name == name), None)


class Action(_Strict):
    """A dialogue act annotation (not used by the tracker; kept so the file validates)."""

    act: str
    slot: str
    values: list[str] = Field(default_factory=list)
    canonical_values: list[str] = Field(default_factory=list)


class SlotSpan(_Strict):
    """Where a non-categorical value sits in the utterance, by character offsets."""

    slot: str
    start: int
    exclusive_end: int


class DialogueState(_Strict):
    """The annotated state of a user frame; `slot_values` is cumulative over the dialogue."""

    active_intent: str
    requested_slots: list[str] = Field(default_factory=list)
    slot_values: dict[str, list[str]] = Field(default_factory=dict)


class Frame(_Strict):
    """One service's annotations of a turn; only user frames carry a state."""

    service: str
    slots: list[SlotSpan] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    state: DialogueState | None = None
    service_call: dict[str, Any] | None = None
    service_results: list[dict[str, Any]] | None = None


class Turn(_Strict):
    """One utterance, by the user or the system."""

    speaker: Literal["USER", "SYSTEM"]
    utterance: str
    frames: list[Frame]


class Dialogue(_Strict):
    """One dialogue: the services it uses and its turns, in order."""

    dialogue_id: str
    services: list[str]
    turns: list[Turn]


@dataclass(frozen=True)
class Split:
    """A loaded split folder: its services by name and its dialogues."""

    folder: Path
    services: dict[str, Service]
    dialogues: list[Dialogue]


_SERVICES = TypeAdapter(list[Service])
_DIALOGUES = TypeAdapter(list[Dialogue])


def _read(path: Path, adapter: TypeAdapter[Any], what: str) -> Any:
    if not path.is_file():
        raise ConfigError(
            f"{path} not found; an SGD folder holds schema.json and dialogues.json "
            "(e.g. ../shared/eval/sgd or ../shared/eval/sgd/dev)"
        )
    try:
        return adapter.validate_json(path.read_bytes())
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"{path} is not an SGD {what} file: at {where or 'top level'}: {first['msg']}; "
            "point at an SGD split folder"
        ) from e
    except (OSError, json.JSONDecodeError) as e:
        raise ConfigError(f"cannot read {path}: {e}; check the file") from e


def load_split(folder: Path, *, limit: int | None = None) -> Split:
    """Load `folder`/schema.json and `folder`/dialogues.json; `limit` keeps the first N dialogues."""
    if not folder.is_dir():
        raise ConfigError(f"SGD folder {folder} does not exist; pass a folder with schema.json")
    services: list[Service] = _read(folder / "schema.json", _SERVICES, "schema")
    dialogues: list[Dialogue] = _read(folder / "dialogues.json", _DIALOGUES, "dialogues")
    by_name = {s.service_name: s for s in services}
    if limit is not None:
        dialogues = dialogues[:limit]
    for dialogue in dialogues:
        unknown = [s for s in dialogue.services if s not in by_name]
        if unknown:
            raise ConfigError(
                f"dialogue {dialogue.dialogue_id} uses service {unknown[0]!r} that "
                f"{folder / 'schema.json'} does not define; use the schema of the same split"
            )
    return Split(folder=folder, services=by_name, dialogues=dialogues)
