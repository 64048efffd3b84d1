"""Builds the ticket agent from Settings: templates, the slot tracker and its reader, the chooser."""

from __future__ import annotations

from agents.tickets.chooser import TemplateChooser
from agents.tickets.policy import TicketAgent
from agents.tickets.templates import load_templates
from agents.tickets.tracking import EntityCatalog, SlotReader, SlotTracker, reader_folder
from knowledge.encoder import Encoder
from knowledge.keycache import KeyCache
from settings import Settings


def ticket_agent(
    settings: Settings, encoder: Encoder, *, entities: EntityCatalog | None = None
) -> TicketAgent:
    """The TicketAgent over the shipped and the user's templates (keys cached on disk)."""
    templates = load_templates(settings.templates_dir)
    key_cache = KeyCache(encoder, settings.cache_dir)
    reader = slot_reader_for(settings, encoder)
    tracker = SlotTracker(encoder, key_cache, entities, reader=reader)
    return TicketAgent(tracker, templates, TemplateChooser(encoder, key_cache, templates))


def slot_reader_for(settings: Settings, encoder: Encoder) -> SlotReader | None:
    """The slot reader trained on `encoder`'s model (None: no reader for it; rules only)."""
    folder = reader_folder(encoder, settings.reader_path, settings.home)
    return None if folder is None else SlotReader.load(encoder, folder)
