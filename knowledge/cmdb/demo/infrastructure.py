"""What sits on the demo hosts: databases, caches and queues on 1-3 hosts each, k8s clusters
of the app hosts and load balancers in front of the web hosts, per env and idc; and the
compact record of each host they are placed from."""

from __future__ import annotations

import random
from array import array
from collections.abc import Iterator
from typing import Any

from knowledge.cmdb.demo.estate import CACHE_ENGINES, DB_ENGINES, ENVS, IDCS, QUEUE_ENGINES, ROLES

BATCH = 10_000  # items per yielded batch
Batch = dict[str, list[Any]]  # {"items": [...], "relations": [...], "sensitive": [...]}
ROLE_NAMES = list(ROLES)


class Hosts:
    """What later parts of the estate need of each host, as compact columns."""

    def __init__(self) -> None:
        self.env = array("b")
        self.idc = array("b")
        self.role = array("b")

    def add(self, env: str, idc: str, role: str) -> None:
        self.env.append(ENVS.index(env))
        self.idc.append(IDCS.index(idc))
        self.role.append(ROLE_NAMES.index(role))

    def __len__(self) -> int:
        return len(self.role)


def host_id(k: int) -> str:
    """The id of the k-th host (0-based)."""
    return f"h-{k + 1:06d}"


def metric(rng: random.Random, a: float, b: float) -> float:
    """A usage percentage: mostly moderate, with the hot tail every estate has."""
    if rng.random() < 0.12:
        return round(rng.uniform(75, 99.9), 1)
    return round(rng.betavariate(a, b) * 100, 1)


def datastores(rng: random.Random, services: list[dict[str, Any]], hosts: Hosts) -> Iterator[Batch]:
    """Databases on mysql/postgres/mongodb hosts, caches on redis, queues on kafka hosts: each
    store sits on 1-3 hosts of one env and idc and belongs to one service's domain."""
    kinds = [
        ("database", "db", DB_ENGINES, ("mysql", "postgres", "mongodb")),
        ("cache", "cache", CACHE_ENGINES, ("redis",)),
        ("queue", "queue", QUEUE_ENGINES, ("kafka",)),
    ]
    used_names: set[str] = set()
    items: list[dict[str, Any]] = []
    relations: list[dict[str, str]] = []
    for type_name, suffix, engines, roles in kinds:
        codes = {ROLE_NAMES.index(r) for r in roles}
        groups: dict[tuple[str, str, str], array[int]] = {}
        for k, code in enumerate(hosts.role):
            if code in codes:
                key = (ENVS[hosts.env[k]], IDCS[hosts.idc[k]], ROLE_NAMES[code])
                groups.setdefault(key, array("i")).append(k)
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
                attrs = _datastore_attrs(rng, type_name, env, idc, engine, engines, svc, len(chunk))
                ident = f"{suffix[:2]}-{name}"
                items.append({"id": ident, "type": type_name, "name": name, "attrs": attrs})
                relations += [{"from": ident, "type": "runs_on", "to": host_id(k)} for k in chunk]
                relations.append({"from": f"svc-{svc['name']}", "type": "depends_on", "to": ident})
                if len(items) >= BATCH:
                    yield {"items": items, "relations": relations}
                    items, relations = [], []
    yield {"items": items, "relations": relations}


def _datastore_attrs(
    rng: random.Random,
    type_name: str,
    env: str,
    idc: str,
    engine: str,
    engines: dict[str, list[str]],
    svc: dict[str, Any],
    replicas: int,
) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "env": env,
        "idc": idc,
        "engine": engine,
        "version": rng.choice(engines[engine]),
        "owner": svc["owner"],
        "cpu_usage": metric(rng, 2, 4),
        "replicas": replicas,
    }
    if type_name == "database":
        attrs |= {
            "size_gb": rng.choice([20, 50, 120, 300, 800, 2000]),
            "disk_usage": metric(rng, 2.5, 3),
            "connections": rng.randint(10, 3000),
        }
    elif type_name == "cache":
        attrs |= {
            "mem_gb": rng.choice([4, 8, 16, 32, 64]),
            "hit_rate": round(rng.uniform(70, 99.9), 1),
        }
    else:
        attrs |= {"partitions": rng.choice([6, 12, 24, 48]), "lag": rng.randint(0, 50000)}
    return attrs


def edges(rng: random.Random, hosts: Hosts) -> Iterator[Batch]:
    """k8s clusters per env and idc (app hosts are members), and load balancers in front of
    web and nginx hosts per env and idc; one batch per env and idc."""
    app, web, nginx = (ROLE_NAMES.index(r) for r in ("app", "web", "nginx"))
    behind: dict[tuple[int, int, bool], array[int]] = {}  # (env, idc, is app) -> host indexes
    for k, role in enumerate(hosts.role):
        if role in (app, web, nginx):
            behind.setdefault((hosts.env[k], hosts.idc[k], role == app), array("i")).append(k)
    for e, env in enumerate(ENVS):
        for d, idc in enumerate(IDCS):
            items: list[dict[str, Any]] = []
            relations: list[dict[str, str]] = []
            apps = behind.get((e, d, True), array("i"))
            front = behind.get((e, d, False), array("i"))
            if apps:
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
                            "nodes": len(apps),
                            "owner": "team-infra",
                        },
                    }
                )
                relations += [{"from": host_id(k), "type": "member_of", "to": cid} for k in apps]
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
                            "vip": f"172.16.{d}.{e + 10}",
                            "qps": round(rng.lognormvariate(8, 0.8), 1),
                            "owner": "team-infra",
                        },
                    }
                )
                relations += [{"from": lid, "type": "connects_to", "to": host_id(k)} for k in front]
            yield {"items": items, "relations": relations}
