"""Streaming readers for JSON (ijson) and JSON Lines load files.

JSON is read in three passes, none holding more than one chunk: a check of the top level
(which keys, that items and relations are lists, the secret names, how many items), then the
items, then the relations, so their order in the file does not matter. JSON Lines is read
once, a line being an item, a relation or `{"sensitive": [...]}`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import ijson  # type: ignore[import-untyped]

from errors import CMDBError
from knowledge.cmdb.loadfile import LoadStream, RawChunk, check_top, validated
from knowledge.progress import Progress

_MIB = 1 << 20
_ENTRY = {"items.item": "items", "relations.item": "relations"}
_CLOSING = {"end_map", "end_array", "map_key"}  # events that start no value


def _syntax_error(path: Path, e: Exception) -> CMDBError:
    first = (str(e).strip().splitlines() or [type(e).__name__])[0][:160]
    return CMDBError(f"load file {path} cannot be parsed ({first}); fix its syntax")


def _mib(size: int) -> int:
    return max(1, -(-size // _MIB))


def _scan(path: Path, progress: Progress) -> tuple[dict[str, Any], dict[str, int]]:
    """The top level's shape (lists as `[]`, secret names as read) and entries per list."""
    shape: dict[str, Any] = {}
    counts = {"items": 0, "relations": 0}
    names: list[Any] = []
    size, key, top = path.stat().st_size, None, None
    stage = "checking file (MiB)"
    with path.open("rb") as handle:
        for n, (prefix, event, value) in enumerate(ijson.parse(handle, use_float=True)):
            if n % 1_000_000 == 0:
                progress(stage, handle.tell() // _MIB, _mib(size))
            if top is None:
                top = event
                if event != "start_map":
                    raise CMDBError(f"{path} must be an object with 'items' and 'relations' lists")
            elif prefix == "":
                if event == "map_key":
                    if value in shape:
                        raise CMDBError(f"{path}: key {value!r} appears twice at the top level")
                    key = value
                    shape[key] = None
            elif event in _CLOSING:  # ends of lists and objects, and keys inside objects
                continue
            elif prefix == key:
                if shape[key] is None:
                    shape[key] = {"start_array": [], "start_map": {}}.get(event, value)
            elif prefix in _ENTRY:
                counts[_ENTRY[prefix]] += 1
            elif prefix == "sensitive.item":
                names.append({} if event in ("start_map", "start_array") else value)
    progress(stage, _mib(size), _mib(size))
    if shape.get("sensitive") == []:
        shape["sensitive"] = names
    return shape, counts


def _entries(path: Path, prefix: str, size: int) -> Iterator[list[Any]]:
    with path.open("rb") as handle:
        batch: list[Any] = []
        for entry in ijson.items(handle, prefix, use_float=True):
            batch.append(entry)
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch


def json_stream(path: Path, progress: Progress, size: int) -> LoadStream:
    """A JSON load file, streamed."""
    try:
        shape, counts = _scan(path, progress)
    except (ijson.JSONError, UnicodeDecodeError, ValueError) as e:
        raise _syntax_error(path, e) from e
    sensitive = check_top(shape, str(path))

    def parts() -> Iterator[RawChunk]:
        yield RawChunk(sensitive=sensitive)
        try:
            done = 0
            for batch in _entries(path, "items.item", size):
                yield RawChunk(items=batch)
                done += len(batch)
                progress("reading items", done, counts["items"])
            done = 0
            for batch in _entries(path, "relations.item", size):
                yield RawChunk(relations=batch)
                done += len(batch)
                progress("reading relations", done, counts["relations"])
        except (ijson.JSONError, UnicodeDecodeError, ValueError) as e:
            raise _syntax_error(path, e) from e

    return LoadStream(str(path), validated(parts(), str(path)), total_items=counts["items"])


def jsonl_stream(path: Path, progress: Progress, size: int) -> LoadStream:
    """A JSON Lines load file, streamed: each line an item, a relation or secret names."""

    def parts() -> Iterator[RawChunk]:
        total = _mib(path.stat().st_size)
        with path.open("rb") as handle:
            items: list[Any] = []
            relations: list[Any] = []
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                entry = _line(path, number, line)
                if "sensitive" in entry:
                    yield RawChunk(sensitive=_secret_names(path, number, entry))
                elif "from" in entry or "to" in entry:
                    relations.append(entry)
                else:
                    items.append(entry)
                if len(items) >= size or len(relations) >= size:
                    yield RawChunk(items=items, relations=relations)
                    items, relations = [], []
                    progress("reading file (MiB)", _tell(handle) // _MIB, total)
            yield RawChunk(items=items, relations=relations)
            progress("reading file (MiB)", total, total)

    return LoadStream(str(path), validated(parts(), str(path)))


def _tell(handle: IO[bytes]) -> int:
    try:
        return handle.tell()
    except OSError:
        return 0


def _line(path: Path, number: int, line: bytes) -> dict[str, Any]:
    try:
        entry = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CMDBError(f"load file {path} line {number} cannot be parsed ({e}); fix it") from e
    if not isinstance(entry, dict):
        raise CMDBError(
            f"load file {path} line {number}: expected an item, a relation or "
            '{"sensitive": [...]} object; fix that line'
        )
    return entry


def _secret_names(path: Path, number: int, entry: dict[str, Any]) -> list[Any]:
    names = entry["sensitive"]
    if set(entry) != {"sensitive"} or not isinstance(names, list):
        raise CMDBError(
            f'load file {path} line {number}: a secrets line is {{"sensitive": [names]}} alone; '
            "fix that line"
        )
    return names
