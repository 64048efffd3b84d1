"""The ticket workflow agent: templates, the policy of what to say next, and one ticket turn.

templates/    TicketTemplate and SlotSpec, the loader, and the shipped YAML templates
durations.py  the duration grammar (templates, the view and the normalisers share it)
policy.py     TicketAgent: ask the next slot, confirm, submit, cancel, start over
turn.py       apply_ticket_turn: the agent on a locked session, the record and the stream
chooser.py    which template a message asks for
commands.py   "change X to Y" edits
view.py       how values and the confirmation summary read
assemble.py   ticket_agent(settings, encoder): the agent built from Settings
tracking/     slot tracking: the learned reader, normalisers, cues
"""

from agents.tickets.assemble import slot_reader_for, ticket_agent
from agents.tickets.durations import describe_duration, parse_duration
from agents.tickets.policy import TicketAgent, TicketReply
from agents.tickets.templates import (
    ENTITY_TYPES,
    EnumValue,
    SlotSpec,
    TicketTemplate,
    first_error,
    load_template_file,
    load_templates,
    read_yaml_mapping,
)
from agents.tickets.turn import apply_ticket_turn
from agents.tickets.view import show_value

__all__ = [
    "ENTITY_TYPES",
    "EnumValue",
    "SlotSpec",
    "TicketAgent",
    "TicketReply",
    "TicketTemplate",
    "apply_ticket_turn",
    "describe_duration",
    "first_error",
    "load_template_file",
    "load_templates",
    "parse_duration",
    "read_yaml_mapping",
    "show_value",
    "slot_reader_for",
    "ticket_agent",
]
