"""One ticket turn end to end: lock the session, load it, run the TicketAgent, save, unlock.

`apply_ticket_turn` is the part inside the lock, so another caller that already holds a
session (OpsBot routing a turn to the ticket agent) runs exactly the same code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from agents.workflow import AGENT_NAME, TicketAgent, TicketReply
from state.models import Session, Turn
from state.store import SessionStore, SessionWrites
from state.tickets import TicketSink

_SUBMITTED_KEPT = 20


def local_now() -> datetime:
    """The real clock, in the machine's time zone (relative times are read against it)."""
    return datetime.now().astimezone()


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
) -> TicketReply:
    """Run one user turn of the ticket agent on a loaded session and record it there.

    A submitted ticket is queued on `writes`, so it reaches the stream in the same
    MULTI/EXEC as the session that no longer holds it: never lost, never sent twice.
    """
    reply = agent.handle(session, text, now=now, template=template)
    session.add_turn(Turn(role="user", text=text, at=now), history_limit)
    session.add_turn(Turn(role="bot", text=reply.text, at=now, agent=AGENT_NAME), history_limit)
    session.ticket = reply.state
    if reply.submitted is not None:
        writes.add(sink.append_op(reply.submitted))
        session.submitted = [*session.submitted, reply.submitted.id][-_SUBMITTED_KEPT:]
    return reply


@dataclass(frozen=True)
class TurnOutcome:
    """A finished turn: the agent's reply and the session as saved."""

    reply: TicketReply
    session: Session


class TicketDesk:
    """Takes ticket turns for any session id, safely from many threads and processes."""

    def __init__(
        self,
        store: SessionStore,
        sink: TicketSink,
        agent: TicketAgent,
        *,
        clock: Callable[[], datetime] = local_now,
    ) -> None:
        self.store = store
        self.sink = sink
        self.agent = agent
        self.clock = clock

    def turn(
        self,
        session_id: str,
        text: str,
        *,
        now: datetime | None = None,
        template: str | None = None,
    ) -> TurnOutcome:
        """One user turn of `session_id`, under its lock, saved with a version check."""
        at = now or self.clock()

        def change(session: Session, writes: SessionWrites) -> TicketReply:
            return apply_ticket_turn(
                session,
                writes,
                self.agent,
                self.sink,
                text,
                now=at,
                history_limit=self.store.history_limit,
                template=template,
            )

        reply, saved = self.store.run(session_id, change)
        return TurnOutcome(reply, saved)
