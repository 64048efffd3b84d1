"""`SessionStore`: sessions in Redis, one JSON record per session, locked and versioned.

Keys, all under one prefix (default `opsqkv:`; on a Redis Cluster each also carries its
session's hash tag after the prefix, so a session's keys share a slot: see state/keys.py):
    <prefix>session:<id>            the Session as JSON, TTL refreshed on every write
    <prefix>lock:<id>               the per-session lock (a random token, PX expiry)
    <prefix>quarantine:<id>:<ts>    a stored record that failed validation, kept for inspection

Two guards, because they fail differently. The lock keeps two turns of one session from
interleaving in the common case. The version check catches the rest: a turn that outlived
its lock (worker A stalls, its lock expires, worker B takes the session and saves; A wakes
and saves too) would silently drop B's turn without it. A stale save is detected with
WATCH/MULTI and the turn is recomputed on fresh state, never written over newer data.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, NoReturn, TypeVar

import redis
from pydantic import ValidationError
from redis.client import Pipeline

from errors import ConflictError, InputError, SessionBusy, StateError
from settings import Settings
from state.keys import KeyLayout
from state.models import SCHEMA_VERSION, Session
from state.redis_errors import redis_errors, text_of

R = TypeVar("R")
PipelineOp = Callable[[Pipeline], object]  # a write queued inside the session's MULTI

_SESSION_ID = re.compile(r"^[\w.:@+-]{1,128}$")

# Deletes the lock only if it still holds our token: an expired lock re-taken by another
# worker must not be released by us (GET then DEL from Python would race exactly there).
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


def utc_now() -> datetime:
    """The real clock; tests pass their own."""
    return datetime.now(UTC)


class _Stale(Exception):
    """The stored version moved on since this session was loaded."""


class SessionWrites:
    """Extra writes to run atomically with a session save (e.g. appending a ticket)."""

    def __init__(self) -> None:
        self.ops: list[PipelineOp] = []

    def add(self, op: PipelineOp) -> None:
        """Queue `op(pipe)` into the same MULTI/EXEC as the session record."""
        self.ops.append(op)


class SessionStore:
    """Loads, locks and saves sessions in the Redis it is handed."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        prefix: str = "opsqkv:",
        ttl_s: int = 24 * 3600,
        history_limit: int = 50,
        lock_ttl_ms: int = 30_000,
        lock_wait_s: float = 30.0,
        retries: int = 5,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.keys = KeyLayout.of(client, prefix)
        self.ttl_ms = ttl_s * 1000
        self.history_limit = history_limit
        self.lock_ttl_ms = lock_ttl_ms
        self.lock_wait_s = lock_wait_s
        self.retries = retries
        self.clock = clock
        self._release = client.register_script(_RELEASE)

    @classmethod
    def from_settings(cls, client: redis.Redis, settings: Settings, **kw: Any) -> SessionStore:
        """A store with the prefix, TTL and history limit the settings name."""
        return cls(
            client,
            prefix=settings.redis_prefix,
            ttl_s=settings.session_ttl_s,
            history_limit=settings.history_limit,
            **kw,
        )

    def key(self, session_id: str) -> str:
        """The Redis key of a session's record."""
        return self.keys.session(check_session_id(session_id))

    def _lock_key(self, session_id: str) -> str:
        return self.keys.lock(check_session_id(session_id))

    def new(self, session_id: str) -> Session:
        """A fresh, unsaved session."""
        now = self.clock()
        return Session(id=check_session_id(session_id), created_at=now, updated_at=now)

    def load(self, session_id: str) -> Session | None:
        """The stored session, or None; an unreadable record is moved aside and reported."""
        key = self.key(session_id)
        with redis_errors(self.client, f"reading session {session_id!r}"):
            raw = self.client.get(key)
        if raw is None:
            return None
        return self._parse(session_id, key, text_of(raw))

    def load_or_new(self, session_id: str) -> Session:
        """The stored session, or a fresh one."""
        return self.load(session_id) or self.new(session_id)

    def _parse(self, session_id: str, key: str, raw: str) -> Session:
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as e:
            self._quarantine(session_id, key, f"not JSON: {e.msg}")
        newer = data.get("schema_version", 0) if isinstance(data, dict) else 0
        if isinstance(newer, int) and newer > SCHEMA_VERSION:
            raise StateError(
                f"session {session_id!r} was written by a newer opsqkv "
                f"(schema {newer}, this one reads {SCHEMA_VERSION}); "
                "upgrade opsqkv or use another session id"
            )
        try:
            return Session.model_validate(data)
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "record"
            self._quarantine(session_id, key, f"{where}: {first['msg']}")

    def _quarantine(self, session_id: str, key: str, reason: str) -> NoReturn:
        """Move an unreadable record aside (never overwrite it) and raise naming where it went."""
        aside = self.keys.quarantine(session_id, int(time.time() * 1000))  # same slot: RENAMENX
        with redis_errors(self.client, f"moving unreadable session {session_id!r} aside"):
            moved = self.client.renamenx(key, aside)
            if moved:
                self.client.persist(aside)  # kept until someone looks at it
        where = f"moved to {aside}" if moved else f"left at {key}"
        raise StateError(
            f"stored session {session_id!r} is unreadable ({reason}); it was {where} "
            "for inspection, and the next message starts the session afresh"
        )

    def quarantined(self) -> list[str]:
        """Keys of records that were moved aside."""
        with redis_errors(self.client, "listing quarantined sessions"):
            pattern = self.keys.pattern("quarantine")
            return sorted(text_of(k) for k in self.client.scan_iter(match=pattern, count=500))

    def session_ids(self) -> list[str]:
        """Ids of every stored session (SCAN, never KEYS; on a cluster, of every master)."""
        with redis_errors(self.client, "listing sessions"):
            keys = self.client.scan_iter(match=self.keys.pattern("session"), count=500)
            return sorted(self.keys.id_in(text_of(k), "session") for k in keys)

    def delete(self, session_id: str) -> bool:
        """Forget a session; True when there was one."""
        with redis_errors(self.client, f"deleting session {session_id!r}"):
            return bool(self.client.delete(self.key(session_id)))

    def save(self, session: Session, writes: SessionWrites | None = None) -> Session:
        """Write `session` if nobody saved since it was loaded; returns the saved copy.

        Raises ConflictError when the stored version moved on: reload and redo the change.
        """
        try:
            return self._write(session, writes)
        except _Stale:
            raise ConflictError(
                f"session {session.id!r} changed since it was loaded (version {session.version}); "
                "reload it and apply the change again"
            ) from None

    def _write(self, session: Session, writes: SessionWrites | None) -> Session:
        key = self.key(session.id)
        saved = session.model_copy(
            update={
                "version": session.version + 1,
                "updated_at": self.clock(),
                "history": session.history[-self.history_limit :] if self.history_limit else [],
            }
        )
        with (
            redis_errors(self.client, f"saving session {session.id!r}"),
            self.client.pipeline(transaction=True) as pipe,
        ):
            try:
                pipe.watch(key)  # type: ignore[no-untyped-call]
                if _stored_version(pipe.get(key)) != session.version:
                    raise _Stale
                pipe.multi()
                pipe.set(key, saved.model_dump_json(), px=self.ttl_ms)
                for op in writes.ops if writes else []:
                    op(pipe)
                pipe.execute()
            except redis.WatchError:
                raise _Stale from None
        return saved

    @contextmanager
    def lock(self, session_id: str) -> Iterator[None]:
        """Hold the session's lock; waits at most `lock_wait_s`, then raises SessionBusy."""
        key = self._lock_key(session_id)
        token = secrets.token_hex(16)
        deadline = time.monotonic() + self.lock_wait_s
        pause = 0.002
        with redis_errors(self.client, f"locking session {session_id!r}"):
            while not self.client.set(key, token, nx=True, px=self.lock_ttl_ms):
                if time.monotonic() >= deadline:
                    raise SessionBusy(
                        f"session {session_id!r} is busy: another turn held it for more than "
                        f"{self.lock_wait_s:g}s; try again in a moment"
                    )
                time.sleep(pause)
                pause = min(pause * 2, 0.05)
        try:
            yield
        finally:
            with redis_errors(self.client, f"unlocking session {session_id!r}"):
                self._release(keys=[key], args=[token])

    def run(
        self, session_id: str, change: Callable[[Session, SessionWrites], R]
    ) -> tuple[R, Session]:
        """One turn: lock, load, `change(session, writes)`, versioned save, unlock.

        `change` works on a fresh copy each try and must keep its effects to the session and
        `writes`: when a concurrent save wins, it is called again on the newer state.
        """
        with self.lock(session_id):
            for _ in range(self.retries):
                session = self.load_or_new(session_id)
                writes = SessionWrites()
                result = change(session, writes)
                try:
                    return result, self._write(session, writes)
                except _Stale:
                    continue
        raise ConflictError(
            f"session {session_id!r} kept changing under this turn ({self.retries} tries); "
            "another writer is ignoring the session lock -- try again"
        )


def _stored_version(raw: bytes | str | None) -> int:
    """The version field of a stored record; 0 when there is none."""
    if raw is None:
        return 0
    try:
        version = json.loads(raw).get("version", 0)  # absent: the model default
    except (json.JSONDecodeError, AttributeError):
        return -1  # unreadable: never equal to a loaded version, so the save reloads
    return version if isinstance(version, int) else -1


def check_session_id(session_id: str) -> str:
    """A session id as used in keys: 1-128 letters, digits or `_.:@+-`."""
    if not _SESSION_ID.match(session_id):
        raise InputError(
            f"session id {session_id!r} is not usable; use 1-128 letters, digits or _.:@+-"
        )
    return session_id
