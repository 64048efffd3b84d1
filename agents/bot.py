"""OpsBot: the Python agent API. Wires the router, the agents and the session store.

    bot = OpsBot.open()                                   # embedded defaults
    reply = bot.handle("session-42", "payment-api is down since 10:30, sev1")

Workers are stateless: everything a conversation remembers is in Redis, and a turn runs
under the session's lock with a versioned save, so many threads and processes may share
one Redis. The encoder pass (the slow part) runs before the lock is taken.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import redis
import torch

from agents.cmdb import CMDBAgent
from agents.context_link import ContextLinker
from agents.qa import QAAgent
from agents.reply import Reply
from agents.route_cues import route_prior
from agents.router import Router, parse_command
from agents.routing_eval import router_for
from agents.templates import TicketTemplate
from agents.ticket_desk import local_now
from agents.ticket_setup import ticket_agent
from agents.turns import TurnContext, run_turn
from errors import InputError
from knowledge.cmdb import open_default
from knowledge.encoder import Encoder
from knowledge.kb import open_default_kb
from knowledge.keycache import KeyCache
from settings import Settings, settings_from_env
from state.connect import redis_client
from state.models import Session
from state.store import SessionStore
from state.tickets import TicketSink

MAX_MESSAGE_CHARS = 4000
_SESSION_ID = re.compile(r"^[A-Za-z0-9_.:@-]{1,128}$")

Progress = Callable[[str], None]


@dataclass(frozen=True)
class _Parts:
    """Everything a turn needs, built once per bot."""

    context: TurnContext
    store: SessionStore
    router: Router


class OpsBot:
    """The multi-agent ops chatbot: `handle(session_id, text) -> Reply`."""

    def __init__(self, settings: Settings, encoder: Encoder, parts: _Parts) -> None:
        self.settings = settings
        self.encoder = encoder
        self._parts = parts
        self.clock: Callable[[], datetime] = local_now

    @classmethod
    def open(
        cls,
        redis_url: str | None = None,
        kb_path: Path | str | None = None,
        cmdb_path: Path | str | None = None,
        templates_dir: Path | str | None = None,
        *,
        settings: Settings | None = None,
        encoder: Encoder | None = None,
        client: redis.Redis | None = None,
        progress: Progress | None = None,
    ) -> OpsBot:
        """A bot on the given stores; anything not named uses the embedded defaults."""
        say = progress or (lambda _step: None)
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
        encoder = encoder or Encoder(settings.model_path)
        say("connecting to Redis")
        client = client if client is not None else redis_client(settings)
        say("opening the knowledge base")
        kb = open_default_kb(settings, encoder)
        say("opening the CMDB")
        cmdb, _ = open_default(settings, encoder)
        say("preparing the agents")
        tickets = ticket_agent(settings, encoder, entities=cmdb)
        router = router_for(encoder, tickets.templates, KeyCache(encoder, settings.cache_dir))
        context = TurnContext(
            qa=QAAgent(kb, key_cache=KeyCache(encoder, settings.cache_dir / "sentences")),
            cmdb=CMDBAgent(cmdb, picture_dir=settings.home / "pictures"),
            tickets=tickets,
            sink=TicketSink(client, prefix=settings.redis_prefix),
            linker=ContextLinker(cmdb, encoder),
            history_limit=settings.history_limit,
        )
        store = SessionStore.from_settings(client, settings)
        return cls(settings, encoder, _Parts(context, store, router))

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
    ) -> Reply:
        """One user turn of `session_id`: route, answer, remember; returns what to show.

        `template` opens that ticket with this message when none is open (scripted flows).
        """
        check_session_id(session_id)
        text = text.strip()
        if not text:
            raise InputError("the message is empty; type a question, a ticket request or /help")
        if len(text) > MAX_MESSAGE_CHARS:
            raise InputError(
                f"the message has {len(text)} characters, more than {MAX_MESSAGE_CHARS}; "
                "shorten it or split it into several turns"
            )
        if template is not None:
            self.template(template)  # unknown names fail before anything is stored
        command = parse_command(text)
        query: torch.Tensor | None = None
        scores: dict[str, float] = {}
        if command is None:
            query = self.encoder.encode_one(text)  # outside the lock: the slow part of a turn
            scores = self._parts.router.scores(query, route_prior(text))
        at = now or self.clock()
        reply, _ = self._parts.store.run(
            session_id,
            lambda session, writes: run_turn(
                self._parts.context, session, writes, text, command, query, scores, at, template
            ),
        )
        return reply

    def session(self, session_id: str) -> Session | None:
        """The stored session (history, ticket state), or None when there is none."""
        check_session_id(session_id)
        return self._parts.store.load(session_id)


def check_session_id(session_id: str) -> None:
    """Session ids become Redis keys: keep them short and plain."""
    if not _SESSION_ID.match(session_id):
        raise InputError(
            f"session id {session_id!r} is not usable; use 1-128 letters, digits or . _ : @ -"
        )
