"""Corrupted files and records: one error naming the file and what to do; caches rebuilt.

A store file (keys, manifest, records table, CMDB) is data: a damaged one stops the command
with one line saying which file and how to rebuild it. A cache (key cache, BM25 folder) is
never trusted: a damaged or implausible one is rebuilt. A session record that does not
parse is moved aside, and the next message starts afresh.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import redis
from safetensors.torch import save_file
from typer.testing import CliRunner

import cli
from agents import OpsBot
from errors import CMDBError, StateError, StoreError
from knowledge.cmdb import CMDB
from knowledge.cmdb.demo import generate
from knowledge.encoder import Encoder
from knowledge.kb import KnowledgeBase
from knowledge.keycache import KeyCache
from knowledge.store_files import MANIFEST, read_manifest

DOCS = {
    "disk.md": "# Disk Full\n\n## Fix\n\nDelete old logs under /var/log and rotate them.\n",
    "dns.md": "# DNS Failures\n\nLookups return SERVFAIL; query the resolver with dig.\n",
}


@pytest.fixture
def kb_dir(tmp_path: Path, encoder: Encoder) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text)
    folder = tmp_path / "kb"
    KnowledgeBase.open(folder, create=True, encoder=encoder).ingest([docs])
    return folder


def generation_file(folder: Path, pattern: str) -> Path:
    generation = read_manifest(folder / MANIFEST).generation
    return folder / pattern.format(generation)


def assert_names_file_and_fix(error: BaseException, path: Path, fix: str) -> None:
    text = str(error)
    assert "\n" not in text and str(path) in text and fix in text, text


@pytest.mark.parametrize(
    ("damage", "target", "fix"),
    [
        ("truncate", "keys-{}.safetensors", "opsqkv kb ingest"),
        ("garbage", MANIFEST, "opsqkv kb ingest"),
        ("garbage", "records-{}.sqlite", "opsqkv kb ingest"),
        ("truncate", "records-{}.sqlite", "opsqkv kb ingest"),
    ],
)
def test_faults_corrupt_kb_file_is_one_error_naming_it(
    kb_dir: Path, encoder: Encoder, damage: str, target: str, fix: str
) -> None:
    path = generation_file(kb_dir, target) if "{}" in target else kb_dir / target
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] if damage == "truncate" else b"\x00garbage{" * 50)
    with pytest.raises(StoreError) as caught:
        KnowledgeBase.open(kb_dir, encoder=encoder).search("disk full", k=2)
    assert_names_file_and_fix(caught.value, path, fix)


@pytest.mark.usefixtures("encoder")  # the shared default encoder the CLI loads
def test_faults_corrupt_kb_cli_prints_one_line_and_exit_code(kb_dir: Path) -> None:
    keys = generation_file(kb_dir, "keys-{}.safetensors")
    keys.write_bytes(keys.read_bytes()[:100])
    result = CliRunner().invoke(cli.app, ["kb", "search", "disk", "--kb", str(kb_dir)])
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 1 and len(lines) == 1, result.output
    assert (
        lines[0].startswith("error:") and keys.name in lines[0] and "Traceback" not in result.output
    )


def test_faults_corrupt_bm25_folder_is_rebuilt_not_trusted(kb_dir: Path, encoder: Encoder) -> None:
    lexical = generation_file(kb_dir, "lexical-{}")
    for file in lexical.iterdir():
        file.write_bytes(b"not an index")
    kb = KnowledgeBase.open(kb_dir, encoder=encoder)
    (hit, *_) = kb.search("SERVFAIL resolver", k=1, mode="bm25")
    assert hit.source.endswith("dns.md")
    fresh = KnowledgeBase.open(kb_dir, encoder=encoder).lexical()
    assert fresh.loaded_from == lexical  # the rebuilt index was saved over the damaged one


@pytest.mark.parametrize("damage", ["garbage", "truncate", "other_length"])
def test_faults_corrupt_source_numbers_are_rebuilt_not_trusted(
    kb_dir: Path, encoder: Encoder, damage: str
) -> None:
    numbers = generation_file(kb_dir, "sources-{}.npy")
    whole = numbers.read_bytes()
    if damage == "other_length":
        np.save(numbers, np.zeros(len(DOCS) + 1, dtype=np.int32))  # another store's array
    else:
        numbers.write_bytes(whole[: len(whole) // 2] if damage == "truncate" else b"\x93NUMPY" * 9)
    kb = KnowledgeBase.open(kb_dir, encoder=encoder)
    (hit, *_) = kb.search("SERVFAIL resolver", k=1)
    assert hit.source.endswith("dns.md")
    assert numbers.read_bytes() == whole  # rebuilt from the records and saved over the damage


@pytest.mark.parametrize("entry", ["garbage", "nan", "scaled", "wrong_rows"])
def test_faults_corrupt_key_cache_entry_is_re_encoded(
    tmp_path: Path, encoder: Encoder, entry: str
) -> None:
    texts = ["open an incident", "query the cmdb"]
    good = KeyCache(encoder, tmp_path).keys("router", texts)
    (file,) = tmp_path.glob("router-*.safetensors")
    if entry == "garbage":
        file.write_bytes(b"\x00" * 40)
    else:
        bad = {
            "nan": good.clone().fill_(float("nan")),
            "scaled": good * 3,
            "wrong_rows": good[:1],
        }[entry]
        save_file({"keys": bad.contiguous()}, str(file))
    cache = KeyCache(encoder, tmp_path)
    keys = cache.keys("router", texts)
    assert cache.encoded_sets == 1, "a damaged cache entry was trusted"
    assert keys.shape == good.shape and bool(keys.isfinite().all())
    again = KeyCache(encoder, tmp_path)
    again.keys("router", texts)
    assert again.encoded_sets == 0, "the rebuilt entry should be written back"


def test_faults_corrupt_cmdb_file_is_one_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "cmdb.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(CMDBError) as caught:
        CMDB.open(path)
    assert_names_file_and_fix(caught.value, path, "move it away")


def test_faults_truncated_cmdb_is_one_error_naming_the_file(
    tmp_path: Path, encoder: Encoder
) -> None:
    path = tmp_path / "cmdb.sqlite"
    cmdb = CMDB.open(path, create=True)
    cmdb.load(generate(hosts=300, seed=3))
    cmdb.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # a copy cut off half-way
    with pytest.raises(CMDBError) as caught:
        damaged = CMDB.open(path, encoder=encoder, cache_dir=tmp_path / "cache")
        damaged.ask("how many hosts per idc")
        damaged.ask("prod mysql hosts with cpu over 80%").page(100)
    assert_names_file_and_fix(caught.value, path, "move it away")


@pytest.fixture
def tenant_bot(bot: OpsBot, redis_prefix: str, redis_client: redis.Redis) -> OpsBot:
    """The session's bot keeping its sessions under this test's prefix (cleaned at teardown)."""
    return bot.for_prefix(redis_prefix)


@pytest.mark.parametrize(
    "record", ["{not json", '{"schema_version": 1, "id": 5}', "[]", "\xff\xfe"]
)
def test_faults_unreadable_session_record_is_moved_aside_and_named(
    tenant_bot: OpsBot, redis_client: redis.Redis, redis_prefix: str, record: str
) -> None:
    tenant_bot.handle("s-broken", "open an incident")
    key = f"{redis_prefix}session:s-broken"
    redis_client.set(key, record.encode("utf-8", "surrogateescape"))
    with pytest.raises(StateError) as caught:
        tenant_bot.handle("s-broken", "checkout")
    message = str(caught.value)
    assert "\n" not in message and "s-broken" in message and "quarantine" in message, message
    assert "next message starts the session afresh" in message
    (aside,) = redis_client.scan_iter(match=f"{redis_prefix}quarantine:s-broken:*")
    assert redis_client.get(aside) == record.encode("utf-8", "surrogateescape")
    assert tenant_bot.handle("s-broken", "how many hosts per idc").agent == "cmdb"


def test_faults_unreadable_logged_reply_is_one_error(
    tenant_bot: OpsBot, redis_client: redis.Redis, redis_prefix: str
) -> None:
    tenant_bot.handle("s-log", "how many hosts per idc", message_id="m-1")
    redis_client.hset(f"{redis_prefix}replies:s-log", "m-1", "{broken")
    with pytest.raises(StateError) as caught:
        tenant_bot.handle("s-log", "how many hosts per idc", message_id="m-1")
    message = str(caught.value)
    assert "\n" not in message and "m-1" in message and "new id" in message, message


def test_faults_corrupt_files_leave_no_partial_copy_behind(kb_dir: Path, encoder: Encoder) -> None:
    """A crashed earlier save's files are swept by the next ingest, whatever they hold."""
    generation = read_manifest(kb_dir / MANIFEST).generation
    (kb_dir / f"keys-{generation + 1}.safetensors").write_bytes(b"half a file")
    (kb_dir / f"records-{generation + 1}.sqlite.tmp999999").write_bytes(b"half a table")
    shutil.copytree(kb_dir / f"lexical-{generation}", kb_dir / f"lexical-{generation - 1}")
    kb = KnowledgeBase.open(kb_dir, encoder=encoder)
    assert kb.search("disk", k=1)
    swept: Callable[[], list[str]] = kb.store.sweep
    assert sorted(swept()) == sorted(
        [f"keys-{generation + 1}.safetensors", f"records-{generation + 1}.sqlite.tmp999999",
         f"lexical-{generation - 1}"]
    )  # fmt: skip
    assert json.loads((kb_dir / MANIFEST).read_text())["generation"] == generation
