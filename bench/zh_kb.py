"""Chinese questions over the demo KB and the shared runbooks: first-hit rate per model.

    python -m bench.zh_kb                                  # MiniLM and `multilingual`
    python -m bench.zh_kb --models multilingual --modes hybrid,dense,bm25

The questions are evals/zh/kb_questions.jsonl (written for issue 17 from the spec, before
any results were seen): plain Chinese and Chinese mixed with English terms, each with the
runbook file(s) that answer it. Each corpus is ingested through the product's own path into
a temporary store per model (`--model NAME` is a folder or an installed model's name under
the data dir, as `opsqkv --model` takes it), and each question is asked in each mode; a hit
at 1 is a first passage from an expected file. The baseline is the shipped MiniLM, run the
same way in the same process.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.common import console, table, write_result
from bench.runbooks import file_ranking
from knowledge.encoder import Encoder
from knowledge.kb import KnowledgeBase, demo_kb_dir
from settings import resolve_model_path, settings_from_env

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = REPO / "evals" / "zh" / "kb_questions.jsonl"


def main() -> None:
    args = parse_args()
    questions = [
        json.loads(line) for line in args.questions.read_text("utf-8").splitlines() if line
    ]
    roots = {"demo": demo_kb_dir(), "runbooks": args.eval_dir / "runbooks"}
    home = settings_from_env().home  # where `opsqkv model install` put the model
    result: dict[str, Any] = {"questions": len(questions), "models": {}}
    for name in args.models.split(","):
        folder = None if name == "default" else resolve_model_path(Path(name), home)
        encoder = Encoder(folder)
        scores: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        with tempfile.TemporaryDirectory(prefix="zh-kb-") as tmp:
            for corpus, root in roots.items():
                asked = [q for q in questions if q["corpus"] == corpus]
                if not asked:
                    continue
                kb = KnowledgeBase.open(Path(tmp) / corpus, create=True, encoder=encoder)
                kb.ingest([root])
                for mode in args.modes.split(","):
                    for q in asked:
                        files = [f for f, _ in file_ranking(kb, q["question"], mode, root)]
                        expected = {str(e) for e in q["expected"]}
                        rank = next(
                            (i for i, f in enumerate(files, 1) if _matches(f, expected)), None
                        )
                        key = f"{corpus}/{q['kind']}"
                        scores[mode][key].append(0 if rank is None else rank)
        result["models"][name] = {
            mode: {
                key: {
                    "questions": len(ranks),
                    "first": sum(r == 1 for r in ranks) / len(ranks),
                    "top5": sum(0 < r <= 5 for r in ranks) / len(ranks),
                }
                for key, ranks in sorted(by_kind.items())
            }
            for mode, by_kind in scores.items()
        }
    print_table(result)
    path = write_result("zh-kb", {"models": args.models, "modes": args.modes}, result)
    console.print(f"result written to {path}")


def _matches(found: str, expected: set[str]) -> bool:
    """A ranked file (relative to its corpus folder) is expected when it is listed, with or
    without the folder the KB cites it under ("disk-full.md" is "kb/disk-full.md")."""
    return any(found == e or e.endswith("/" + found) for e in expected)


def print_table(result: dict[str, Any]) -> None:
    rows = []
    for model, modes in result["models"].items():
        for mode, kinds in modes.items():
            for kind, s in kinds.items():
                rows.append([model, mode, kind, s["questions"], s["first"], s["top5"]])
    console.print(
        table(
            "Chinese questions: right runbook first",
            ["model", "mode", "corpus/kind", "n", "first", "top 5"],
            rows,
        )
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.zh_kb", description=__doc__)
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--eval-dir", type=Path, default=REPO.parent / "shared" / "eval")
    parser.add_argument("--models", default="default,multilingual")
    parser.add_argument("--modes", default="hybrid,dense,bm25")
    return parser.parse_args()


if __name__ == "__main__":
    main()
