"""The grammar around schema linking: tokens, numbers with units, comparisons and ranges,
negation, 'or', counts, group-by, top-N and relation phrases."""

from __future__ import annotations

import pytest

from knowledge.cmdb.language.grammar import Mark, scan, tokenize


def _marks(question: str, kind: str) -> list[Mark]:
    return [m for m in scan(tokenize(question)) if m.kind == kind]


def test_cmdb_grammar_tokens_keep_names_and_split_non() -> None:
    words = [
        w.low
        for w in tokenize(
            "Non-prod payment-api's hosts in sh-1 on ubuntu-22.04, ip 10.0.0.5 with >64GB?"
        )
    ]
    assert words == ["non", "prod", "payment-api", "hosts", "in", "sh-1", "on", "ubuntu-22.04", ",",
                     "ip", "10.0.0.5", "with", ">", "64gb"]  # fmt: skip


@pytest.mark.parametrize(
    ("question", "op", "numbers", "unit"),
    [
        ("cpu over 80%", ">", [80.0], "pct"),
        ("more than 16 cores", ">", [16.0], "cores"),
        ("less than 64 GB ram", "<", [64.0], "gb"),
        ("ram < 64gb", "<", [64.0], "gb"),
        ("at least 2 tb of disk", ">=", [2.0], "tb"),
        ("disk between 20 and 40", "between", [20.0, 40.0], None),
        ("cpu 20-40%", "between", [20.0, 40.0], "pct"),
        ("cpu from 40% to 20%", "between", [20.0, 40.0], "pct"),
        ("cpu not over 80 percent", "<=", [80.0], "pct"),
        ("16+ cores", ">=", [16.0], "cores"),
        ("8 cores or more", ">=", [8.0], "cores"),
        ("with 32gb ram", "=", [32.0], "gb"),
        ("no more than 4 cpus", "<=", [4.0], "cores"),
    ],
)
def test_cmdb_grammar_reads_comparisons(
    question: str, op: str, numbers: list[float], unit: str | None
) -> None:
    (mark,) = _marks(question, "compare")
    assert (mark.op, mark.numbers, mark.unit) == (op, numbers, unit)


def test_cmdb_grammar_bare_number_is_not_a_comparison() -> None:
    assert _marks("top 5 hosts", "compare") == []
    (sort,) = _marks("top 5 hosts by cpu", "sort")
    assert sort.count == 5 and sort.direction == "desc"
    (busiest,) = _marks("10 busiest hosts", "sort")
    assert busiest.count == 10 and busiest.name == "cpu_usage"


def test_cmdb_grammar_marks_negation_or_and_aggregates() -> None:
    marks = scan(tokenize("how many hosts not in staging or dev per idc"))
    kinds = [m.kind for m in marks]
    assert kinds == ["agg", "neg", "or", "group"]
    assert marks[0].name == "count"
    assert [m.name for m in _marks("average cpu per env", "agg")] == ["avg"]


@pytest.mark.parametrize(
    ("question", "relation", "direction"),
    [
        ("what does order-service depend on", "depends_on", "positional"),
        ("hosts hosting payment-api", "runs_on", "out"),
        ("dependencies of checkout-web", "depends_on", "out"),
        ("dependents of orders-db", "depends_on", "in"),
        ("members of k8s-prod-sh-1", "member_of", "in"),
        ("hosts behind lb-prod-sh-1", "connects_to", "out"),
        ("neighbours of web-01", "", "both"),
    ],
)
def test_cmdb_grammar_relation_phrases(question: str, relation: str, direction: str) -> None:
    (mark,) = _marks(question, "rel")
    assert (mark.name, mark.direction) == (relation, direction)
