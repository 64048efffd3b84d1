"""The delivery worker on a thread: what `opsqkv serve` runs in each worker process.

N service workers run N of these; as consumers of one group they share the streams'
entries, so each ticket is still delivered by one of them at a time.
"""

from __future__ import annotations

import logging
import threading

import redis

from delivery.config import SinksConfig
from delivery.retrying import DeliveryEvent
from delivery.sinks import Sink, open_sinks
from delivery.worker import DeliveryWorker

log = logging.getLogger("opsqkv.delivery")


class BackgroundDelivery:
    """A DeliveryWorker running until `stop`."""

    def __init__(self, worker: DeliveryWorker, sinks: list[Sink]) -> None:
        self.worker = worker
        self.sinks = sinks
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="opsqkv-delivery", daemon=True)

    @classmethod
    def start(cls, client: redis.Redis, config: SinksConfig, *, prefix: str) -> BackgroundDelivery:
        """Open the sinks and start delivering the root stream's and every tenant's tickets."""
        sinks = open_sinks(config)
        worker = DeliveryWorker(
            client, sinks, prefix=prefix, options=config.worker, on_event=_log_event
        )
        background = cls(worker, sinks)
        background._thread.start()
        return background

    def stop(self, timeout_s: float) -> None:
        """Stop taking entries, let attempts in flight end (up to `timeout_s`), close the sinks."""
        self._stop.set()
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            log.warning("delivery still busy after %.0fs; its entries stay pending", timeout_s)
            return
        for sink in self.sinks:
            sink.close()

    def _run(self) -> None:
        try:
            self.worker.run(self._stop)
        except Exception:  # a bug: say so loudly; the entries stay pending for another worker
            log.exception("the delivery worker stopped")


def _log_event(event: DeliveryEvent) -> None:
    tenant = f" (tenant {event.tenant})" if event.tenant else ""
    if event.kind in ("created", "existing"):
        log.info("%s %s in %s%s", event.ticket_id, event.external_id, event.sink, tenant)
    elif event.kind == "dead":
        log.warning(
            "dead letter: %s -> %s%s: %s", event.ticket_id, event.sink, tenant, event.detail
        )
    elif event.kind == "error":
        log.error("delivery: %s", event.detail)
