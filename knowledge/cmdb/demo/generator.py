"""A realistic demo estate, the same for the same (hosts, seed): services on hosts across idcs
and envs, databases, caches, queues, load balancers and k8s clusters, with runs_on,
depends_on, member_of and connects_to relations and plausible metrics.

`stream` yields the estate in batches of at most BATCH items, remembering of each host only
what later items need (its env, idc and role, three bytes), so a million hosts fit in a
few hundred MB; `generate` is the same estate in one dict. What sits on the hosts
(datastores, clusters, load balancers) is infrastructure.py.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from knowledge.cmdb.demo.estate import (
    ENV_WEIGHTS,
    ENVS,
    EXTRA_DOMAINS,
    EXTRA_KINDS,
    IDCS,
    OS_WEIGHTS,
    OSES,
    ROLE_TIERS,
    ROLES,
    SERVICES,
    TEAMS,
)
from knowledge.cmdb.demo.infrastructure import (
    BATCH,
    ROLE_NAMES,
    Batch,
    Hosts,
    datastores,
    edges,
    host_id,
    metric,
)
from knowledge.progress import Progress, no_progress

SENSITIVE = ["root_password"]


def _services(rng: random.Random, hosts: int) -> list[dict[str, Any]]:
    """The base services, plus generated ones so bigger estates keep ~250 hosts a service."""
    rows: list[dict[str, Any]] = [
        dict(zip(("name", "owner", "tier", "language", "domain", "calls"), s, strict=True))
        for s in SERVICES
    ]
    wanted = max(len(rows), hosts // 250)
    n = 0
    while len(rows) < wanted:
        domain = EXTRA_DOMAINS[n % len(EXTRA_DOMAINS)]
        suffix, tier = EXTRA_KINDS[(n // len(EXTRA_DOMAINS)) % len(EXTRA_KINDS)]
        round_ = n // (len(EXTRA_DOMAINS) * len(EXTRA_KINDS))
        name = f"{domain}-{suffix}" + (f"-{round_ + 1}" if round_ else "")
        calls = [r["name"] for r in rng.sample(rows[:24], 2)]
        rows.append(
            {
                "name": name,
                "owner": rng.choice(TEAMS),
                "tier": tier,
                "language": rng.choice(["go", "java", "python", "node"]),
                "domain": domain if not round_ else f"{domain}{round_ + 1}",
                "calls": calls,
            }
        )
        n += 1
    return rows


def generate(hosts: int = 500, seed: int = 7, progress: Progress | None = None) -> dict[str, Any]:
    """The demo estate as load-file data (`{"items": [...], "relations": [...], ...}`)."""
    items: list[dict[str, Any]] = []
    relations: list[dict[str, str]] = []
    for batch in stream(hosts, seed, progress):
        items += batch["items"]
        relations += batch["relations"]
    return {"items": items, "relations": relations, "sensitive": list(SENSITIVE)}


def stream(hosts: int = 500, seed: int = 7, progress: Progress | None = None) -> Iterator[Batch]:
    """The demo estate in batches: first the secret names, then hosts (with the services
    they run), services, datastores, clusters and load balancers."""
    if hosts < 20:
        raise ValueError(f"a demo estate needs at least 20 hosts (got {hosts})")
    rng = random.Random(seed)  # noqa: S311 (seeded demo data)
    report = progress or no_progress
    services = _services(rng, hosts)
    yield {"items": [], "relations": [], "sensitive": list(SENSITIVE)}
    kept = Hosts()
    yield from _hosts(rng, hosts, services, kept, report)
    yield _service_items(rng, services)
    yield from datastores(rng, services, kept)
    yield from edges(rng, kept)
    report("generating", hosts, hosts)


def _hosts(
    rng: random.Random,
    hosts: int,
    services: list[dict[str, Any]],
    kept: Hosts,
    report: Progress,
) -> Iterator[Batch]:
    by_tier: dict[str, list[dict[str, Any]]] = {}
    for svc in services:
        by_tier.setdefault(svc["tier"], []).append(svc)
    role_count: dict[str, int] = {}
    width = max(2, len(str(int(hosts * max(ROLES.values())) + 1)))
    items: list[dict[str, Any]] = []
    relations: list[dict[str, str]] = []
    for k in range(hosts):
        role = rng.choices(ROLE_NAMES, weights=list(ROLES.values()))[0]
        role_count[role] = role_count.get(role, 0) + 1
        env = rng.choices(ENVS, weights=ENV_WEIGHTS)[0]
        idc = rng.choice(IDCS)
        cores = rng.choice([4, 8, 8, 16, 16, 32, 64])
        runs = None
        if role in ROLE_TIERS:
            pool = [s for t in ROLE_TIERS[role] for s in by_tier.get(t, [])]
            runs = rng.choice(pool)
        attrs: dict[str, Any] = {
            "env": env,
            "idc": idc,
            "ip": f"10.{(k >> 16) & 255}.{(k >> 8) & 255}.{k & 255}",
            "os": rng.choices(OSES, weights=OS_WEIGHTS)[0],
            "role": role,
            "cpu_cores": cores,
            "mem_gb": rng.choice([8, 16, 32, 64, 128, 256]) if cores > 4 else rng.choice([8, 16]),
            "cpu_usage": metric(rng, 2, 4),
            "mem_usage": metric(rng, 3, 3),
            "disk_usage": metric(rng, 2.5, 3),
            "status": rng.choices(["running", "stopped", "maintenance"], weights=[0.9, 0.05, 0.05])[
                0
            ],
            "owner": runs["owner"]
            if runs
            else ("team-infra" if role in ("kafka", "es") else "team-data"),
            "uptime_days": rng.randint(0, 900),
            "root_password": f"pw-{rng.getrandbits(40):010x}",
        }
        ident = host_id(k)
        items.append(
            {
                "id": ident,
                "type": "host",
                "name": f"{role}-{role_count[role]:0{width}d}",
                "attrs": attrs,
            }
        )
        kept.add(env, idc, role)
        if runs is not None:
            relations.append({"from": f"svc-{runs['name']}", "type": "runs_on", "to": ident})
        if k % 20000 == 0:
            report("generating", k, hosts)
        if len(items) >= BATCH:
            yield {"items": items, "relations": relations}
            items, relations = [], []
    yield {"items": items, "relations": relations}


def _service_items(rng: random.Random, services: list[dict[str, Any]]) -> Batch:
    items: list[dict[str, Any]] = []
    relations: list[dict[str, str]] = []
    names = {s["name"] for s in services}
    for svc in services:
        items.append(
            {
                "id": f"svc-{svc['name']}",
                "type": "service",
                "name": svc["name"],
                "attrs": {
                    "owner": svc["owner"],
                    "tier": svc["tier"],
                    "language": svc["language"],
                    "criticality": rng.choices(["high", "medium", "low"], weights=[0.4, 0.4, 0.2])[
                        0
                    ],
                    "replicas": rng.randint(2, 24),
                    "port": rng.choice([8080, 8443, 9000, 3000, 5000]),
                    "qps": round(rng.lognormvariate(5, 1.2), 1),
                    "latency_ms": round(rng.lognormvariate(3.5, 0.6), 1),
                    "api_token": f"tok-{rng.getrandbits(48):012x}",
                },
            }
        )
        for callee in svc["calls"]:
            if callee in names and callee != svc["name"]:
                relations.append(
                    {"from": f"svc-{svc['name']}", "type": "depends_on", "to": f"svc-{callee}"}
                )
    return {"items": items, "relations": relations}
