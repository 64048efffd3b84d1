"""One turn, inside the session lock: who answers, and what the session remembers of it.

An open ticket keeps the floor; a clear question mid-ticket (a how-to or a CMDB lookup)
is answered by its agent and the pending slot is asked again, no filled slot lost. With no
ticket open (none yet, or submitted, or cancelled) the router decides, but a question never
opens a ticket. Each agent's words are their own history turn, so the ticket agent's last
message (what a "yes" accepts) is never a runbook answer or a CMDB table.

Every turn first settles the session's reply language (agents/language.py): the message's
own when it says clearly, else the one the session had; every agent then speaks it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import torch

from agents.cmdb import CMDBAgent, ContextLinker
from agents.help import help_text, small_talk
from agents.identity import Agent, Routed, ticket_card
from agents.language import DEFAULT, detect_language
from agents.lexicon import is_affirmation
from agents.qa import Answer, QAAgent
from agents.reply import Reply
from agents.routing import Route, asks_for_ticket, asks_how_to, ticket_request
from agents.tickets import TicketAgent, apply_ticket_turn
from agents.turn_words import turn_words
from state.models import IncidentOffer, Language, Session, SlotBelief, TicketState, Turn
from state.store import SessionWrites
from state.tickets import TicketSink

_QUESTION = re.compile(
    r"^(how|what|which|why|where|who|can|could|should|is|are|do|does|show|list|count|find)\b",
    re.IGNORECASE,
)
OFFER_TEMPLATE, OFFER_SLOT = "incident", "symptom"
HELP_FLOOR = 0.5
# Opens the ticket's re-ask after a digression's answer, a blank line below it (English;
# the words in every language are the ticket agent's, agents/tickets/wording.py).
BACK_TO_TICKET = "Back to your "


@dataclass(frozen=True)
class TurnContext:
    """The agents and sinks a turn may use."""

    qa: QAAgent
    cmdb: CMDBAgent
    tickets: TicketAgent
    sink: TicketSink
    linker: ContextLinker
    history_limit: int


@dataclass(frozen=True)
class TurnInput:
    """One user message as a turn reads it; the routing part is done before the lock."""

    text: str
    at: datetime
    command: Route | None = None  # a slash command, when the message is one
    query: torch.Tensor | None = None  # enc(text), (d,): None for commands
    scores: dict[str, float] = field(default_factory=dict)  # the router's shares per agent
    template: str | None = None  # open this ticket with the message (scripted flows)


def run_turn(
    ctx: TurnContext, session: Session, writes: SessionWrites, message: TurnInput
) -> Reply:
    """Answer `message` for `session` (loaded and locked by the caller) and record the turn."""
    text, at, command, query = message.text, message.at, message.command, message.query
    scores, template = message.scores, message.template
    session.language = detect_language(text) or session.language  # None: not said yet
    if template is not None and session.ticket is None:
        return _ticket(ctx, session, writes, text, at, scores, template=template)
    if command is not None:
        return _command(ctx, session, writes, text, command, at)
    session.last_route = {k: round(v, 4) for k, v in scores.items()}
    offer, session.offer = session.offer, None  # an offer is for the very next message only
    if session.ticket is None and offer is not None and is_affirmation(text):
        return _open_offered(ctx, session, writes, offer.symptom, text, at)
    if session.ticket is not None:
        aside = _digression(ctx, session, text, scores, at)
        if aside is None:
            return _ticket(ctx, session, writes, text, at, scores)
        reply = _answer(ctx, session, aside, text, query, scores, at, offer_ticket=False)
        back = ctx.tickets.back_to_ticket(session.ticket, _language(session))
        # The re-ask is the ticket agent's own turn: what a "yes" next answers (see workflow).
        session.add_turn(Turn(role="bot", text=back, at=at, agent=Agent.TICKET), ctx.history_limit)
        reply.text = f"{reply.text}\n\n{back}"
        reply.digression, reply.ticket = True, session.ticket
        return reply
    top = max(scores, key=lambda a: scores[a])
    best = Routed.from_card(top)
    if best.agent is Agent.HELP and scores[top] < HELP_FLOOR and len(text.split()) > 3:
        best = Routed(Agent.QA)  # not clearly small talk: Q&A answers or says it does not know
    if best.template is not None and is_question(text) and not asks_for_ticket(text):
        # "what does payment-api depend on" names a service and sounds like an incident to
        # the router, but it asks: answer it (an unknown how-to is offered an incident).
        best = Routed(_question_agent(scores))
    if best.template is not None:
        # The router hears the topic ("p99 latency alerts" sounds like an incident); a
        # message that names its kind of ticket ("file a change: ...") has said which.
        chooser, request = ctx.tickets.chooser, ticket_request(text)
        named = chooser.named_in(request) if chooser and request else None
        return _ticket(ctx, session, writes, text, at, scores, template=named or best.template)
    return _answer(ctx, session, best.agent, text, query, scores, at)


def _question_agent(scores: dict[str, float]) -> Agent:
    """Of the two agents that answer questions, the one the router prefers."""
    return max((Agent.QA, Agent.CMDB), key=lambda a: scores.get(a.value, 0.0))


def _answer(
    ctx: TurnContext,
    session: Session,
    agent: Agent,
    text: str,
    query: torch.Tensor | None,
    scores: dict[str, float],
    at: datetime,
    *,
    offer_ticket: bool = True,
) -> Reply:
    """A Q&A, CMDB or help answer; each of Q&A and CMDB falls back on the other."""
    if agent is Agent.CMDB:
        reply = _cmdb(ctx, session, text, scores)
        if reply.data is None or reply.data.get("understood"):
            return _remember(ctx, session, text, reply, at)
        fallback = _qa(ctx, session, text, query, scores, offer_ticket=False)
        return _remember(ctx, session, text, fallback if fallback.citations else reply, at)
    if agent is Agent.QA:
        reply = _qa(ctx, session, text, query, scores, offer_ticket=False)
        if not reply.citations:
            other = _cmdb(ctx, session, text, scores)
            if other.data is not None and other.data.get("understood"):
                return _remember(ctx, session, text, other, at)
            if offer_ticket:
                _offer_incident(ctx, session, reply, text)
        return _remember(ctx, session, text, reply, at)
    reply = Reply(
        session_id=session.id,
        text=small_talk(text, ctx.tickets.templates.values(), _language(session)),
        agent=Agent.HELP,
        route=scores,
    )
    return _remember(ctx, session, text, reply, at)


def _qa(
    ctx: TurnContext,
    session: Session,
    text: str,
    query: torch.Tensor | None,
    scores: dict[str, float],
    *,
    offer_ticket: bool,
) -> Reply:
    answer = answer_in_context(ctx, text, query, _language(session))
    reply = Reply(
        session_id=session.id,
        text=answer.text,
        agent=Agent.QA,
        citations=list(answer.citations),
        route=scores,
        data={"known": answer.known, "confidence": answer.confidence},
    )
    if not answer.known and offer_ticket:
        _offer_incident(ctx, session, reply, text)
    return reply


def _offer_incident(ctx: TurnContext, session: Session, reply: Reply, text: str) -> None:
    """The Q&A agent did not know: offer an incident whose symptom is the question."""
    if OFFER_TEMPLATE in ctx.tickets.templates:
        session.offer = IncidentOffer(template=OFFER_TEMPLATE, symptom=text)
        reply.text += turn_words(_language(session)).offer


def _cmdb(ctx: TurnContext, session: Session, text: str, scores: dict[str, float]) -> Reply:
    answer = ctx.cmdb.answer(text, language=_language(session))
    data = answer.model_dump(mode="json", exclude={"text", "question"})
    return Reply(session_id=session.id, text=answer.text, agent=Agent.CMDB, data=data, route=scores)


def _ticket(
    ctx: TurnContext,
    session: Session,
    writes: SessionWrites,
    text: str,
    at: datetime,
    scores: dict[str, float],
    *,
    template: str | None = None,
) -> Reply:
    """A ticket turn through exactly the code the scripted flows use."""
    link = ctx.linker.link(text) if template is not None else None
    # The CMDB's words, kept out of the ticket agent's turn; plain, as the ticket's are.
    sentence = link.sentence().replace("**", "") if link is not None else None
    aside = None if sentence is None else Turn(role="bot", text=sentence, at=at, agent=Agent.CMDB)
    turn = apply_ticket_turn(
        session,
        writes,
        ctx.tickets,
        ctx.sink,
        text,
        now=at,
        history_limit=ctx.history_limit,
        template=template,
        aside=aside,
    )
    body = turn.text
    if sentence is not None and turn.state is not None:
        body = f"{sentence}\n\n{body}"
    return Reply(
        session_id=session.id,
        text=body,
        agent=Agent.TICKET,
        ticket=turn.submitted or turn.state,
        route=scores,
    )


def _open_offered(
    ctx: TurnContext, session: Session, writes: SessionWrites, symptom: str, text: str, at: datetime
) -> Reply:
    """The user accepted the Q&A agent's offer: an incident with the symptom already filled."""
    belief = SlotBelief(value=symptom, confidence=1.0, turn=0, span=symptom)
    session.ticket = TicketState(template=OFFER_TEMPLATE, slots={OFFER_SLOT: belief})
    return _ticket(ctx, session, writes, symptom, at, {}, template=OFFER_TEMPLATE)


def _command(
    ctx: TurnContext,
    session: Session,
    writes: SessionWrites,
    text: str,
    command: Route,
    at: datetime,
) -> Reply:
    name, arg = command.command, command.argument
    language = _language(session)
    words = turn_words(language)
    if name == "/ticket":
        if arg.split(" ", 1)[0] not in ctx.tickets.templates:
            known = ", ".join(sorted(ctx.tickets.templates))
            body = words.which_ticket.format(known=known)
            return _remember(ctx, session, text, _say(session, body, Agent.CONTROL), at)
        template, _, rest = arg.partition(" ")
        session.ticket = TicketState(template=template)
        return _ticket(ctx, session, writes, rest or template, at, {}, template=template)
    if name == "/cancel":
        if session.ticket is None:
            return _remember(ctx, session, text, _say(session, words.no_ticket, Agent.CONTROL), at)
        return _ticket(ctx, session, writes, "cancel", at, {})
    if name == "/reset":
        session.ticket, session.offer, session.last_route = None, None, {}
        body = words.reset
        return _remember(ctx, session, text, _say(session, body, Agent.CONTROL), at)
    if name in ("/kb", "/cmdb") and not arg:
        body = words.usage.format(name=name)
        return _remember(ctx, session, text, _say(session, body, Agent.CONTROL), at)
    if name == "/kb":
        return _remember(
            ctx, session, text, _qa(ctx, session, arg, None, {}, offer_ticket=True), at
        )
    if name == "/cmdb":
        return _remember(ctx, session, text, _cmdb(ctx, session, arg, {}), at)
    if name == "/explain":
        shares = session.last_route
        lines = [f"- {k}: {v}" for k, v in sorted(shares.items(), key=lambda kv: -kv[1])]
        body = words.scores + ("\n".join(lines) or words.no_scores)
        return _remember(ctx, session, text, _say(session, body, Agent.CONTROL), at)
    if name == "/unknown":
        body = words.unknown_command.format(arg=arg) + help_text(
            ctx.tickets.templates.values(), language
        )
        return _remember(ctx, session, text, _say(session, body, Agent.HELP), at)
    body = help_text(ctx.tickets.templates.values(), language)
    return _remember(ctx, session, text, _say(session, body, Agent.HELP), at)


def answer_in_context(
    ctx: TurnContext, text: str, query: torch.Tensor | None = None, language: Language = "en"
) -> Answer:
    """The Q&A answer about what the message means in the CMDB, not only the words it used.

    "the database of payment-api" is asked as that database (its engine spelled out) and
    the answer starts by naming it; a CI named directly has its engine spelled out.
    """
    link = ctx.linker.link(text)
    if link is None:
        asked = ctx.linker.spell_out(text)
        return ctx.qa.answer(asked, query if asked == text else None, language=language)
    answer = ctx.qa.answer(link.question(text), language=language)
    return answer.model_copy(update={"text": f"{link.sentence()}\n\n{answer.text}"})


def is_question(text: str) -> bool:
    """ "how do I ...", "what does X depend on", "... ?": the user asks rather than reports."""
    return text.rstrip().endswith("?") or bool(_QUESTION.match(text.strip()))


def _digression(
    ctx: TurnContext, session: Session, text: str, scores: dict[str, float], at: datetime
) -> Agent | None:
    """The agent a mid-ticket message should go to instead of the ticket, if any: a how-to
    question, or a question that gives the ticket nothing ("what does X depend on?")."""
    if not is_question(text) or asks_for_ticket(text):
        return None
    if asks_how_to(text):
        return Agent.QA  # "what's the safest way to ...?" mid-ticket: answer, then re-ask
    other = _question_agent(scores)
    template = session.ticket.template if session.ticket else ""
    if scores.get(other.value, 0.0) > scores.get(ticket_card(template), 0.0):
        return other  # the router hears another agent's question
    if ctx.tickets.takes(session, text, now=at):
        return None  # "can you make it P2?", "can we start over?": the ticket's own business
    return other


def _language(session: Session) -> Language:
    """The language this turn replies in (settled at the start of run_turn)."""
    return session.language or DEFAULT


def _say(session: Session, text: str, agent: Agent) -> Reply:
    return Reply(session_id=session.id, text=text, agent=agent)


def _remember(ctx: TurnContext, session: Session, text: str, reply: Reply, at: datetime) -> Reply:
    session.add_turn(Turn(role="user", text=text, at=at), ctx.history_limit)
    session.add_turn(Turn(role="bot", text=reply.text, at=at, agent=reply.agent), ctx.history_limit)
    return reply
