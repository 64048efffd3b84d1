"""CMDB questions as ops engineers type them, checked against plain Python filters over the
same demo estate: exact sets of items, relation hops, negation, or, ranges, counts."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from statistics import mean
from typing import Any

import pytest

from errors import CMDBError
from knowledge.cmdb import CMDB
from knowledge.cmdb.demo import generate
from knowledge.encoder import Encoder

HOSTS = 1000
SEED = 7


class Estate:
    """The generated load data, indexed for plain-Python oracles."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.items: list[dict[str, Any]] = data["items"]
        self.by_id = {it["id"]: it for it in self.items}
        self.by_name = {it["name"]: it for it in self.items}
        self.order = {it["id"]: n for n, it in enumerate(self.items)}
        self.out: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.into: dict[tuple[str, str], list[str]] = defaultdict(list)
        for r in data["relations"]:
            self.out[(r["from"], r["type"])].append(r["to"])
            self.into[(r["to"], r["type"])].append(r["from"])

    def of(self, type_name: str, **where: Any) -> list[dict[str, Any]]:
        return [
            it
            for it in self.items
            if it["type"] == type_name and all(it["attrs"].get(k) == v for k, v in where.items())
        ]

    def ids(self, items: list[dict[str, Any]]) -> set[str]:
        return {it["id"] for it in items}

    def targets(self, name: str, rel: str) -> set[str]:
        return set(self.out[(self.by_name[name]["id"], rel)])

    def sources(self, name: str, rel: str) -> set[str]:
        return set(self.into[(self.by_name[name]["id"], rel)])

    def a(self, it: dict[str, Any], key: str) -> Any:
        return it["attrs"].get(key)


@pytest.fixture(scope="module")
def estate() -> Estate:
    return Estate(generate(hosts=HOSTS, seed=SEED))


@pytest.fixture(scope="module")
def cmdb(encoder: Encoder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CMDB]:
    folder: Path = tmp_path_factory.mktemp("cmdb-queries")
    db = CMDB.open(folder / "cmdb.sqlite", create=True, encoder=encoder, cache_dir=folder / "keys")
    db.load(generate(hosts=HOSTS, seed=SEED))
    yield db
    db.close()


E = Estate
Oracle = Callable[[Estate], set[str]]


def _host_running_a_service(e: E) -> str:
    return next(
        e.by_id[h]["name"]
        for (s, rel), hs in e.out.items()
        if rel == "runs_on" and s.startswith("svc-")
        for h in hs
    )


def _walk(e: E, start: str, rel: str, depth: int) -> set[str]:
    seen: set[str] = set()
    frontier = {e.by_name[start]["id"]}
    for _ in range(depth):
        frontier = {d for s in frontier for d in e.out[(s, rel)]} - seen
        seen |= frontier
    return seen - {e.by_name[start]["id"]}


CASES: list[tuple[str, Oracle]] = [
    ("prod mysql hosts in sh-1 with cpu over 80%",
     lambda e: e.ids([h for h in e.of("host", env="prod", role="mysql", idc="sh-1") if e.a(h, "cpu_usage") > 80])),
    ("staging redis caches not in bj-2",
     lambda e: e.ids([c for c in e.of("cache", env="staging", engine="redis") if e.a(c, "idc") != "bj-2"])),
    ("web hosts with more than 16 cores and less than 64GB ram",
     lambda e: e.ids([h for h in e.of("host", role="web") if e.a(h, "cpu_cores") > 16 and e.a(h, "mem_gb") < 64])),
    ("which hosts does payment-api run on", lambda e: e.targets("payment-api", "runs_on")),
    ("hosts that payment-api runs on", lambda e: e.targets("payment-api", "runs_on")),
    ("what does order-service depend on", lambda e: e.targets("order-service", "depends_on")),
    ("what depends on orders-db-prod", lambda e: e.sources("orders-db-prod", "depends_on")),
    ("databases payment-api depends on",
     lambda e: {i for i in e.targets("payment-api", "depends_on") if e.by_id[i]["type"] == "database"}),
    ("payment-api hosts in prod",
     lambda e: {i for i in e.targets("payment-api", "runs_on") if e.a(e.by_id[i], "env") == "prod"}),
    ("everything order-service depends on, transitively", lambda e: _walk(e, "order-service", "depends_on", 4)),
    ("members of k8s-prod-sh-1", lambda e: e.sources("k8s-prod-sh-1", "member_of")),
    ("hosts in cluster k8s-staging-bj-1", lambda e: e.sources("k8s-staging-bj-1", "member_of")),
    ("hosts behind lb-prod-sh-1", lambda e: e.targets("lb-prod-sh-1", "connects_to")),
    ("db servers in production",
     lambda e: {h for s, rel in list(e.out) if rel == "runs_on" and e.by_id[s]["type"] == "database"
                for h in e.out[(s, rel)] if e.a(e.by_id[h], "env") == "prod"}),
    ("hosts in sh-1 or bj-2 with disk usage between 20 and 40",
     lambda e: e.ids([h for h in e.of("host") if e.a(h, "idc") in ("sh-1", "bj-2") and 20 <= e.a(h, "disk_usage") <= 40])),
    ("prod hosts in shanghai",
     lambda e: e.ids([h for h in e.of("host", env="prod") if e.a(h, "idc") in ("sh-1", "sh-2")])),
    ("non-prod ubuntu hosts owned by team-payments",
     lambda e: e.ids([h for h in e.of("host", owner="team-payments") if e.a(h, "env") != "prod" and e.a(h, "os").startswith("ubuntu")])),
    ("centos hosts not in prod or staging",
     lambda e: e.ids([h for h in e.of("host", os="centos-7") if e.a(h, "env") not in ("prod", "staging")])),
    ("stopped hosts in gz-1", lambda e: e.ids(e.of("host", status="stopped", idc="gz-1"))),
    ("hosts that are down in bj-1", lambda e: e.ids(e.of("host", status="stopped", idc="bj-1"))),
    ("app servers in prod", lambda e: e.ids(e.of("host", role="app", env="prod"))),
    ("postgres dbs in staging", lambda e: e.ids(e.of("database", engine="postgres", env="staging"))),
    ("mysql databases bigger than 500 gb",
     lambda e: e.ids([d for d in e.of("database", engine="mysql") if e.a(d, "size_gb") > 500])),
    ("kafka queues with lag over 10000", lambda e: e.ids([q for q in e.of("queue", engine="kafka") if e.a(q, "lag") > 10000])),
    ("caches with hit rate below 80%", lambda e: e.ids([c for c in e.of("cache") if e.a(c, "hit_rate") < 80])),
    ("java services owned by team-orders", lambda e: e.ids(e.of("service", language="java", owner="team-orders"))),
    ("high criticality services", lambda e: e.ids(e.of("service", criticality="high"))),
    ("redis hosts with memory usage above 90 percent",
     lambda e: e.ids([h for h in e.of("host", role="redis") if e.a(h, "mem_usage") > 90])),
    ("dev hosts with 8 cores", lambda e: e.ids(e.of("host", env="dev", cpu_cores=8))),
    ("hosts with at least 32 cores and at least 128 gb of memory",
     lambda e: e.ids([h for h in e.of("host") if e.a(h, "cpu_cores") >= 32 and e.a(h, "mem_gb") >= 128])),
    ("hosts with cpu between 20% and 40% in bj-2 owned by team-web",
     lambda e: e.ids([h for h in e.of("host", idc="bj-2", owner="team-web") if 20 <= e.a(h, "cpu_usage") <= 40])),
    ("dev hosts with disk usage over 90% not in sh-2",
     lambda e: e.ids([h for h in e.of("host", env="dev") if e.a(h, "disk_usage") > 90 and e.a(h, "idc") != "sh-2"])),
    ("prod or staging postgres databases in bj-1",
     lambda e: e.ids([d for d in e.of("database", engine="postgres", idc="bj-1") if e.a(d, "env") in ("prod", "staging")])),
    ("hosts in sh-1 or with cpu over 95%",
     lambda e: e.ids([h for h in e.of("host") if e.a(h, "idc") == "sh-1" or e.a(h, "cpu_usage") > 95])),
    ("rocky hosts with cpu under 10%", lambda e: e.ids([h for h in e.of("host", os="rocky-9") if e.a(h, "cpu_usage") < 10])),
    ("staging hosts with less than 16gb ram", lambda e: e.ids([h for h in e.of("host", env="staging") if e.a(h, "mem_gb") < 16])),
    ("ubuntu 22.04 hosts in gz-1 with 64 cores", lambda e: e.ids(e.of("host", os="ubuntu-22.04", idc="gz-1", cpu_cores=64))),
    ("load balancers in prod", lambda e: e.ids(e.of("load_balancer", env="prod"))),
    ("k8s clusters in sh-2", lambda e: e.ids(e.of("cluster", idc="sh-2"))),
    ("hosts not owned by team-infra in gz-1 running debian",
     lambda e: e.ids([h for h in e.of("host", idc="gz-1", os="debian-12") if e.a(h, "owner") != "team-infra"])),
    ("production batch hosts excluding sh-1 and sh-2 with less than 20% disk used",
     lambda e: e.ids([h for h in e.of("host", env="prod", role="batch")
                      if e.a(h, "idc") not in ("sh-1", "sh-2") and e.a(h, "disk_usage") < 20])),
    ("hosts with high cpu in gz-1", lambda e: e.ids([h for h in e.of("host", idc="gz-1") if e.a(h, "cpu_usage") > 80])),
    ("where is payment-api running", lambda e: e.targets("payment-api", "runs_on")),
    ("staging hosts running payment-api",
     lambda e: {i for i in e.targets("payment-api", "runs_on") if e.a(e.by_id[i], "env") == "staging"}),
    ("services running on {host}", lambda e: e.sources(_host_running_a_service(e), "runs_on")),
    ("what runs on {host}", lambda e: e.sources(_host_running_a_service(e), "runs_on")),
]  # fmt: skip


@pytest.mark.parametrize(("question", "oracle"), CASES, ids=[q for q, _ in CASES])
def test_cmdb_queries_return_exactly_the_python_filter(
    cmdb: CMDB, estate: Estate, question: str, oracle: Oracle
) -> None:
    question = question.format(host=_host_running_a_service(estate))
    expected = oracle(estate)
    result = cmdb.ask(question)
    assert {it.id for it in result.items} == expected, result.query.describe()
    assert result.total == len(expected)


def test_cmdb_queries_top_n_by_attribute_is_sorted_and_limited(cmdb: CMDB, estate: Estate) -> None:
    # ties go by load order, in the sort's direction
    hosts = sorted(
        estate.of("host"), key=lambda h: (-h["attrs"]["cpu_usage"], -estate.order[h["id"]])
    )
    assert [it.id for it in cmdb.ask("top 5 hosts by cpu").items] == [h["id"] for h in hosts[:5]]
    prod = [h for h in hosts if h["attrs"]["env"] == "prod"]
    assert [it.id for it in cmdb.ask("10 busiest prod hosts").items] == [h["id"] for h in prod[:10]]


def _counts(result: Any) -> dict[tuple[str | None, ...], int]:
    return {row.group: row.count for row in result.stats.rows}


def test_cmdb_queries_count_per_group(cmdb: CMDB, estate: Estate) -> None:
    expected = Counter((h["attrs"]["idc"],) for h in estate.of("host"))
    assert _counts(cmdb.ask("how many hosts per idc")) == dict(expected)
    prod = Counter((h["attrs"]["os"],) for h in estate.of("host", env="prod"))
    assert _counts(cmdb.ask("count prod hosts by os")) == dict(prod)
    two = Counter((d["attrs"]["engine"], d["attrs"]["env"]) for d in estate.of("database"))
    assert _counts(cmdb.ask("how many databases per engine and env")) == dict(two)


def test_cmdb_queries_count_without_group_is_one_total(cmdb: CMDB, estate: Estate) -> None:
    result = cmdb.ask("how many staging hosts are in sh-1")
    assert result.stats is not None and _counts(result) == {
        (): len(estate.of("host", env="staging", idc="sh-1"))
    }


def test_cmdb_queries_average_and_total_per_group(cmdb: CMDB, estate: Estate) -> None:
    result = cmdb.ask("average cpu of hosts per env")
    assert result.stats is not None and result.stats.agg == "avg"
    for row in result.stats.rows:
        want = mean(h["attrs"]["cpu_usage"] for h in estate.of("host", env=row.group[0]))
        assert row.value == pytest.approx(want)
    total = cmdb.ask("total memory of redis hosts per idc")
    assert total.stats is not None
    for row in total.stats.rows:
        assert row.value == sum(
            h["attrs"]["mem_gb"] for h in estate.of("host", role="redis", idc=row.group[0])
        )


def test_cmdb_queries_unmappable_words_raise_with_what_was_understood(cmdb: CMDB) -> None:
    with pytest.raises(CMDBError) as caught:
        cmdb.ask("purple unicorn hosts in sh-1")
    message = str(caught.value)
    assert "purple unicorn" in message and "type host" in message and "idc = sh-1" in message


def test_cmdb_queries_number_without_attribute_is_not_guessed(cmdb: CMDB) -> None:
    parsed = cmdb.parse("hosts over 80%")
    assert not parsed.understood and parsed.problems
    assert not parsed.query.filters


def test_cmdb_queries_free_text_ranks_by_attention(cmdb: CMDB) -> None:
    result = cmdb.ask("services related to payments")
    assert result.query.text == "payments"
    assert result.items[0].name == "payment-api"
    assert list(result.scores.values()) == sorted(result.scores.values(), reverse=True)


def test_cmdb_queries_sql_in_a_question_is_only_words(cmdb: CMDB) -> None:
    before = cmdb.store.count_items()
    with pytest.raises(CMDBError):
        cmdb.ask("hosts in sh-1'; DROP TABLE items; --")
    assert cmdb.store.count_items() == before


def test_cmdb_queries_a_relation_that_cannot_reach_the_type_says_so(cmdb: CMDB) -> None:
    with pytest.raises(CMDBError, match="order-service \\(service\\) has no depends_on to host"):
        cmdb.ask("dependencies of order-service and their hosts")
