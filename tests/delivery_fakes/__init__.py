"""Jira, ServiceNow and webhook receivers on real loopback sockets, for the delivery tests.

Each answers the requests our sinks send the way the real service documents them (paths,
status codes, JSON shapes, error bodies) and counts what it created per opsqkv ticket id,
so a test can say "created exactly once" from the receiver's side. Knobs make it misbehave:
`fail_first` (5xx for the first N creates of each ticket), `rate_limit_first` (429 with
Retry-After), `slow_first_s` (create, then answer past the client's timeout), `down`
(every request 503 until switched back), `delay_s` (every create takes this long).
"""

from __future__ import annotations

from .base import Answer, FakeService, Knobs, Seen
from .jira import FakeJira
from .servicenow import FakeServiceNow
from .webhook import FakeWebhook

__all__ = [
    "SECRETS_ENV", "Answer", "FakeJira", "FakeService", "FakeServiceNow", "FakeWebhook",
    "Knobs", "Seen", "sinks_yaml", "start_all",
]  # fmt: skip


def start_all() -> tuple[FakeJira, FakeServiceNow, FakeWebhook]:
    """One of each receiver, listening."""
    jira = FakeJira()
    snow = FakeServiceNow()
    hook = FakeWebhook()
    for service in (jira, snow, hook):
        service.start()
    return jira, snow, hook


def sinks_yaml(
    *services: FakeService,
    backoff_s: float = 0.001,
    max_attempts: int = 5,
    timeout_s: float = 2.0,
    claim_idle_s: float = 30.0,
    concurrency: int = 8,
    rescan_s: float = 30.0,
) -> str:
    """A sinks file for these receivers, with tiny backoffs so retries cost no test time."""
    hook = next((s for s in services if isinstance(s, FakeWebhook)), None)
    jira = next((s for s in services if isinstance(s, FakeJira)), None)
    snow = next((s for s in services if isinstance(s, FakeServiceNow)), None)
    retry = (
        f"    timeout_s: {timeout_s}\n    max_attempts: {max_attempts}\n"
        f"    backoff_s: {backoff_s}\n    backoff_max_s: {backoff_s * 4}\n"
    )
    text = (
        f"worker:\n  claim_idle_s: {claim_idle_s}\n  concurrency: {concurrency}\n"
        f"  rescan_s: {rescan_s}\nsinks:\n"
    )
    if hook is not None:
        text += (
            f"  - kind: webhook\n    name: hook\n    url: {hook.url}/opsqkv\n"
            f"    secret: ${{TEST_HOOK_SECRET}}\n{retry}"
        )
    if jira is not None:
        text += (
            f"  - kind: jira\n    name: jira\n    url: {jira.url}\n    user: {jira.user}\n"
            f"    token: ${{TEST_JIRA_TOKEN}}\n    project: OPS\n{retry}"
            "    templates:\n      incident:\n        issue_type: Bug\n"
            '        summary: "[{severity}] {service}: {symptom}"\n'
            "        priority: {slot: severity, map: {P1: Highest, P2: High, P3: Medium, P4: Low}}\n"
            '        labels: [opsqkv, "{service}"]\n'
            '        fields: {customfield_10042: "{started_at}"}\n'
        )
    if snow is not None:
        text += (
            f"  - kind: servicenow\n    name: servicenow\n    url: {snow.url}\n"
            f"    user: {snow.user}\n    password: ${{TEST_SNOW_PASSWORD}}\n{retry}"
            "    templates:\n      incident:\n        table: incident\n        fields:\n"
            '          short_description: "{service}: {symptom}"\n'
            "          urgency: {slot: severity, map: {P1: '1', P2: '1', P3: '2', P4: '3'}}\n"
            "          impact: {slot: severity, map: {P1: '1', P2: '2', P3: '2', P4: '3'}}\n"
            "      change_request:\n        table: change_request\n        fields:\n"
            '          short_description: "{change_type} change of {service}"\n'
        )
    return text


SECRETS_ENV = {
    "TEST_HOOK_SECRET": "s3cret",
    "TEST_JIRA_TOKEN": "s3cret",
    "TEST_SNOW_PASSWORD": "s3cret",
}
