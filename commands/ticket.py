"""CLI: `opsqkv ticket templates | run FLOW.yaml... | export`; delivery in ticket_delivery.py."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from agents.clock import local_now
from agents.flows import FlowResult, SlotTally, bot_handler, load_flow, run_flow
from agents.tickets import load_templates
from commands import ticket_delivery
from commands.chat import open_bot
from commands.common import console, err_console, settings_of
from delivery.records import DeliveryRecords
from state.connect import redis_client
from state.tickets import ExportedTicket, TicketSink

app = typer.Typer(no_args_is_help=True, help="Ticket templates, scripted flows, export, delivery.")


@app.command("templates")
def templates(ctx: typer.Context) -> None:
    """List the ticket templates and their slots (* = required)."""
    settings = settings_of(ctx)
    table = Table("name", "title", "slots")
    for name, template in sorted(load_templates(settings.templates_dir).items()):
        slots = ", ".join(f"{s.name}{'*' if s.required else ''}:{s.type}" for s in template.slots)
        table.add_row(name, template.title, slots)
    console.print(table)


@app.command("run")
def run(
    ctx: typer.Context,
    flows: Annotated[list[Path], typer.Argument(help="Flow files (YAML) to replay.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
    redis_url: Annotated[
        str | None,
        typer.Option(
            "--redis-url",
            help="Redis to replay against (as the global --redis-url: a server, any node "
            "of a Redis Cluster, or redis+sentinel://...).",
        ),
    ] = None,
) -> None:
    """Replay scripted ticket conversations and check the slots and tickets they expect."""
    settings = settings_of(ctx)
    if redis_url is not None:
        settings = settings.model_copy(update={"redis_url": redis_url})
    templates = load_templates(settings.templates_dir)
    loaded = [(path, load_flow(path, templates)) for path in flows]  # all valid before any runs
    handler = bot_handler(open_bot(settings))  # the same path as a chat turn
    results: list[FlowResult] = []
    for path, flow in loaded:
        result = run_flow(flow, handler, templates, path=str(path), now=local_now())
        results.append(result)
        if not as_json:
            _print_transcript(result)
    passed = sum(r.passed for r in results)
    line = f"{passed} passed, {len(results) - passed} failed"
    tally = SlotTally()
    for r in results:
        tally.add(r.slots)
    if as_json:
        summary = {"summary": line, "slots": _tally_json(tally)}
        typer.echo(json.dumps({"flows": [_as_json(r) for r in results], **summary}, indent=2))
        err_console.print(_tally_line(tally))
        err_console.print(line)
    else:
        console.print(_tally_line(tally))
        console.print(f"[bold {'green' if passed == len(results) else 'red'}]{line}[/]")
    if passed != len(results):
        raise typer.Exit(1)


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _tally_line(tally: SlotTally) -> str:
    checked = tally.correct + tally.wrong + tally.missing
    return (
        f"slots: precision {_ratio(tally.precision)}, recall {_ratio(tally.recall)} over "
        f"{checked} checked ({tally.correct} right, {tally.wrong} wrong, {tally.missing} missing)"
    )


def _tally_json(tally: SlotTally) -> dict[str, Any]:
    return {
        "correct": tally.correct,
        "wrong": tally.wrong,
        "missing": tally.missing,
        "precision": tally.precision,
        "recall": tally.recall,
    }


def _print_transcript(result: FlowResult) -> None:
    mark = "[green]PASS[/]" if result.passed else "[red]FAIL[/]"
    console.print(f"{mark} [bold]{escape(result.name)}[/] ({escape(result.path)})", soft_wrap=True)
    for turn in result.turns:
        console.print(f"  [cyan]you:[/] {escape(turn.user)}", soft_wrap=True)
        reply = escape(turn.reply).replace("\n", "\n       ")
        console.print(f"  [magenta]bot:[/] {reply}", soft_wrap=True)
        for problem in turn.mismatches:
            console.print(f"       [red]✗ {escape(problem)}[/]", soft_wrap=True)
    for problem in result.mismatches:
        console.print(f"  [red]✗ {escape(problem)}[/]", soft_wrap=True)
    if result.ticket is not None:
        values = escape(json.dumps(result.ticket.values))
        console.print(f"  ticket {result.ticket.id}: {values}", soft_wrap=True)


def _as_json(result: FlowResult) -> dict[str, Any]:
    return {
        "path": result.path,
        "name": result.name,
        "session_id": result.session_id,
        "passed": result.passed,
        "mismatches": result.mismatches,
        "turns": [
            {
                "user": t.user,
                "reply": t.reply,
                "agent": t.agent,
                "values": t.values,
                "mismatches": t.mismatches,
            }
            for t in result.turns
        ],
        "ticket": None if result.ticket is None else result.ticket.model_dump(mode="json"),
        "slots": _tally_json(result.slots),
    }


@app.command("export")
def export(
    ctx: typer.Context,
    since: Annotated[
        str | None, typer.Option(help="Only tickets after this stream id (from an earlier export).")
    ] = None,
) -> None:
    """Write submitted tickets as JSON lines (oldest first) to stdout."""
    settings = settings_of(ctx)
    client = redis_client(settings)
    sink = TicketSink(client, prefix=settings.redis_prefix)
    records = DeliveryRecords(client, prefix=settings.redis_prefix)
    count = 0
    try:
        for batch in _batches(sink.export(since), 200):
            found = [e.ticket.id for e in batch if e.ticket is not None]
            results = records.results_many(found)
            for entry in batch:
                if entry.ticket is None:
                    err_console.print(
                        f"skipped unreadable stream entry {entry.stream_id}: {entry.error}"
                    )
                    continue
                record = {"stream_id": entry.stream_id, **entry.ticket.model_dump(mode="json")}
                external = {
                    name: {"id": r.external_id, "url": r.url}
                    for name, r in results[entry.ticket.id].items()
                    if r.status == "created"
                }
                if external:  # where a delivery worker created it (opsqkv ticket deliver)
                    record["external"] = external
                typer.echo(json.dumps(record, default=_json_default))
                count += 1
    except BrokenPipeError:
        # The reader left (`| head`): stop quietly, and keep Python from failing on exit flush.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return
    err_console.print(f"{count} tickets exported")


def _batches(entries: Iterator[ExportedTicket], size: int) -> Iterator[list[ExportedTicket]]:
    batch: list[ExportedTicket] = []
    for entry in entries:
        batch.append(entry)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


# Delivery to Jira, ServiceNow and webhooks: commands/ticket_delivery.py.
app.command("deliver")(ticket_delivery.deliver)
app.command("dead-letters")(ticket_delivery.dead_letters_command)
app.command("redeliver")(ticket_delivery.redeliver_command)
