"""`opsqkv kb ingest` and `opsqkv cmdb load` SIGKILLed at many points.

Afterwards the store opens and holds the old content or the new, never a mix; the rerun
completes, encoding only what the surviving generation does not already hold, and leaves
no orphan files of the dead run behind.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from knowledge.cmdb import CMDB
from knowledge.cmdb.demo import generate
from knowledge.encoder import Encoder
from knowledge.ingest import load
from knowledge.kb import KnowledgeBase
from knowledge.store_files import MANIFEST, read_manifest
from tests.support.env import REPO

pytestmark = pytest.mark.faults
TOPICS = ["disk", "nginx", "dns", "mysql", "kafka", "redis", "tls", "kubernetes", "inode", "cron"]


def write_docs(folder: Path, count: int, edited: int = 0) -> Path:
    """`count` small runbooks; the first `edited` carry a changed fix section."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        topic = TOPICS[i % len(TOPICS)]
        fix = f"Restart the {topic} service on node {i}." + (
            " Then page on-call." if i < edited else ""
        )
        (folder / f"rb-{i:03d}.md").write_text(
            f"# {topic.title()} runbook {i}\n\n## Symptoms\n\nAlerts about {topic} on host {i} "
            f"fire every {i % 7 + 1} minutes.\n\n## Fix\n\n{fix}\n",
            encoding="utf-8",
        )
    return folder


def pairs_of(folder: Path) -> set[tuple[str, str]]:
    """(record id, key digest) of every passage the loader reads from `folder`."""
    return {(r.id, r.key_hash()) for r in load([folder]).records}


def stored_pairs(kb: KnowledgeBase) -> set[tuple[str, str]]:
    return {(r.id, r.key_hash()) for r in kb.store.records}


def kill_when(command: list[str], ready: Callable[[float], bool], timeout_s: float = 300) -> str:
    """Run `command`, SIGKILL it as soon as `ready(elapsed_s)`; 'killed' or 'finished'."""
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    started = time.monotonic()
    try:
        while proc.poll() is None:
            if ready(time.monotonic() - started):
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=10)
                return "killed"
            assert time.monotonic() - started < timeout_s, "the command never reached the point"
            time.sleep(0.0005)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    return "finished"


def leftovers(folder: Path) -> list[str]:
    """Files in a store folder that belong to no current generation."""
    generation = read_manifest(folder / MANIFEST).generation
    keep = {
        ".lock", MANIFEST, "demo-seed.json", f"keys-{generation}.safetensors",
        f"records-{generation}.sqlite", f"lexical-{generation}", f"sources-{generation}.npy",
    }  # fmt: skip
    return sorted(
        p.name for p in folder.iterdir() if p.name not in keep and not p.name.startswith("ann-")
    )


def test_faults_kb_ingest_killed_keeps_old_or_new_and_rerun_encodes_only_the_rest(
    tmp_path: Path, encoder: Encoder, record_property: Callable[[str, object], None]
) -> None:
    docs = write_docs(tmp_path / "docs", 20)
    old = pairs_of(docs)
    pristine = tmp_path / "pristine"
    KnowledgeBase.open(pristine, create=True, encoder=encoder).ingest([docs])
    new_docs = write_docs(docs, 160, edited=5)  # 5 runbooks edited, 140 new
    new = pairs_of(new_docs)
    store = tmp_path / "kb"

    def next_file(pattern: str) -> Callable[[float], bool]:
        return lambda _elapsed: any(store.glob(pattern))

    def after(seconds: float) -> Callable[[float], bool]:
        return lambda elapsed: elapsed >= seconds

    manifest_text = (pristine / MANIFEST).read_text()
    saving = read_manifest(pristine / MANIFEST).generation + 1
    points: dict[str, Callable[[float], bool]] = {
        "loading": after(2.0),
        "encoding": after(9.0),
        "keys written": next_file(f"keys-{saving}.safetensors"),
        "records table half written": next_file(f"records-{saving}.sqlite.tmp*"),
        "manifest switched": lambda _e: (store / MANIFEST).read_text() != manifest_text,
    }
    outcomes, lost, recoveries = {}, 0, []
    for name, ready in points.items():
        shutil.rmtree(store, ignore_errors=True)
        shutil.copytree(pristine, store)
        command = [sys.executable, "-m", "cli", "kb", "ingest", str(new_docs), "--kb", str(store)]
        outcomes[name] = kill_when(command, ready)
        started = time.monotonic()
        kb = KnowledgeBase.open(store, encoder=encoder)
        held = stored_pairs(kb)
        assert held in (old, new), f"{name}: a mix of old and new passages"
        lost += int(held != new and held != old)
        assert kb.search("disk alerts", k=3), name
        report = kb.ingest([new_docs])
        recoveries.append(time.monotonic() - started)
        assert report.encoded == len(new - held), (name, report)
        assert stored_pairs(KnowledgeBase.open(store, encoder=encoder)) == new
        assert leftovers(store) == [], (name, leftovers(store))
    record_property("runs", len(points))
    record_property("data_lost", lost)
    record_property("recovery_s", sum(recoveries) / len(recoveries))
    record_property("outcomes", json.dumps(outcomes))
    assert list(outcomes.values()).count("killed") >= 3, outcomes


def cmdb_digest(path: Path) -> str:
    """A digest of every item, attribute and relation in a CMDB file."""
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        digest = hashlib.sha256()
        for sql in (
            "SELECT i.id, i.type, i.name, a.key, a.txt, a.num FROM items i "
            "JOIN attrs a ON a.item = i.rid ORDER BY i.id, a.key",
            "SELECT s.id, r.type, d.id FROM relations r JOIN items s ON s.rid = r.src "
            "JOIN items d ON d.rid = r.dst ORDER BY 1, 2, 3",
        ):
            for row in db.execute(sql):
                digest.update(repr(row).encode())
        return digest.hexdigest()
    finally:
        db.close()


def test_faults_cmdb_load_killed_keeps_old_or_new_and_rerun_completes(
    tmp_path: Path, encoder: Encoder, record_property: Callable[[str, object], None]
) -> None:
    small, big = tmp_path / "small.json", tmp_path / "big.json"
    small.write_text(json.dumps(generate(hosts=40, seed=1)))
    big.write_text(json.dumps(generate(hosts=30000, seed=2)))
    reference: dict[str, str] = {}
    for name, sources in (("old", [small]), ("new", [small, big])):  # a load upserts
        path = tmp_path / f"ref-{name}.sqlite"
        for source in sources:
            CMDB.open(path, create=True).load(source)
        reference[name] = cmdb_digest(path)
    pristine = tmp_path / "pristine.sqlite"
    loaded = CMDB.open(pristine, create=True)
    loaded.load(small)
    loaded.close()  # checkpoints the WAL into the file, so a copy of the file is complete
    target = tmp_path / "home" / "cmdb.sqlite"
    outcomes, lost, recoveries = {}, 0, []
    for delay in (1.0, 2.5, 4.0, 5.5, 7.0, 8.5):
        shutil.rmtree(target.parent, ignore_errors=True)
        target.parent.mkdir()
        shutil.copy(pristine, target)
        command = [
            sys.executable,
            "-m",
            "cli",
            "--home",
            str(target.parent),
            "cmdb",
            "load",
            str(big),
        ]
        outcomes[delay] = kill_when(command, lambda elapsed, d=delay: elapsed >= d)
        started = time.monotonic()
        cmdb = CMDB.open(target, encoder=encoder, cache_dir=tmp_path / "cache")
        held = cmdb_digest(target)
        assert held in (reference["old"], reference["new"]), f"killed at {delay}s: a mix"
        lost += int(held not in reference.values())
        assert cmdb.ask("how many hosts per idc").stats is not None
        cmdb.load(big)
        recoveries.append(time.monotonic() - started)
        assert cmdb_digest(target) == reference["new"]
        cmdb.close()
    record_property("runs", len(outcomes))
    record_property("data_lost", lost)
    record_property("recovery_s", sum(recoveries) / len(recoveries))
    record_property("outcomes", json.dumps(outcomes))
    assert list(outcomes.values()).count("killed") >= 3, outcomes
