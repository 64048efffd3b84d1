"""Disk full while writing the KB store, the key cache, the CMDB and the embedded Redis data.

Each test mounts a small tmpfs (root or CAP_SYS_ADMIN needed; skipped with the reason
otherwise), puts the data there, writes something, fills the disk and writes again. The
write must fail with one clear line (a cache: a warning, the answer still right), the old
data must still be there, and once space is freed the same command must succeed.
"""

from __future__ import annotations

import errno
import logging
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import torch

from errors import CMDBError, StateError, StoreError
from knowledge.cmdb import CMDB
from knowledge.cmdb.demo import generate
from knowledge.encoder import Encoder
from knowledge.ingest import load
from knowledge.kb import KnowledgeBase
from knowledge.keycache import KeyCache
from state.embedded import EmbeddedRedis
from state.store import SessionStore

pytestmark = pytest.mark.faults


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MiB tmpfs, unmounted at teardown."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs to fill ({done.stderr.strip()}); needs root")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> Path:
    """Write a file until the disk has no byte left; delete it to free the space."""
    filler = disk / "filler"
    block = b"\0" * (1 << 16)
    with filler.open("wb", buffering=0) as f:
        try:
            while True:
                f.write(block)
        except OSError as e:
            assert e.errno == errno.ENOSPC, e
        try:
            while True:
                f.write(b"\0" * 512)
        except OSError:
            pass
    return filler


def docs(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (folder / f"rb-{i:03d}.md").write_text(
            f"# Runbook {i}\n\n## Fix\n\nRestart service {i} and check its log for errors.\n"
        )
    return folder


def one_line(error: BaseException) -> str:
    text = str(error)
    assert "\n" not in text and "Traceback" not in text, text
    return text


def test_faults_disk_full_kb_ingest_fails_clearly_and_keeps_the_old_store(
    disk: Path, tmp_path: Path, encoder: Encoder, record_property: Callable[[str, object], None]
) -> None:
    source = docs(tmp_path / "docs", 10)
    store = disk / "kb"
    KnowledgeBase.open(store, create=True, encoder=encoder).ingest([source])
    before = {(r.id, r.key_hash()) for r in load([source]).records}
    docs(source, 40)
    filler = fill(disk)
    kb = KnowledgeBase.open(store, encoder=encoder)
    with pytest.raises(StoreError) as caught:
        kb.ingest([source])
    message = one_line(caught.value)
    assert "No space left on device" in message and str(store) in message, message
    assert "free disk space" in message
    held = {(r.id, r.key_hash()) for r in KnowledgeBase.open(store, encoder=encoder).store.records}
    record_property("data_lost", len(before - held))
    assert held == before
    started = time.monotonic()
    filler.unlink()
    report = KnowledgeBase.open(store, encoder=encoder).ingest([source])
    record_property("recovery_s", time.monotonic() - started)
    assert report.added == 30 and len(KnowledgeBase.open(store, encoder=encoder)) == 40
    assert not [p.name for p in store.iterdir() if ".tmp" in p.name]


def test_faults_disk_full_key_cache_warns_and_serves_from_memory(
    disk: Path, encoder: Encoder, caplog: pytest.LogCaptureFixture
) -> None:
    folder = disk / "cache"
    KeyCache(encoder, folder).keys("router", ["open an incident", "query the cmdb"])
    (kept,) = folder.glob("router-*.safetensors")
    filler = fill(disk)
    cache = KeyCache(encoder, folder)
    texts = ["open an incident", "query the cmdb", "how do I fix this"]
    with caplog.at_level(logging.WARNING, logger="opsqkv.cache"):
        keys = cache.keys("router", texts)
    torch.testing.assert_close(keys, encoder.encode(texts))
    (warning,) = [r.getMessage() for r in caplog.records if r.name == "opsqkv.cache"]
    assert "No space left on device" in warning and "free disk space" in warning, warning
    assert kept.exists(), "the older cache file must stay until a new one is written"
    assert not list(folder.glob("*.tmp*"))
    filler.unlink()
    rebuilt = KeyCache(encoder, folder)
    rebuilt.keys("router", texts)
    assert rebuilt.encoded_sets == 1 and len(list(folder.glob("router-*.safetensors"))) == 1
    assert KeyCache(encoder, folder).keys("router", texts).shape == (3, encoder.dim)


def test_faults_disk_full_cmdb_load_fails_clearly_and_changes_nothing(
    disk: Path, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    cmdb = CMDB.open(disk / "cmdb.sqlite", create=True)
    cmdb.load(generate(hosts=30, seed=1))
    before = cmdb.store.count_items()
    big = generate(hosts=2000, seed=2)
    filler = fill(disk)
    with pytest.raises(CMDBError) as caught:
        cmdb.load(big)
    message = one_line(caught.value)
    assert "disk is full" in message and "nothing was changed" in message, message
    assert str(disk / "cmdb.sqlite") in message
    cmdb.close()
    reopened = CMDB.open(disk / "cmdb.sqlite")
    record_property("data_lost", before - reopened.store.count_items())
    assert reopened.store.count_items() == before
    started = time.monotonic()
    filler.unlink()
    reopened.load(big)
    record_property("recovery_s", time.monotonic() - started)
    assert reopened.store.count_items() > before
    reopened.close()


def test_faults_disk_full_embedded_redis_refuses_clearly_and_keeps_sessions(
    disk: Path, record_property: Callable[[str, object], None]
) -> None:
    server = EmbeddedRedis(disk / "redis" / "opsqkv.rdb")
    store = SessionStore(server.connect(), prefix="opsqkv-fault:")
    try:
        session = store.save(store.new("s-1"))
        filler = fill(disk)
        failure: StateError | None = None
        for attempt in range(50):  # Redis learns of the full disk when it next writes its AOF
            try:
                session = store.save(session)
            except StateError as e:
                failure = e
                break
            time.sleep(0.05 * attempt)
        assert failure is not None, "Redis kept accepting writes on a full disk"
        message = one_line(failure)
        assert "cannot write its data to disk" in message and "free disk space" in message
        acknowledged = session.version
        started = time.monotonic()
        filler.unlink()
        deadline = time.monotonic() + 30
        while True:  # Redis retries its AOF write once a second, then accepts writes again
            try:
                session = store.save(session)
                break
            except StateError:
                assert time.monotonic() < deadline, "Redis never recovered after space was freed"
                time.sleep(0.2)
        record_property("recovery_s", time.monotonic() - started)
    finally:
        server.leave()  # SHUTDOWN SAVE; the next connect reloads from disk
    again = EmbeddedRedis(disk / "redis" / "opsqkv.rdb")
    try:
        stored = SessionStore(again.connect(), prefix="opsqkv-fault:").load("s-1")
    finally:
        again.leave()
    record_property("data_lost", 0 if stored and stored.version >= acknowledged else 1)
    assert stored is not None and stored.version == session.version
