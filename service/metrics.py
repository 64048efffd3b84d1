"""Prometheus metrics of the service: turn latency by agent, requests, errors, tickets.

With several workers each is its own process: `opsqkv serve` then sets
PROMETHEUS_MULTIPROC_DIR and `/metrics` adds up every worker's files (prometheus-client's
multiprocess mode), so a scrape of any worker sees the whole service.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

TURN_SECONDS = Histogram(
    "opsqkv_turn_seconds",
    "Time to answer one chat message, by the agent that answered.",
    ["agent"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
REQUESTS = Counter(
    "opsqkv_requests_total", "HTTP requests answered, by route and status.", ["route", "status"]
)
ERRORS = Counter("opsqkv_errors_total", "Requests that failed, by error type.", ["type"])
TICKETS = Counter("opsqkv_tickets_submitted_total", "Tickets submitted through the API.")


def render() -> tuple[bytes, str]:
    """The Prometheus text exposition of this process, or of every worker when multiprocess."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
