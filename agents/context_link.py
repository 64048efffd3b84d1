"""Context alignment: "the database of payment-api" -> the database payment-api depends on.

A message naming a known service and a kind of item ("the database", "its cache") is
linked to that service's neighbour of that kind in the CMDB. When the service has several,
the message attends over their descriptions and the best one is taken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from errors import CMDBError
from knowledge.attention import attend
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
_ENV = re.compile(r"\b(prod|production|staging|stage|dev|development|test|qa)\b", re.I)
_KIND = re.compile(r"\b(" + "|".join(sorted(map(re.escape, KIND_WORDS), key=len)[::-1]) + r")\b")


@dataclass(frozen=True)
class Link:
    """A service named in a message, and the item of the kind the message speaks of."""

    service: str
    kind: str
    item: Item

    def sentence(self) -> str:
        """One line for an answer or a ticket, naming what the message referred to."""
        where = ", ".join(
            str(self.item.attrs[a]) for a in ("engine", "env", "idc") if a in self.item.attrs
        )
        extra = f" ({where})" if where else ""
        return f"{self.service}'s {self.kind.replace('_', ' ')} is **{self.item.name}**{extra}."

    def question(self, text: str) -> str:
        """The message with the linked item's kind and engine spelled out, for retrieval."""
        engine = self.item.attrs.get("engine")
        return f"{text} ({engine or ''} {self.kind.replace('_', ' ')} {self.item.name})"


class ContextLinker:
    """Links "the <kind> of <service>" in a message to a CMDB item."""

    def __init__(self, cmdb: CMDB, encoder: Encoder) -> None:
        self.cmdb = cmdb
        self.encoder = encoder

    def link(self, text: str) -> Link | None:
        """The item the message refers to, or None when it names no service and kind."""
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
        candidates = [n for n in topo.nodes if n.type == kind and n.name != service]
        if not candidates:
            return None
        return Link(service, kind, self._closest(text, candidates))

    def _service_named(self, lowered: str) -> str | None:
        for name in sorted(self.cmdb.names("service"), key=len, reverse=True):
            if re.search(rf"(?<![\w-]){re.escape(name.lower())}(?![\w-])", lowered):
                return name
        return None

    def _closest(self, text: str, items: list[Item]) -> Item:
        if len(items) == 1:
            return items[0]
        if not _ENV.search(text):
            text += " in production"  # on-call questions are about prod unless they say otherwise
        q = self.encoder.encode_one(text)  # (d,)
        keys = self.encoder.encode([_describe(it) for it in items])  # (n, d)
        _, weights = attend(q[None, :], keys, keys, scale=20.0)  # (1, n)
        return items[int(weights[0].argmax())]


def _describe(item: Item) -> str:
    attrs = " ".join(f"{k} {v}" for k, v in item.attrs.items() if isinstance(v, str))
    return f"{item.type} {item.name} {attrs}"
