"""The CMDB the chat and CLI use when none is named: settings.cmdb_url (PostgreSQL) when set,
else the SQLite file settings.cmdb_path, seeded with the demo estate on first use so a new
install answers questions straight away."""

from __future__ import annotations

from pathlib import Path

from errors import CMDBError
from knowledge.cmdb.cmdb import CMDB, LoadReport
from knowledge.cmdb.demo import stream
from knowledge.cmdb.loadfile import LoadStream, RawChunk, validated
from knowledge.encoder import Encoder
from knowledge.progress import Progress
from settings import Settings

DEFAULT_DEMO_HOSTS = 500
DEFAULT_DEMO_SEED = 7


def open_default(
    settings: Settings,
    encoder: Encoder | None = None,
    *,
    hosts: int = DEFAULT_DEMO_HOSTS,
    seed: int = DEFAULT_DEMO_SEED,
    progress: Progress | None = None,
) -> tuple[CMDB, bool]:
    """Open settings.cmdb_path; load the demo estate if it holds no items.

    Returns the CMDB and whether the demo was loaded just now.
    """
    cmdb = CMDB.open(
        cmdb_location(settings),
        create=True,
        encoder=encoder,
        settings=settings,
        cache_dir=settings.cache_dir,
    )
    if not cmdb.store.is_empty():
        return cmdb, False
    load_demo(cmdb, hosts=hosts, seed=seed, progress=progress)
    return cmdb, True


def cmdb_location(settings: Settings) -> str | Path:
    """Where the settings put the CMDB: the PostgreSQL URL if one is set, else the file."""
    return settings.cmdb_url or settings.cmdb_path


def demo_stream(hosts: int, seed: int, progress: Progress | None = None) -> LoadStream:
    """The demo estate as a load stream, generated batch by batch while it is written."""
    if hosts < 20:
        raise CMDBError(
            f"a demo estate needs at least 20 hosts (got {hosts}); pick a bigger --hosts"
        )
    chunks = (RawChunk(**batch) for batch in stream(hosts=hosts, seed=seed, progress=progress))
    return LoadStream("the demo estate", validated(chunks, "the demo estate"))


def load_demo(
    cmdb: CMDB,
    *,
    hosts: int = DEFAULT_DEMO_HOSTS,
    seed: int = DEFAULT_DEMO_SEED,
    replace: bool = False,
    progress: Progress | None = None,
) -> LoadReport:
    """Generate the demo estate and load it; it replaces an earlier demo estate, but a CMDB
    loaded from files only when `replace` says so."""
    items = cmdb.store.count_items()
    if items and cmdb.store.meta("origin") != "demo" and not replace:
        raise CMDBError(
            f"the CMDB at {cmdb.store.where} holds {items} items loaded from files; "
            "pass --replace to replace them with the demo estate"
        )
    return cmdb.load(demo_stream(hosts, seed, progress), progress, replace=True, origin="demo")
