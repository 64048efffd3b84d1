"""The demo estate: deterministic by seed, realistic shape, progress reported; the default
CMDB seeds itself with it once; item names and neighbourhoods for other agents."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from errors import CMDBError
from knowledge.cmdb import CMDB, load_demo, open_default
from knowledge.cmdb.demo import generate
from settings import Settings


def test_cmdb_demo_same_seed_same_estate_other_seed_other_estate() -> None:
    assert generate(hosts=200, seed=3) == generate(hosts=200, seed=3)
    assert generate(hosts=200, seed=3) != generate(hosts=200, seed=4)


def test_cmdb_demo_has_every_type_and_relation() -> None:
    calls: list[tuple[str, int, int]] = []
    data = generate(hosts=400, seed=1, progress=lambda *a: calls.append(a))
    types = Counter(it["type"] for it in data["items"])
    assert types["host"] == 400
    assert set(types) == {
        "host",
        "service",
        "database",
        "cache",
        "queue",
        "load_balancer",
        "cluster",
    }
    assert {r["type"] for r in data["relations"]} == {
        "runs_on",
        "depends_on",
        "member_of",
        "connects_to",
    }
    assert calls[-1] == ("generating", 400, 400)
    with pytest.raises(ValueError, match="at least 20 hosts"):
        generate(hosts=5)


def test_cmdb_demo_default_cmdb_seeds_itself_once(settings: Settings) -> None:
    cmdb, seeded = open_default(settings, hosts=60, seed=2)
    generation = cmdb.store.generation()
    assert seeded and cmdb.store.count_items() > 60
    again, seeded_again = open_default(settings, hosts=60, seed=2)
    assert not seeded_again and again.store.generation() == generation


def test_cmdb_demo_does_not_replace_a_loaded_cmdb_unless_told(tmp_path: Path) -> None:
    cmdb = CMDB.open(tmp_path / "c.sqlite", create=True)
    cmdb.load({"items": [{"id": "x", "type": "host", "name": "mine"}]})
    with pytest.raises(CMDBError, match="--replace"):
        load_demo(cmdb, hosts=40)
    assert cmdb.names("host") == ["mine"]
    load_demo(cmdb, hosts=40, replace=True)
    assert "mine" not in cmdb.names("host") and len(cmdb.names("host")) == 40
    load_demo(cmdb, hosts=50)  # a demo replaces a demo without asking
    assert len(cmdb.names("host")) == 50


def test_cmdb_demo_names_and_neighbours_for_other_agents(tmp_path: Path) -> None:
    data = generate(hosts=100, seed=9)
    cmdb = CMDB.open(tmp_path / "c.sqlite", create=True)
    cmdb.load(data)
    hosts = sorted(it["name"] for it in data["items"] if it["type"] == "host")
    assert cmdb.names("host") == hosts
    ids = {it["id"]: it["name"] for it in data["items"]}
    service = next(
        r["from"]
        for r in data["relations"]
        if r["type"] == "runs_on" and r["from"].startswith("svc-")
    )
    runs = sorted(
        ids[r["to"]] for r in data["relations"] if r["from"] == service and r["type"] == "runs_on"
    )
    assert runs and cmdb.names("host", related={"service": ids[service]}) == runs
    topo = cmdb.neighbors(ids[service], relation="runs_on", direction="out")
    assert sorted(n.name for n in topo.nodes if n.id not in topo.anchors) == runs
    assert cmdb.names("host", related={"service": "no-such-service"}) == hosts
    with pytest.raises(CMDBError, match="did you mean payment-api"):
        cmdb.neighbors("payment-apj")
