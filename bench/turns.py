"""End-to-end turns: `OpsBot.handle` latency for Q&A, ticket and CMDB turns, and throughput.

    python -m bench.turns                               # real Redis from OPSQKV_REDIS_URL
    python -m bench.turns --redis-url redis://127.0.0.1:6379/13 --rounds 5
    python -m bench.turns --profile                     # pyinstrument over a few turns

Against a real Redis (sessions under a private prefix, deleted at the end) and the
embedded defaults otherwise (demo KB, demo CMDB, shipped templates, all built in a
temporary OPSQKV_HOME before timing). The model is warm: a few turns run before any
timing. Questions do not repeat (up to the pools' sizes), so the encoder's cache of
repeated texts does not flatter Q&A or CMDB turns; ticket turns do repeat short answers
("sev1", "yes"), as users do. The encoder alone is timed on the same texts (a model
pass, no cache), to say how much of a turn it takes. Throughput: 1, 4 and 16 threads, each
driving its own sessions through the mixed script.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import console, print_footer, summarize, table, write_result
from knowledge.encoder import Encoder
from settings import Settings

# Q&A and CMDB questions are each asked in a fresh session; a round takes the next few
# of each pool, so no question text repeats until a pool is used up (then the encoder's
# cache of repeated texts serves it, and the JSON says how many turns that was).
QA = [
    "how do I fix a full disk",
    "nginx returns 502 bad gateway, what should I check",
    "we ran out of inodes although df shows free space",
    "how do I deal with mysql replication lag",
    "what should I do about pods stuck in CrashLoopBackOff",
    "how do I renew a TLS certificate that expires tomorrow",
    "the OOM killer keeps killing java, how do I fix it",
    "how do I fix clock drift when ntp looks broken",
    "how do I fix mysql too many connections",
    "what causes redis to evict keys",
    "kafka consumer lag keeps growing, what do I check",
    "how do I roll back a bad deploy",
    "elasticsearch cluster health is red, what now",
    "ssh says permission denied publickey, how do I fix it",
    "how do I find what is using all the CPU",
    "postgres queries got slow, should I vacuum",
]
CMDB = [
    "prod mysql hosts in idc sh-1 with cpu over 80%",
    "how many hosts per idc",
    "prod hosts in bj-2 with disk usage over 90%",
    "count prod hosts by os",
    "staging redis hosts in sh-1",
    "average cpu of hosts per env",
    "list web hosts with more than 16 cores",
    "how many mysql hosts per env",
]
TICKET = [
    "open an incident: {service} on {host} is down since 10:30",
    "sev1",
    "customers cannot use {service}",
    "yes, submit it",
]
WARM_UP = ["/kb how do I restart a service", "/cmdb how many hosts", "open an incident"]
SERVICES = ["payment-api", "order-service", "checkout-web", "user-service"]
PER_ROUND = {"qa": 4, "ticket": len(TICKET), "cmdb": 2}
KINDS = ("qa", "ticket", "cmdb")
LATENCY_KINDS = ("qa", "qa_warm", "ticket", "cmdb")


def main() -> None:
    args = parse_args()
    try:
        from agents import OpsBot
    except ImportError as e:
        raise SystemExit(
            f"OpsBot is not available yet ({e}); bench.turns needs agents/bot.py"
        ) from e
    home = Path(tempfile.mkdtemp(prefix="opsqkv-bench-turns-")) if args.home is None else args.home
    prefix = f"opsqkv-bench:{uuid.uuid4().hex[:8]}:"
    settings = Settings(home=home, redis_url=args.redis_url, redis_prefix=prefix)
    encoder = Encoder()  # loaded before timing; shared with the bot as the CLI shares it
    with console.status("opening OpsBot (demo KB, demo CMDB, templates)") as status:
        start = time.perf_counter()
        bot = OpsBot.open(
            settings=settings,
            encoder=encoder,
            progress=lambda step, _done, _total: status.update(step),
        )
        open_s = time.perf_counter() - start
    try:
        for text in WARM_UP:  # model, indexes, templates, CMDB: touched before any timing
            bot.handle(f"warm-{uuid.uuid4().hex[:8]}", text)
        latencies, agents = measure_latencies(bot, args.rounds)
        encoder_ms = encoder_share(encoder, args.rounds)
        throughput = measure_throughput(bot, args.threads, args.turns_per_thread)
        profile = profile_turns(bot) if args.profile else None
    finally:
        deleted = clean_redis(args.redis_url, prefix)
        if args.home is None:
            shutil.rmtree(home, ignore_errors=True)
    payload = {
        "open_s": open_s,
        "latency": {k: summarize(v).as_dict() for k, v in latencies.items()},
        "agents": {k: dict(v) for k, v in agents.items()},
        "repeated_texts": {
            "qa": max(0, args.rounds * PER_ROUND["qa"] - len(QA)),
            "cmdb": max(0, args.rounds * PER_ROUND["cmdb"] - len(CMDB)),
        },
        "encoder_only": encoder_ms,
        "throughput": throughput,
        "profile": profile,
        "redis_keys_deleted": deleted,
    }
    print_tables(payload)
    print_footer(write_result("turns", vars(args), payload))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.turns", description=__doc__)
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("OPSQKV_REDIS_URL")
        or os.environ.get("OPSQKV_TEST_REDIS_URL")
        or "redis://127.0.0.1:6379/13",
    )
    parser.add_argument(
        "--rounds", type=int, default=4, help="rounds: 4 Q&A, 2 CMDB questions, 1 ticket each"
    )
    parser.add_argument(
        "--threads", type=lambda s: [int(x) for x in s.split(",")], default=[1, 4, 16]
    )
    parser.add_argument("--turns-per-thread", type=int, default=12)
    parser.add_argument("--home", type=Path, default=None, help="reuse this OPSQKV_HOME")
    parser.add_argument("--profile", action="store_true", help="pyinstrument over a few turns")
    return parser.parse_args()


def script(kind: str, round_: int) -> list[str]:
    """The turns of one kind for one round: the next questions of a pool, or one ticket."""
    if kind == "ticket":
        host, service = f"web-{round_:03d}", SERVICES[round_ % len(SERVICES)]
        return [line.format(host=host, service=service) for line in TICKET]
    pool = QA if kind == "qa" else CMDB
    take = PER_ROUND[kind]
    return [pool[(round_ * take + i) % len(pool)] for i in range(take)]


def run_script(bot: Any, session: str, kind: str, round_: int) -> list[tuple[float, str]]:
    """Each turn's (seconds, answering agent); questions get a session each, a ticket one."""
    out: list[tuple[float, str]] = []
    for i, text in enumerate(script(kind, round_)):
        start = time.perf_counter()
        reply = bot.handle(session if kind == "ticket" else f"{session}-{i}", text)
        out.append((time.perf_counter() - start, str(reply.agent)))
    return out


def measure_latencies(
    bot: Any, rounds: int
) -> tuple[dict[str, list[float]], dict[str, Counter[str]]]:
    """Per kind; then "qa_warm": each Q&A question again, reworded, on warm sentence keys.

    The Q&A agent encodes the sentences of the passages it retrieves the first time it
    uses them (cached on disk after that); the reworded pass shows a turn once those
    keys are cached, while the question text itself is still new to the encoder.
    """
    latencies: dict[str, list[float]] = {k: [] for k in LATENCY_KINDS}
    agents: dict[str, Counter[str]] = {k: Counter() for k in LATENCY_KINDS}
    for round_ in range(1, rounds + 1):
        for kind in KINDS:
            for took, agent in run_script(bot, f"lat-{kind}-{round_}", kind, round_ - 1):
                latencies[kind].append(took)
                agents[kind][agent] += 1
    for round_ in range(1, rounds + 1):
        for i, text in enumerate(script("qa", round_ - 1)):
            start = time.perf_counter()
            reply = bot.handle(f"lat-qa-warm-{round_}-{i}", f"{text}, please")
            latencies["qa_warm"].append(time.perf_counter() - start)
            agents["qa_warm"][str(reply.agent)] += 1
    return latencies, agents


def encoder_share(encoder: Encoder, rounds: int) -> dict[str, Any]:
    """The encoder alone over texts like the turns': one pooled vector, one token-state pass."""
    pooled: dict[str, list[float]] = {k: [] for k in KINDS}
    tokens: dict[str, list[float]] = {k: [] for k in KINDS}
    for round_ in range(1, rounds + 1):
        for kind in KINDS:
            for text in script(kind, round_):
                start = time.perf_counter()
                encoder.encode([text])  # the model pass itself: encode() has no text cache
                pooled[kind].append(time.perf_counter() - start)
                start = time.perf_counter()
                encoder.token_states(text)
                tokens[kind].append(time.perf_counter() - start)
    return {
        "pooled": {k: summarize(v).as_dict() for k, v in pooled.items()},
        "token_states": {k: summarize(v).as_dict() for k, v in tokens.items()},
    }


def measure_throughput(bot: Any, threads: list[int], turns_each: int) -> list[dict[str, Any]]:
    """Turns per second with n threads, each on its own sessions (mixed Q&A, ticket, CMDB)."""
    results = []
    for n in threads:
        done = [0] * n
        errors: list[str] = []
        workers = [
            threading.Thread(target=_drive, args=(bot, n, slot, turns_each, done, errors))
            for slot in range(n)
        ]
        start = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        took = time.perf_counter() - start
        results.append(
            {
                "threads": n,
                "turns": sum(done),
                "seconds": took,
                "turns_per_s": sum(done) / took,
                "errors": errors[:5],
                "error_count": len(errors),
            }
        )
        console.print(f"  {n:>2} threads: {sum(done) / took:.1f} turns/s ({len(errors)} errors)")
    return results


def _drive(
    bot: Any, n: int, slot: int, turns_each: int, done: list[int], errors: list[str]
) -> None:
    """One thread's share of the throughput run: whole scripts until `turns_each` turns."""
    turn = 0
    try:
        while turn < turns_each:
            kind = KINDS[turn % len(KINDS)]
            for _ in run_script(bot, f"tp{n}-{slot}-{turn}", kind, 1000 + slot):
                turn += 1
                done[slot] += 1
    except Exception as e:  # a failed turn is a result here, not a crash of the bench
        errors.append(f"{type(e).__name__}: {e}")


def profile_turns(bot: Any) -> str:
    """A pyinstrument text profile of one round of each kind (dev-only dependency)."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        return "pyinstrument is not installed: pip install pyinstrument"
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for kind in KINDS:
        run_script(bot, f"profile-{kind}", kind, 9000)
    profiler.stop()
    text = str(profiler.output_text(unicode=False, color=False, show_all=False))
    console.print(text)
    return text


def clean_redis(url: str, prefix: str) -> int:
    """Delete what this run wrote under its private prefix."""
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}*", count=500))
    if keys:
        client.delete(*keys)
    client.close()
    return len(keys)


def print_tables(p: dict[str, Any]) -> None:
    rows = []
    for kind in LATENCY_KINDS:
        lat = p["latency"][kind]
        enc = p["encoder_only"]["pooled"][kind.removesuffix("_warm")]
        tok = p["encoder_only"]["token_states"][kind.removesuffix("_warm")]
        agents = ", ".join(f"{a}×{n}" for a, n in p["agents"][kind].items())
        target = "≤ 50" if kind != "cmdb" else "–"
        rows.append(
            [
                kind,
                lat["p50_ms"],
                lat["p99_ms"],
                lat["min_ms"],
                target,
                enc["p50_ms"],
                tok["p50_ms"],
                enc["p50_ms"] / lat["p50_ms"],
                agents,
            ]
        )
    columns = [
        "turns",
        "p50 ms",
        "p99 ms",
        "min ms",
        "target p50",
        "encode p50",
        "token states p50",
        "encode share",
        "answered by",
    ]
    console.print(table(f"OpsBot.handle (open {p['open_s']:.1f} s)", columns, rows))
    tp = [
        [r["threads"], r["turns"], r["seconds"], r["turns_per_s"], r["error_count"]]
        for r in p["throughput"]
    ]
    console.print(table("throughput", ["threads", "turns", "seconds", "turns/s", "errors"], tp))


if __name__ == "__main__":
    main()
