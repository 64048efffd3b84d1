"""A bot process for the kill tests: `python tests/fault_bot_worker.py HOME URL PREFIX SESSION`.

Loads the whole bot (as a worker would), prints `ready`, then sends the incident
conversation one turn at a time, printing `turn <i>` before each, until it is killed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fault_redis import INCIDENT, NOW, fault_bot

from knowledge.encoder import Encoder


def main(home: str, url: str, prefix: str, session: str) -> None:
    bot = fault_bot(Path(home), url, prefix, Encoder())
    print("ready", flush=True)
    for i, text in enumerate(INCIDENT):
        print(f"turn {i}", flush=True)
        bot.handle(session, text, now=NOW, message_id=f"m-{i}")
    print("done", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:5])
