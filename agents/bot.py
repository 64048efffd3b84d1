"""OpsBot: the Python agent API. Wires the router, the agents and the session store.

    bot = OpsBot.open()                                   # embedded defaults
    reply = bot.handle("session-42", "payment-api is down since 10:30, sev1")

Workers are stateless: everything a conversation remembers is in Redis, and a turn runs
under the session's lock with a versioned save, so many threads and processes may share
one Redis. The encoder pass (the slow part) runs before the lock is taken.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import redis
import torch

from agents.clock import local_now
from agents.cmdb import CMDBAgent, CMDBAnswer, ContextLinker
from agents.language import reply_language
from agents.qa import Answer, QAAgent
from agents.reply import Reply
from agents.routing import Router, message_prior, parse_command, router_for
from agents.tickets import TicketTemplate, ticket_agent
from agents.turns import TurnContext, TurnInput, answer_in_context, run_turn
from errors import InputError
from knowledge.cmdb import open_default
from knowledge.default_encoder import default_encoder
from knowledge.encoder import Encoder
from knowledge.input_text import require_unicode
from knowledge.kb import open_default_kb
from knowledge.keycache import KeyCache
from knowledge.progress import Progress, no_progress
from settings import Settings, settings_from_env
from state.connect import redis_client
from state.models import Session
from state.replies import ReplyLog, check_message_id
from state.store import SessionStore, SessionWrites
from state.tickets import ExportedTicket, TicketSink

MAX_MESSAGE_CHARS = 4000
_SESSION_ID = re.compile(r"^[A-Za-z0-9_.:@-]{1,128}$")


@dataclass(frozen=True)
class _Parts:
    """Everything a turn needs, built once per bot."""

    context: TurnContext
    store: SessionStore
    router: Router
    replies: ReplyLog


class _Answered(Exception):
    """The message id was applied before: carries the reply logged then."""

    def __init__(self, reply_json: str) -> None:
        super().__init__("already answered")
        self.reply_json = reply_json


class OpsBot:
    """The multi-agent ops chatbot: `handle(session_id, text) -> Reply`."""

    def __init__(self, settings: Settings, encoder: Encoder, parts: _Parts) -> None:
        self.settings = settings
        self.encoder = encoder
        self._parts = parts
        self.clock: Callable[[], datetime] = local_now
        self.max_message_chars = MAX_MESSAGE_CHARS

    @classmethod
    def open(
        cls,
        *,
        settings: Settings | None = None,
        redis_url: str | None = None,
        kb_path: Path | str | None = None,
        cmdb_path: Path | str | None = None,
        templates_dir: Path | str | None = None,
        encoder: Encoder | None = None,
        client: redis.Redis | None = None,
        progress: Progress | None = None,
    ) -> OpsBot:
        """A bot on the given stores; anything not named uses the embedded defaults.

        `settings` (default: from the environment) is overridden by the named stores; without
        `encoder`, the settings' shared default encoder (`--model`) serves the whole bot.
        """
        report = progress or no_progress

        def say(step: str) -> None:
            report(step, 0, 0)  # start-up steps have no count

        if settings is None:
            settings = settings_from_env(
                redis_url=redis_url,
                kb_path=kb_path,
                cmdb_file=cmdb_path,
                templates_dir=templates_dir,
            )
        else:
            updates = {
                k: v
                for k, v in {
                    "redis_url": redis_url,
                    "kb_path": None if kb_path is None else Path(kb_path),
                    "cmdb_file": None if cmdb_path is None else Path(cmdb_path),
                    "templates_dir": None if templates_dir is None else Path(templates_dir),
                }.items()
                if v is not None
            }
            settings = settings.model_copy(update=updates)
        say("loading the encoder model")
        encoder = encoder or default_encoder(settings)
        say("connecting to Redis")
        client = client if client is not None else redis_client(settings)
        say("opening the knowledge base")
        kb = open_default_kb(settings, encoder, progress=report)  # a first start builds it
        say("opening the CMDB")
        cmdb, _ = open_default(settings, encoder, progress=report)
        say("preparing the agents")
        tickets = ticket_agent(settings, encoder, entities=cmdb)
        router = router_for(
            encoder, tickets.templates.values(), KeyCache(encoder, settings.cache_dir)
        )
        context = TurnContext(
            qa=QAAgent(kb, key_cache=KeyCache(encoder, settings.cache_dir / "sentences")),
            cmdb=CMDBAgent(cmdb, picture_dir=settings.home / "pictures"),
            tickets=tickets,
            sink=TicketSink(client, prefix=settings.redis_prefix),
            linker=ContextLinker(cmdb, encoder),
            history_limit=settings.history_limit,
        )
        store = SessionStore.from_settings(client, settings)
        replies = ReplyLog(client, prefix=settings.redis_prefix, ttl_s=settings.session_ttl_s)
        return cls(settings, encoder, _Parts(context, store, router, replies))

    def for_prefix(self, prefix: str, **store_options: float) -> OpsBot:
        """This bot (same model, KB, CMDB, agents) keeping sessions and tickets under `prefix`.

        `store_options` go to the SessionStore (e.g. `lock_wait_s`). The service builds one
        per tenant, so tenants share the heavy parts and nothing they remember.
        """
        settings = self.settings.model_copy(update={"redis_prefix": prefix})
        client = self._parts.store.client
        store = SessionStore.from_settings(client, settings, **store_options)
        context = dataclasses.replace(self._parts.context, sink=TicketSink(client, prefix=prefix))
        replies = ReplyLog(client, prefix=prefix, ttl_s=settings.session_ttl_s)
        bot = OpsBot(settings, self.encoder, _Parts(context, store, self._parts.router, replies))
        bot.clock, bot.max_message_chars = self.clock, self.max_message_chars
        return bot

    @property
    def templates(self) -> list[str]:
        """Names of the ticket templates this bot can open."""
        return sorted(self._parts.context.tickets.templates)

    def template(self, name: str) -> TicketTemplate:
        """The ticket template called `name` (InputError listing the known ones if none)."""
        return self._parts.context.tickets.template(name)

    def handle(
        self,
        session_id: str,
        text: str,
        *,
        now: datetime | None = None,
        template: str | None = None,
        message_id: str | None = None,
    ) -> Reply:
        """One user turn of `session_id`: route, answer, remember; returns what to show.

        `template` opens that ticket with this message when none is open (scripted flows).
        `message_id` makes a retry safe: a message id this session has seen is answered with
        the reply logged then (atomically with that turn's save), never applied again.
        """
        check_session_id(session_id)
        text = require_unicode(text, "message").strip()
        if not text:
            raise InputError("the message is empty; type a question, a ticket request or /help")
        if len(text) > self.max_message_chars:
            raise InputError(
                f"the message has {len(text)} characters, more than {self.max_message_chars}; "
                "shorten it or split it into several turns"
            )
        if template is not None:
            self.template(template)  # unknown names fail before anything is stored
        replies = self._parts.replies
        if message_id is not None:
            check_message_id(message_id)
            if (logged := replies.get(session_id, message_id, text)) is not None:
                return Reply.model_validate_json(logged)  # a retry: no encoder pass, no lock
        command = parse_command(text)
        query: torch.Tensor | None = None
        scores: dict[str, float] = {}
        if command is None:
            query = self.encoder.encode_one(text)  # outside the lock: the slow part of a turn
            router = self._parts.router
            scores = router.scores(query, message_prior(text, router.cards))
        at = now or self.clock()

        def turn(session: Session, writes: SessionWrites) -> Reply:
            # Checked again under the lock: a first try may have committed meanwhile.
            logged = None if message_id is None else replies.get(session_id, message_id, text)
            if logged is not None:
                raise _Answered(logged)
            message = TurnInput(text, at, command, query, scores, template)
            reply = run_turn(self._parts.context, session, writes, message)
            if message_id is not None:
                writes.add(replies.put_op(session_id, message_id, text, reply.model_dump_json()))
            return reply

        try:
            reply, _ = self._parts.store.run(session_id, turn)
        except _Answered as done:
            return Reply.model_validate_json(done.reply_json)
        return reply

    def session(self, session_id: str) -> Session | None:
        """The stored session (history, ticket state), or None when there is none."""
        check_session_id(session_id)
        return self._parts.store.load(session_id)

    def forget(self, session_id: str) -> bool:
        """Delete a session and its logged replies; True when there was a session."""
        check_session_id(session_id)
        self._parts.replies.forget(session_id)
        return self._parts.store.delete(session_id)

    def ask(self, question: str) -> Answer:
        """The Q&A agent's answer to one question, outside any session (in its language)."""
        if not require_unicode(question, "question").strip():
            raise InputError(
                "the question is empty; ask e.g. 'nginx returns 502, what do I check?'"
            )
        question = question.strip()
        language = reply_language(question, None)
        return answer_in_context(self._parts.context, question, language=language)

    def query_cmdb(self, question: str) -> CMDBAnswer:
        """The CMDB agent's answer to one question, outside any session (in its language)."""
        if not require_unicode(question, "question").strip():
            raise InputError("the question is empty; ask e.g. 'how many hosts per idc'")
        question = question.strip()
        return self._parts.context.cmdb.answer(question, language=reply_language(question, None))

    def tickets(self, since: str | None = None) -> Iterator[ExportedTicket]:
        """Submitted tickets under this bot's prefix, after stream id `since`."""
        return self._parts.context.sink.export(since)


def check_session_id(session_id: str) -> None:
    """Session ids become Redis keys: keep them short and plain."""
    if not _SESSION_ID.match(session_id):
        raise InputError(
            f"session id {session_id!r} is not usable; use 1-128 letters, digits or . _ : @ -"
        )
