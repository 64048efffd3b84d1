"""Reading and checking CMDB load files, part by part: one clear error each.

Every source becomes a `LoadStream`: chunks of validated items and relations (and attribute
names declared secret), at most CHUNK items at a time, so a file of any size is read in
bounded memory. JSON (ijson) and JSON Lines (loadjson.py) and CSV (items only) are
streamed; YAML is read whole (use JSON or JSON Lines for big estates).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from errors import CMDBError
from knowledge.cmdb.models import CIRecord, LoadFile, RelationRecord, Scalar
from knowledge.progress import Progress, no_progress

CHUNK = 10_000  # items (or relations) validated and written at a time
_TOP = ("items", "relations", "sensitive")


@dataclass(frozen=True)
class RawChunk:
    """Part of a load as read, not yet validated."""

    items: list[Any] = field(default_factory=list)
    relations: list[Any] = field(default_factory=list)
    sensitive: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class Chunk:
    """Part of a load, validated."""

    items: list[CIRecord] = field(default_factory=list)
    relations: list[RelationRecord] = field(default_factory=list)
    sensitive: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LoadStream:
    """A load read part by part; `total_items` when the reader knows it beforehand."""

    source: str
    chunks: Iterator[Chunk]
    total_items: int | None = None


def value_class(value: Scalar) -> str:
    """number, bool or text: an attribute must keep one class across all items."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return "text"


def validated(raw: Iterable[RawChunk], source: str) -> Iterator[Chunk]:
    """Validate each chunk; errors name the entry by its place in the whole load."""
    items_seen = relations_seen = 0
    for part in raw:
        data = {"items": part.items, "relations": part.relations, "sensitive": part.sensitive}
        try:
            checked = LoadFile.model_validate(data)
        except ValidationError as e:
            raise _entry_error(e, data, source, items_seen, relations_seen) from e
        items_seen += len(part.items)
        relations_seen += len(part.relations)
        yield Chunk(checked.items, checked.relations, checked.sensitive)


def _entry_error(
    e: ValidationError, data: dict[str, Any], source: str, items_seen: int, relations_seen: int
) -> CMDBError:
    first = e.errors()[0]
    loc = list(first["loc"])
    where = ""
    if len(loc) >= 2 and loc[0] in ("items", "relations") and isinstance(loc[1], int):
        entry = data[loc[0]][loc[1]]
        if loc[0] == "items":
            number = loc[1] + items_seen + 1
            ident = entry.get("id") if isinstance(entry, dict) else None
            where = f"item {ident!r} (#{number}) " if ident else f"item #{number} "
        else:
            where = f"relation #{loc[1] + relations_seen + 1} "
    field_name = ".".join(str(p) for p in loc[2:]) or ".".join(str(p) for p in loc)
    return CMDBError(
        f"{source}: {where}{field_name}: {first['msg']} (got {first.get('input')!r}); "
        "fix that entry and load again"
    )


def check_top(shape: Any, source: str) -> list[str]:
    """The top level: an object with only items / relations lists and a sensitive list of
    names (items and relations given as `[]` placeholders). Returns the sensitive names."""
    if not isinstance(shape, dict):
        raise CMDBError(f"{source} must be an object with 'items' and 'relations' lists")
    try:
        return LoadFile.model_validate(shape).sensitive
    except ValidationError as e:
        first = e.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise CMDBError(
            f"{source}: {loc}: {first['msg']} (got {first.get('input')!r}); fix it and load again"
        ) from e


def dict_stream(raw: Any, source: str = "load data", size: int = CHUNK) -> LoadStream:
    """A whole load already in memory (parsed JSON or YAML, or a dict), in chunks."""
    if not isinstance(raw, dict):
        raise CMDBError(f"{source} must be an object with 'items' and 'relations' lists")
    shape = {k: ([] if k != "sensitive" and isinstance(v, list) else v) for k, v in raw.items()}
    sensitive = check_top(shape, source)
    items, relations = list(raw.get("items", [])), list(raw.get("relations", []))

    def parts() -> Iterator[RawChunk]:
        yield RawChunk(sensitive=sensitive)
        for start in range(0, len(items), size):
            yield RawChunk(items=items[start : start + size])
        for start in range(0, len(relations), size):
            yield RawChunk(relations=relations[start : start + size])

    return LoadStream(source, validated(parts(), source), total_items=len(items))


def model_stream(data: LoadFile, size: int = CHUNK) -> LoadStream:
    """An already validated `LoadFile`, in chunks."""

    def parts() -> Iterator[Chunk]:
        yield Chunk(sensitive=list(data.sensitive))
        for start in range(0, len(data.items), size):
            yield Chunk(items=data.items[start : start + size])
        for start in range(0, len(data.relations), size):
            yield Chunk(relations=data.relations[start : start + size])

    return LoadStream("load data", parts(), total_items=len(data.items))


def file_stream(path: Path, progress: Progress | None = None, size: int = CHUNK) -> LoadStream:
    """Stream a load file by its suffix: .json, .jsonl/.ndjson, .yaml/.yml or .csv."""
    from knowledge.cmdb.loadjson import json_stream, jsonl_stream  # ijson only when needed

    if not path.is_file():
        raise CMDBError(f"load file {path} does not exist; check the path")
    suffix = path.suffix.lower()
    report = progress or no_progress
    if suffix == ".json":
        return json_stream(path, report, size)
    if suffix in (".jsonl", ".ndjson"):
        return jsonl_stream(path, report, size)
    if suffix in (".yaml", ".yml"):
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as e:
            raise CMDBError(f"load file {path} cannot be parsed ({e}); fix its syntax") from e
        return dict_stream(raw, str(path), size)
    if suffix == ".csv":
        return LoadStream(str(path), validated(_csv_chunks(path, size), str(path)))
    raise CMDBError(
        f"load file {path} has suffix {suffix!r}; use .json, .yaml/.yml, .csv or .jsonl (JSON Lines)"
    )


def read_load_file(path: Path, progress: Progress | None = None) -> LoadFile:
    """Parse and validate a whole load file into memory (small files; `file_stream` for big)."""
    items: list[CIRecord] = []
    relations: list[RelationRecord] = []
    sensitive: list[str] = []
    for chunk in file_stream(path, progress).chunks:
        items += chunk.items
        relations += chunk.relations
        sensitive += chunk.sensitive
    return LoadFile.model_construct(items=items, relations=relations, sensitive=sensitive)


def validate_load(raw: Any, *, source: str = "load data") -> LoadFile:
    """Validate parsed data into one `LoadFile`."""
    if isinstance(raw, LoadFile):
        return raw
    stream = dict_stream(raw, source)
    parts = list(stream.chunks)
    return LoadFile.model_construct(
        items=[it for c in parts for it in c.items],
        relations=[r for c in parts for r in c.relations],
        sensitive=[s for c in parts for s in c.sensitive],
    )


def _csv_chunks(path: Path, size: int) -> Iterator[RawChunk]:
    """CSV rows are items (`id,type,name,<attr>...`), read a chunk at a time."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = {"id", "type", "name"} - set(reader.fieldnames or [])
            if missing:
                raise CMDBError(
                    f"CSV header lacks {sorted(missing)}; the first row must name id,type,name"
                )
            batch: list[dict[str, Any]] = []
            for row in reader:
                attrs = {
                    k: _csv_value(v) for k, v in row.items() if k not in ("id", "type", "name")
                }
                batch.append(
                    {"id": row["id"], "type": row["type"], "name": row["name"], "attrs": attrs}
                )
                if len(batch) >= size:
                    yield RawChunk(items=batch)
                    batch = []
            if batch:
                yield RawChunk(items=batch)
    except (UnicodeDecodeError, csv.Error, io.UnsupportedOperation) as e:
        raise CMDBError(f"load file {path} cannot be parsed ({e}); fix its syntax") from e


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
