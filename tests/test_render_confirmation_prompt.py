"""The chat's confirmation prompt as a terminal shows it: `change <field> to <value>` written
out, one ticket field a line, and values with brackets shown as typed."""

from __future__ import annotations

import io
import uuid

from rich.console import Console

from agents import OpsBot, Reply
from commands.render import render_reply
from state.models import TicketState

WIDTH = 120


def _shown(bot: OpsBot, reply: Reply) -> list[str]:
    """The lines the chat prints for a reply, without colours or the panel's borders."""
    out = io.StringIO()
    render_reply(Console(file=out, width=WIDTH, color_system=None), bot, reply)
    return [line.strip("│ ").rstrip() for line in out.getvalue().splitlines()]


def _confirming(bot: OpsBot, symptom: str) -> tuple[str, Reply]:
    sid = f"r-{uuid.uuid4().hex[:10]}"
    bot.handle(sid, "open an incident for payment-api since 09:40, sev2")
    reply = bot.handle(sid, symptom)
    assert isinstance(reply.ticket, TicketState) and reply.ticket.phase == "confirming"
    return sid, reply


def _one_field_a_line(bot: OpsBot, lines: list[str], state: TicketState) -> None:
    spec = bot.template(state.template)
    for slot in spec.slots:
        mine = [line for line in lines if line.startswith(f"{slot.label}:")]
        assert len(mine) == 1, f"{slot.label!r} is not on a line of its own:\n" + "\n".join(lines)


def test_render_confirmation_prompt_shows_the_edit_hint_and_one_field_a_line(
    bot: OpsBot,
) -> None:
    _, reply = _confirming(bot, "checkout fails for every customer")
    lines = _shown(bot, reply)
    assert any("change <field> to <value>" in line for line in lines), "\n".join(lines)
    assert isinstance(reply.ticket, TicketState)
    _one_field_a_line(bot, lines, reply.ticket)


def test_render_confirmation_re_asked_after_a_digression_is_shown_as_written(
    bot: OpsBot,
) -> None:
    sid, _ = _confirming(bot, "checkout fails for every customer")
    aside = bot.handle(sid, "how do I check nginx error logs for a 502?")
    assert aside.digression and isinstance(aside.ticket, TicketState)
    lines = _shown(bot, aside)
    assert any("change <field> to <value>" in line for line in lines), "\n".join(lines)
    _one_field_a_line(bot, lines, aside.ticket)


def test_render_values_with_brackets_are_shown_as_typed(bot: OpsBot) -> None:
    symptom = "writes fail under [/var/log] with <timeout> errors"
    _, reply = _confirming(bot, symptom)
    lines = _shown(bot, reply)
    assert isinstance(reply.ticket, TicketState)
    assert reply.ticket.value("symptom") == symptom
    assert f"symptom: {symptom}" in lines, "\n".join(lines)  # the prompt's summary
    panel = [line for line in lines if line.startswith("✓") and "symptom" in line]
    assert len(panel) == 1 and panel[0].endswith(symptom), "\n".join(lines)
