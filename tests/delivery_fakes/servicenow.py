"""A fake ServiceNow Table API: create and query records."""

from __future__ import annotations

import hashlib
import re
import time
from typing import Any, ClassVar

from .base import Answer, FakeService, Seen, _json


class FakeServiceNow(FakeService):
    """Table API: `POST /api/now/table/<table>`, `GET ...?sysparm_query=correlation_id=<id>`."""

    kind = "servicenow"
    prefixes: ClassVar[dict[str, str]] = {"incident": "INC", "change_request": "CHG"}

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.records: dict[str, list[dict[str, Any]]] = {t: [] for t in self.prefixes}

    def error(self, status: int, message: str) -> Answer:
        return _json(status, {"error": {"message": message, "detail": None}, "status": "failure"})

    def ticket_of(self, request: Seen) -> str | None:
        if request.method != "POST":
            return None
        value = request.json().get("correlation_id")
        return str(value) if value else None

    def route(self, request: Seen) -> Answer:
        if not self.authorized(request):
            return _json(
                401,
                {
                    "error": {
                        "message": "User Not Authenticated",
                        "detail": "Required to provide Auth information",
                    },
                    "status": "failure",
                },
            )
        match = re.fullmatch(r"/api/now/table/(\w+)", request.path)
        if not match or match.group(1) not in self.records:
            return self.error(400, f"Invalid table {request.path.rsplit('/', 1)[-1]}")
        table = match.group(1)
        if request.method == "GET":
            return self._query(table, request.query.get("sysparm_query", ""))
        if request.method == "POST":
            return self._insert(table, request)
        return self.error(405, "method not allowed")

    def _query(self, table: str, query: str) -> Answer:
        wanted = query.removeprefix("correlation_id=")
        with self.lock:
            rows = [r for r in self.records[table] if r.get("correlation_id") == wanted]
        return _json(
            200, {"result": [{"sys_id": r["sys_id"], "number": r["number"]} for r in rows]}
        )

    def _insert(self, table: str, request: Seen) -> Answer:
        ticket_id = self.ticket_of(request) or "?"
        failure, stall = self.misbehave(ticket_id)
        if failure is not None:
            return failure
        with self.lock:
            rows = self.records[table]
            number = f"{self.prefixes[table]}{10001 + len(rows):07d}"
            row = {
                **request.json(),
                "number": number,
                "sys_id": hashlib.md5(number.encode()).hexdigest(),  # noqa: S324 (a fake id)
            }
            rows.append(row)
            self.created[ticket_id] += 1
        time.sleep(stall)
        return _json(201, {"result": row})
