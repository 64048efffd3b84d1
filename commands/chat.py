"""CLI: `opsqkv chat` (the interactive terminal chat) and `opsqkv say` (one turn, for scripts)."""

from __future__ import annotations

import json
import secrets
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.text import Text

from agents import OpsBot
from commands.common import console, encoder_for, err_console, settings_of
from commands.render import render_delivery, render_reply
from commands.ticket_delivery import SinksOption, sinks_config
from delivery.sinks import open_sinks
from delivery.worker import DeliveryWorker
from errors import InputError, RateLimited, StateError
from service.client import RemoteBot
from settings import Settings
from state.connect import redis_client
from state.models import Ticket

app = typer.Typer(no_args_is_help=True)
QUIT = {"/quit", "/exit", "/q"}
LAST_SESSION_FILE = "last_chat_session"
DELIVERY_WAIT_S = 8.0  # after a submit, how long the chat waits for the sinks


def open_bot(settings: Settings) -> OpsBot:
    """The bot on these settings, with a spinner naming each start-up step."""
    encoder = encoder_for(settings)
    with err_console.status("starting opsqkv…") as status:
        return OpsBot.open(
            settings=settings,
            encoder=encoder,
            progress=lambda step, done, total: status.update(
                f"{step} {done:,}/{total:,}…" if total else f"{step}…"
            ),
        )


def chat(
    ctx: typer.Context,
    session: Annotated[
        str | None, typer.Option("--session", "-s", help="Session id to resume or start.")
    ] = None,
    new: Annotated[bool, typer.Option("--new", help="Start a new session.")] = False,
    explain: Annotated[bool, typer.Option(help="Show the router's scores for each reply.")] = False,
    url: Annotated[
        str | None, typer.Option(help="Talk to a running `opsqkv serve` at this URL instead.")
    ] = None,
    token: Annotated[
        str | None, typer.Option(envvar="OPSQKV_TOKEN", help="Bearer token for --url.")
    ] = None,
    sinks: SinksOption = None,
) -> None:
    """Chat with the ops bot in the terminal (history is kept; Ctrl-D or /quit leaves)."""
    settings = settings_of(ctx)
    # With --url the server delivers (`opsqkv serve --sinks`); here, after each submit.
    delivery = None if url is not None or sinks is None else _delivery(settings, sinks)
    session_id = _pick_session(settings, session, new)
    bot: OpsBot | RemoteBot
    if url is not None:
        if not token:
            raise InputError("--url needs --token (or OPSQKV_TOKEN): `opsqkv token create`")
        bot = RemoteBot(url, token, templates_dir=settings.templates_dir)
        retryable: tuple[type[Exception], ...] = (InputError, StateError, RateLimited)
    else:
        bot = open_bot(settings)
        retryable = (InputError,)
    _remember_session(settings, session_id)
    stored = bot.session(session_id)
    remote = "" if url is None else f" --url {url}"
    console.print(
        f"[bold]opsqkv[/]{remote} · session [cyan]{session_id}[/] · /help for commands, "
        "/quit to leave"
    )
    if stored is not None and stored.history:
        console.print(f"[dim]resuming: the last turns of {session_id}[/]")
        for turn in stored.history[-6:]:
            who = "you" if turn.role == "user" else f"bot ({turn.agent or '-'})"
            first = turn.text.splitlines()[0][:120] if turn.text else ""
            console.print(Text(f"{who}: {first}", style="dim"))
    read = _line_reader(settings)
    while True:
        try:
            text = read()
        except (EOFError, KeyboardInterrupt):
            break
        text = text.strip()
        if not text:
            continue
        if text.lower() in QUIT:
            break
        try:
            reply = bot.handle(session_id, text)
        except retryable as e:  # say what went wrong and keep the chat going
            err_console.print(f"[bold red]error:[/] {escape(str(e))}")
            continue
        render_reply(console, bot, reply, explain=explain)
        if delivery is not None and reply.submitted is not None:
            _deliver_submitted(delivery, reply.submitted)
    console.print(
        f"Bye. Session kept: resume with [bold]opsqkv chat{remote} --session {session_id}[/]"
    )


def say(
    ctx: typer.Context,
    session: Annotated[str, typer.Argument(help="Session id (created if new).")],
    text: Annotated[str, typer.Argument(help="What the user says.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the reply as JSON.")] = False,
    explain: Annotated[bool, typer.Option(help="Show the router's scores.")] = False,
) -> None:
    """Send one message to a session and print the reply (for scripts)."""
    settings = settings_of(ctx)
    bot = open_bot(settings)
    reply = bot.handle(session, text)
    if as_json:
        payload: dict[str, Any] = reply.model_dump(mode="json")
        typer.echo(json.dumps(payload, ensure_ascii=False))
        return
    render_reply(console, bot, reply, explain=explain)


def _delivery(settings: Settings, sinks: Path) -> DeliveryWorker:
    """A delivery worker on this chat's ticket stream (the root one, not tenants')."""
    config = sinks_config(sinks)
    return DeliveryWorker(
        redis_client(settings),
        open_sinks(config),
        prefix=settings.redis_prefix,
        options=config.worker,
        tenants=False,
    )


def _deliver_submitted(delivery: DeliveryWorker, ticket: Ticket) -> None:
    """Create the just-submitted ticket in the sinks, waiting a few seconds at most."""
    names = ", ".join(s.name for s in delivery.sinks if s.accepts(ticket.template))
    if not names:
        return
    with err_console.status(f"creating {ticket.id} in {names}…"):
        results = delivery.deliver_now(ticket, wait_s=DELIVERY_WAIT_S)
    render_delivery(console, ticket, delivery.sinks, results)


def _pick_session(settings: Settings, session: str | None, new: bool) -> str:
    if session and new:
        raise InputError("use either --session ID or --new, not both")
    if session:
        return session
    last = settings.home / LAST_SESSION_FILE
    if not new and last.is_file():
        previous = last.read_text(encoding="utf-8").strip()
        if previous:
            return previous
    return f"chat-{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def _remember_session(settings: Settings, session_id: str) -> None:
    settings.home.mkdir(parents=True, exist_ok=True)
    (settings.home / LAST_SESSION_FILE).write_text(session_id, encoding="utf-8")


def _line_reader(settings: Settings) -> Callable[[], str]:
    """prompt_toolkit with history and line editing on a terminal; plain lines otherwise."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return lambda: _plain_input()
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory

    history = Path(settings.home) / "chat_history"
    history.parent.mkdir(parents=True, exist_ok=True)
    prompt: PromptSession[str] = PromptSession(history=FileHistory(str(history)))
    return lambda: prompt.prompt("you › ")


def _plain_input() -> str:
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    return line


# Commands that `cli.py` registers on the root app rather than under this sub-app.
top_level_commands: list[Callable[..., Any]] = [chat, say]
