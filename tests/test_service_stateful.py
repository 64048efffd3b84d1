"""schemathesis, stateful: sequences of API calls (send, read back, forget) never get a 5xx.

Slow (a server start and a hypothesis run): under the `faults` marker, which `.ci/run`
runs after the main suite.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as run_settings
from schemathesis.checks import not_a_server_error
from service_server import ServiceProcess, drop_prefix, service_settings, start_service

from agents import OpsBot
from settings import Settings

pytestmark = pytest.mark.faults


@pytest.fixture(scope="module")
def server(
    bot: OpsBot, bot_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    settings = service_settings(bot_settings.home)
    proc = start_service(settings, tmp_path_factory.mktemp("svc-stateful") / "serve.log")
    yield proc
    proc.stop()
    drop_prefix(settings)


def test_service_stateful_sequences_never_get_a_server_error(server: ServiceProcess) -> None:
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    links = schema.raw_schema["paths"]["/v1/sessions/{session_id}/messages"]["post"]
    assert set(links["responses"]["200"]["links"]) == {"ReadSession", "ForgetSession"}
    headers = {"Authorization": f"Bearer {server.token('stateful', rate_per_min=100_000)}"}
    base = schema.as_state_machine()

    class Sequences(base):  # type: ignore[valid-type, misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": headers, "timeout": 120}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(response, checks=[not_a_server_error])

    Sequences.run(
        settings=run_settings(
            max_examples=25,
            stateful_step_count=5,
            derandomize=True,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    log = server.output
    assert "Traceback" not in log, log[-2000:]
