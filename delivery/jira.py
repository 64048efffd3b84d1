"""`kind: jira`: Jira REST v2, `POST /rest/api/2/issue`, basic auth (user + API token).

Idempotency: Jira has no idempotency header, so every issue carries the label
`opsqkv-<ticket id>`, and before creating we search for it
(`GET /rest/api/2/search?jql=labels = "opsqkv-<id>"`; on Jira Cloud, where that endpoint
was removed, `/rest/api/2/search/jql`). Our own record in Redis already
stops a second call once an issue is known; the label covers the gap where an issue was
created but the answer was lost (a timeout, a worker killed mid-call). Jira's search index
can lag a create by a moment, so the label is a safety net, not a lock.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from delivery.config import JiraSinkConfig
from delivery.http import HttpSink
from delivery.mapping import names_of, render_fields, render_value
from delivery.outcome import Created, Failure, Outcome, Refused
from state.models import Ticket

SUMMARY_MAX = 255  # Jira refuses longer summaries


class JiraSink(HttpSink):
    """Creates one Jira issue per ticket."""

    kind = "jira"

    def __init__(
        self, config: JiraSinkConfig, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        super().__init__(config, auth=(config.user, config.token), transport=transport)
        self.config = config

    def deliver(self, ticket: Ticket, tenant: str | None) -> Outcome:
        label = id_label(ticket.id)
        try:
            found = self._find(label)
            if found is not None:
                return Created(found, self._link(found), existing=True)
            fields = self.fields(ticket, tenant, label)
            response = self.http.call("POST", "/rest/api/2/issue", json={"fields": fields})
            key = self.http.json_of(response).get("key")
        except Refused as e:
            return e.failure
        if not isinstance(key, str):
            return Failure("Jira created an issue but sent no key", retryable=False)
        return Created(key, self._link(key))

    def fields(self, ticket: Ticket, tenant: str | None, label: str) -> dict[str, Any]:
        """The issue's `fields` as this sink maps the ticket's template."""
        spec = self.config.template(ticket.template)
        names = names_of(ticket, tenant)
        summary = None if spec.summary is None else _str(render_value(spec.summary, ticket, names))
        description = render_value(spec.description or "{ticket.values}", ticket, names)
        fields: dict[str, Any] = {
            "project": {"key": spec.project or self.config.project},
            "issuetype": {"name": spec.issue_type or self.config.issue_type},
            "summary": (summary or f"{ticket.template} {ticket.id}")[:SUMMARY_MAX],
            "description": _str(description) or "",
        }
        if spec.priority is not None:
            priority = render_value(spec.priority, ticket, names)
            if priority is not None:
                fields["priority"] = {"name": str(priority)}
        labels: list[str] = []
        for item in [*spec.labels, label]:
            text = _str(render_value(item, ticket, names))
            if text:
                text = re.sub(r"\s+", "-", text)  # Jira labels have no spaces
                if text not in labels:
                    labels.append(text)
        fields["labels"] = labels
        fields.update(render_fields(spec.fields, ticket, names))
        return fields

    def _find(self, label: str) -> str | None:
        """The key of an issue already carrying `label`, if any."""
        params = {"jql": f'labels = "{label}"', "fields": "key", "maxResults": "1"}
        response = self.http.call("GET", self.config.search_endpoint(), params=params)
        issues = self.http.json_of(response).get("issues") or []
        first = issues[0] if issues and isinstance(issues[0], dict) else {}
        if isinstance(first.get("key"), str):
            key: str = first["key"]
            return key
        if first.get("id"):  # an enhanced search that answered with the id alone
            issue = self.http.call(
                "GET", f"/rest/api/2/issue/{first['id']}", params={"fields": "key"}
            )
            found = self.http.json_of(issue).get("key")
            return found if isinstance(found, str) else None
        return None

    def _link(self, key: str) -> str:
        return f"{self.config.url}/browse/{key}"


def id_label(ticket_id: str) -> str:
    """The label that marks an issue as this ticket's."""
    return f"opsqkv-{ticket_id}"


def _str(value: object) -> str | None:
    return None if value is None else str(value)
