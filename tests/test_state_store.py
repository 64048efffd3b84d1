"""SessionStore against the real test Redis: versioned saves, locks, TTL, quarantine."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
import redis

from errors import ConflictError, InputError, SessionBusy, StateError
from state.models import Session, Turn
from state.store import SessionStore, SessionWrites


class FakeClock:
    """The only fake: a clock that moves when told."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def store_for(client: redis.Redis, prefix: str, **kw: object) -> SessionStore:
    return SessionStore(client, prefix=prefix, **kw)  # type: ignore[arg-type]


def test_state_store_round_trip_keeps_everything(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    store = store_for(redis_client, redis_prefix)
    session = store.new("s1")
    session.add_turn(Turn(role="user", text="hello", at=datetime.now(UTC)), 10)
    saved = store.save(session)
    loaded = store.load("s1")
    assert loaded == saved and loaded is not None and loaded.version == 1


def test_state_store_missing_session_loads_as_none(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    assert store_for(redis_client, redis_prefix).load("nobody") is None


def test_state_store_stale_save_is_refused(redis_client: redis.Redis, redis_prefix: str) -> None:
    store = store_for(redis_client, redis_prefix)
    store.save(store.new("s"))
    first, second = store.load("s"), store.load("s")
    assert first is not None and second is not None
    store.save(first)
    with pytest.raises(ConflictError, match="'s' changed since it was loaded"):
        store.save(second)


def test_state_store_new_session_does_not_overwrite_one_saved_meanwhile(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    store = store_for(redis_client, redis_prefix)
    late = store.new("s")
    store.save(store.new("s"))
    with pytest.raises(ConflictError):
        store.save(late)


def test_state_store_run_redoes_a_turn_that_lost_a_race(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    """A writer ignoring the lock saves during our turn: the turn is recomputed, nothing lost."""
    store = store_for(redis_client, redis_prefix)
    other = store_for(redis.Redis(connection_pool=redis_client.connection_pool), redis_prefix)
    store.save(store.new("s"))
    calls = 0

    def change(session: Session, writes: SessionWrites) -> int:
        nonlocal calls
        calls += 1
        if calls == 1:
            sneaky = other.load("s")
            assert sneaky is not None
            sneaky.last_route["other"] = 0.5
            other.save(sneaky)
        session.last_route["mine"] = float(calls)
        return calls

    result, saved = store.run("s", change)
    assert result == 2 and saved.last_route == {"other": 0.5, "mine": 2.0} and saved.version == 3


def test_state_store_run_gives_up_with_conflict_error(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    store = store_for(redis_client, redis_prefix, retries=3)
    store.save(store.new("s"))

    def always_raced(session: Session, writes: SessionWrites) -> None:
        fresh = store.load("s")
        assert fresh is not None
        store.save(fresh)

    with pytest.raises(ConflictError, match="3 tries"):
        store.run("s", always_raced)


def test_state_store_ttl_is_set_and_refreshed(redis_client: redis.Redis, redis_prefix: str) -> None:
    store = store_for(redis_client, redis_prefix, ttl_s=100)
    saved = store.save(store.new("s"))
    key = store.key("s")
    redis_client.pexpire(key, 5_000)
    store.save(saved)
    assert 99_000 < redis_client.pttl(key) <= 100_000


def test_state_store_history_is_capped(redis_client: redis.Redis, redis_prefix: str) -> None:
    store = store_for(redis_client, redis_prefix, history_limit=3)
    session = store.new("s")
    for i in range(7):
        session.history.append(Turn(role="user", text=str(i), at=datetime.now(UTC)))
    store.save(session)
    loaded = store.load("s")
    assert loaded is not None and [t.text for t in loaded.history] == ["4", "5", "6"]


def test_state_store_clock_stamps_created_and_updated(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    clock = FakeClock()
    store = store_for(redis_client, redis_prefix, clock=clock)
    session = store.new("s")
    clock.now += timedelta(minutes=5)
    saved = store.save(session)
    assert saved.created_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert saved.updated_at == clock.now


def test_state_store_busy_session_names_the_session(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    store = store_for(redis_client, redis_prefix, lock_wait_s=0.2)
    with (
        store.lock("busy-one"),
        pytest.raises(SessionBusy, match="'busy-one' is busy"),
        store.lock("busy-one"),
    ):
        pass


def test_state_store_lock_is_released_after_the_turn(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    store = store_for(redis_client, redis_prefix, lock_wait_s=0.2)
    with store.lock("s"):
        pass
    with store.lock("s"):
        assert redis_client.exists(f"{redis_prefix}lock:s") == 1
    assert redis_client.exists(f"{redis_prefix}lock:s") == 0


def test_state_store_expired_lock_is_not_released_by_its_old_owner(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    """Worker A's lock expires, B takes it; A finishing must not free B's lock."""
    store = store_for(redis_client, redis_prefix, lock_wait_s=2.0)
    lock_key = f"{redis_prefix}lock:s"
    with store.lock("s"):
        redis_client.delete(lock_key)  # A's lock expired ...
        redis_client.set(lock_key, "worker-b")  # ... and B holds the session now
    assert redis_client.get(lock_key) == b"worker-b"


def test_state_store_unreadable_record_is_moved_aside_not_overwritten(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    store = store_for(redis_client, redis_prefix)
    redis_client.set(store.key("s"), json.dumps({"id": "s", "history": "not a list"}))
    with pytest.raises(StateError, match=r"unreadable.*moved to .*quarantine:s:"):
        store.load("s")
    (aside,) = store.quarantined()
    assert json.loads(redis_client.get(aside) or b"")["history"] == "not a list"
    assert store.load("s") is None  # the next message starts afresh


def test_state_store_record_from_a_newer_version_is_left_alone(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    store = store_for(redis_client, redis_prefix)
    raw = json.dumps({"schema_version": 99, "id": "s"})
    redis_client.set(store.key("s"), raw)
    with pytest.raises(StateError, match="newer opsqkv"):
        store.load("s")
    assert redis_client.get(store.key("s")) == raw.encode()


def test_state_store_version_1_record_keeps_its_offer_and_route(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    """Sessions saved before `notes` became typed fields load with what they remembered."""
    store = store_for(redis_client, redis_prefix)
    at = "2026-01-02T03:04:05+00:00"
    notes = {
        "last_route": {"qa": 0.7, "cmdb": 0.3},
        "offer": {"template": "incident", "symptom": "checkout hangs"},
    }
    old = {"schema_version": 1, "id": "s", "created_at": at, "updated_at": at, "notes": notes}
    redis_client.set(store.key("s"), json.dumps(old))
    loaded = store.load("s")
    assert loaded is not None and loaded.last_route == {"qa": 0.7, "cmdb": 0.3}
    assert loaded.offer is not None and loaded.offer.symptom == "checkout hangs"
    store.save(loaded)
    again = store.load("s")
    assert again is not None and again.schema_version == 2 and again.offer == loaded.offer


def test_state_store_lists_sessions_by_scan(redis_client: redis.Redis, redis_prefix: str) -> None:
    store = store_for(redis_client, redis_prefix)
    for name in ("b", "a", "c"):
        store.save(store.new(name))
    assert store.session_ids() == ["a", "b", "c"]
    assert store.delete("b") and store.session_ids() == ["a", "c"]


def test_state_store_rejects_a_session_id_with_spaces(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    with pytest.raises(InputError, match="not usable"):
        store_for(redis_client, redis_prefix).load("two words")


def test_state_store_concurrent_runs_lose_no_update(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    store = store_for(redis_client, redis_prefix, history_limit=100)
    errors: list[BaseException] = []

    def one_turn(i: int) -> None:
        def change(session: Session, writes: SessionWrites) -> None:
            session.add_turn(Turn(role="user", text=f"turn {i}", at=datetime.now(UTC)), 100)

        try:
            store.run("shared", change)
        except BaseException as e:  # collected: a thread's exception would otherwise vanish
            errors.append(e)

    threads = [threading.Thread(target=one_turn, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    loaded = store.load("shared")
    assert not errors and loaded is not None
    assert sorted(t.text for t in loaded.history) == sorted(f"turn {i}" for i in range(20))
    assert loaded.version == 20
