"""The Sink interface, and the sinks a config names."""

from __future__ import annotations

from typing import Protocol

import httpx

from delivery.config import (
    JiraSinkConfig,
    RetryPolicy,
    ServiceNowSinkConfig,
    SinksConfig,
    WebhookSinkConfig,
)
from delivery.jira import JiraSink
from delivery.outcome import Outcome
from delivery.servicenow import ServiceNowSink
from delivery.webhook import WebhookSink
from state.models import Ticket


class Sink(Protocol):
    """A target a ticket is created in; `deliver` makes one attempt and never raises."""

    name: str
    kind: str
    retry: RetryPolicy

    def accepts(self, template: str) -> bool:
        """Whether tickets of this template go here."""
        ...

    def deliver(self, ticket: Ticket, tenant: str | None) -> Outcome:
        """One attempt to create the ticket (or find the one an earlier attempt created)."""
        ...

    def close(self) -> None:
        """Close the connection pool."""
        ...


def open_sinks(config: SinksConfig, *, transport: httpx.BaseTransport | None = None) -> list[Sink]:
    """One client per configured sink, in file order."""
    sinks: list[Sink] = []
    for sink in config.sinks:
        if isinstance(sink, WebhookSinkConfig):
            sinks.append(WebhookSink(sink, transport=transport))
        elif isinstance(sink, JiraSinkConfig):
            sinks.append(JiraSink(sink, transport=transport))
        elif isinstance(sink, ServiceNowSinkConfig):
            sinks.append(ServiceNowSink(sink, transport=transport))
    return sinks
