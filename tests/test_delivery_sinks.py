"""Each sink's real HTTP client against a receiver shaped like the real service: one call each."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from delivery.config import load_sinks
from delivery.outcome import Created, Failure
from delivery.sinks import Sink, open_sinks
from state.models import Ticket
from tests.delivery_fakes import (
    SECRETS_ENV,
    FakeJira,
    FakeServiceNow,
    FakeWebhook,
    sinks_yaml,
)


def incident(n: int = 1, **values: str) -> Ticket:
    return Ticket(
        id=f"incident-20260101-{n:06x}",
        template="incident",
        values={
            "service": "payment-api",
            "severity": "P1",
            "symptom": "checkout returns 502",
            "started_at": "2026-01-01T09:40:00+00:00",
            **values,
        },
        created_at=datetime(2026, 1, 1, 10, tzinfo=UTC),
        session_id="s-1",
    )


def change(n: int = 1) -> Ticket:
    return Ticket(
        id=f"change_request-20260101-{n:06x}",
        template="change_request",
        values={"change_type": "standard", "service": "billing", "environment": "prod"},
        created_at=datetime(2026, 1, 1, 10, tzinfo=UTC),
        session_id="s-2",
    )


@pytest.fixture
def fakes() -> Iterator[tuple[FakeJira, FakeServiceNow, FakeWebhook]]:
    jira, snow, hook = FakeJira().start(), FakeServiceNow().start(), FakeWebhook().start()
    yield jira, snow, hook  # type: ignore[misc]
    for service in (jira, snow, hook):
        service.stop()


def _sinks(
    tmp_path: Path, fakes: tuple[FakeJira, FakeServiceNow, FakeWebhook], **kw: float
) -> dict[str, Sink]:
    path = tmp_path / "sinks.yaml"
    path.write_text(sinks_yaml(*fakes, **kw), encoding="utf-8")
    return {s.name: s for s in open_sinks(load_sinks(path, SECRETS_ENV))}


def test_delivery_sinks_webhook_signs_the_body_and_sends_the_idempotency_key(
    tmp_path: Path, fakes: tuple[FakeJira, FakeServiceNow, FakeWebhook]
) -> None:
    hook = fakes[2]
    outcome = _sinks(tmp_path, fakes)["hook"].deliver(incident(), tenant="payments")
    assert isinstance(outcome, Created) and outcome.external_id == "evt-1"
    (request,) = hook.seen
    assert request.headers["idempotency-key"] == incident().id
    digest = hmac.new(b"s3cret", request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-opsqkv-signature"] == f"sha256={digest}"
    body = request.json()
    assert body["ticket"]["id"] == incident().id and body["tenant"] == "payments"
    assert body["ticket"]["values"]["service"] == "payment-api"


def test_delivery_sinks_jira_creates_the_mapped_issue_with_basic_auth(
    tmp_path: Path, fakes: tuple[FakeJira, FakeServiceNow, FakeWebhook]
) -> None:
    jira = fakes[0]
    outcome = _sinks(tmp_path, fakes)["jira"].deliver(incident(), tenant=None)
    assert isinstance(outcome, Created)
    assert outcome.external_id == "OPS-1" and outcome.url == f"{jira.url}/browse/OPS-1"
    assert not outcome.existing
    search, create = jira.seen
    assert search.method == "GET" and search.query["jql"] == f'labels = "opsqkv-{incident().id}"'
    auth = base64.b64encode(b"bot:s3cret").decode()
    assert create.headers["authorization"] == f"Basic {auth}"
    fields = create.json()["fields"]
    assert fields["project"] == {"key": "OPS"} and fields["issuetype"] == {"name": "Bug"}
    assert fields["summary"] == "[P1] payment-api: checkout returns 502"
    assert fields["priority"] == {"name": "Highest"}
    assert fields["labels"] == ["opsqkv", "payment-api", f"opsqkv-{incident().id}"]
    assert fields["customfield_10042"] == "2026-01-01T09:40:00+00:00"
    assert "service: payment-api" in fields["description"]


def test_delivery_sinks_jira_finds_the_issue_a_lost_answer_created(
    tmp_path: Path, fakes: tuple[FakeJira, FakeServiceNow, FakeWebhook]
) -> None:
    jira = fakes[0]
    sink = _sinks(tmp_path, fakes)["jira"]
    first = sink.deliver(incident(), tenant=None)
    again = sink.deliver(incident(), tenant=None)
    assert isinstance(first, Created) and isinstance(again, Created)
    assert again.external_id == first.external_id and again.existing
    assert jira.created[incident().id] == 1


def test_delivery_sinks_jira_error_body_is_a_final_failure_naming_the_field(
    tmp_path: Path, fakes: tuple[FakeJira, FakeServiceNow, FakeWebhook]
) -> None:
    outcome = _sinks(tmp_path, fakes)["jira"].deliver(incident(severity="P9"), tenant=None)
    # P9 maps to no priority: the slot value itself is sent, and Jira refuses it.
    assert isinstance(outcome, Failure) and not outcome.retryable
    assert "HTTP 400" in outcome.reason and "Priority name 'P9' is not valid" in outcome.reason


def test_delivery_sinks_servicenow_maps_severity_and_sets_correlation_id(
    tmp_path: Path, fakes: tuple[FakeJira, FakeServiceNow, FakeWebhook]
) -> None:
    snow = fakes[1]
    outcome = _sinks(tmp_path, fakes)["servicenow"].deliver(incident(), tenant=None)
    assert isinstance(outcome, Created) and outcome.external_id == "INC0010001"
    assert outcome.url is not None and outcome.url.startswith(snow.url)
    query, insert = snow.seen
    assert query.path == "/api/now/table/incident"
    assert query.query["sysparm_query"] == f"correlation_id={incident().id}"
    row = insert.json()
    assert row["correlation_id"] == incident().id
    assert row["short_description"] == "payment-api: checkout returns 502"
    assert (row["urgency"], row["impact"]) == ("1", "1")


def test_delivery_sinks_servicenow_change_ticket_goes_to_change_request(
    tmp_path: Path, fakes: tuple[FakeJira, FakeServiceNow, FakeWebhook]
) -> None:
    outcome = _sinks(tmp_path, fakes)["servicenow"].deliver(change(), tenant=None)
    assert isinstance(outcome, Created) and outcome.external_id == "CHG0010001"
    assert fakes[1].seen[-1].path == "/api/now/table/change_request"
    assert fakes[1].seen[-1].json()["short_description"] == "standard change of billing"


def test_delivery_sinks_servicenow_bad_credentials_are_final(
    tmp_path: Path, fakes: tuple[FakeJira, FakeServiceNow, FakeWebhook]
) -> None:
    fakes[1].secret = "rotated"
    outcome = _sinks(tmp_path, fakes)["servicenow"].deliver(incident(), tenant=None)
    assert isinstance(outcome, Failure) and not outcome.retryable
    assert "HTTP 401" in outcome.reason and "User Not Authenticated" in outcome.reason


@pytest.mark.parametrize("kind", ["jira", "servicenow", "hook"])
def test_delivery_sinks_5xx_is_retryable_with_the_service_message(
    tmp_path: Path, fakes: tuple[FakeJira, FakeServiceNow, FakeWebhook], kind: str
) -> None:
    for service in fakes:
        service.knobs.fail_first = 1
    outcome = _sinks(tmp_path, fakes)[kind].deliver(incident(), tenant=None)
    assert isinstance(outcome, Failure) and outcome.retryable
    assert "HTTP 500" in outcome.reason and "internal error on attempt 1" in outcome.reason


def test_delivery_sinks_429_carries_retry_after(
    tmp_path: Path, fakes: tuple[FakeJira, FakeServiceNow, FakeWebhook]
) -> None:
    fakes[0].knobs.rate_limit_first, fakes[0].knobs.retry_after = 1, "7"
    outcome = _sinks(tmp_path, fakes)["jira"].deliver(incident(), tenant=None)
    assert isinstance(outcome, Failure) and outcome.retryable and outcome.retry_after_s == 7


def test_delivery_sinks_slow_answer_is_a_retryable_timeout(
    tmp_path: Path, fakes: tuple[FakeJira, FakeServiceNow, FakeWebhook]
) -> None:
    fakes[1].knobs.slow_first_s = 1.0
    outcome = _sinks(tmp_path, fakes, timeout_s=0.2)["servicenow"].deliver(incident(), tenant=None)
    assert isinstance(outcome, Failure) and outcome.retryable and "0.2" in outcome.reason


def test_delivery_sinks_unreachable_is_retryable(
    tmp_path: Path, fakes: tuple[FakeJira, FakeServiceNow, FakeWebhook]
) -> None:
    sinks = _sinks(tmp_path, fakes)
    fakes[2].stop()
    outcome = sinks["hook"].deliver(incident(), tenant=None)
    assert isinstance(outcome, Failure) and outcome.retryable
    assert fakes[2].url.split("//")[1] in outcome.reason


def test_delivery_sinks_webhook_payload_is_json_of_the_ticket(
    tmp_path: Path, fakes: tuple[FakeJira, FakeServiceNow, FakeWebhook]
) -> None:
    _sinks(tmp_path, fakes)["hook"].deliver(change(), tenant=None)
    body = json.loads(fakes[2].seen[0].body)
    assert body["ticket"] == json.loads(change().model_dump_json())
    assert body["tenant"] is None
