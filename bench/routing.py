"""Routing accuracy of the OpsBot router on the labelled message set, with a confusion matrix.

python -m bench.routing [--data tests/data/routing_messages.jsonl]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from agents.routing import router_for
from agents.tickets import load_templates
from evals.routing import score_routing
from knowledge.encoder import Encoder
from settings import resolve_model_path, settings_from_env

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=REPO / "tests/data/routing_messages.jsonl")
    parser.add_argument(
        "--model", default=None, help="a model folder or installed name (default: MiniLM)"
    )
    args = parser.parse_args()
    home = settings_from_env().home
    encoder = Encoder(None if args.model is None else resolve_model_path(Path(args.model), home))
    router = router_for(encoder, load_templates(None).values())
    score = score_routing(router, encoder, args.data)
    console = Console()
    console.print(f"routing accuracy: {score.correct}/{score.total} = {score.accuracy:.3f}")
    table = Table(title="confusion (rows: gold, columns: predicted)")
    table.add_column("gold")
    for label in score.labels:
        table.add_column(label.replace("ticket:", "t:"), justify="right")
    for gold in score.labels:
        cells = [str(score.confusion.get((gold, pred), 0) or "") for pred in score.labels]
        table.add_row(gold, *cells)
    console.print(table)
    for text, gold, pred in score.mistakes:
        console.print(f"[dim]{gold} -> {pred}: {text}[/]")
    out = REPO / "bench" / "results" / "routing.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    confusion = {f"{g}->{p}": n for (g, p), n in score.confusion.items()}
    result = {"accuracy": score.accuracy, "total": score.total, "confusion": confusion}
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
