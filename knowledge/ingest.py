"""Loaders: files and folders in, passages (`Record`s with source, heading, line range) out.

Markdown is split by headings, plain text by paragraphs, YAML/JSON FAQ lists into one
passage per question, CSV into one passage per row; any passage over about `MAX_TOKENS`
word pieces is cut further (knowledge/sentences.py). A file that cannot be used (binary,
not UTF-8, empty, not a FAQ) is skipped and reported, never fatal; only a missing path or
a folder without files stops an ingest.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from errors import IngestError
from knowledge.progress import Progress
from knowledge.sentences import FENCE, chunk_lines
from knowledge.store import Record

MAX_FILE_BYTES = 20 * 1024 * 1024
READING = "reading files"  # the progress stage of `load`
MARKDOWN = {".md", ".markdown", ".mdown"}
FAQ = {".yaml", ".yml", ".json"}
_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
_QUESTION_KEYS = ("question", "q", "title")
_ANSWER_KEYS = ("answer", "a", "body", "text")
_LIST_KEYS = ("faq", "faqs", "questions", "items", "entries")


class Unusable(Exception):
    """A file that is skipped; the message says why."""


@dataclass(frozen=True)
class Skipped:
    """A file an ingest could not use, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class SourceFile:
    """One file to read: where it is, its citation name, and the folder (or file) named."""

    path: Path
    source: str
    root: Path


@dataclass
class Loaded:
    """What reading a set of paths gave: passages, files read, files skipped, folders named."""

    records: list[Record] = field(default_factory=list)
    files: list[SourceFile] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    roots: list[Path] = field(default_factory=list)


def collect(paths: Sequence[Path | str]) -> tuple[list[SourceFile], list[Path]]:
    """The files under `paths` (folders walked, hidden entries ignored) and the folders named.

    A file's citation name is its path below the named folder, prefixed by that folder's
    name (`runbooks/node/NodeClockSkewDetected.md`); a file named directly keeps its name.
    """
    if not paths:
        raise IngestError("no path given; name the files or folders to ingest")
    files: list[SourceFile] = []
    roots: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            raise IngestError(f"{raw} does not exist; check the path and try again")
        resolved = path.resolve()
        if resolved.is_file():
            files.append(SourceFile(resolved, resolved.name, resolved))
            continue
        found = list(_walk(resolved))
        if not found:
            raise IngestError(
                f"folder {raw} has no files to ingest; point at Markdown, text, "
                "YAML/JSON FAQ or CSV files"
            )
        roots.append(resolved)
        for file in found:
            source = f"{resolved.name}/{file.relative_to(resolved).as_posix()}"
            files.append(SourceFile(file, source, resolved))
    return files, roots


def _walk(folder: Path) -> Iterator[Path]:
    for top, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if not name.startswith("."):
                yield Path(top) / name


def load(
    paths: Sequence[Path | str],
    *,
    on_skip: Callable[[Skipped], None] | None = None,
    progress: Progress | None = None,
) -> Loaded:
    """Read every file under `paths`; `on_skip` hears each skip, `progress` each file read."""
    files, roots = collect(paths)
    loaded = Loaded(roots=roots)
    for number, file in enumerate(files, start=1):
        try:
            records = load_file(file.path, file.source)
        except Unusable as e:
            skipped = Skipped(str(file.path), str(e))
            loaded.skipped.append(skipped)
            if on_skip is not None:
                on_skip(skipped)
        else:
            # Where the passage came from on disk: a later ingest of the same file or folder
            # removes the passages that are gone from it.
            meta = {"path": str(file.path), "root": str(file.root)}
            loaded.records.extend(
                r.model_copy(update={"metadata": {**r.metadata, **meta}}) for r in records
            )
            loaded.files.append(file)
        if progress is not None:
            progress(READING, number, len(files))
    return loaded


def load_file(path: Path, source: str) -> list[Record]:
    """The passages of one file; raises `Unusable` with the reason it cannot be used."""
    text = read_text(path)
    suffix = path.suffix.lower()
    title = re.sub(r"[-_]+", " ", path.stem).strip()
    if suffix in MARKDOWN:
        records = split_markdown(text, source)
    elif suffix in FAQ:
        records = split_faq(text, source, title=title, is_json=suffix == ".json")
    elif suffix == ".csv":
        records = split_csv(text, source, title=title)
    else:  # .txt, .rst, logs, extensionless notes: any UTF-8 text
        records = split_text(text, source, title=title)
    if not records:
        raise Unusable("no text to index")
    return records


def read_text(path: Path) -> str:
    """The file as UTF-8 text; `Unusable` when binary, unreadable, empty or oversized."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise Unusable(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
        data = path.read_bytes()
    except OSError as e:
        raise Unusable(f"cannot be read ({e.strerror or e})") from e
    if b"\x00" in data[:8192]:
        raise Unusable("binary file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise Unusable("not UTF-8 text (binary?)") from e
    if not text.strip():
        raise Unusable("empty file")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "section"


def _unique(anchor: str, seen: dict[str, int]) -> str:
    seen[anchor] = seen.get(anchor, 0) + 1
    return anchor if seen[anchor] == 1 else f"{anchor}~{seen[anchor]}"


# ---- Markdown --------------------------------------------------------------------------------


def split_markdown(text: str, source: str) -> list[Record]:
    """Passages per heading section (cut further when long), titled by front matter or H1."""
    lines = text.split("\n")
    title, start = _front_matter_title(lines)
    sections: list[tuple[str, int, list[str]]] = []  # heading path, first line number, body
    path: list[tuple[int, str]] = []
    body: list[str] = []
    body_first = start + 1
    in_fence = False
    for index in range(start, len(lines)):
        line = lines[index]
        if FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match is None:
            body.append(line)
            continue
        sections.append((" > ".join(h for _, h in path), body_first, body))
        level, heading = len(match.group(1)), _plain(match.group(2))
        path = [(lv, h) for lv, h in path if lv < level] + [(level, heading)]
        title = title or (heading if level == 1 else "")
        body, body_first = [], index + 2
    sections.append((" > ".join(h for _, h in path), body_first, body))
    title = title or Path(source).stem
    records: list[Record] = []
    seen: dict[str, int] = {}
    for path_text, first, section in sections:
        # The H1 that repeats the title adds nothing to a citation: "Fix", not "Title > Fix".
        parts = path_text.split(" > ") if path_text else []
        heading = " > ".join(parts[1:] if parts and parts[0] == title else parts)
        for chunk in chunk_lines(section, first):
            anchor = _unique(_slug(heading) if heading else "intro", seen)
            records.append(
                Record(
                    id=f"{source}#{anchor}",
                    text=chunk.text,
                    title=title,
                    source=source,
                    heading=heading,
                    lines=(chunk.first, chunk.last),
                )
            )
    return records


def _front_matter_title(lines: list[str]) -> tuple[str, int]:
    """The `title:` of a leading YAML front matter block, and the index of the line after it."""
    if not lines or lines[0].strip() != "---":
        return "", 0
    for end in range(1, min(len(lines), 200)):
        if lines[end].strip() in ("---", "..."):
            title = ""
            for line in lines[1:end]:
                key, _, value = line.partition(":")
                if key.strip().lower() == "title":
                    title = value.strip().strip("\"'")
            return title, end + 1
    return "", 0


def _plain(heading: str) -> str:
    """A heading without Markdown emphasis, code ticks or link syntax."""
    heading = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    return re.sub(r"[*_`]+", "", heading).strip()


# ---- plain text, CSV, FAQ --------------------------------------------------------------------


def split_text(text: str, source: str, *, title: str) -> list[Record]:
    """Plain text: paragraphs packed into passages."""
    return [
        Record(
            id=f"{source}#p{n}", text=c.text, title=title, source=source, lines=(c.first, c.last)
        )
        for n, c in enumerate(chunk_lines(text.split("\n"), 1), start=1)
    ]


def split_csv(text: str, source: str, *, title: str) -> list[Record]:
    """One passage per row, as `column: value` lines; the row's first cell is its heading."""
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], ",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    records: list[Record] = []
    seen: dict[str, int] = {}
    try:
        header = [h.strip() for h in next(reader, [])]
        row_first = reader.line_num + 1
        for row in reader:
            lo, hi = row_first, reader.line_num
            row_first = hi + 1
            cells = [
                (name or f"column {i + 1}", value.strip())
                for i, (name, value) in enumerate(zip(header, row, strict=False))
                if value.strip()
            ]
            if not cells:
                continue
            body = [f"{name}: {value}" for name, value in cells]
            for chunk in chunk_lines(body, lo):
                records.append(
                    Record(
                        id=f"{source}#{_unique(f'row{lo}', seen)}",
                        text=chunk.text,
                        title=title,
                        source=source,
                        heading=cells[0][1][:120],
                        lines=(lo, hi),
                    )
                )
    except csv.Error as e:
        raise Unusable(f"malformed CSV near line {reader.line_num}: {e}") from e
    return records


def split_faq(text: str, source: str, *, title: str, is_json: bool) -> list[Record]:
    """A YAML/JSON question-and-answer list: one passage per question, the answer its text.

    Accepted shapes: a list of {question, answer} (or q/a, title/body), such a list under a
    key like `faq` or `questions`, or a mapping whose keys are questions ("...?") -> answer.
    """
    if is_json:
        # JSON is YAML, except that JSON may indent with tabs; a valid JSON string never holds
        # a literal tab, so replacing them keeps every value and line number.
        text = text.replace("\t", " ")
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as e:
        kind = "JSON" if is_json else "YAML"
        raise Unusable(f"not valid {kind} ({str(e).splitlines()[0]})") from e
    doc_title = title
    pairs = _faq_pairs(root)
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if key.value == "title" and isinstance(value, yaml.ScalarNode):
                doc_title = str(value.value)
    if pairs is None:
        raise Unusable("not a FAQ (expected question/answer pairs)")
    records: list[Record] = []
    seen: dict[str, int] = {}
    for question, answer in pairs:
        q, a = str(question.value).strip(), str(answer.value).strip()
        if not q or not a:
            continue
        end = answer.end_mark.line + (1 if answer.end_mark.column > 0 else 0)
        records.append(
            Record(
                id=f"{source}#{_unique(_slug(q), seen)}",
                text=a,
                title=doc_title,
                source=source,
                heading=q,
                lines=(question.start_mark.line + 1, max(end, question.start_mark.line + 1)),
            )
        )
    return records


def _faq_pairs(node: yaml.Node | None) -> list[tuple[yaml.ScalarNode, yaml.ScalarNode]] | None:
    """The (question, answer) scalar nodes of a FAQ document, or None when it is not one."""
    if isinstance(node, yaml.SequenceNode):
        pairs = [p for item in node.value if (p := _pair(item)) is not None]
        return pairs or None
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if str(key.value).lower() in _LIST_KEYS and isinstance(value, yaml.SequenceNode):
                return _faq_pairs(value)
        scalars = [
            (k, v)
            for k, v in node.value
            if isinstance(k, yaml.ScalarNode) and isinstance(v, yaml.ScalarNode)
        ]
        # A plain mapping is a FAQ only when its keys are questions; a config file is not.
        if scalars and all(str(k.value).rstrip().endswith("?") for k, _ in node.value):
            return scalars
    return None


def _pair(item: yaml.Node) -> tuple[yaml.ScalarNode, yaml.ScalarNode] | None:
    if not isinstance(item, yaml.MappingNode):
        return None
    fields = {str(k.value).lower(): v for k, v in item.value if isinstance(v, yaml.ScalarNode)}
    question = next((fields[k] for k in _QUESTION_KEYS if k in fields), None)
    answer = next((fields[k] for k in _ANSWER_KEYS if k in fields), None)
    return None if question is None or answer is None else (question, answer)
