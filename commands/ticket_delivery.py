"""CLI: `opsqkv ticket deliver | dead-letters | redeliver`, tickets into Jira, ServiceNow, webhooks."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from commands.common import console, err_console, settings_of
from delivery.config import SinksConfig, load_sinks
from delivery.redeliver import Redelivery, dead_letters, redeliver
from delivery.retrying import DeliveryEvent
from delivery.sinks import Sink, open_sinks
from delivery.worker import DeliverySummary, DeliveryWorker
from errors import ConfigError, InputError
from state.connect import redis_client

SINKS_ENV = "OPSQKV_TICKET_SINKS"
WIDE = 120  # columns from which dead letters are shown as a table
SinksOption = Annotated[
    Path | None,
    typer.Option(
        "--sinks",
        envvar=SINKS_ENV,
        help="Sinks file (YAML): where tickets are created. See examples/sinks.yaml.",
    ),
]


def sinks_config(path: Path | None) -> SinksConfig:
    """The sinks file a command was given; ConfigError saying how to give one when none."""
    if path is None:
        raise ConfigError(
            f"no sinks file: give --sinks FILE or set {SINKS_ENV} "
            "(examples/sinks.yaml is a sample to copy)"
        )
    return load_sinks(path, os.environ)  # ${VAR} references are read from the environment


def deliver(
    ctx: typer.Context,
    sinks: SinksOption = None,
    once: Annotated[
        bool, typer.Option("--once", help="Deliver what is pending, then exit (for cron and CI).")
    ] = False,
    within: Annotated[
        float, typer.Option(min=1, help="With --once: seconds to keep retrying before exiting.")
    ] = 120.0,
) -> None:
    """Create submitted tickets in every configured sink (runs until Ctrl-C without --once)."""
    settings = settings_of(ctx)
    config = sinks_config(sinks)
    client = redis_client(settings)
    opened = open_sinks(config)
    names = ", ".join(s.name for s in opened)
    worker = DeliveryWorker(
        client,
        opened,
        prefix=settings.redis_prefix,
        options=config.worker,
        on_event=_print_event if not once else _print_problem,
    )
    try:
        if once:
            with err_console.status(f"delivering pending tickets to {names}…"):
                summary = worker.run_once(within)
        else:
            console.print(
                f"delivering tickets to {names} · prefix {settings.redis_prefix} · "
                "Ctrl-C or SIGTERM stops",
                soft_wrap=True,
            )
            stop = threading.Event()
            with _stopped_by_signals(stop):
                worker.run(stop)
            summary = worker.summary
    finally:
        for sink in opened:
            sink.close()
    _print_summary(opened, summary)
    if once and (summary.tickets_dead or summary.pending or summary.errors):
        raise typer.Exit(1)  # for cron and CI; a long-running worker stopped cleanly exits 0


def dead_letters_command(ctx: typer.Context) -> None:
    """List tickets a sink would not take after every attempt (root stream and tenants)."""
    settings = settings_of(ctx)
    letters = dead_letters(redis_client(settings), settings.redis_prefix)
    if not letters:
        console.print("no dead letters")
        return
    if console.width < WIDE:
        for letter in letters:  # a narrow terminal: a table would fold every error to shreds
            tenant = f" · tenant {escape(letter.tenant)}" if letter.tenant else ""
            console.print(
                f"[bold]{escape(letter.ticket_id)}[/] → {escape(letter.sink)}{tenant} · "
                f"{letter.attempts} attempt(s) · {letter.at:%Y-%m-%d %H:%M}\n"
                f"  [red]{escape(letter.error)}[/]",
                soft_wrap=True,
            )
    else:
        table = Table("ticket", "tenant", "sink", "attempts", "last error", "when")
        for column in (*table.columns[:4], table.columns[5]):
            column.no_wrap = True
        for letter in letters:
            table.add_row(
                escape(letter.ticket_id),
                escape(letter.tenant or "-"),
                escape(letter.sink),
                str(letter.attempts),
                escape(letter.error),
                f"{letter.at:%Y-%m-%d %H:%M}",
            )
        console.print(table)
    err_console.print(
        f"{len(letters)} dead letter(s); `opsqkv ticket redeliver ID` (or --all) tries again"
    )


def redeliver_command(
    ctx: typer.Context,
    ticket_id: Annotated[
        str | None, typer.Argument(help="Ticket id (or dead-letter id) from `ticket dead-letters`.")
    ] = None,
    every: Annotated[bool, typer.Option("--all", help="Try every dead letter again.")] = False,
    sinks: SinksOption = None,
    within: Annotated[
        float, typer.Option(min=1, help="Seconds to keep retrying before giving up.")
    ] = 60.0,
) -> None:
    """Try dead letters again now; each success replaces its dead letter."""
    config = sinks_config(sinks)
    if (ticket_id is None) == (not every):
        raise InputError(
            "give a ticket id (from `opsqkv ticket dead-letters`) or --all, not both or neither"
        )
    settings = settings_of(ctx)
    client = redis_client(settings)
    opened = open_sinks(config)
    try:
        with err_console.status("delivering again…"):
            results = redeliver(
                client, opened, prefix=settings.redis_prefix, ticket_id=ticket_id, within_s=within
            )
    finally:
        for sink in opened:
            sink.close()
    for result in results:
        _print_redelivery(result)
    if not results:
        console.print("no dead letters")
    if any(r.status != "created" for r in results):
        raise typer.Exit(1)


def created_line(sink: str, ticket_id: str, external_id: str | None, url: str | None) -> str:
    """`Created INC0010023 in servicenow for <ticket>` (rich markup, values escaped)."""
    what = f"Created {escape(external_id)}" if external_id else "Delivered"
    link = f" [dim]{escape(url)}[/]" if url else ""
    return f"[green]{what} in {escape(sink)}[/] for {escape(ticket_id)}{link}"


def _print_event(event: DeliveryEvent) -> None:
    tenant = f" [dim](tenant {escape(event.tenant)})[/]" if event.tenant else ""
    if event.kind in ("created", "existing"):
        line = created_line(event.sink, event.ticket_id, event.external_id, event.url)
        if event.kind == "existing":
            line += " [dim](found there already)[/]"
        console.print(line + tenant, soft_wrap=True)
    elif event.kind == "retry":
        console.print(
            f"[dim]{escape(event.ticket_id)} → {escape(event.sink)}: {escape(event.detail)}[/]",
            soft_wrap=True,
        )
    else:
        _print_problem(event)


def _print_problem(event: DeliveryEvent) -> None:
    if event.kind == "dead":
        err_console.print(
            f"[red]dead letter:[/] {escape(event.ticket_id)} → {escape(event.sink)}: "
            f"{escape(event.detail)}",
            soft_wrap=True,
        )
    elif event.kind == "error":
        err_console.print(f"[bold red]error:[/] {escape(event.detail)}", soft_wrap=True)


def _print_summary(sinks: list[Sink], summary: DeliverySummary) -> None:
    table = Table("sink", "kind", "created", "found there", "dead letters")
    for sink in sinks:
        table.add_row(
            sink.name,
            sink.kind,
            str(summary.created[sink.name]),
            str(summary.existing[sink.name]),
            str(summary.dead[sink.name]),
        )
    console.print(table)
    parts = [f"{summary.tickets} ticket(s) delivered"]
    if summary.retries:
        parts.append(f"{summary.retries} retries")
    if summary.tickets_dead:
        parts.append(
            f"[red]{summary.tickets_dead} with a dead letter[/]: see `opsqkv ticket dead-letters`"
        )
    if summary.pending:
        parts.append(
            f"[yellow]{summary.pending} still pending[/] (run again, or keep "
            "`opsqkv ticket deliver` running)"
        )
    if summary.errors:
        parts.append(f"[red]{len(summary.errors)} error(s)[/]: {escape(summary.errors[-1])}")
    console.print(", ".join(parts), soft_wrap=True)


def _print_redelivery(result: Redelivery) -> None:
    letter = result.letter
    if result.status == "created" and result.result is not None:
        line = created_line(
            letter.sink, letter.ticket_id, result.result.external_id, result.result.url
        )
        console.print(line, soft_wrap=True)
    elif result.status == "dead" and result.result is not None:
        console.print(
            f"[red]still failing:[/] {escape(letter.ticket_id)} → {escape(letter.sink)} after "
            f"{result.result.attempts} attempts: {escape(result.result.error or '')}",
            soft_wrap=True,
        )
    else:
        console.print(
            f"[yellow]{result.status}:[/] {escape(letter.ticket_id)} → {escape(letter.sink)}: "
            f"{escape(result.note)}",
            soft_wrap=True,
        )


@contextmanager
def _stopped_by_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT and SIGTERM set `stop` (the worker finishes its current attempts and returns)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        err_console.print("stopping: finishing the attempts in flight…")
        stop.set()

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
