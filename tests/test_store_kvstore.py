"""The K/V store: round trips, the static key cache, deletes, and damaged stores on disk."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest
import torch

from errors import InputError, StoreError
from knowledge.encoder import Encoder
from knowledge.store import KeyDtype, KVStore, Record

RECORDS = [
    Record(id="a", title="Disk full", text="Free space with du and df.", source="disk.md"),
    Record(id="b", title="Nginx 502", text="Check the upstream with curl.", source="nginx.md"),
    Record(id="c", title="DNS", text="Query the resolver with dig.", source="dns.md"),
]


def _open(
    folder: Path, encoder: Encoder, *, create: bool = False, dtype: KeyDtype = "float32"
) -> KVStore:
    return KVStore.open(
        folder, dim=encoder.dim, fingerprint=encoder.fingerprint, create=create, dtype=dtype
    )


def _saved(folder: Path, encoder: Encoder, records: list[Record] = RECORDS) -> KVStore:
    store = _open(folder, encoder, create=True)
    store.upsert(records, encoder.encode)
    store.save()
    return store


def test_store_reopen_gives_same_keys_and_records(encoder: Encoder, tmp_path: Path) -> None:
    saved = _saved(tmp_path / "kb", encoder)
    again = _open(tmp_path / "kb", encoder)
    assert again.records == RECORDS
    torch.testing.assert_close(again.keys, saved.keys)
    torch.testing.assert_close(again.keys[1], encoder.encode([RECORDS[1].key_text()])[0])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps")
def test_store_keys_are_memory_mapped(encoder: Encoder, tmp_path: Path) -> None:
    _saved(tmp_path / "kb", encoder)
    store = _open(tmp_path / "kb", encoder)
    (keys_file,) = (tmp_path / "kb").glob("keys-*.safetensors")
    assert str(keys_file) in Path("/proc/self/maps").read_text()
    assert store.keys.shape == (3, encoder.dim)


def test_store_unchanged_records_are_not_encoded_again(encoder: Encoder, tmp_path: Path) -> None:
    _saved(tmp_path / "kb", encoder)
    store = _open(tmp_path / "kb", encoder)
    before = encoder.texts_encoded
    changes = store.upsert(RECORDS, encoder.encode)
    assert encoder.texts_encoded == before
    assert (changes.unchanged, changes.encoded, changes.added, changes.updated) == (3, 0, [], [])


def test_store_changed_text_is_encoded_but_changed_lines_are_not(
    encoder: Encoder, tmp_path: Path
) -> None:
    store = _saved(tmp_path / "kb", encoder)
    old_key = store.keys[0].clone()
    edited = RECORDS[0].model_copy(update={"text": "Delete old logs under /var/log."})
    moved = RECORDS[1].model_copy(update={"lines": (10, 12)})
    before = encoder.texts_encoded
    changes = store.upsert([edited, moved], encoder.encode)
    assert encoder.texts_encoded - before == 1 and changes.reencoded_rows == [0]
    assert sorted(changes.updated) == ["a", "b"]
    assert not torch.allclose(store.keys[0], old_key)
    assert store.record(1).lines == (10, 12)


def test_store_delete_closes_the_gap(encoder: Encoder, tmp_path: Path) -> None:
    store = _saved(tmp_path / "kb", encoder)
    last_key = store.keys[2].clone()
    changes = store.delete(["a", "missing"])
    store.save()
    again = _open(tmp_path / "kb", encoder)
    assert changes.removed == ["a"] and changes.removed_rows == [0]
    assert [r.id for r in again.records] == ["b", "c"] and again.row_of("c") == 1
    torch.testing.assert_close(again.keys[1], last_key)


def test_store_float16_keys_round_trip(encoder: Encoder, tmp_path: Path) -> None:
    store = _open(tmp_path / "kb", encoder, create=True, dtype="float16")
    store.upsert(RECORDS, encoder.encode)
    store.save()
    again = _open(tmp_path / "kb", encoder)
    assert again.keys.dtype == torch.float16 and again.dtype == "float16"
    torch.testing.assert_close(again.keys.float(), store.keys.float())


def test_store_missing_folder_without_create_is_reported(encoder: Encoder, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no knowledge base in"):
        _open(tmp_path / "nowhere", encoder)


def test_store_refuses_a_folder_that_is_not_a_store(encoder: Encoder, tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.md").write_text("# mine\n")
    with pytest.raises(StoreError, match="not an opsqkv store"):
        _open(tmp_path / "docs", encoder, create=True)
    assert (tmp_path / "docs" / "notes.md").read_text() == "# mine\n"


def test_store_corrupt_keys_file_is_named(encoder: Encoder, tmp_path: Path) -> None:
    _saved(tmp_path / "kb", encoder)
    (keys_file,) = (tmp_path / "kb").glob("keys-*.safetensors")
    keys_file.write_bytes(keys_file.read_bytes()[:-100])  # truncated
    with pytest.raises(StoreError, match=f"{keys_file.name} is corrupt.*delete"):
        _open(tmp_path / "kb", encoder)


def test_store_corrupt_records_file_is_named(encoder: Encoder, tmp_path: Path) -> None:
    _saved(tmp_path / "kb", encoder)
    (records_file,) = (tmp_path / "kb").glob("records-*.sqlite")
    records_file.write_bytes(b"not a database" * 100)
    with pytest.raises(StoreError, match=f"{records_file.name} is corrupt"):
        _open(tmp_path / "kb", encoder)


def test_store_open_reads_records_on_demand(encoder: Encoder, tmp_path: Path) -> None:
    _saved(tmp_path / "kb", encoder)
    store = _open(tmp_path / "kb", encoder)
    assert store.row_of("b") == 1 and store.record(1) == RECORDS[1]
    assert store.rows_of_source("dns.md") == [2] and store.records_at([2, 0]) == RECORDS[2::-2]
    assert store.titles() == ["Disk full", "Nginx 502", "DNS"]
    store.delete(["a"])  # a change reads them all, then works as before
    assert store.row_of("b") == 0 and store.records_at([0]) == [RECORDS[1]]


def test_store_earlier_jsonl_format_still_opens_and_upgrades(
    encoder: Encoder, tmp_path: Path
) -> None:
    _saved(tmp_path / "kb", encoder)
    folder = tmp_path / "kb"
    (table,) = folder.glob("records-*.sqlite")
    gen = table.name.split("-")[1].split(".")[0]
    with sqlite3.connect(table) as db:
        rows = db.execute("SELECT body, key_hash FROM records ORDER BY row").fetchall()
    db.close()
    lines = [json.dumps({"record": json.loads(b), "key_hash": h}) for b, h in rows]
    (folder / f"records-{gen}.jsonl").write_text("\n".join(lines) + "\n")
    table.unlink()
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["records"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    store = _open(folder, encoder)
    assert store.records == RECORDS
    store.save()
    assert not list(folder.glob("records-*.jsonl")) and _open(folder, encoder).records == RECORDS


def test_store_corrupt_manifest_is_named(encoder: Encoder, tmp_path: Path) -> None:
    _saved(tmp_path / "kb", encoder)
    (tmp_path / "kb" / "manifest.json").write_text("{")
    with pytest.raises(StoreError, match=r"manifest\.json is corrupt"):
        _open(tmp_path / "kb", encoder)


def test_store_built_with_another_model_is_refused(encoder: Encoder, tmp_path: Path) -> None:
    _saved(tmp_path / "kb", encoder)
    with pytest.raises(StoreError, match="built with another model"):
        KVStore.open(tmp_path / "kb", dim=encoder.dim, fingerprint="someothermodel")


def test_store_count_mismatch_is_detected(encoder: Encoder, tmp_path: Path) -> None:
    _saved(tmp_path / "kb", encoder)
    manifest = tmp_path / "kb" / "manifest.json"
    data = json.loads(manifest.read_text())
    data["count"] = 2
    manifest.write_text(json.dumps(data))
    with pytest.raises(StoreError, match="corrupt"):
        _open(tmp_path / "kb", encoder)


def test_store_concurrent_save_loses_nothing_silently(encoder: Encoder, tmp_path: Path) -> None:
    _saved(tmp_path / "kb", encoder)
    first, second = _open(tmp_path / "kb", encoder), _open(tmp_path / "kb", encoder)
    first.delete(["a"])
    first.save()
    second.delete(["b"])
    with pytest.raises(StoreError, match="changed by another process"):
        second.save()
    assert [r.id for r in _open(tmp_path / "kb", encoder).records] == ["b", "c"]


def test_store_duplicate_ids_in_one_upsert_are_refused(encoder: Encoder, tmp_path: Path) -> None:
    store = _open(tmp_path / "kb", encoder, create=True)
    with pytest.raises(InputError, match="appears twice"):
        store.upsert([RECORDS[0], RECORDS[0]], encoder.encode)
