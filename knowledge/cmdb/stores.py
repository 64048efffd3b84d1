"""Which store a CMDB location means: a file path is SQLite, a `postgresql://` URL PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from errors import CMDBError
from knowledge.cmdb.sqlite_store import SQLiteStore
from knowledge.cmdb.store import Store

POSTGRES_SCHEMES = ("postgresql://", "postgresql+psycopg://", "postgres://")


def is_url(location: str | Path) -> bool:
    """True for a database URL (`scheme://...`), False for a file path."""
    return isinstance(location, str) and "://" in location


def open_store(location: str | Path, *, create: bool) -> Store:
    """The store at `location`: an SQLite file, or a PostgreSQL database by URL."""
    if not is_url(location):
        return SQLiteStore(Path(location), create=create)
    url = str(location)
    if not url.startswith(POSTGRES_SCHEMES):
        scheme = url.split("://", 1)[0]
        raise CMDBError(
            f"CMDB URL scheme {scheme!r} is not supported; use a file path (SQLite) or "
            "postgresql://user@host:5432/database"
        )
    from knowledge.cmdb.postgres_store import PostgresStore  # the driver only when asked for

    return PostgresStore(url, create=create)
