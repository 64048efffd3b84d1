"""Who answered: the agents by name, and the router's choice of an agent (and ticket template).

The router scores cards by name ("qa", "cmdb", "help", "ticket:<template>"); `Routed` is
the one place that name is made and read, so no caller splits strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Agent(StrEnum):
    """The agents a reply or a bot turn can come from (their values are the public names)."""

    QA = "qa"
    CMDB = "cmdb"
    TICKET = "ticket"
    HELP = "help"
    CONTROL = "control"  # slash commands and their answers


_TICKET_CARD = "ticket:"


@dataclass(frozen=True)
class Routed:
    """The router's pick: an agent, and for the ticket agent the template it would open."""

    agent: Agent
    template: str | None = None

    @classmethod
    def from_card(cls, name: str) -> Routed:
        """The pick a router card name stands for ("ticket:incident" -> ticket, incident)."""
        if name.startswith(_TICKET_CARD):
            return cls(Agent.TICKET, name.removeprefix(_TICKET_CARD))
        return cls(Agent(name))

    @property
    def card(self) -> str:
        """The router card name of this pick."""
        return ticket_card(self.template) if self.template is not None else self.agent.value


def ticket_card(template: str) -> str:
    """The router card name of a ticket template."""
    return f"{_TICKET_CARD}{template}"
