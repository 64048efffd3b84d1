"""A realistic demo estate, the same for the same (hosts, seed): services on hosts across idcs
and envs, databases, caches, queues, load balancers and k8s clusters, with runs_on,
depends_on, member_of and connects_to relations and plausible metrics.
"""

from __future__ import annotations

import random
from typing import Any

from knowledge.cmdb.demo.estate import (
    CACHE_ENGINES,
    DB_ENGINES,
    ENV_WEIGHTS,
    ENVS,
    EXTRA_DOMAINS,
    EXTRA_KINDS,
    IDCS,
    OS_WEIGHTS,
    OSES,
    QUEUE_ENGINES,
    ROLE_TIERS,
    ROLES,
    SERVICES,
    TEAMS,
)
from knowledge.progress import Progress


def _metric(rng: random.Random, a: float, b: float) -> float:
    """A usage percentage: mostly moderate, with the hot tail every estate has."""
    if rng.random() < 0.12:
        return round(rng.uniform(75, 99.9), 1)
    return round(rng.betavariate(a, b) * 100, 1)


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
    if hosts < 20:
        raise ValueError(f"a demo estate needs at least 20 hosts (got {hosts})")
    rng = random.Random(seed)  # noqa: S311 (seeded demo data)
    report = progress or (lambda phase, done, total: None)
    items: list[dict[str, Any]] = []
    relations: list[dict[str, str]] = []
    services = _services(rng, hosts)
    by_tier: dict[str, list[dict[str, Any]]] = {}
    for svc in services:
        by_tier.setdefault(svc["tier"], []).append(svc)
    roles = list(ROLES)
    role_count: dict[str, int] = {}
    width = max(2, len(str(int(hosts * max(ROLES.values())) + 1)))
    host_rows: list[dict[str, Any]] = []
    for k in range(hosts):
        role = rng.choices(roles, weights=list(ROLES.values()))[0]
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
            "cpu_usage": _metric(rng, 2, 4),
            "mem_usage": _metric(rng, 3, 3),
            "disk_usage": _metric(rng, 2.5, 3),
            "status": rng.choices(["running", "stopped", "maintenance"], weights=[0.9, 0.05, 0.05])[
                0
            ],
            "owner": runs["owner"]
            if runs
            else ("team-infra" if role in ("kafka", "es") else "team-data"),
            "uptime_days": rng.randint(0, 900),
            "root_password": f"pw-{rng.getrandbits(40):010x}",
        }
        host: dict[str, Any] = {
            "id": f"h-{k + 1:06d}",
            "type": "host",
            "name": f"{role}-{role_count[role]:0{width}d}",
            "attrs": attrs,
        }
        items.append(host)
        host_rows.append(host)
        if runs is not None:
            relations.append({"from": f"svc-{runs['name']}", "type": "runs_on", "to": host["id"]})
        if k % 20000 == 0:
            report("generating", k, hosts)
    _add_services(rng, services, items, relations)
    _add_datastores(rng, services, host_rows, items, relations)
    _add_edges(rng, services, host_rows, items, relations)
    report("generating", hosts, hosts)
    return {"items": items, "relations": relations, "sensitive": ["root_password"]}


def _add_services(
    rng: random.Random,
    services: list[dict[str, Any]],
    items: list[dict[str, Any]],
    relations: list[dict[str, str]],
) -> None:
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


def _add_datastores(
    rng: random.Random,
    services: list[dict[str, Any]],
    hosts: list[dict[str, Any]],
    items: list[dict[str, Any]],
    relations: list[dict[str, str]],
) -> None:
    """Databases on mysql/postgres/mongodb hosts, caches on redis, queues on kafka hosts: each
    store sits on 1-3 hosts of one env and idc and belongs to one service's domain."""
    kinds = [
        ("database", "db", DB_ENGINES, ("mysql", "postgres", "mongodb")),
        ("cache", "cache", CACHE_ENGINES, ("redis",)),
        ("queue", "queue", QUEUE_ENGINES, ("kafka",)),
    ]
    used_names: set[str] = set()
    for type_name, suffix, engines, roles in kinds:
        groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        for h in hosts:
            if h["attrs"]["role"] in roles:
                key = (h["attrs"]["env"], h["attrs"]["idc"], h["attrs"]["role"])
                groups.setdefault(key, []).append(h)
        turn = 0
        for (env, idc, role), members in sorted(groups.items()):
            start = 0
            while start < len(members):
                size = rng.randint(1, 3)
                chunk = members[start : start + size]
                start += size
                svc = services[turn % len(services)]
                turn += 1
                names = sorted(engines, key=lambda e: e != role)  # the host role's engine first
                engine = role if type_name == "database" else rng.choices(names, weights=[3, 1])[0]
                base = f"{svc['domain']}-{suffix}-{env}"
                name, n = base, 1
                while name in used_names:
                    n += 1
                    name = f"{base}-{n}"
                used_names.add(name)
                attrs: dict[str, Any] = {
                    "env": env,
                    "idc": idc,
                    "engine": engine,
                    "version": rng.choice(engines[engine]),
                    "owner": svc["owner"],
                    "cpu_usage": _metric(rng, 2, 4),
                    "replicas": len(chunk),
                }
                if type_name == "database":
                    attrs |= {
                        "size_gb": rng.choice([20, 50, 120, 300, 800, 2000]),
                        "disk_usage": _metric(rng, 2.5, 3),
                        "connections": rng.randint(10, 3000),
                    }
                elif type_name == "cache":
                    attrs |= {
                        "mem_gb": rng.choice([4, 8, 16, 32, 64]),
                        "hit_rate": round(rng.uniform(70, 99.9), 1),
                    }
                else:
                    attrs |= {
                        "partitions": rng.choice([6, 12, 24, 48]),
                        "lag": rng.randint(0, 50000),
                    }
                ident = f"{suffix[:2]}-{name}"
                items.append({"id": ident, "type": type_name, "name": name, "attrs": attrs})
                relations += [{"from": ident, "type": "runs_on", "to": h["id"]} for h in chunk]
                relations.append({"from": f"svc-{svc['name']}", "type": "depends_on", "to": ident})


def _add_edges(
    rng: random.Random,
    services: list[dict[str, Any]],
    hosts: list[dict[str, Any]],
    items: list[dict[str, Any]],
    relations: list[dict[str, str]],
) -> None:
    """k8s clusters per env and idc (app hosts are members), and load balancers in front of
    web and nginx hosts per env and idc."""
    for env in ENVS:
        for idc in IDCS:
            members = [h for h in hosts if h["attrs"]["env"] == env and h["attrs"]["idc"] == idc]
            app = [h for h in members if h["attrs"]["role"] == "app"]
            front = [h for h in members if h["attrs"]["role"] in ("web", "nginx")]
            if app:
                cid = f"cl-k8s-{env}-{idc}"
                items.append(
                    {
                        "id": cid,
                        "type": "cluster",
                        "name": f"k8s-{env}-{idc}",
                        "attrs": {
                            "env": env,
                            "idc": idc,
                            "version": rng.choice(["1.27", "1.28", "1.29"]),
                            "nodes": len(app),
                            "owner": "team-infra",
                        },
                    }
                )
                relations += [{"from": h["id"], "type": "member_of", "to": cid} for h in app]
            if front:
                lid = f"lb-{env}-{idc}"
                items.append(
                    {
                        "id": lid,
                        "type": "load_balancer",
                        "name": f"lb-{env}-{idc}",
                        "attrs": {
                            "env": env,
                            "idc": idc,
                            "algorithm": rng.choice(["round-robin", "least-conn"]),
                            "vip": f"172.16.{IDCS.index(idc)}.{ENVS.index(env) + 10}",
                            "qps": round(rng.lognormvariate(8, 0.8), 1),
                            "owner": "team-infra",
                        },
                    }
                )
                relations += [{"from": lid, "type": "connects_to", "to": h["id"]} for h in front]
