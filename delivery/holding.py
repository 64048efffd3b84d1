"""What one delivery consumer holds: entries running on its threads or waiting to be retried.

An entry is held from the moment XREADGROUP or XAUTOCLAIM hands it to this consumer until
it is acknowledged or given up (out of time, stopped: it stays pending in Redis for the
next worker). While held it is renewed (XCLAIM) so no other consumer takes it. A sink that
must be retried later does not keep a thread asleep: the entry is put aside with the time
it is due, and started again then, trying only the sinks whose own time has come.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from concurrent.futures import Future

from delivery.streams import Entry, TicketQueue

Key = tuple[str, str]  # (stream key, entry id)


class Holding:
    """The held entries, their running tasks, and when each (entry, sink) is due again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[Key, tuple[TicketQueue, Entry]] = {}
        self._running: dict[Key, Future[None]] = {}
        self._later: list[tuple[float, int, Key]] = []  # a heap of (due, tie-break, key)
        self._due: dict[tuple[Key, str], float] = {}  # (entry, sink) -> time.monotonic()
        self._seq = itertools.count()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def hold(self, queue: TicketQueue, entry: Entry) -> Key | None:
        """Hold a new entry; None when it is held already."""
        key = (queue.key, entry.stream_id)
        with self._lock:
            if key in self._entries:
                return None
            self._entries[key] = (queue, entry)
            return key

    def get(self, key: Key) -> tuple[TicketQueue, Entry]:
        with self._lock:
            return self._entries[key]

    def running(self) -> list[Future[None]]:
        with self._lock:
            return list(self._running.values())

    def start(self, key: Key, future: Future[None]) -> None:
        with self._lock:
            self._running[key] = future

    def finished(self) -> list[tuple[Key, Future[None]]]:
        """Tasks that ended since the last call."""
        with self._lock:
            done = [(k, f) for k, f in self._running.items() if f.done()]
            for key, _ in done:
                del self._running[key]
            return done

    def later(self, key: Key, due: float) -> None:
        """Start the entry again at `due` (time.monotonic())."""
        with self._lock:
            heapq.heappush(self._later, (due, next(self._seq), key))

    def due(self, now: float) -> list[Key]:
        """Entries put aside whose time has come, taken off the list."""
        found: list[Key] = []
        with self._lock:
            while self._later and self._later[0][0] <= now:
                key = heapq.heappop(self._later)[2]
                if key in self._entries:
                    found.append(key)
        return found

    def next_due(self) -> float | None:
        with self._lock:
            return self._later[0][0] if self._later else None

    def sink_due(self, key: Key, sink: str) -> float:
        with self._lock:
            return self._due.get((key, sink), 0.0)

    def set_sink_due(self, key: Key, sink: str, due: float) -> None:
        with self._lock:
            self._due[(key, sink)] = due

    def release(self, key: Key) -> None:
        """Forget the entry: acknowledged, or left pending for another worker."""
        with self._lock:
            self._entries.pop(key, None)
            for due_key in [d for d in self._due if d[0] == key]:
                del self._due[due_key]

    def release_all(self) -> None:
        with self._lock:
            self._entries.clear()
            self._due.clear()
            self._later.clear()

    def ids_by_queue(self) -> list[tuple[TicketQueue, list[str]]]:
        """Held entry ids per stream, for renewing them."""
        by_key: dict[str, tuple[TicketQueue, list[str]]] = {}
        with self._lock:
            for (stream_key, stream_id), (queue, _) in self._entries.items():
                by_key.setdefault(stream_key, (queue, []))[1].append(stream_id)
        return list(by_key.values())
