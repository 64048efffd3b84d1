"""The PostgreSQL store, on a real server: the same `CMDB` interface and the same answers as
SQLite, loads all or nothing, streamed files, `--cmdb-url` on the CLI, secrets kept out of
the item columns, one clear line when the server is unreachable.

The server is $OPSQKV_TEST_POSTGRES_URL, else postgres@127.0.0.1:5432/test (trust auth).
Each test module works in a schema of its own and drops only that schema. Without a server
the module is skipped, saying why; under CI=true it fails instead.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from typer.testing import CliRunner

import cli
from errors import CMDBError
from knowledge.cmdb import CMDB, CMDBQuery, Condition, Hop, SortSpec
from knowledge.cmdb.demo import generate, write_estate
from knowledge.cmdb.loadfile import file_stream
from knowledge.encoder import Encoder

SERVER = os.environ.get("OPSQKV_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="module")
def schema_url() -> Iterator[str]:
    """A URL whose tables land in a fresh schema of this module; the schema is dropped after."""
    try:
        admin = psycopg.connect(SERVER, autocommit=True, connect_timeout=5)
    except psycopg.Error as e:
        reason = f"no PostgreSQL answers at {SERVER} ({str(e).strip().splitlines()[0]})"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + "; CI=true requires it")
        pytest.skip(reason + "; set OPSQKV_TEST_POSTGRES_URL to run these tests")
    name = f"opsqkv_test_{uuid.uuid4().hex[:10]}"
    admin.execute(f"CREATE SCHEMA {name}")
    try:
        joiner = "&" if "?" in SERVER else "?"
        yield f"{SERVER}{joiner}options={quote(f'-csearch_path={name}')}"
    finally:
        admin.execute(f"DROP SCHEMA {name} CASCADE")
        admin.close()


@pytest.fixture
def fresh_url(schema_url: str) -> Iterator[str]:
    """The module's schema without CMDB tables: each test's CMDB.open(create=True) makes them."""
    with psycopg.connect(schema_url, autocommit=True) as conn:
        for table in ("relations", "attrs", "items", "sensitive", "meta", "attr_columns"):
            conn.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
    yield schema_url


_QUESTIONS = [
    "prod mysql hosts in sh-1 with cpu over 80%",
    "staging redis caches not in bj-2",
    "which hosts does payment-api run on",
    "how many hosts per idc",
    "average cpu of hosts per env",
    "top 5 hosts by cpu",
    "hosts in sh-1 or bj-2 with disk usage between 20 and 40",
    "mysql databases bigger than 500 gb",
    "members of k8s-prod-sh-1",
    "everything order-service depends on, transitively",
    "db servers in production",
]
_QUERIES = [
    CMDBQuery(filters=[Condition(attr="env", op="!=", value="prod")]),
    CMDBQuery(filters=[Condition(attr="owner", op="contains", value="PAY")]),
    CMDBQuery(types=["host"], sort=SortSpec(attr="name", descending=False), limit=9),
    CMDBQuery(types=["host"], sort=SortSpec(attr="mem_usage"), limit=6),
    CMDBQuery(types=["host"], filters=[Condition(attr="role", op="=", value="kafka")],
              sort=SortSpec(attr="uptime_days"), limit=4),
    CMDBQuery(types=["database"], sort=SortSpec(attr="size_gb", descending=False)),
    CMDBQuery(types=["host"], group_by=["env", "os"], agg="max", agg_attr="cpu_usage"),
    CMDBQuery(types=["host"], group_by=["cpu_cores"]),
    CMDBQuery(hop=Hop(anchor_type="cache", relation="runs_on", direction="out")),
]  # fmt: skip


def _answer(cmdb: CMDB, query: CMDBQuery) -> dict[str, Any]:
    result = cmdb.run(query)
    stats = result.stats.to_dict() if result.stats else None
    for row in stats["rows"] if stats else []:  # sums may be added up in another order
        row["value"] = None if row["value"] is None else round(row["value"], 6)
    return {"total": result.total, "items": [it.to_dict() for it in result.items], "stats": stats}


def test_cmdb_postgres_answers_like_sqlite(
    fresh_url: str, tmp_path: Path, encoder: Encoder
) -> None:
    data = generate(hosts=300, seed=11)
    lite = CMDB.open(tmp_path / "c.sqlite", create=True, encoder=encoder, cache_dir=tmp_path)
    pg = CMDB.open(fresh_url, create=True, encoder=encoder, cache_dir=tmp_path)
    assert lite.load(data).items == pg.load(data).items
    assert pg.summary()["attributes"] == lite.summary()["attributes"]
    assert pg.schema.columns == lite.schema.columns
    for question in _QUESTIONS:
        ours, theirs = lite.ask(question), pg.ask(question)
        assert ours.query == theirs.query, question
        assert _answer(pg, theirs.query) == _answer(lite, ours.query), question
    for query in _QUERIES:
        assert _answer(pg, query) == _answer(lite, query), query.describe()
    topo = pg.neighbors("payment-api", relation="runs_on", direction="out")
    assert topo.edges == lite.neighbors("payment-api", relation="runs_on", direction="out").edges
    pg.close()


def test_cmdb_postgres_indexes_follow_the_queried_attributes(fresh_url: str) -> None:
    cmdb = CMDB.open(fresh_url, create=True)
    cmdb.load(generate(hosts=80, seed=2))
    indexed = {str(r[0]) for r in cmdb.store.rows(
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND indexname LIKE 'items_c%'")}  # fmt: skip
    by_index = {f"items_{col}": attr for attr, col in cmdb.schema.columns.items()}
    wanted = {a for a, info in cmdb.schema.attrs.items() if info.categorical or info.numeric}
    assert {by_index[name] for name in indexed} == wanted
    cmdb.close()


def test_cmdb_postgres_failed_load_changes_nothing(fresh_url: str, tmp_path: Path) -> None:
    cmdb = CMDB.open(fresh_url, create=True)
    cmdb.load({"items": [{"id": "old", "type": "host", "name": "old", "attrs": {"env": "dev"}}]})
    generation = cmdb.store.generation()
    items = [
        {"id": f"h-{k}", "type": "host", "name": f"h-{k}", "attrs": {"env": "prod"}}
        for k in range(40)
    ]
    for bad, expected in (
        ({"items": [*items, items[3]]}, "item id 'h-3' appears twice"),
        ({"items": items, "relations": [{"from": "h-1", "type": "runs_on", "to": "nope"}]}, "unknown item id 'nope'"),
        ({"items": [*items, {"id": "x", "type": "host", "name": "x", "attrs": {"env": 3}}]}, "attribute 'env'"),
    ):  # fmt: skip
        path = tmp_path / "bad.json"
        path.write_text(json.dumps(bad))
        with pytest.raises(CMDBError, match=expected):
            cmdb.load(file_stream(path, size=10))
        assert cmdb.store.count_items() == 1 and cmdb.store.generation() == generation
    cmdb.close()


def test_cmdb_postgres_streams_jsonl_upserts_and_replaces(fresh_url: str, tmp_path: Path) -> None:
    cmdb = CMDB.open(fresh_url, create=True)
    path = write_estate(tmp_path / "estate.jsonl", hosts=120, seed=4)
    report = cmdb.load(file_stream(path, size=25))
    data = generate(hosts=120, seed=4)
    assert (report.items, report.relations) == (len(data["items"]), len(data["relations"]))
    host = next(it for it in data["items"] if it["type"] == "host")
    changed = {**host, "attrs": {"env": "dev", "rack": "r9"}}
    again = cmdb.load({"items": [changed]})
    assert again.total_items == len(data["items"])
    item = cmdb.item(host["id"])
    assert item is not None and item.attrs == {"env": "dev", "rack": "r9"}
    racks = cmdb.run(CMDBQuery(filters=[Condition(attr="rack", op="=", value="r9")]))
    assert [it.id for it in racks.items] == [host["id"]]
    cmdb.load({"items": [{"id": "only", "type": "host", "name": "only"}]}, replace=True)
    assert cmdb.store.count_items() == 1 and cmdb.names("host") == ["only"]
    cmdb.close()


def test_cmdb_postgres_secrets_are_stored_but_not_in_item_columns(fresh_url: str) -> None:
    cmdb = CMDB.open(fresh_url, create=True)
    cmdb.load(generate(hosts=40, seed=6))
    secrets = [
        str(r[0]) for r in cmdb.store.rows("SELECT txt FROM attrs WHERE key = 'root_password'")
    ]
    assert len(secrets) == 40
    rows = cmdb.store.rows("SELECT * FROM items")
    assert not any(str(value) in secrets for row in rows for value in row)
    assert "root_password" in cmdb.summary()["hidden"]
    cmdb.close()


def test_cmdb_postgres_cli_takes_cmdb_url_flag_and_env(
    fresh_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    home = str(tmp_path / "home")
    demo = runner.invoke(
        cli.app, ["--home", home, "cmdb", "--cmdb-url", fresh_url, "demo", "--hosts", "60"]
    )
    assert demo.exit_code == 0, demo.output
    assert "postgresql://" in demo.stdout  # where it went
    asked = runner.invoke(
        cli.app,
        [
            "--home",
            home,
            "cmdb",
            "--cmdb-url",
            fresh_url,
            "ask",
            "how many hosts per idc",
            "--json",
        ],
    )
    assert asked.exit_code == 0, asked.output
    assert sum(r["count"] for r in json.loads(asked.stdout)["stats"]["rows"]) == 60
    monkeypatch.setenv("OPSQKV_CMDB_URL", fresh_url)
    stats = runner.invoke(cli.app, ["--home", home, "cmdb", "stats", "--json"])
    assert stats.exit_code == 0 and json.loads(stats.stdout)["types"]["host"] == 60
    assert not (tmp_path / "home" / "cmdb.sqlite").exists()  # nothing went to the SQLite file


def test_cmdb_postgres_unreachable_server_is_one_line_without_the_password() -> None:
    with pytest.raises(CMDBError) as caught:
        CMDB.open("postgresql://ops:s3cret@127.0.0.1:1/nowhere?connect_timeout=3", create=True)
    message = str(caught.value)
    assert "cannot open the PostgreSQL CMDB" in message and "\n" not in message
    assert "s3cret" not in message and "--cmdb-url" in message
    with pytest.raises(CMDBError, match="not supported"):
        CMDB.open("mysql://root@127.0.0.1/cmdb")
