"""Chinese CMDB questions over the demo estate: exact answers per model and answer kind.

    python -m bench.zh_cmdb                          # MiniLM and `multilingual`
    python -m bench.zh_cmdb --models multilingual -v # and each miss, with how it was read

The questions are evals/zh/cmdb_questions.jsonl (written for issue 17 from the spec): each
has a plain filter that says what it means. The estate is the one `opsqkv cmdb demo` loads
(500 hosts, seed 7), loaded through `load_demo` into a temporary SQLite file per model; each
question goes through `CMDB.parse` and `CMDB.run`, the path `opsqkv cmdb ask` takes. The
expected answer is the filter run over the generated items and relations in Python. A hit
is exact: the same set of items, the same number, or the same groups with the same counts;
a question the CMDB refuses ("could not map ...") is a miss. `--model NAME` is a folder or
an installed model's name under the data dir, as `opsqkv --model` takes it.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.common import console, print_footer, table, write_result
from errors import CMDBError
from knowledge.cmdb import CMDB, DEFAULT_DEMO_HOSTS, DEFAULT_DEMO_SEED, load_demo
from knowledge.cmdb.demo import generate
from knowledge.encoder import Encoder
from settings import resolve_model_path, settings_from_env

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = REPO / "evals" / "zh" / "cmdb_questions.jsonl"
Answer = frozenset[str] | int | dict[str, int]


class Oracle:
    """The demo estate in plain Python: runs a question's filter (evals/zh/README.md)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.items: list[dict[str, Any]] = data["items"]
        self.edges: list[tuple[str, str, str]] = [
            (r["from"], r["type"], r["to"]) for r in data["relations"]
        ]

    def answer(self, spec: dict[str, Any]) -> Answer:
        matching = [it for it in self.items if self._keeps(it, spec)]
        if spec.get("group_by"):
            groups: dict[str, int] = defaultdict(int)
            for it in matching:
                value = _field(it, spec["group_by"])
                if value is not None:
                    groups[str(value)] += 1
            return dict(groups)
        if spec.get("count"):
            return len(matching)
        return frozenset(it["id"] for it in matching)

    def _keeps(self, item: dict[str, Any], spec: dict[str, Any]) -> bool:
        if "type" in spec and item["type"] != spec["type"]:
            return False
        if not all(_holds(_field(item, a), op, v) for a, op, v in spec.get("where", [])):
            return False
        related = spec.get("related")
        return related is None or item["id"] in self._reached(related)

    def _reached(self, related: dict[str, Any]) -> set[str]:
        anchor = next(
            it["id"]
            for it in self.items
            if it["type"] == related["of"]["type"] and it["name"] == related["of"]["name"]
        )
        if related["direction"] == "out":
            return {d for s, t, d in self.edges if s == anchor and t == related["relation"]}
        return {s for s, t, d in self.edges if d == anchor and t == related["relation"]}


def _field(item: dict[str, Any], attr: str) -> Any:
    return item["name"] if attr == "name" else item["attrs"].get(attr)


def _holds(have: Any, op: str, want: Any) -> bool:
    """A filter condition; an item lacking the attribute fails it, `!=` included."""
    if have is None:
        return False
    if op == "in":
        return bool(have in want)
    if op == "not in":
        return bool(have not in want)
    if isinstance(want, int | float) and not isinstance(want, bool):
        have = float(have)
    checks = {
        "=": have == want,
        "!=": have != want,
        ">": have > want,
        ">=": have >= want,
        "<": have < want,
        "<=": have <= want,
    }
    return bool(checks[op])


def ask(cmdb: CMDB, question: str, kind: str) -> tuple[Answer | None, str]:
    """The CMDB's answer in the shape `kind` names (None when it has another shape or the
    question was refused), and how the question was read."""
    parsed = cmdb.parse(question)
    read = parsed.query.describe()
    if not parsed.understood:
        return None, parsed.complaint()
    try:
        result = cmdb.run(parsed.query, parsed=parsed)
    except CMDBError as e:
        return None, f"{read}: {e}"
    stats = result.stats
    if kind == "items":
        return (frozenset(it.id for it in result.items) if stats is None else None), read
    if stats is None or stats.agg != "count":
        return None, read
    if kind == "count":
        return (sum(r.count for r in stats.rows) if not stats.group_by else None), read
    if len(stats.group_by) != 1:
        return None, read
    return {stats.label(r): r.count for r in stats.rows}, read


def bench_model(
    name: str, encoder: Encoder, questions: list[dict[str, Any]], oracle: Oracle, verbose: bool
) -> dict[str, Any]:
    """Load the demo estate for one model and ask every question."""
    per_question: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="zh-cmdb-") as tmp:
        cmdb = CMDB.open(
            Path(tmp) / "cmdb.sqlite", create=True, encoder=encoder, cache_dir=Path(tmp) / "keys"
        )
        load_demo(cmdb, hosts=DEFAULT_DEMO_HOSTS, seed=DEFAULT_DEMO_SEED)
        for q in questions:
            expected = oracle.answer(q["filter"])
            got, read = ask(cmdb, q["question"], q["answer_kind"])
            hit = got == expected
            per_question.append({"id": q["id"], "kind": q["answer_kind"], "hit": hit, "read": read})
            if verbose and not hit:
                console.print(f"[{name}] miss {q['id']} {q['question']!r}\n    read as: {read}")
        cmdb.close()
    by_kind: dict[str, list[bool]] = defaultdict(list)
    for row in per_question:
        by_kind[row["kind"]].append(row["hit"])
    return {
        "exact": {k: {"hits": sum(v), "questions": len(v)} for k, v in sorted(by_kind.items())},
        "hits": sum(r["hit"] for r in per_question),
        "questions": len(per_question),
        "per_question": per_question,
    }


def main() -> None:
    args = parse_args()
    questions = [
        json.loads(line) for line in args.questions.read_text("utf-8").splitlines() if line
    ]
    oracle = Oracle(generate(hosts=DEFAULT_DEMO_HOSTS, seed=DEFAULT_DEMO_SEED))
    home = settings_from_env().home  # where `opsqkv model install` put the model
    result: dict[str, Any] = {"questions": len(questions), "models": {}}
    for name in args.models.split(","):
        folder = None if name == "default" else resolve_model_path(Path(name), home)
        result["models"][name] = bench_model(name, Encoder(folder), questions, oracle, args.verbose)
    rows = []
    for name, scored in result["models"].items():
        for kind, s in scored["exact"].items():
            rows.append([name, kind, s["questions"], s["hits"]])
        rows.append([name, "all", scored["questions"], scored["hits"]])
    console.print(
        table("Chinese CMDB questions: exact answers", ["model", "kind", "n", "exact"], rows)
    )
    path = write_result(
        "zh-cmdb", {"models": args.models, "questions": str(args.questions)}, result
    )
    print_footer(path)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.zh_cmdb", description=__doc__)
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--models", default="default,multilingual")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each miss")
    return parser.parse_args()


if __name__ == "__main__":
    main()
