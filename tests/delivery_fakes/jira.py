"""A fake Jira: `POST /rest/api/2/issue` and JQL search, as Jira documents them."""

from __future__ import annotations

import re
import time
from typing import Any

from .base import Answer, FakeService, Seen, _json


class FakeJira(FakeService):
    """`POST /rest/api/2/issue` and `GET /rest/api/2/search?jql=labels = "..."`, basic auth."""

    kind = "jira"
    priorities = ("Highest", "High", "Medium", "Low", "Lowest")

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.issues: dict[str, dict[str, Any]] = {}  # key -> fields

    def error(self, status: int, message: str) -> Answer:
        return _json(status, {"errorMessages": [message], "errors": {}})

    def ticket_of(self, request: Seen) -> str | None:
        if request.method != "POST":
            return None
        labels = request.json().get("fields", {}).get("labels", [])
        ids = [label.removeprefix("opsqkv-") for label in labels if label.startswith("opsqkv-")]
        return ids[0] if ids else None

    def route(self, request: Seen) -> Answer:
        if not self.authorized(request):
            return _json(401, {"errorMessages": ["You are not authenticated."], "errors": {}})
        if request.method == "GET" and request.path == "/rest/api/2/search":
            return self._search(request.query.get("jql", ""))
        if request.method == "POST" and request.path == "/rest/api/2/issue":
            return self._create(request)
        return self.error(404, f"no route {request.method} {request.path}")

    def _search(self, jql: str) -> Answer:
        match = re.fullmatch(r'labels\s*=\s*"([^"]+)"', jql.strip())
        if not match:
            return _json(400, {"errorMessages": [f"Error in the JQL Query: {jql}"], "errors": {}})
        with self.lock:
            hits = [k for k, f in self.issues.items() if match.group(1) in f.get("labels", [])]
        issues = [{"id": k.split("-")[1], "key": k, "self": f"{self.url}/issue/{k}"} for k in hits]
        return _json(200, {"startAt": 0, "maxResults": 1, "total": len(hits), "issues": issues})

    def _create(self, request: Seen) -> Answer:
        fields = request.json().get("fields", {})
        errors = {}
        if not fields.get("summary"):
            errors["summary"] = "You must specify a summary of the issue."
        priority = fields.get("priority", {}).get("name")
        if priority is not None and priority not in self.priorities:
            errors["priority"] = f"Priority name '{priority}' is not valid"
        if errors:
            return _json(400, {"errorMessages": [], "errors": errors})
        ticket_id = self.ticket_of(request) or "?"
        failure, stall = self.misbehave(ticket_id)
        if failure is not None:
            return failure
        with self.lock:
            key = f"{fields['project']['key']}-{len(self.issues) + 1}"
            self.issues[key] = fields
            self.created[ticket_id] += 1
        time.sleep(stall)
        number = key.split("-")[1]
        return _json(201, {"id": str(10000 + int(number)), "key": key, "self": f"{self.url}/x"})
