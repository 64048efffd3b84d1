"""Rich rendering of bot replies, shared by `chat` and `say`."""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.markdown import Markdown
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from agents import OpsBot, Reply
from agents.ticket_view import show_value
from state.models import Ticket, TicketState

AGENT_STYLE = {"qa": "cyan", "cmdb": "magenta", "ticket": "yellow", "help": "green"}


def render_reply(console: Console, bot: OpsBot, reply: Reply, *, explain: bool = False) -> None:
    """Print one reply: the answer, its citations, the ticket panel, the router scores."""
    style = AGENT_STYLE.get(reply.agent, "white")
    parts: list[RenderableType] = [Markdown(reply.text)]
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


def _citations(reply: Reply) -> Table:
    table = Table(show_header=False, box=None, padding=(0, 1))
    for n, c in enumerate(reply.citations, start=1):
        lines = f":{c.lines[0]}-{c.lines[1]}" if c.lines else ""
        table.add_row(f"[{n}]", f"{c.source}{lines}", c.heading, f"{c.score:.2f}")
    return table


def _progress(bot: OpsBot, state: TicketState) -> Panel:
    """Which slots are filled and which are still missing."""
    spec = bot.template(state.template)
    table = Table(show_header=False, box=None, padding=(0, 1))
    for slot in spec.slots:
        belief = state.slots.get(slot.name)
        if belief is not None:
            mark = "[green]✓[/]" if belief.verified else "[yellow]?[/]"
            value = show_value(slot, belief.value)
        else:
            mark = "[red]·[/]" if slot.required else "[dim]·[/]"
            value = "[dim]missing[/]" if slot.required else "[dim]optional[/]"
        pending = " [bold]←[/]" if state.pending == slot.name else ""
        table.add_row(mark, slot.label, value + pending)
    title = f"{spec.title} · {'confirm' if state.phase == 'confirming' else 'filling'}"
    return Panel(table, title=title, title_align="left", border_style="yellow")


def _submitted(ticket: Ticket) -> Panel:
    lines = "\n".join(f"{k}: {v}" for k, v in ticket.values.items())
    return Panel(
        f"[bold]{ticket.id}[/]\n{lines}",
        title="ticket submitted",
        title_align="left",
        border_style="green",
    )
