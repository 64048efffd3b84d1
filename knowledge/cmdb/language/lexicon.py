"""Ops vocabulary for schema linking: how people name CI types, attributes and values.

These texts become keys (encoded once, cached); attention over them does the matching,
so a synonym missing here can still link when its meaning is close.
"""

from __future__ import annotations

import re

from knowledge.cmdb.language.lexicon_zh import (
    zh_attr_texts,
    zh_family_texts,
    zh_type_texts,
    zh_value_texts,
)

TYPE_SYNONYMS: dict[str, list[str]] = {
    "host": ["host", "server", "machine", "vm", "box", "node", "instance", "physical server"],
    "service": ["service", "app", "application", "microservice", "svc"],
    "database": ["database", "db", "datastore", "data store"],
    "cache": ["cache", "cache instance", "cache server"],
    "queue": ["queue", "message queue", "mq", "broker", "topic"],
    "load_balancer": ["load balancer", "lb", "balancer", "vip"],
    "cluster": ["cluster", "k8s cluster", "kubernetes cluster"],
}

ATTR_SYNONYMS: dict[str, list[str]] = {
    "type": ["type", "item type", "kind of item", "ci type", "category"],
    "env": ["env", "environment", "stage"],
    "idc": ["idc", "datacenter", "data center", "datacentre", "dc", "region", "site", "location"],
    "owner": ["owner", "team", "owning team", "responsible team"],
    "os": ["os", "operating system", "distro", "distribution", "linux"],
    "role": ["role", "server role", "function"],
    "cpu_cores": ["cpu cores", "cores", "core", "cpus", "vcpus", "vcpu", "cpu count", "processors"],
    "mem_gb": ["memory", "ram", "mem", "memory size", "gb of ram", "ram size"],
    "cpu_usage": ["cpu", "cpu usage", "cpu load", "cpu utilization", "cpu util", "load", "cpu %"],
    "mem_usage": ["memory usage", "ram usage", "mem usage", "memory utilization", "memory %"],
    "disk_usage": ["disk", "disk usage", "disk space", "disk utilization", "disk used", "disk %"],
    "disk_gb": ["disk size", "disk capacity", "storage size"],
    "status": ["status", "state", "health"],
    "ip": ["ip", "ip address", "address"],
    "engine": ["engine", "technology", "flavour", "flavor", "product"],
    "version": ["version", "release"],
    "size_gb": ["size", "data size", "database size", "storage"],
    "language": ["language", "programming language", "written in", "lang"],
    "tier": ["tier", "layer"],
    "criticality": ["criticality", "importance", "business criticality"],
    "replicas": ["replicas", "replica count", "instances count"],
    "port": ["port", "listening port"],
    "hit_rate": ["hit rate", "cache hit rate", "hit ratio"],
    "connections": ["connections", "active connections", "conns"],
    "partitions": ["partitions", "partition count"],
    "lag": ["lag", "consumer lag", "backlog"],
    "qps": ["qps", "requests per second", "rps", "traffic", "throughput"],
    "latency_ms": ["latency", "p99", "response time", "p99 latency"],
    "uptime_days": ["uptime", "days up", "days since reboot"],
    "algorithm": ["algorithm", "balancing algorithm"],
    "nodes": ["nodes count", "node count", "cluster size"],
}

# Abbreviations seen in ops value names: each expands a word part of a stored value.
ABBREVIATIONS: dict[str, list[str]] = {
    "prod": ["production", "prd", "live"],
    "staging": ["stage", "stg", "pre-production", "preprod"],
    "dev": ["development", "develop"],
    "test": ["testing", "qa"],
    "sh": ["shanghai"],
    "bj": ["beijing"],
    "gz": ["guangzhou"],
    "sz": ["shenzhen"],
    "hz": ["hangzhou"],
    "running": ["up", "online", "active", "healthy"],
    "stopped": ["down", "offline", "dead", "stopped"],
    "maintenance": ["maint", "in maintenance", "under maintenance"],
    "postgres": ["postgresql", "pg"],
    "mongodb": ["mongo"],
    "memcached": ["memcache"],
    "rabbitmq": ["rabbit"],
    "es": ["elasticsearch", "elastic"],
    "k8s": ["kubernetes"],
    "lb": ["load balancer"],
    "rr": ["round robin"],
}

# Attribute-name parts that say which units a number can carry.
UNIT_ATTR_HINTS: dict[str, tuple[str, ...]] = {
    "pct": ("usage", "pct", "percent", "util", "rate", "ratio"),
    "gb": ("_gb", "_mb", "_tb", "mem", "disk", "size", "capacity"),
    "cores": ("cores", "cpus", "vcpu"),
    "ms": ("_ms", "latency"),
    "days": ("days", "uptime"),
}
UNIT_WORDS: dict[str, str] = {
    "%": "pct", "percent": "pct", "pct": "pct", "per cent": "pct",
    "gb": "gb", "g": "gb", "gib": "gb", "gigs": "gb", "tb": "tb", "tib": "tb", "mb": "mb",
    "mib": "mb", "core": "cores", "cores": "cores", "cpu": "cores", "cpus": "cores",
    "vcpu": "cores", "vcpus": "cores", "c": "cores", "ms": "ms", "day": "days", "days": "days",
}  # fmt: skip
UNIT_WORDS.update({"核": "cores", "核心": "cores", "个核": "cores", "毫秒": "ms", "天": "days"})
UNIT_TEXT = {"pct": "percent usage", "gb": "gb", "tb": "gb", "mb": "gb", "cores": "cores",
             "ms": "latency ms", "days": "days"}  # fmt: skip


def humanize(name: str) -> str:
    """`cpu_usage` -> `cpu usage`; `load_balancer` -> `load balancer`."""
    return name.replace("_", " ").strip().lower()


def plural(word: str) -> str:
    """English plural good enough for type names and synonyms."""
    if word.endswith(("s", "x", "sh", "ch")):
        return word + "es"
    if word.endswith("y") and not word.endswith(("ay", "ey", "oy", "uy")):
        return word[:-1] + "ies"
    return word + "s"


def type_texts(type_name: str) -> list[str]:
    """Key texts naming an item type, singular and plural."""
    words = [humanize(type_name), *TYPE_SYNONYMS.get(type_name, [])]
    english = [form for w in words for form in (w, plural(w))]
    return _unique([*english, *zh_type_texts(type_name)])


def attr_texts(attr: str) -> list[str]:
    """Key texts naming an attribute: its own name, humanised, and known synonyms."""
    return _unique([humanize(attr), attr, *ATTR_SYNONYMS.get(attr, []), *zh_attr_texts(attr)])


_FAMILY = re.compile(r"^([a-z]+)[-_ ]?(\d[\w.]*)$")


def family_of(value: str) -> str | None:
    """`sh-1` -> `sh`, `ubuntu-22.04` -> `ubuntu`: values sharing a family answer to its name."""
    match = _FAMILY.match(value.lower())
    return match.group(1) if match else None


def value_texts(value: str) -> list[str]:
    """Key texts for one stored value: itself, spaced, and abbreviation expansions."""
    low = value.lower()
    texts = [low, humanize(low.replace("-", " ")), low.replace("-", "")]
    parts = re.split(r"[-_ ]", low)
    if len(parts) == 2 and parts[0] == "team":  # team-web -> "web team"
        texts += [f"{parts[1]} team", f"team {parts[1]}"]
    for i, part in enumerate(parts):
        for expansion in ABBREVIATIONS.get(part, []):
            expanded = [*parts[:i], expansion, *parts[i + 1 :]]
            texts += [" ".join(expanded), "-".join(expanded)]
    return _unique([*texts, *zh_value_texts(value)])


def family_texts(family: str) -> list[str]:
    """Key texts for a value family (`sh` -> `sh`, `shanghai`)."""
    return _unique([family, *ABBREVIATIONS.get(family, []), *zh_family_texts(family)])


def unit_fits(unit: str, attr: str) -> bool:
    """Can a number in `unit` be a value of `attr`? (`%` fits cpu_usage, not cpu_cores.)"""
    unit = "gb" if unit in ("tb", "mb") else unit
    hints = UNIT_ATTR_HINTS.get(unit)
    if hints is None:
        return True
    if unit == "gb" and any(h in attr for h in UNIT_ATTR_HINTS["pct"]):
        return False  # disk_usage is a percentage even though it says "disk"
    return any(h in attr for h in hints)


def convert(number: float, unit: str | None, attr: str) -> float:
    """A number in `unit` expressed in the unit `attr` is stored in (TB -> GB and so on)."""
    if unit == "tb" and attr.endswith("_gb"):
        return number * 1024
    if unit == "mb" and attr.endswith("_gb"):
        return number / 1024
    if unit in ("gb", "tb") and attr.endswith("_mb"):
        return number * (1024 if unit == "gb" else 1024 * 1024)
    return number


def _unique(texts: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for text in texts:
        text = " ".join(text.split())
        if text:
            seen.setdefault(text, None)
    return list(seen)
