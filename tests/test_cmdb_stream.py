"""Streaming loads: JSON (any key order) and JSON Lines read chunk by chunk give the same CMDB
as the data in memory; errors in a later chunk are one line and change nothing; the schema
comes from capped aggregates; attribute columns and their indexes follow the attributes
questions query; a store written before columns existed is upgraded on its next load."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import cli
from errors import CMDBError
from knowledge.cmdb import CMDB, CMDBQuery, Condition, SortSpec
from knowledge.cmdb.demo import generate, write_estate
from knowledge.cmdb.loadfile import file_stream
from knowledge.cmdb.sql import stats_sql
from knowledge.cmdb.stats import stats_from_rows


def _dump(cmdb: CMDB) -> dict[str, Any]:
    """Everything a CMDB holds, by item id (row ids may differ between two loads)."""
    items = cmdb.store.items_by_rid([r for (r,) in cmdb.store.rows("SELECT rid FROM items")], set())
    by_rid = {it.rid: it.id for it in items}
    edges = sorted(
        (by_rid[s], t, by_rid[d])
        for s, t, d in cmdb.store.rows("SELECT src, type, dst FROM relations")
    )
    schema = json.loads(cmdb.store.meta("schema") or "{}")
    schema.pop("columns", None)  # column names depend on the order attributes were first seen
    return {"items": sorted((it.to_dict() for it in items), key=lambda d: d["id"]), "edges": edges,
            "sensitive": sorted(cmdb.store.sensitive_keys()), "schema": schema}  # fmt: skip


def _open(tmp_path: Path, name: str) -> CMDB:
    return CMDB.open(tmp_path / f"{name}.sqlite", create=True)


@pytest.fixture(scope="module")
def estate() -> dict[str, Any]:
    return generate(hosts=150, seed=5)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, estate: dict[str, Any]) -> dict[str, Any]:
    cmdb = CMDB.open(tmp_path_factory.mktemp("ref") / "ref.sqlite", create=True)
    cmdb.load(estate)
    return _dump(cmdb)


def test_cmdb_stream_json_in_any_key_order_loads_like_the_data_in_memory(
    tmp_path: Path, estate: dict[str, Any], reference: dict[str, Any]
) -> None:
    path = tmp_path / "estate.json"
    reordered = {"relations": estate["relations"], "items": estate["items"], "sensitive": estate["sensitive"]}  # fmt: skip
    path.write_text(json.dumps(reordered))
    cmdb = _open(tmp_path, "json")
    report = cmdb.load(file_stream(path, size=40))
    assert (report.items, report.relations) == (len(estate["items"]), len(estate["relations"]))
    assert _dump(cmdb) == reference


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_cmdb_stream_written_demo_file_loads_the_same_estate(
    tmp_path: Path, suffix: str, estate: dict[str, Any], reference: dict[str, Any]
) -> None:
    path = write_estate(tmp_path / f"estate{suffix}", hosts=150, seed=5)
    if suffix == ".json":
        assert json.loads(path.read_text()) == estate
    cmdb = _open(tmp_path, "written")
    cmdb.load(path)
    assert _dump(cmdb) == reference


def test_cmdb_stream_reader_yields_bounded_chunks_secrets_first(tmp_path: Path) -> None:
    path = write_estate(tmp_path / "estate.json", hosts=300, seed=2)
    stream = file_stream(path, size=50)
    chunks = list(stream.chunks)
    assert chunks[0].sensitive == ["root_password"] and not chunks[0].items
    assert all(len(c.items) <= 50 and len(c.relations) <= 50 for c in chunks)
    data = json.loads(path.read_text())
    assert stream.total_items == len(data["items"]) == sum(len(c.items) for c in chunks)
    assert sum(len(c.relations) for c in chunks) == len(data["relations"])


def _item(ident: str, **attrs: Any) -> dict[str, Any]:
    return {"id": ident, "type": "host", "name": ident, "attrs": attrs}


def _items(n: int) -> list[dict[str, Any]]:
    return [_item(f"h-{k}", env="prod", cores=8) for k in range(n)]


@pytest.mark.parametrize(
    ("text", "suffix", "expected"),
    [
        (json.dumps({"items": [*_items(30), _item("h-3")]}), ".json", "item id 'h-3' appears twice"),
        (json.dumps({"relations": [{"from": "h-1", "type": "runs_on", "to": "h-99"}], "items": _items(30)}),
         ".json", "unknown item id 'h-99'"),
        (json.dumps({"items": [*_items(30), _item("h-x", cores="eight")]}), ".json",
         "item 'h-x': attribute 'cores' is 'eight' (text) but is number elsewhere (the stored CMDB)"),
        (json.dumps({"items": _items(30)}) + " trailing", ".json", "cannot be parsed"),
        (json.dumps({"items": _items(30), "owners": []}), ".json", "owners"),
        (json.dumps({"items": {"h-1": {}}}), ".json", "items"),
        (json.dumps([_item("h-1")]), ".json", "must be an object"),
        ("\n".join([*(json.dumps(i) for i in _items(30)), "[1, 2]"]), ".jsonl", "line 31"),
        ("\n".join([*(json.dumps(i) for i in _items(30)), "{oops"]), ".jsonl", "line 31 cannot be parsed"),
        ("\n".join([*(json.dumps(i) for i in _items(30)), json.dumps(_item("h-7"))]), ".jsonl",
         "item id 'h-7' appears twice"),
        ("\n".join([*(json.dumps(i) for i in _items(30)), json.dumps({"id": "h-z", "type": "Host", "name": "z"})]),
         ".jsonl", "item 'h-z' (#31)"),
    ],
    ids=["duplicate", "unknown-end", "mixed-kind", "trailing-garbage", "unknown-key", "items-not-list",
         "not-an-object", "jsonl-not-object", "jsonl-bad-line", "jsonl-duplicate", "jsonl-bad-type"],
)  # fmt: skip
def test_cmdb_stream_error_in_a_later_chunk_is_one_line_and_changes_nothing(
    tmp_path: Path, text: str, suffix: str, expected: str
) -> None:
    cmdb = _open(tmp_path, "errors")
    cmdb.load({"items": [_item("old-1", env="dev", cores=2)]})
    path = tmp_path / f"load{suffix}"
    path.write_text(text)
    with pytest.raises(CMDBError) as caught:
        cmdb.load(file_stream(path, size=10))
    assert expected in str(caught.value) and "\n" not in str(caught.value), str(caught.value)
    assert cmdb.store.count_items() == 1 and cmdb.names("host") == ["old-1"]


def test_cmdb_stream_progress_names_file_items_and_indexes(tmp_path: Path) -> None:
    path = write_estate(tmp_path / "estate.json", hosts=120, seed=3)
    calls: list[tuple[str, int, int]] = []
    cmdb = _open(tmp_path, "progress")
    report = cmdb.load(path, lambda *call: calls.append(call))
    last = {stage: (done, total) for stage, done, total in calls}
    assert last["checking file (MiB)"][0] == last["checking file (MiB)"][1] >= 1
    assert last["items"] == (report.items, report.items)
    assert last["indexing"][0] == last["indexing"][1] > 0
    assert {"relations", "schema"} <= set(last)


def test_cmdb_stream_secret_declared_after_the_items_is_kept_only_in_attrs(tmp_path: Path) -> None:
    lines = [json.dumps(_item(f"h-{k}", env="prod", vault=f"PLANTED-{k}")) for k in range(25)]
    path = tmp_path / "late.jsonl"
    path.write_text("\n".join([*lines, json.dumps({"sensitive": ["vault"]})]) + "\n")
    cmdb = _open(tmp_path, "late")
    cmdb.load(file_stream(path, size=10))
    assert "vault" not in cmdb.schema.attrs and "vault" in cmdb.hidden
    raw = sqlite3.connect(tmp_path / "late.sqlite")
    every_item_value = [v for row in raw.execute("SELECT * FROM items") for v in row]
    assert not any("PLANTED" in str(v) for v in every_item_value)
    assert raw.execute("SELECT COUNT(*) FROM attrs WHERE key = 'vault'").fetchone() == (25,)


def test_cmdb_stream_schema_values_are_capped_aggregates(tmp_path: Path) -> None:
    items = [
        _item(f"h-{k}", zone=f"z{k % 30}", serial=f"SN{k:05d}", load=k / 10) for k in range(300)
    ]
    cmdb = _open(tmp_path, "aggregates")
    cmdb.load(file_stream(_jsonl(tmp_path / "a.jsonl", items), size=64))
    schema = cmdb.schema
    assert schema.values["zone"] == {f"z{n}": {"host": 10} for n in range(30)}
    assert schema.attrs["zone"].categorical and schema.attrs["zone"].distinct == 30
    assert not schema.attrs["serial"].categorical and "serial" not in schema.values
    assert schema.attrs["serial"].distinct == 201  # counted up to the cap, not further
    assert (schema.attrs["load"].low, schema.attrs["load"].high) == (0.0, 29.9)


def _jsonl(path: Path, items: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(it) + "\n" for it in items))
    return path


def test_cmdb_stream_indexes_cover_categorical_and_numeric_attributes_only(tmp_path: Path) -> None:
    cmdb = _open(tmp_path, "indexes")
    cmdb.load(generate(hosts=200, seed=1))
    schema = cmdb.schema
    indexed = {str(r[0]) for r in cmdb.store.rows(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'items' AND name LIKE 'items_c%'")}  # fmt: skip
    by_index = {f"items_{col}": attr for attr, col in schema.columns.items()}
    wanted = {a for a, info in schema.attrs.items() if info.categorical or info.numeric}
    assert {by_index[name] for name in indexed} == wanted
    assert "ip" in schema.columns and "ip" not in wanted  # an identifier: a column, no index
    assert "root_password" not in schema.columns and "api_token" not in schema.columns
    query = CMDBQuery(types=["host"], group_by=["idc"], agg="count")
    compiled = stats_sql(query, schema)
    plan = " ".join(
        str(r[-1]) for r in cmdb.store.rows("EXPLAIN QUERY PLAN " + compiled.sql, compiled.params)
    )
    assert f"COVERING INDEX items_{schema.columns['idc']}" in plan, plan


def test_cmdb_stream_column_checks_match_a_brute_force_oracle(tmp_path: Path) -> None:
    data = generate(hosts=250, seed=8)
    cmdb = _open(tmp_path, "oracle")
    cmdb.load(data)
    items = data["items"]
    cases: list[tuple[CMDBQuery, Any]] = [
        (CMDBQuery(filters=[Condition(attr="env", op="!=", value="prod")]),
         lambda it: it["attrs"].get("env") != "prod"),
        (CMDBQuery(types=["host"], filters=[Condition(attr="os", op="not in", value=["centos-7", "rocky-9"]),
                                            Condition(attr="cpu_usage", op=">=", value=50.0)]),
         lambda it: it["type"] == "host" and it["attrs"]["os"] not in ("centos-7", "rocky-9")
         and it["attrs"]["cpu_usage"] >= 50),
        (CMDBQuery(filters=[Condition(attr="owner", op="contains", value="PAY")]),
         lambda it: "pay" in str(it["attrs"].get("owner", "")).lower()),
        (CMDBQuery(any_of=[[Condition(attr="mem_gb", op="<", value=16.0), Condition(attr="idc", op="=", value="gz-1")]]),
         lambda it: it["attrs"].get("mem_gb", 1e9) < 16 or it["attrs"].get("idc") == "gz-1"),
        (CMDBQuery(filters=[Condition(attr="version", op="in", value=["8.0", "1.28"])]),
         lambda it: it["attrs"].get("version") in ("8.0", "1.28")),
    ]  # fmt: skip
    for query, keep in cases:
        expected = {it["id"] for it in items if keep(it)}
        assert {it.id for it in cmdb.run(query).items} == expected and expected, query.describe()
    ranked = cmdb.run(
        CMDBQuery(types=["host"], sort=SortSpec(attr="disk_usage", descending=False), limit=7)
    )
    hosts = sorted(
        (it for it in items if it["type"] == "host"),
        key=lambda it: (it["attrs"]["disk_usage"], it["id"]),
    )
    assert [it.attrs["disk_usage"] for it in ranked.items] == [
        h["attrs"]["disk_usage"] for h in hosts[:7]
    ]
    stats = cmdb.run(
        CMDBQuery(types=["database"], group_by=["engine"], agg="avg", agg_attr="size_gb")
    ).stats
    assert stats is not None
    sizes: dict[str, list[float]] = {}
    for it in items:
        if it["type"] == "database":
            sizes.setdefault(it["attrs"]["engine"], []).append(it["attrs"]["size_gb"])
    assert {r.group[0]: (r.count, round(r.value or 0, 6)) for r in stats.rows} == {
        e: (len(v), round(sum(v) / len(v), 6)) for e, v in sizes.items()}  # fmt: skip


def test_cmdb_stream_upsert_adds_columns_and_replaces_attributes(tmp_path: Path) -> None:
    cmdb = _open(tmp_path, "upsert")
    cmdb.load({"items": [_item("h-1", env="prod", cores=8), _item("h-2", env="dev", cores=4)]})
    cmdb.load({"items": [_item("h-2", rack="r7"), _item("h-3", env="prod", rack="r7", cores=16)]})

    def ids(*conditions: Condition) -> list[str]:
        return [it.id for it in cmdb.run(CMDBQuery(filters=list(conditions))).items]

    assert ids(Condition(attr="rack", op="=", value="r7")) == ["h-2", "h-3"]
    assert ids(Condition(attr="env", op="=", value="prod")) == ["h-1", "h-3"]
    assert ids(Condition(attr="env", op="!=", value="prod")) == [
        "h-2"
    ]  # its env went with the upsert
    assert ids(Condition(attr="cores", op=">", value=6.0)) == ["h-1", "h-3"]
    assert Counter(cmdb.schema.values["rack"]["r7"]) == {"host": 2}


_V1_DDL = """
CREATE TABLE items(rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
    name TEXT NOT NULL, lname TEXT NOT NULL);
CREATE TABLE attrs(item INTEGER NOT NULL, key TEXT NOT NULL, kind TEXT NOT NULL, txt TEXT, num REAL,
    PRIMARY KEY(item, key)) WITHOUT ROWID;
CREATE INDEX attrs_txt ON attrs(key, txt);
CREATE INDEX attrs_num ON attrs(key, num);
CREATE TABLE relations(src INTEGER NOT NULL, type TEXT NOT NULL, dst INTEGER NOT NULL,
    PRIMARY KEY(src, type, dst)) WITHOUT ROWID;
CREATE TABLE sensitive(key TEXT PRIMARY KEY);
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def test_cmdb_stream_store_from_before_columns_answers_and_is_upgraded_on_load(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v1.sqlite"
    raw = sqlite3.connect(path)
    raw.executescript(_V1_DDL)
    schema = {"types": {"host": 2}, "relations": [], "values": {"env": {"prod": {"host": 1}, "dev": {"host": 1}}},
              "attrs": {"env": {"kind": "text", "count": 2, "distinct": 2, "types": {"host": 2}, "low": None, "high": None},
                        "cores": {"kind": "number", "count": 2, "distinct": 2, "types": {"host": 2}, "low": 4.0, "high": 8.0}}}  # fmt: skip
    with raw:
        raw.executemany(
            "INSERT INTO items VALUES (?, ?, 'host', ?, ?)",
            [(1, "h-1", "web-1", "web-1"), (2, "h-2", "web-2", "web-2")],
        )
        raw.executemany("INSERT INTO attrs VALUES (?, ?, ?, ?, ?)", [
            (1, "env", "s", "prod", None), (1, "cores", "i", "8", 8.0), (2, "env", "s", "dev", None), (2, "cores", "i", "4", 4.0)])  # fmt: skip
        raw.executemany("INSERT INTO meta VALUES (?, ?)", [("generation", "1"), ("schema_version", "1"), ("schema", json.dumps(schema))])  # fmt: skip
    raw.close()
    cmdb = CMDB.open(path)
    prod = CMDBQuery(filters=[Condition(attr="env", op="=", value="prod")])
    assert [it.id for it in cmdb.run(prod).items] == ["h-1"]  # read from attrs alone
    cmdb.load({"items": [_item("h-3", env="prod", cores=2)]})
    assert cmdb.store.meta("schema_version") == "2" and {"env", "cores"} <= set(cmdb.schema.columns)
    assert [it.id for it in cmdb.run(prod).items] == ["h-1", "h-3"]
    big = CMDBQuery(filters=[Condition(attr="cores", op=">=", value=4.0)])
    assert [it.id for it in cmdb.run(big).items] == ["h-1", "h-2"]


def test_cmdb_stream_cli_loads_jsonl_and_demo_writes_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    written = tmp_path / "estate.jsonl"
    runner = CliRunner()
    demo = runner.invoke(
        cli.app, ["--home", str(home), "cmdb", "demo", "--hosts", "60", "--write", str(written)]
    )
    assert demo.exit_code == 0, demo.output
    load = runner.invoke(cli.app, ["--home", str(tmp_path / "other"), "cmdb", "load", str(written)])
    assert load.exit_code == 0, load.output
    data = generate(hosts=60, seed=7)
    assert (
        f"loaded {len(data['items'])} items and {len(data['relations'])} relations" in load.stdout
    )
    bad = runner.invoke(
        cli.app,
        ["--home", str(home), "cmdb", "demo", "--hosts", "60", "--write", str(tmp_path / "x.txt")],
    )
    assert bad.exit_code != 0 and ".json or .jsonl" in bad.stderr


@pytest.mark.parametrize(
    ("types", "attr", "lacking"),
    [([], "env", True), (["host"], "idc", False), (["host", "database"], "owner", False),
     (["service"], "tier", False), ([], "engine", True)],
)  # fmt: skip
def test_cmdb_stream_counts_per_value_from_the_summary_equal_counting_the_rows(
    tmp_path: Path, types: list[str], attr: str, lacking: bool
) -> None:
    cmdb = _open(tmp_path, "counts")
    cmdb.load(generate(hosts=180, seed=4))
    query = CMDBQuery(types=types, group_by=[attr], agg="count")
    compiled = stats_sql(query, cmdb.schema)
    counted = stats_from_rows(query, cmdb.store.rows(compiled.sql, compiled.params))
    answer = cmdb.run(query)
    assert answer.stats == counted and answer.total == sum(r.count for r in counted.rows)
    assert any(r.group == (None,) for r in counted.rows) == lacking  # the "(none)" group
