"""The demo estate written as a load file, streamed: JSON Lines, or JSON (relations kept in a
temporary file until the items are written, since JSON lists items first)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from knowledge.cmdb.demo.generator import SENSITIVE, stream


def write_estate(path: Path, *, hosts: int, seed: int) -> Path:
    """Write the estate of (hosts, seed) to `path` (.jsonl: a record a line; else JSON)."""
    if path.suffix.lower() == ".jsonl":
        with path.open("w", encoding="utf-8") as out:
            out.write(json.dumps({"sensitive": SENSITIVE}) + "\n")
            for batch in stream(hosts, seed):
                for entry in [*batch["items"], *batch["relations"]]:
                    out.write(json.dumps(entry) + "\n")
        return path
    with path.open("w", encoding="utf-8") as out, tempfile.TemporaryFile("w+") as later:
        out.write(f'{{"sensitive": {json.dumps(SENSITIVE)}, "items": [')
        first_item = first_relation = True
        for batch in stream(hosts, seed):
            for item in batch["items"]:
                out.write(("" if first_item else ", ") + json.dumps(item))
                first_item = False
            for relation in batch["relations"]:
                later.write(("" if first_relation else ", ") + json.dumps(relation))
                first_relation = False
        out.write('], "relations": [')
        later.seek(0)
        while block := later.read(1 << 20):
            out.write(block)
        out.write("]}\n")
    return path
