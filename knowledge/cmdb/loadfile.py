"""Reading and checking CMDB load files (JSON, YAML, CSV for items only): one clear error each."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from errors import CMDBError
from knowledge.cmdb.models import LoadFile, Scalar
from knowledge.progress import Progress

CHUNK = 20_000  # items validated at a time, between progress reports


def value_class(value: Scalar) -> str:
    """number, bool or text: an attribute must keep one class across all items."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return "text"


def read_load_file(path: Path, progress: Progress | None = None) -> LoadFile:
    """Parse and validate a load file; CSV rows are items (`id,type,name,<attr>...`)."""
    if not path.is_file():
        raise CMDBError(f"load file {path} does not exist; check the path")
    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8")
        if suffix == ".json":
            raw: Any = json.loads(text)
        elif suffix in (".yaml", ".yml"):
            raw = yaml.safe_load(text)
        elif suffix == ".csv":
            raw = {"items": _csv_items(text)}
        else:
            raise CMDBError(
                f"load file {path} has suffix {suffix!r}; use .json, .yaml/.yml or .csv"
            )
    except (json.JSONDecodeError, yaml.YAMLError, UnicodeDecodeError, csv.Error) as e:
        raise CMDBError(f"load file {path} cannot be parsed ({e}); fix its syntax") from e
    return validate_load(raw, source=str(path), progress=progress)


def _csv_items(text: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(text.splitlines())
    missing = {"id", "type", "name"} - set(reader.fieldnames or [])
    if missing:
        raise CMDBError(f"CSV header lacks {sorted(missing)}; the first row must name id,type,name")
    items = []
    for row in reader:
        attrs = {k: _csv_value(v) for k, v in row.items() if k not in ("id", "type", "name")}
        items.append({"id": row["id"], "type": row["type"], "name": row["name"], "attrs": attrs})
    return items


def _csv_value(text: str | None) -> Scalar:
    """CSV cells are text: numbers and booleans are recognised, empty cells are missing."""
    if text is None or text.strip() == "":
        return None
    cell = text.strip()
    if cell.lower() in ("true", "false"):
        return cell.lower() == "true"
    for cast in (int, float):
        try:
            return cast(cell)  # type: ignore[no-any-return]
        except ValueError:
            continue
    return cell


def validate_load(
    raw: Any, *, source: str = "load data", progress: Progress | None = None
) -> LoadFile:
    """Validate parsed data with pydantic; the error names the item id when there is one.

    Big files are validated in chunks so `progress` can follow along.
    """
    if isinstance(raw, LoadFile):
        return raw
    if not isinstance(raw, dict):
        raise CMDBError(f"{source} must be an object with 'items' and 'relations' lists")
    items = raw.get("items")
    if not isinstance(items, list) or len(items) <= CHUNK:
        return _validated(raw, raw, source, 0)
    head = _validated({**raw, "items": []}, raw, source, 0)
    records = []
    for start in range(0, len(items), CHUNK):
        records += _validated({"items": items[start : start + CHUNK]}, raw, source, start).items
        if progress is not None:
            progress("validating", min(start + CHUNK, len(items)), len(items))
    return LoadFile.model_construct(
        items=records, relations=head.relations, sensitive=head.sensitive
    )


def _validated(part: dict[str, Any], raw: dict[str, Any], source: str, offset: int) -> LoadFile:
    try:
        return LoadFile.model_validate(part)
    except ValidationError as e:
        first = e.errors()[0]
        loc = list(first["loc"])
        if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
            loc[1] += offset
        where = _where(raw, loc)
        field = ".".join(str(p) for p in loc[2:]) or ".".join(str(p) for p in loc)
        raise CMDBError(
            f"{source}: {where}{field}: {first['msg']} (got {first.get('input')!r}); "
            "fix that entry and load again"
        ) from e


def _where(raw: dict[str, Any], loc: list[Any]) -> str:
    if len(loc) >= 2 and loc[0] in ("items", "relations") and isinstance(loc[1], int):
        entries = raw.get(loc[0])
        entry = entries[loc[1]] if isinstance(entries, list) and loc[1] < len(entries) else None
        if loc[0] == "items":
            ident = entry.get("id") if isinstance(entry, dict) else None
            return f"item {ident!r} (#{loc[1] + 1}) " if ident else f"item #{loc[1] + 1} "
        return f"relation #{loc[1] + 1} "
    return ""


def check_consistency(
    data: LoadFile,
    known_ids: Callable[[list[str]], set[str]],
    stored_classes: dict[str, str],
) -> None:
    """Duplicate ids, relations to unknown ids, and attributes whose value class changes."""
    seen: set[str] = set()
    for item in data.items:
        if item.id in seen:
            raise CMDBError(
                f"item id {item.id!r} appears twice in the load file; ids must be unique"
            )
        seen.add(item.id)
    ends = {r.src for r in data.relations} | {r.dst for r in data.relations}
    unknown = ends - seen
    if unknown:
        unknown -= known_ids(sorted(unknown))
    if unknown:
        bad = next(r for r in data.relations if r.src in unknown or r.dst in unknown)
        missing = bad.src if bad.src in unknown else bad.dst
        raise CMDBError(
            f"relation {bad.src} -{bad.type}-> {bad.dst} points to unknown item id {missing!r}; "
            "add the item or fix the relation"
        )
    _check_classes(data, stored_classes)


def _check_classes(data: LoadFile, stored_classes: dict[str, str]) -> None:
    classes = dict(stored_classes)
    first_item: dict[str, str] = {}
    for item in data.items:
        for key, value in item.attrs.items():
            if value is None:
                continue
            cls = value_class(value)
            known = classes.setdefault(key, cls)
            first_item.setdefault(key, item.id)
            if known != cls:
                origin = first_item.get(key) if key not in stored_classes else "the stored CMDB"
                raise CMDBError(
                    f"item {item.id!r}: attribute {key!r} is {value!r} ({cls}) but is {known} "
                    f"elsewhere ({origin}); give every {key} the same kind of value"
                )
