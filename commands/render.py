"""Rich rendering of bot replies, shared by `chat` and `say`.

The Q&A and CMDB agents write Markdown; the ticket agent writes plain text (values as the
user typed them, `change <field> to <value>`, one field a line), so it is shown as Text.
Anything a user or a document wrote is escaped before it meets rich markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from rich.console import Console, Group, RenderableType
from rich.markdown import Markdown
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from agents import Reply
from agents.identity import Agent
from agents.tickets import TicketTemplate, show_value
from agents.turns import BACK_TO_TICKET
from delivery.records import SinkResult
from delivery.sinks import Sink
from state.models import Ticket, TicketState

AGENT_STYLE = {"qa": "cyan", "cmdb": "magenta", "ticket": "yellow", "help": "green"}


class Templates(Protocol):
    """Where the ticket panel looks up a template: an OpsBot, or a RemoteBot."""

    def template(self, name: str) -> TicketTemplate: ...


def render_reply(console: Console, bot: Templates, reply: Reply, *, explain: bool = False) -> None:
    """Print one reply: the answer, its citations, the ticket panel, the router scores."""
    style = AGENT_STYLE.get(reply.agent, "white")
    parts = reply_body(reply)
    if reply.citations:
        parts.append(_citations(reply))
    console.print(Panel(Group(*parts), title=f"[bold {style}]{reply.agent}[/]", title_align="left"))
    if isinstance(reply.ticket, Ticket):
        console.print(_submitted(reply.ticket))
    elif isinstance(reply.ticket, TicketState):
        console.print(_progress(bot, reply.ticket))
    if explain and reply.route:
        ranked = sorted(reply.route.items(), key=lambda kv: -kv[1])
        console.print(Text("route: " + "  ".join(f"{k} {v:.2f}" for k, v in ranked), style="dim"))


def reply_body(reply: Reply) -> list[RenderableType]:
    """The reply's text: Markdown for answers, literal Text for the ticket agent's words."""
    if reply.agent == Agent.TICKET:
        return [Text(reply.text)]
    answer, sep, back = reply.text.rpartition(f"\n\n{BACK_TO_TICKET}")
    if reply.digression and sep:  # an answer, then the ticket's question again
        return [Markdown(answer), Text(""), Text(BACK_TO_TICKET + back)]
    return [Markdown(reply.text)]


def _citations(reply: Reply) -> Table:
    table = Table(show_header=False, box=None, padding=(0, 1))
    for n, c in enumerate(reply.citations, start=1):
        lines = f":{c.lines[0]}-{c.lines[1]}" if c.lines else ""
        table.add_row(Text(f"[{n}]"), Text(f"{c.source}{lines}"), Text(c.heading), f"{c.score:.2f}")
    return table


def _progress(bot: Templates, state: TicketState) -> Panel:
    """Which slots are filled and which are still missing."""
    spec = bot.template(state.template)
    table = Table(show_header=False, box=None, padding=(0, 1))
    for slot in spec.slots:
        belief = state.slots.get(slot.name)
        if belief is not None:
            mark = "[green]✓[/]" if belief.verified else "[yellow]?[/]"
            value = escape(show_value(slot, belief.value))
        else:
            mark = "[red]·[/]" if slot.required else "[dim]·[/]"
            value = "[dim]missing[/]" if slot.required else "[dim]optional[/]"
        pending = " [bold]←[/]" if state.pending == slot.name else ""
        table.add_row(mark, escape(slot.label), value + pending)
    title = f"{spec.title} · {'confirm' if state.phase == 'confirming' else 'filling'}"
    return Panel(table, title=escape(title), title_align="left", border_style="yellow")


def render_delivery(
    console: Console, ticket: Ticket, sinks: Sequence[Sink], results: dict[str, SinkResult]
) -> None:
    """One line per sink after a submit: "Created INC0010023 in servicenow", or why not yet."""
    for sink in sinks:
        if not sink.accepts(ticket.template):
            continue
        result = results.get(sink.name)
        name = escape(sink.name)
        if result is None:
            console.print(
                f"[yellow]Not in {name} yet[/] (still trying); `opsqkv ticket deliver` finishes it",
                soft_wrap=True,
            )
        elif result.status == "created":
            what = f"Created {escape(result.external_id)}" if result.external_id else "Sent"
            link = f" [dim]{escape(result.url)}[/]" if result.url else ""
            console.print(f"[green]{what} in {name}[/]{link}", soft_wrap=True)
        else:
            console.print(
                f"[red]Could not create it in {name}[/]: {escape(result.error or '')} "
                f"(`opsqkv ticket redeliver {escape(ticket.id)}` tries again)",
                soft_wrap=True,
            )


def _submitted(ticket: Ticket) -> Panel:
    body = Text(ticket.id, style="bold")
    for k, v in ticket.values.items():
        body.append(f"\n{k}: {v}")
    return Panel(body, title="ticket submitted", title_align="left", border_style="green")
