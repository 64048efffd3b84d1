"""CLI: `opsqkv cmdb load|ask|report|demo|stats|show`."""

from __future__ import annotations

import csv
import io
import json
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from commands.common import console, encoder_for, err_console, progress_bars, settings_of
from errors import CMDBError, InputError
from knowledge.cmdb import (
    CMDB,
    CMDBResult,
    Topology,
    cmdb_location,
    load_demo,
    open_default,
    table_columns,
)
from knowledge.cmdb import Progress as ProgressFn
from knowledge.cmdb.demo import write_estate

app = typer.Typer(no_args_is_help=True, help="Load and query the CMDB.")

MAX_ROWS = 50
Out = Annotated[
    Path | None,
    typer.Option(
        "--out", help="Also write FILE: .png/.svg picture (+ .dot), .dot, .html, .json, .csv."
    ),
]


def _progress() -> AbstractContextManager[ProgressFn]:
    """Rich progress bars on stderr, one line per phase (generating, items, indexing...)."""
    return progress_bars(keep=True)


@app.callback()
def main(
    ctx: typer.Context,
    cmdb_url: Annotated[
        str | None,
        typer.Option(
            "--cmdb-url",
            help="A PostgreSQL CMDB (postgresql://user@host:5432/db) instead of the SQLite "
            "file in the data dir (env OPSQKV_CMDB_URL).",
        ),
    ] = None,
) -> None:
    """Load and query the CMDB."""
    if cmdb_url is not None:
        root = ctx.find_root()
        root.obj = settings_of(ctx).model_copy(update={"cmdb_url": cmdb_url})


def _open(ctx: typer.Context, *, ask: bool) -> CMDB:
    """The CMDB the settings name; asking seeds it with the demo estate if empty."""
    settings = settings_of(ctx)
    if not ask:
        return CMDB.open(cmdb_location(settings), create=True, cache_dir=settings.cache_dir)
    encoder = encoder_for(settings)
    with err_console.status("opening the CMDB…"):
        cmdb, seeded = open_default(settings, encoder)
    if seeded:
        err_console.print(
            f"no CMDB was loaded: generated the demo estate ({cmdb.store.count_items()} items) "
            f"in {cmdb.store.where}; `opsqkv cmdb load FILE` loads your own"
        )
    return cmdb


@app.command()
def load(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            help="Load file: .json or .jsonl (streamed), .yaml/.yml, or .csv (items only)."
        ),
    ],
    replace: Annotated[
        bool, typer.Option(help="Replace everything stored instead of upserting.")
    ] = False,
) -> None:
    """Validate FILE and upsert its items and relations (all or nothing)."""
    cmdb = _open(ctx, ask=False)
    with progress_bars() as progress:  # gone when done: a refused file leaves one error line
        report = cmdb.load(file, progress, replace=replace)
    console.print(
        f"loaded {report.items} items and {report.relations} relations from {file} "
        f"({report.total_items} items in {cmdb.store.where})"
    )


@app.command()
def demo(
    ctx: typer.Context,
    hosts: Annotated[int, typer.Option(help="How many hosts (20 to 1,000,000).")] = 500,
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed gives the same estate.")
    ] = 7,
    replace: Annotated[bool, typer.Option(help="Also replace a CMDB loaded from files.")] = False,
    write: Annotated[
        Path | None, typer.Option(help="Also write the estate as a load file (.json or .jsonl).")
    ] = None,
) -> None:
    """Generate a realistic demo estate and load it (it replaces an earlier demo estate)."""
    if not 20 <= hosts <= 1_000_000:
        raise InputError(f"--hosts {hosts} is out of range; use 20 to 1,000,000")
    if write is not None and write.suffix.lower() not in (".json", ".jsonl"):
        raise InputError(f"--write {write}: use a .json or .jsonl file name")
    cmdb = _open(ctx, ask=False)
    with _progress() as progress:
        report = load_demo(cmdb, hosts=hosts, seed=seed, replace=replace, progress=progress)
        if write is not None:  # the same seed gives the same estate, generated again
            write_estate(write, hosts=hosts, seed=seed)
    console.print(
        f"demo estate loaded: {report.items} items ({hosts} hosts), {report.relations} relations, "
        f"seed {seed}, in {cmdb.store.where}"
    )


@app.command()
def ask(
    ctx: typer.Context,
    question: Annotated[
        str, typer.Argument(help='e.g. "prod mysql hosts in sh-1 with cpu over 80%"')
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show the parsed CMDBQuery and links.")
    ] = False,
    out: Out = None,
) -> None:
    """Ask the CMDB in plain language."""
    if not question.strip():
        raise InputError('the question is empty; ask e.g. "how many hosts per idc"')
    cmdb = _open(ctx, ask=True)
    parsed = cmdb.parse(question)
    if explain:
        _explain(parsed.query.model_dump_json(indent=2, exclude_defaults=True), parsed.links)
    if not parsed.understood:
        raise CMDBError(parsed.complaint())
    result = cmdb.run(parsed.query, parsed=parsed)
    if as_json:
        typer.echo(json.dumps(result.to_dict()))
    else:
        _show(result, cmdb, drawn=out is not None)
    if out is not None:
        for path in _write_out(cmdb, question, result, out):
            err_console.print(f"wrote {path}")


@app.command()
def report(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="What the report is about.")],
    out: Annotated[Path, typer.Option("--out", help="The HTML file to write.")] = Path(
        "report.html"
    ),
) -> None:
    """Write one self-contained HTML page: table, chart and topology for QUESTION."""
    cmdb = _open(ctx, ask=True)
    result = cmdb.ask(question)
    for path in _write_out(cmdb, question, result, out.with_suffix(".html")):
        console.print(f"wrote {path} ({result.total} items)")


@app.command()
def stats(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """What the CMDB holds: items per type, relations, attributes and their kinds."""
    summary = _open(ctx, ask=False).summary()
    if as_json:
        typer.echo(json.dumps(summary))
        return
    if not summary["items"]:
        console.print(
            f"the CMDB at {summary['path']} is empty; run `opsqkv cmdb demo` or `cmdb load FILE`"
        )
        return
    console.print(f"[bold]{summary['items']}[/] items in {summary['path']}")
    types = Table("type", "items")
    for name, count in summary["types"].items():
        types.add_row(name, str(count))
    relations = Table("from", "relation", "to", "count")
    for r in summary["relations"]:
        relations.add_row(r["from"], r["type"], r["to"], str(r["count"]))
    attrs = Table("attribute", "kind", "types", "distinct", "values / range")
    for name, info in summary["attributes"].items():
        shown = (
            f"{info['min']:g} .. {info['max']:g}"
            if "min" in info
            else ", ".join(info.get("values", []))
        )
        attrs.add_row(name, info["kind"], ", ".join(info["types"]), str(info["distinct"]), shown)
    console.print(types, relations, attrs)
    if summary["hidden"]:
        console.print(f"hidden (sensitive) attributes: {', '.join(summary['hidden'])}")


@app.command()
def show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Item name or id, e.g. payment-api.")],
    relation: Annotated[str | None, typer.Option(help="Only this relation type.")] = None,
    depth: Annotated[int, typer.Option(help="Hops to follow (1-6).")] = 1,
    out: Out = None,
) -> None:
    """An item, its attributes and its neighbourhood."""
    if not 1 <= depth <= 6:
        raise InputError(f"--depth {depth} is out of range; use 1 to 6")
    cmdb = _open(ctx, ask=False)
    topo = cmdb.neighbors(name, relation=relation, depth=depth)
    item = next(n for n in topo.nodes if n.id in topo.anchors)
    table = Table("attribute", "value", title=f"{item.name} ({item.type}, id {item.id})")
    for key, value in sorted(item.attrs.items()):
        table.add_row(key, str(value))
    console.print(table)
    _show_edges(topo)
    if out is not None:
        for path in _write_topology(topo, out, f"{item.name} neighbourhood"):
            err_console.print(f"wrote {path}")


def _explain(query_json: str, links: tuple[object, ...]) -> None:
    err_console.print("[bold]parsed query:[/]")
    err_console.print(query_json, markup=False, highlight=False)
    for link in links:
        err_console.print(f"  {link.span!r} -> {link.target}  ({link.score:.2f})", markup=False)  # type: ignore[attr-defined]


def _show(result: CMDBResult, cmdb: CMDB, *, drawn: bool = False) -> None:
    console.print(f"[dim]understood: {result.query.describe()}[/]", soft_wrap=True)
    if result.stats is not None:
        stats = result.stats
        value = f"{stats.agg} {stats.attr}" if stats.attr else None
        table = Table(*stats.group_by, "count", *([value] if value else []))
        for row in stats.rows:
            cells = [g if g is not None else "(none)" for g in row.group] + [str(row.count)]
            table.add_row(
                *cells, *([f"{row.value:.1f}" if row.value is not None else ""] if value else [])
            )
        console.print(table)
        console.print(f"{result.total} item(s) counted")
        return
    items = result.page(MAX_ROWS)
    if not items:
        console.print("no item matches")
        return
    columns = table_columns(items, result)[:6]
    table = Table("name", "type", *columns, *(["score"] if result.scores else []))
    for it in items:
        cells = [it.name, it.type, *[str(it.attrs.get(c, "")) for c in columns]]
        table.add_row(*cells, *([f"{result.scores.get(it.id, 0):.3f}"] if result.scores else []))
    console.print(table)
    more = ""
    if result.total > len(items):
        more = f" (showing {len(items)}; --json or --out FILE.csv for all)"
    console.print(f"{result.total} item(s){more}")
    if result.query.output == "topology":
        _show_edges(cmdb.topology(result))
        if not drawn:
            console.print("[dim]draw it with --out topology.png[/]")


def _show_edges(topo: Topology) -> None:
    names = {n.id: n.name for n in topo.nodes}
    for edge in topo.edges[:60]:
        console.print(f"  {names[edge.src]} -{edge.type}-> {names[edge.dst]}", markup=False)
    if len(topo.edges) > 60:
        console.print(f"  … {len(topo.edges) - 60} more relations")


def _write_topology(topo: Topology, out: Path, title: str) -> list[Path]:
    from knowledge.cmdb.drawing import to_dot, write_picture  # matplotlib only when drawing

    if out.suffix.lower() == ".dot":
        out.write_text(to_dot(topo, title), encoding="utf-8")
        return [out]
    return write_picture(topo, out, title)


def _write_out(cmdb: CMDB, question: str, result: CMDBResult, out: Path) -> list[Path]:
    """Write what --out names, by its suffix."""
    from knowledge.cmdb.drawing import bar_chart, render_report  # matplotlib only when drawing

    suffix = out.suffix.lower()
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".html":
        topo = cmdb.topology(result) if result.total else None
        out.write_text(render_report(question, result, topo), encoding="utf-8")
        return [out]
    if suffix == ".json":
        out.write_text(json.dumps(result.to_dict(), indent=2), encoding="utf-8")
        return [out]
    if suffix == ".csv":
        out.write_text(_csv(result), encoding="utf-8")
        return [out]
    if suffix in (".png", ".svg") and result.stats is not None:
        out.write_bytes(bar_chart(result.stats, question, suffix[1:]))
        return [out]
    if suffix in (".png", ".svg", ".dot"):
        return _write_topology(cmdb.topology(result), out, question)
    raise InputError(f"--out {out}: use a .png, .svg, .dot, .html, .json or .csv file name")


def _csv(result: CMDBResult) -> str:
    buffer = io.StringIO()
    columns = table_columns(result.items, result)
    writer = csv.writer(buffer)
    writer.writerow(["id", "type", "name", *columns])
    for it in result.items:
        writer.writerow([it.id, it.type, it.name, *[it.attrs.get(c, "") for c in columns]])
    return buffer.getvalue()
