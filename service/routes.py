"""The `/v1` routes: chat turns, sessions, Q&A, CMDB queries, tickets, topology pictures."""

from __future__ import annotations

import re
import time
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import FileResponse

from agents import OpsBot
from delivery.records import DeliveryRecords
from errors import InputError, NotFound
from service.api_models import (
    SESSION_ID_PATTERN,
    AskOut,
    CMDBOut,
    DeletedOut,
    ErrorBody,
    ExternalRef,
    MessageIn,
    QuestionIn,
    ReplyOut,
    SessionOut,
    TicketOut,
    TicketsOut,
    TurnOut,
)
from service.auth import CallerDep, runtime_of
from service.metrics import TICKETS, TURN_SECONDS
from service.panel import picture_url, reply_out, without_path

_PICTURE = re.compile(r"^topology-[0-9a-f]{10}\.png$")
_STREAM_ID = r"^\d+(-\d+)?$"


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorBody} for status in (400, 401, 422, 429, 503, *statuses)}


router = APIRouter(prefix="/v1")
SessionId = Annotated[
    str,
    Path(
        pattern=SESSION_ID_PATTERN,
        max_length=128,
        description="yours to choose: 1-128 letters, digits or _ . : @ -",
    ),
]


def _check_text(text: str, limit: int, what: str) -> str:
    """The text stripped; InputError when empty or over `limit` characters."""
    if len(text) > limit:
        raise InputError(
            f"the {what} has {len(text)} characters, more than this service's limit of "
            f"{limit}; shorten it or split it into several messages"
        )
    text = text.strip()
    if not text:
        raise InputError(f"the {what} is empty; send some words")
    return text


# OpenAPI links: after a message, the same session can be read back or forgotten (clients
# and stateful API testers such as schemathesis follow them).
_SESSION_LINKS = {
    name: {"operationId": operation, "parameters": {"session_id": "$request.path.session_id"}}
    for name, operation in (("ReadSession", "get_session"), ("ForgetSession", "delete_session"))
}


@router.post(
    "/sessions/{session_id}/messages",
    response_model=ReplyOut,
    responses={200: {"links": _SESSION_LINKS}, **_errors(409)},
    summary="Send one message to a session (created on first use)",
)
def post_message(session_id: SessionId, body: MessageIn, caller: CallerDep) -> ReplyOut:
    """One turn, as `OpsBot.handle`: route, answer, remember."""
    return answer_message(caller.bot, session_id, body.text, body.message_id)


def answer_message(
    bot: OpsBot, session_id: str, text: str, message_id: str | None = None
) -> ReplyOut:
    """One counted turn for the wire: this route's, and the Slack and Mattermost adapters'."""
    text = _check_text(text, bot.max_message_chars, "message text")
    started = time.time()
    reply = bot.handle(session_id, text, message_id=message_id)
    TURN_SECONDS.labels(agent=reply.agent).observe(time.time() - started)
    submitted = reply.submitted
    if submitted is not None and submitted.created_at.timestamp() >= started - 1:
        TICKETS.inc()  # not counted again when a retried message_id is answered from the log
    return reply_out(bot, reply)


@router.get(
    "/sessions/{session_id}",
    operation_id="get_session",
    response_model=SessionOut,
    responses=_errors(404),
    summary="A stored session: its turns in order",
)
def get_session(session_id: SessionId, caller: CallerDep) -> SessionOut:
    """The session's turns and open ticket; 404 when this tenant has no such session."""
    session = caller.bot.session(session_id)
    if session is None:
        raise NotFound(f"no session {session_id!r}; a first message creates it")
    return SessionOut(
        id=session.id,
        created_at=session.created_at,
        updated_at=session.updated_at,
        turns=[TurnOut(role=t.role, text=t.text, agent=t.agent, at=t.at) for t in session.history],
        ticket=session.ticket,
        submitted=session.submitted,
    )


@router.delete(
    "/sessions/{session_id}",
    operation_id="delete_session",
    response_model=DeletedOut,
    responses=_errors(404),
    summary="Forget a session",
)
def delete_session(session_id: SessionId, caller: CallerDep) -> DeletedOut:
    """Delete the session and its logged replies; 404 when there was none."""
    if not caller.bot.forget(session_id):
        raise NotFound(f"no session {session_id!r} to delete")
    return DeletedOut(deleted=True)


@router.post("/ask", response_model=AskOut, responses=_errors(), summary="Ask the runbooks")
def ask(body: QuestionIn, caller: CallerDep) -> AskOut:
    """The Q&A agent's answer with numbered citations, outside any session."""
    question = _check_text(body.question, caller.bot.max_message_chars, "question")
    answer = caller.bot.ask(question)
    return AskOut(
        question=answer.question,
        answer=answer.text,
        known=answer.known,
        confidence=answer.confidence,
        citations=answer.citations,
    )


@router.post("/cmdb/query", response_model=CMDBOut, responses=_errors(), summary="Ask the CMDB")
def cmdb_query(body: QuestionIn, caller: CallerDep) -> CMDBOut:
    """What the question was understood as, and the items or grouped numbers it finds."""
    question = _check_text(body.question, caller.bot.max_message_chars, "question")
    answer = caller.bot.query_cmdb(question)
    url = picture_url(answer.picture)
    return CMDBOut(
        question=answer.question,
        text=without_path(answer.text, answer.picture, url),
        understood=answer.understood,
        query=answer.query,
        total=answer.total,
        items=answer.rows,
        stats=answer.stats,
        picture=url,
    )


@router.get("/tickets", response_model=TicketsOut, responses=_errors(), summary="Submitted tickets")
def tickets(
    request: Request,
    caller: CallerDep,
    since: Annotated[
        str | None, Query(pattern=_STREAM_ID, description="a stream id from a previous call")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> TicketsOut:
    """The tenant's submitted tickets after `since`, oldest first, at most `limit`."""
    found: list[TicketOut] = []
    for entry in caller.bot.tickets(since):
        if entry.ticket is not None:
            found.append(TicketOut(stream_id=entry.stream_id, ticket=entry.ticket))
        if len(found) >= limit:
            break
    records = DeliveryRecords(runtime_of(request).client, prefix=caller.bot.settings.redis_prefix)
    results = records.results_many([t.ticket.id for t in found])
    for out in found:
        out.external = {
            sink: ExternalRef(id=r.external_id, url=r.url)
            for sink, r in results[out.ticket.id].items()
            if r.status == "created"
        }
    return TicketsOut(tickets=found, next_since=found[-1].stream_id if found else since)


@router.get(
    "/pictures/{name}",
    response_class=FileResponse,
    responses={200: {"content": {"image/png": {}}}, **_errors(404)},
    summary="A topology picture a CMDB answer linked",
)
def picture(name: str, caller: CallerDep) -> FileResponse:
    """The PNG the CMDB agent drew for a topology question."""
    path = caller.bot.settings.home / "pictures" / name
    if not _PICTURE.match(name) or not path.is_file():
        raise NotFound(f"no picture {name!r}; use the URL a CMDB answer gave")
    return FileResponse(path, media_type="image/png")
