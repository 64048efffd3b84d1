"""`kind: servicenow`: the Table API, `POST /api/now/table/<table>`, basic auth.

The table is per template (incident; change_request for change tickets). Idempotency:
each record's `correlation_id` is the ticket id, and before inserting we query
`GET /api/now/table/<table>?sysparm_query=correlation_id=<id>`, so a record whose answer
was lost (timeout, worker killed) is found rather than created twice. The external id is
the record's `number` (INC0010023), the link its form in the instance.
"""

from __future__ import annotations

from typing import Any

import httpx

from delivery.config import ServiceNowSinkConfig
from delivery.http import HttpSink
from delivery.mapping import names_of, render_fields, render_text
from delivery.outcome import Created, Failure, Outcome, Refused
from state.models import Ticket


class ServiceNowSink(HttpSink):
    """Creates one ServiceNow record per ticket."""

    kind = "servicenow"

    def __init__(
        self, config: ServiceNowSinkConfig, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        super().__init__(config, auth=(config.user, config.password), transport=transport)
        self.config = config

    def deliver(self, ticket: Ticket, tenant: str | None) -> Outcome:
        table = self.config.table_for(ticket.template)
        path = f"/api/now/table/{table}"
        try:
            query = {
                "sysparm_query": f"correlation_id={ticket.id}",
                "sysparm_fields": "sys_id,number",
                "sysparm_limit": "1",
            }
            found = self.http.json_of(self.http.call("GET", path, params=query)).get("result")
            if isinstance(found, list) and found and isinstance(found[0], dict):
                return self._created(table, found[0], existing=True)
            row = self.fields(ticket, tenant)
            result = self.http.json_of(self.http.call("POST", path, json=row)).get("result")
        except Refused as e:
            return e.failure
        if not isinstance(result, dict):
            return Failure("ServiceNow answered without a record", retryable=False)
        return self._created(table, result)

    def fields(self, ticket: Ticket, tenant: str | None) -> dict[str, Any]:
        """The record's fields as this sink maps the ticket's template."""
        names = names_of(ticket, tenant)
        spec = self.config.template(ticket.template)
        row: dict[str, Any] = {
            "short_description": f"{ticket.template} {ticket.id}",
            "description": render_text("{ticket.values}", names),
        }
        row.update(render_fields(spec.fields, ticket, names))
        row["correlation_id"] = ticket.id
        row["correlation_display"] = "opsqkv"
        return row

    def _created(self, table: str, record: dict[str, Any], *, existing: bool = False) -> Created:
        number = record.get("number")
        sys_id = record.get("sys_id")
        link = f"{self.config.url}/nav_to.do?uri={table}.do?sys_id={sys_id}" if sys_id else None
        return Created(None if number is None else str(number), link, existing=existing)
