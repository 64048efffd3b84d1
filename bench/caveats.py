"""Precision and recall of the grounding caveat on the written question sets.

    python -m bench.caveats [--kb DIR]

Each question names a technology; half have a runbook about it in the demo KB, half do
not (the closest runbook is about another technology, or none is close). A question
counts as flagged when the answer carries a caveat (a "don't know" that names the missing
technology included). tests/data/caveat_questions.jsonl was used while writing the rules;
tests/data/caveat_questions_heldout.jsonl was written after them and never tuned on.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from agents.qa import QAAgent
from bench.common import console, print_footer, table, write_result
from knowledge.encoder import Encoder
from knowledge.kb import KnowledgeBase, demo_kb_dir

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
SETS = {"written": "caveat_questions.jsonl", "held-out": "caveat_questions_heldout.jsonl"}


def score(agent: QAAgent, path: Path) -> dict[str, Any]:
    """Counts, precision, recall and the wrong calls of one question file."""
    tp = fp = fn = tn = unknown = 0
    wrong = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        answer = agent.answer(item["question"])
        flagged, expected = answer.caveat is not None, bool(item["caveat"])
        tp += flagged and expected
        fp += flagged and not expected
        fn += expected and not flagged
        tn += not flagged and not expected
        unknown += flagged and expected and not answer.known
        if flagged != expected:
            wrong.append(f"{item['question']!r}: caveat {answer.caveat!r}")
    return {
        "questions": tp + fp + fn + tn,
        "tp": tp, "fp": fp, "fn": fn, "tn": tn, "tp_as_dont_know": unknown,
        "precision": tp / max(1, tp + fp),
        "recall": tp / max(1, tp + fn),
        "wrong": wrong,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.caveats", description=__doc__)
    parser.add_argument("--kb", type=Path, help="store folder to (re)use; default a temp one")
    args = parser.parse_args()
    encoder = Encoder()
    with tempfile.TemporaryDirectory() as tmp:
        kb = KnowledgeBase.open(args.kb or Path(tmp) / "kb", create=True, encoder=encoder)
        kb.ingest([demo_kb_dir()])
        agent = QAAgent(kb)
        results = {name: score(agent, DATA / file) for name, file in SETS.items()}
    keys = ["questions", "tp", "tp_as_dont_know", "fp", "fn", "tn", "precision", "recall"]
    rows = [[name, *(r[k] for k in keys)] for name, r in results.items()]
    columns = ["set", "questions", "TP", "of them don't know", "FP", "FN", "TN"]
    columns += ["precision", "recall"]
    console.print(table("grounding caveat on the demo KB", columns, rows))
    for name, r in results.items():
        for miss in r["wrong"]:
            console.print(f"  {name} wrong: {miss}")
    print_footer(write_result("caveats", vars(args), {"sets": results}))


if __name__ == "__main__":
    main()
