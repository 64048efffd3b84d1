"""Chinese CMDB questions as Chinese-speaking on-call engineers type them: the words of
evals/zh/README.md (生产 = prod, 上海一区 = sh-1, 以上 includes the number ...) read into the
same conditions as English, and answers checked against plain Python filters."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from knowledge.cmdb import CMDB
from knowledge.cmdb.demo import generate
from knowledge.cmdb.language import tokenize
from knowledge.cmdb.models import Condition
from knowledge.encoder import Encoder

HOSTS = 500
SEED = 7


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    return generate(hosts=HOSTS, seed=SEED)


@pytest.fixture(scope="module")
def cmdb(
    encoder: Encoder, data: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CMDB]:
    folder: Path = tmp_path_factory.mktemp("cmdb-chinese")
    db = CMDB.open(folder / "cmdb.sqlite", create=True, encoder=encoder, cache_dir=folder / "keys")
    db.load(data)
    yield db
    db.close()


def _ids(data: dict[str, Any], type_name: str, keep: Any) -> set[str]:
    return {it["id"] for it in data["items"] if it["type"] == type_name and keep(it["attrs"])}


def _conditions(cmdb: CMDB, question: str) -> set[str]:
    parsed = cmdb.parse(question)
    assert parsed.understood, parsed.complaint()
    return {c.describe() for c in parsed.query.filters}


def test_cmdb_chinese_tokens_are_words_not_characters() -> None:
    words = [w.low for w in tokenize("CPU超过80%的主机，内存小于64G")]
    assert words == ["cpu", "超过", "80%", "的", "主机", ",", "内存", "小于", "64g"]


def test_cmdb_chinese_tokens_keep_offsets_and_read_numerals() -> None:
    question = "前五台ｗｅｂ服务器"
    words = tokenize(question)
    assert [w.low for w in words] == ["前", "5", "台", "web", "服务器"]
    assert [question[w.start : w.end] for w in words] == [w.text for w in words]


@pytest.mark.parametrize(
    ("question", "types", "conditions"),
    [
        ("预发环境的主机有哪些", ["host"], {"env = staging"}),
        ("北京一区 CPU 使用率高于 90% 的服务器", ["host"], {"idc = bj-1", "cpu_usage > 90.0"}),
        ("内存不超过 32G 的 redis 缓存", ["cache"], {"engine = redis", "mem_gb <= 32.0"}),
        ("8 核以下的开发环境机器", ["host"], {"cpu_cores <= 8.0", "env = dev"}),
        ("测试环境里的节点", ["host"], {"env = dev"}),
        ("除了广州机房以外的生产主机", ["host"], {"idc != gz-1", "env = prod"}),
        ("磁盘使用率低于20%、已经停掉的主机", ["host"], {"disk_usage < 20.0", "status = stopped"}),
        ("上海二区或北京二区的机器", ["host"], {"idc in [sh-2, bj-2]"}),
        ("大于 1000G 的 PostgreSQL 库", ["database"], {"engine = postgres", "size_gb > 1000.0"}),
    ],
)
def test_cmdb_chinese_conditions_link_to_the_english_terms(
    cmdb: CMDB, question: str, types: list[str], conditions: set[str]
) -> None:
    parsed = cmdb.parse(question)
    assert parsed.understood, parsed.complaint()
    assert parsed.query.types == types
    assert {c.describe() for c in parsed.query.filters} == conditions


def test_cmdb_chinese_post_negation_applies_to_what_came_before(cmdb: CMDB) -> None:
    assert _conditions(cmdb, "生产环境的主机，北京一区的不要") == {"env = prod", "idc != bj-1"}


def test_cmdb_chinese_city_names_both_zones(cmdb: CMDB, data: dict[str, Any]) -> None:
    result = cmdb.ask("上海的生产主机")
    expected = _ids(data, "host", lambda a: a["env"] == "prod" and a["idc"].startswith("sh-"))
    assert {it.id for it in result.items} == expected


def test_cmdb_chinese_count_with_negation(cmdb: CMDB, data: dict[str, Any]) -> None:
    result = cmdb.ask("不是生产环境的 kafka 队列有多少个")
    expected = _ids(data, "queue", lambda a: a["engine"] == "kafka" and a["env"] != "prod")
    assert result.stats is not None and not result.stats.group_by
    assert sum(r.count for r in result.stats.rows) == len(expected)


def test_cmdb_chinese_groups_per_attribute(cmdb: CMDB, data: dict[str, Any]) -> None:
    result = cmdb.ask("按机房统计 mysql 数据库的数量")
    assert result.stats is not None and list(result.stats.group_by) == ["idc"]
    got = {result.stats.label(r): r.count for r in result.stats.rows}
    dbs = [it for it in data["items"] if it["type"] == "database"]
    assert got == dict(
        Counter(it["attrs"]["idc"] for it in dbs if it["attrs"]["engine"] == "mysql")
    )


def test_cmdb_chinese_each_env_host_count(cmdb: CMDB, data: dict[str, Any]) -> None:
    result = cmdb.ask("每个环境有几台机器")
    assert result.stats is not None and list(result.stats.group_by) == ["env"]
    hosts = [it for it in data["items"] if it["type"] == "host"]
    got = {result.stats.label(r): r.count for r in result.stats.rows}
    assert got == dict(Counter(it["attrs"]["env"] for it in hosts))


def test_cmdb_chinese_top_n_sorts_by_the_attribute_said_first(cmdb: CMDB) -> None:
    parsed = cmdb.parse("CPU 最高的 3 台主机")
    assert parsed.understood, parsed.complaint()
    assert parsed.query.sort is not None and parsed.query.sort.attr == "cpu_usage"
    assert parsed.query.sort.descending and parsed.query.limit == 3


def test_cmdb_chinese_relation_verb_after_the_host(cmdb: CMDB, data: dict[str, Any]) -> None:
    service = next(it for it in data["items"] if it["name"] == "payment-api")
    hosts = {
        r["to"] for r in data["relations"] if r["from"] == service["id"] and r["type"] == "runs_on"
    }
    result = cmdb.ask("哪些主机上跑着 payment-api")
    assert {it.id for it in result.items} == hosts


def test_cmdb_chinese_unknown_word_is_reported_not_guessed(cmdb: CMDB) -> None:
    parsed = cmdb.parse("生产环境的彩虹独角兽")
    assert not parsed.understood
    assert parsed.query.filters == [Condition(attr="env", op="=", value="prod")]


def test_cmdb_chinese_passive_verb_points_at_the_item(cmdb: CMDB, data: dict[str, Any]) -> None:
    db = next(it for it in data["items"] if it["name"] == "orders-db-prod")
    callers = {
        r["from"] for r in data["relations"] if r["to"] == db["id"] and r["type"] == "depends_on"
    }
    result = cmdb.ask("orders-db-prod 被哪些服务依赖")
    assert {it.id for it in result.items} == callers


def test_cmdb_chinese_type_after_a_name_only_classifies_it(cmdb: CMDB) -> None:
    parsed = cmdb.parse("k8s-prod-sh-1 这个集群里有哪些机器")
    assert parsed.understood, parsed.complaint()
    assert parsed.query.types == ["host"]
    assert parsed.query.hop is not None and parsed.query.hop.relation == "member_of"


def test_cmdb_chinese_word_for_several_types(cmdb: CMDB) -> None:
    parsed = cmdb.parse("user-service 依赖哪些数据存储")
    assert parsed.understood, parsed.complaint()
    assert parsed.query.types == ["cache", "database", "queue"]
