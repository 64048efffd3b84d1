"""Loading the CMDB: JSON, YAML and CSV files; one clear error per bad entry; nothing
half-loaded; reloads upsert; numeric vs categorical inferred; secrets stored, never shown."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml

from errors import CMDBError
from knowledge.cmdb import CMDB


def _estate() -> dict[str, Any]:
    return {
        "items": [
            {"id": "h-1", "type": "host", "name": "web-01",
             "attrs": {"env": "prod", "idc": "sh-1", "cpu_cores": 8, "cpu_usage": 73.5,
                       "root_password": "hunter2", "ssh_key": "AAAA-secret"}},
            {"id": "h-2", "type": "host", "name": "web-02",
             "attrs": {"env": "staging", "idc": "bj-2", "cpu_cores": 16, "cpu_usage": 12.0}},
            {"id": "svc-pay", "type": "service", "name": "payment-api", "attrs": {"owner": "team-pay"}},
        ],
        "relations": [{"from": "svc-pay", "type": "runs_on", "to": "h-1"}],
        "sensitive": ["root_password"],
    }  # fmt: skip


@pytest.fixture
def cmdb(tmp_path: Path) -> CMDB:
    return CMDB.open(tmp_path / "cmdb.sqlite", create=True)


def _write(tmp_path: Path, name: str, data: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data) if name.endswith(".yaml") else json.dumps(data))
    return path


def test_cmdb_load_json_file_stores_items_and_relations(cmdb: CMDB, tmp_path: Path) -> None:
    report = cmdb.load(_write(tmp_path, "estate.json", _estate()))
    assert (report.items, report.relations, report.total_items) == (3, 1, 3)
    web = cmdb.item("web-01")
    assert web is not None and web.attrs["cpu_cores"] == 8 and web.attrs["cpu_usage"] == 73.5
    topo = cmdb.neighbors("payment-api")
    assert [(e.src, e.type, e.dst) for e in topo.edges] == [("svc-pay", "runs_on", "h-1")]


def test_cmdb_load_yaml_file_is_the_same_as_json(cmdb: CMDB, tmp_path: Path) -> None:
    cmdb.load(_write(tmp_path, "estate.yaml", _estate()))
    assert cmdb.names("host") == ["web-01", "web-02"]


def test_cmdb_load_csv_items_infer_numbers(cmdb: CMDB, tmp_path: Path) -> None:
    path = tmp_path / "hosts.csv"
    path.write_text(
        "id,type,name,env,cpu_cores,backup\nh-9,host,db-09,prod,32,true\nh-8,host,db-08,dev,,false\n"
    )
    cmdb.load(path)
    db9, db8 = cmdb.item("db-09"), cmdb.item("db-08")
    assert db9 is not None and db9.attrs == {"env": "prod", "cpu_cores": 32, "backup": True}
    assert db8 is not None and "cpu_cores" not in db8.attrs
    assert cmdb.schema.attrs["cpu_cores"].numeric and cmdb.schema.attrs["env"].categorical


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["items"].append(dict(d["items"][0])), "item id 'h-1' appears twice"),
        (lambda d: d["relations"].append({"from": "svc-pay", "type": "runs_on", "to": "h-404"}),
         "unknown item id 'h-404'"),
        (lambda d: d["items"][1]["attrs"].update(cpu_cores="sixteen"), "item 'h-2': attribute 'cpu_cores'"),
        (lambda d: d["items"][1].update(type="Host Machine"), "item 'h-2'"),
        (lambda d: d["items"][1]["attrs"].update(tags=["a", "b"]), "item 'h-2'"),
        (lambda d: d["items"][2].pop("name"), "item 'svc-pay'"),
    ],
    ids=["duplicate-id", "unknown-relation-end", "mixed-kind", "bad-type", "nested-value", "no-name"],
)  # fmt: skip
def test_cmdb_load_bad_entry_is_one_clear_error_and_nothing_is_stored(
    cmdb: CMDB, tmp_path: Path, change: Any, expected: str
) -> None:
    cmdb.load(
        _write(tmp_path, "good.json", {"items": [{"id": "x-1", "type": "host", "name": "old"}]})
    )
    data = _estate()
    change(data)
    with pytest.raises(CMDBError) as caught:
        cmdb.load(_write(tmp_path, "bad.json", data))
    assert expected in str(caught.value) and "\n" not in str(caught.value)
    assert cmdb.store.count_items() == 1 and cmdb.names("host") == ["old"]


def test_cmdb_load_failure_mid_write_rolls_back(cmdb: CMDB, tmp_path: Path) -> None:
    cmdb.load(_estate())
    cmdb.store.conn.execute(
        "CREATE TRIGGER boom BEFORE INSERT ON relations BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    bigger = _estate()
    bigger["items"].append({"id": "h-3", "type": "host", "name": "web-03"})
    bigger["relations"].append({"from": "svc-pay", "type": "runs_on", "to": "h-3"})
    with pytest.raises(CMDBError, match="nothing was changed"):
        cmdb.load(bigger)
    assert cmdb.names("host") == ["web-01", "web-02"]


def test_cmdb_load_reload_upserts_and_replaces_attributes(cmdb: CMDB) -> None:
    cmdb.load(_estate())
    again = _estate()
    again["items"][1]["attrs"] = {"env": "prod", "cpu_cores": 32}
    report = cmdb.load(
        {
            "items": [again["items"][1]],
            "relations": [{"from": "svc-pay", "type": "runs_on", "to": "h-2"}],
        }
    )
    assert report.total_items == 3
    web2 = cmdb.item("web-02")
    assert web2 is not None and web2.attrs == {"env": "prod", "cpu_cores": 32}
    assert {e.dst for e in cmdb.neighbors("payment-api").edges} == {"h-1", "h-2"}


def test_cmdb_load_sensitive_values_are_stored_but_never_shown(cmdb: CMDB, tmp_path: Path) -> None:
    cmdb.load(_estate())
    raw = sqlite3.connect(tmp_path / "cmdb.sqlite").execute(
        "SELECT txt FROM attrs WHERE key = 'root_password'"
    )
    assert raw.fetchall() == [("hunter2",)]
    web = cmdb.item("web-01")
    assert web is not None and "root_password" not in web.attrs and "ssh_key" not in web.attrs
    assert "hunter2" not in json.dumps(cmdb.summary()) and "AAAA-secret" not in json.dumps(
        cmdb.summary()
    )
    assert {"root_password", "ssh_key"} <= set(cmdb.summary()["hidden"])


def test_cmdb_load_missing_file_and_unknown_suffix_say_what_to_do(
    cmdb: CMDB, tmp_path: Path
) -> None:
    with pytest.raises(CMDBError, match="does not exist"):
        cmdb.load(tmp_path / "nope.json")
    odd = tmp_path / "estate.txt"
    odd.write_text("{}")
    with pytest.raises(CMDBError, match=r"\.json, \.yaml"):
        cmdb.load(odd)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(CMDBError, match="cannot be parsed"):
        cmdb.load(broken)
