"""One ticket turn on a session that OpsBot has loaded and locked: the agent, then the record.

OpsBot is the one turn path: it takes the lock, loads the session, routes here and saves
with a version check; scripted flows go through OpsBot too.
"""

from __future__ import annotations

from datetime import datetime

from agents.identity import Agent
from agents.tickets.policy import TicketAgent, TicketReply
from state.models import Session, Turn
from state.store import SessionWrites
from state.tickets import TicketSink

_SUBMITTED_KEPT = 20


def apply_ticket_turn(
    session: Session,
    writes: SessionWrites,
    agent: TicketAgent,
    sink: TicketSink,
    text: str,
    *,
    now: datetime,
    history_limit: int,
    template: str | None = None,
    aside: Turn | None = None,
) -> TicketReply:
    """Run one user turn of the ticket agent on a loaded session and record it there.

    `aside` (another agent's words about this message, e.g. what the CMDB knows of the
    service it names) is recorded between the user's turn and the ticket agent's when the
    ticket stays open, so the ticket agent's message stays the last one (what "yes" answers).
    A submitted ticket is queued on `writes`, so it reaches the stream in the same
    MULTI/EXEC as the session that no longer holds it: never lost, never sent twice.
    """
    reply = agent.handle(session, text, now=now, template=template)
    session.add_turn(Turn(role="user", text=text, at=now), history_limit)
    if aside is not None and reply.state is not None:
        session.add_turn(aside, history_limit)
    session.add_turn(Turn(role="bot", text=reply.text, at=now, agent=Agent.TICKET), history_limit)
    session.ticket = reply.state
    if reply.submitted is not None:
        writes.add(sink.append_op(reply.submitted))
        session.submitted = [*session.submitted, reply.submitted.id][-_SUBMITTED_KEPT:]
    return reply
