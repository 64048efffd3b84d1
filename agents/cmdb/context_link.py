"""Context alignment: "the database of payment-api" -> the database payment-api depends on.

A message naming a known service and a kind of item ("the database", "its cache", "the
hosts") is linked through that service's relations in the CMDB. A service has no place of
its own: it lives where its hosts run, so its environment and datacenter are read from the
hosts it runs on. Of several neighbours of the wanted kind, those in the environment the
message names (else the service's main one, production first) and then in the service's
datacenters are preferred; when more than one remains, all are listed, never one silently.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from agents.qa import technologies
from errors import CMDBError
from knowledge.cmdb import CMDB, Item
from knowledge.encoder import Encoder

# Words people use for a kind of configuration item -> the CMDB item type.
KIND_WORDS: dict[str, str] = {
    "database": "database",
    "databases": "database",
    "db": "database",
    "mysql": "database",
    "postgres": "database",
    "cache": "cache",
    "redis": "cache",
    "queue": "queue",
    "kafka": "queue",
    "load balancer": "load_balancer",
    "lb": "load_balancer",
    "cluster": "cluster",
    "host": "host",
    "hosts": "host",
    "server": "host",
    "servers": "host",
}
ENV_WORDS: dict[str, str] = {
    "prod": "prod", "production": "prod", "staging": "staging", "stage": "staging",
    "dev": "dev", "development": "dev", "qa": "qa",
}  # fmt: skip
ENV_ORDER = ("prod", "staging", "test", "qa", "dev")  # on-call questions are about prod first
MAX_LISTED = 6  # neighbours named in one sentence; the rest are counted
MAX_NAMES = 8  # name-shaped words of one message looked up in the CMDB
_ENV = re.compile(r"\b(" + "|".join(ENV_WORDS) + r")\b", re.I)
# A CI name as people type it: "payments-db-prod", "mysql-014", "web01.sh1".
_NAME = re.compile(r"(?<![\w.-])([a-z0-9][\w.-]*[a-z0-9])(?![\w-])", re.I)
_KIND = re.compile(r"\b(" + "|".join(sorted(map(re.escape, KIND_WORDS), key=len)[::-1]) + r")\b")


@dataclass(frozen=True)
class Link:
    """A service named in a message, and the items of the kind the message speaks of.

    `item` is the first of `items`, the preferred neighbours (several when the topology
    cannot tell them apart); `env` is the environment they were chosen in.
    """

    service: str
    kind: str
    item: Item
    items: tuple[Item, ...] = ()
    env: str | None = None

    @property
    def several(self) -> bool:
        """True when more than one neighbour fits equally well."""
        return len(self.items) > 1

    def sentence(self) -> str:
        """One line for an answer or a ticket, naming what the message referred to."""
        kind = self.kind.replace("_", " ")
        if not self.several:
            return f"{self.service}'s {kind} is {_describe(self.item)}."
        shown = ", ".join(_describe(it) for it in self.items[:MAX_LISTED])
        more = f" and {len(self.items) - MAX_LISTED} more" if len(self.items) > MAX_LISTED else ""
        where = f" in {self.env}" if self.env else ""
        return f"{self.service} has {len(self.items)} {kind}s{where}: {shown}{more}."

    def question(self, text: str) -> str:
        """The message with the linked item's kind and engine spelled out, for retrieval."""
        engine = self.item.attrs.get("engine")
        return f"{text} ({engine or ''} {self.kind.replace('_', ' ')} {self.item.name})"


class ContextLinker:
    """Links "the <kind> of <service>" in a message to CMDB items through the topology."""

    def __init__(self, cmdb: CMDB, encoder: Encoder) -> None:
        self.cmdb = cmdb
        self.encoder = encoder  # kept for callers that build it with one; linking needs none

    def link(self, text: str) -> Link | None:
        """The items the message refers to, or None when it names no service and kind."""
        lowered = text.lower()
        kind_match = _KIND.search(lowered)
        if kind_match is None:
            return None
        kind = KIND_WORDS[kind_match.group(1)]
        service = self._service_named(lowered)
        if service is None or kind == "service":
            return None
        try:
            topo = self.cmdb.neighbors(service)
        except CMDBError:
            return None
        neighbours = [n for n in topo.nodes if n.name != service]
        candidates = [n for n in neighbours if n.type == kind]
        if not candidates:
            return None
        hosts = [n for n in neighbours if n.type == "host"]
        env, chosen = prefer(candidates, hosts, _env_named(text))
        return Link(service, kind, chosen[0], tuple(chosen), env)

    def spell_out(self, text: str) -> str:
        """The message with each CI it names that runs a known technology spelled out.

        "payments-db-prod has slow queries" names a MySQL database only through the CMDB;
        retrieval and the grounding check should see "mysql" as if the message said it.
        """
        named = self.named_engines(text)
        if not named:
            return text
        said = " ".join(
            f"{engine} {item.type.replace('_', ' ')} {item.name}" for item, engine in named
        )
        return f"{text} ({said})"

    def named_engines(self, text: str) -> list[tuple[Item, str]]:
        """The CIs named in `text` with the engine (datastores) or role (hosts) they run."""
        words = [m.group(1) for m in _NAME.finditer(text)]
        shaped = [w for w in dict.fromkeys(words) if "-" in w or any(c.isdigit() for c in w)]
        found: list[tuple[Item, str]] = []
        for word in shaped[:MAX_NAMES]:
            try:
                item = self.cmdb.item(word)
            except CMDBError:
                return found
            if item is None or item.name.lower() != word.lower():
                continue
            engine = str(item.attrs.get("engine") or item.attrs.get("role") or "")
            if technologies(engine):
                found.append((item, engine))
        return found

    def _service_named(self, lowered: str) -> str | None:
        for name in sorted(self.cmdb.names("service"), key=len, reverse=True):
            if re.search(rf"(?<![\w-]){re.escape(name.lower())}(?![\w-])", lowered):
                return name
        return None


def prefer(
    candidates: list[Item], hosts: list[Item], asked_env: str | None
) -> tuple[str | None, list[Item]]:
    """The environment chosen and the candidates in it, best placed first.

    The environment is the one asked for, else the service's hosts' most production-like
    one that has a candidate. Within it, a candidate in a datacenter where more of the
    service's hosts run ranks first; items without an environment always stay in.
    """
    envs = Counter(str(h.attrs["env"]) for h in hosts if "env" in h.attrs)
    idcs = Counter(str(h.attrs["idc"]) for h in hosts if "idc" in h.attrs)
    offered = {str(c.attrs["env"]) for c in candidates if "env" in c.attrs}
    env = asked_env if asked_env in offered else None
    if env is None and asked_env is None:
        ranked = sorted(offered, key=lambda e: (e not in envs, _env_rank(e)))
        env = ranked[0] if ranked else None
    kept = [c for c in candidates if env is None or c.attrs.get("env", env) == env]
    kept.sort(key=lambda c: (-idcs.get(str(c.attrs.get("idc", "")), 0), c.name))
    return env, kept or candidates


def _env_rank(env: str) -> int:
    return ENV_ORDER.index(env) if env in ENV_ORDER else len(ENV_ORDER)


def _env_named(text: str) -> str | None:
    match = _ENV.search(text)
    return ENV_WORDS[match.group(1).lower()] if match else None


def _describe(item: Item) -> str:
    where = ", ".join(str(item.attrs[a]) for a in ("engine", "env", "idc") if a in item.attrs)
    return f"**{item.name}**" + (f" ({where})" if where else "")
