"""The CMDB the chat and CLI use when none is named: settings.cmdb_path, seeded with the
demo estate on first use so a new install answers questions straight away."""

from __future__ import annotations

from errors import CMDBError
from knowledge.cmdb.cmdb import CMDB, LoadReport
from knowledge.cmdb.demo import generate
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
        settings.cmdb_path,
        create=True,
        encoder=encoder,
        settings=settings,
        cache_dir=settings.cache_dir,
    )
    if cmdb.store.count_items() > 0:
        return cmdb, False
    load_demo(cmdb, hosts=hosts, seed=seed, progress=progress)
    return cmdb, True


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
            f"the CMDB at {cmdb.store.path} holds {items} items loaded from files; "
            "pass --replace to replace them with the demo estate"
        )
    try:
        data = generate(hosts=hosts, seed=seed, progress=progress)
    except ValueError as e:
        raise CMDBError(f"{e}; pick a bigger --hosts") from e
    return cmdb.load(data, progress, replace=True, origin="demo")
