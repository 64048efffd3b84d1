"""The help agent: greetings, thanks and what the bot can do."""

from __future__ import annotations

import re
from collections.abc import Iterable

from agents.tickets import TicketTemplate

_THANKS = re.compile(r"\b(thanks?|thank you|cheers|ty)\b", re.IGNORECASE)
_BYE = re.compile(r"\b(bye|goodbye|see you|that's all)\b", re.IGNORECASE)

COMMANDS_HELP = (
    "`/ticket <template>` start a ticket · `/cancel` drop the open ticket · "
    "`/reset` forget this conversation's state · `/kb <question>` ask the runbooks · "
    "`/cmdb <question>` ask the CMDB · `/help` this text"
)


def help_text(templates: Iterable[TicketTemplate]) -> str:
    """What the bot can do, with the ticket kinds it knows and the commands."""
    kinds = ", ".join(f"**{t.name}** ({t.title.lower()})" for t in templates)
    return (
        "I can:\n"
        "- answer how-to and troubleshooting questions from the runbooks, with citations "
        '(e.g. "how do I fix a full disk?")\n'
        '- query the CMDB (e.g. "prod hosts in sh-1 with disk usage over 90%", '
        '"how many hosts per idc", "what does order-service depend on")\n'
        f"- open tickets in a few turns: {kinds}\n\n"
        f"Commands: {COMMANDS_HELP}"
    )


def small_talk(text: str, templates: Iterable[TicketTemplate]) -> str:
    """A short answer to small talk; anything else gets the help text."""
    if _THANKS.search(text):
        return "You're welcome. Anything else? (`/help` lists what I can do.)"
    if _BYE.search(text):
        return "Bye. Your session is kept; come back with the same session id to continue."
    if len(text.split()) <= 3 and re.match(r"^(hi|hello|hey|yo|good \w+)\b", text, re.I):
        return "Hello! " + help_text(templates)
    return help_text(templates)
