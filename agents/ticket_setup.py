"""Builds the ticket stack from Settings: Redis client, store, sink, templates, tracker, agent."""

from __future__ import annotations

import redis

from agents.extractors.entities import EntityCatalog
from agents.slot_reader.reader import SlotReader
from agents.template_chooser import TemplateChooser
from agents.templates import load_templates
from agents.ticket_desk import TicketDesk
from agents.tracker import SlotTracker
from agents.workflow import TicketAgent
from knowledge.encoder import Encoder
from knowledge.keycache import KeyCache
from settings import Settings
from state.connect import redis_client
from state.store import SessionStore
from state.tickets import TicketSink


def ticket_agent(
    settings: Settings, encoder: Encoder, *, entities: EntityCatalog | None = None
) -> TicketAgent:
    """The TicketAgent over the shipped and the user's templates (keys cached on disk)."""
    templates = load_templates(settings.templates_dir)
    key_cache = KeyCache(encoder, settings.cache_dir)
    reader = SlotReader.load(encoder, settings.reader_path)
    tracker = SlotTracker(encoder, key_cache, entities, reader=reader)
    return TicketAgent(tracker, templates, TemplateChooser(encoder, key_cache, templates))


def open_ticket_desk(
    settings: Settings,
    encoder: Encoder,
    *,
    client: redis.Redis | None = None,
    entities: EntityCatalog | None = None,
) -> TicketDesk:
    """A TicketDesk on the configured Redis (a named server, else the embedded one)."""
    agent = ticket_agent(settings, encoder, entities=entities)
    client = client if client is not None else redis_client(settings)
    store = SessionStore.from_settings(client, settings)
    sink = TicketSink(client, prefix=settings.redis_prefix)
    return TicketDesk(store, sink, agent)
