"""User text never becomes SQL: values travel as parameters, and hostile text is inert.
Also: the query plan drives from a selective condition and gives the same rows as a scan."""

from __future__ import annotations

import pytest

from knowledge.cmdb import CMDB, CMDBQuery, Condition, Hop
from knowledge.cmdb.demo import generate
from knowledge.cmdb.sql.compile import query_parts
from knowledge.cmdb.sql.plan import scan, select_sql

HOSTILE = [
    "x' OR '1'='1",
    "'; DROP TABLE items; --",
    'web" OR 1=1 --',
    "100%_\\",
    "); DELETE FROM attrs; (",
]


@pytest.fixture(scope="module")
def cmdb(tmp_path_factory: pytest.TempPathFactory) -> CMDB:
    db = CMDB.open(tmp_path_factory.mktemp("cmdb-sql") / "cmdb.sqlite", create=True)
    db.load(generate(hosts=300, seed=11))
    return db


@pytest.mark.parametrize("evil", HOSTILE)
def test_cmdb_sql_values_are_parameters_never_text(cmdb: CMDB, evil: str) -> None:
    query = CMDBQuery(
        types=["host", evil],
        filters=[Condition(attr="env", op="=", value=evil), Condition(attr="name", op="contains", value=evil)],
        any_of=[[Condition(attr="os", op="in", value=[evil, "centos-7"]), Condition(attr="idc", op="!=", value=evil)]],
        hop=Hop(anchor=evil, anchor_name=evil, relation=evil, direction="both", depth=2),
    )  # fmt: skip
    compiled = select_sql(query, cmdb.schema)
    assert evil not in compiled.sql and evil in compiled.params
    before = cmdb.store.count_items()
    assert cmdb.run(query).items == []
    assert cmdb.store.count_items() == before and before > 300


def test_cmdb_sql_like_wildcards_in_values_match_literally(cmdb: CMDB) -> None:
    every = cmdb.run(
        CMDBQuery(types=["host"], filters=[Condition(attr="name", op="contains", value="%")])
    )
    assert every.items == []
    some = cmdb.run(
        CMDBQuery(types=["host"], filters=[Condition(attr="name", op="contains", value="web-0")])
    )
    assert some.items and all("web-0" in it.name for it in some.items)


def test_cmdb_sql_plan_drives_from_the_most_selective_part(cmdb: CMDB) -> None:
    query = CMDBQuery(types=["host"], filters=[
        Condition(attr="env", op="=", value="prod"), Condition(attr="role", op="=", value="kafka")])  # fmt: skip
    parts = query_parts(query, cmdb.schema)
    kafka = next(p for p in parts if p.source is not None and "kafka" in p.source.params)
    assert kafka.estimate == min(p.estimate for p in parts)
    plan = scan(query, cmdb.schema)
    assert (
        plan.source.sql.startswith("FROM (SELECT item AS rid FROM attrs")
        and "kafka" in plan.source.params
    )


def test_cmdb_sql_driven_and_scanned_plans_agree(cmdb: CMDB) -> None:
    query = CMDBQuery(types=["host"], filters=[
        Condition(attr="role", op="=", value="mysql"), Condition(attr="cpu_usage", op=">", value=50.0)])  # fmt: skip
    driven = cmdb.run(query)
    scanned = {it.id for it in cmdb.run(CMDBQuery(types=["host"])).items
               if it.attrs["role"] == "mysql" and float(it.attrs["cpu_usage"]) > 50}  # type: ignore[arg-type]  # fmt: skip
    assert {it.id for it in driven.items} == scanned and scanned
