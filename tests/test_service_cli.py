"""`opsqkv token create|list|revoke`: through typer's CliRunner, and once as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

import redis
from service_server import REPO
from typer.testing import CliRunner

from cli import app
from service.tokens import TOKEN_PREFIX, TokenStore, digest
from settings import Settings
from tests.support.env import settings_env

runner = CliRunner()


def _env(settings: Settings) -> dict[str, str]:
    return {
        "OPSQKV_HOME": str(settings.home),
        "OPSQKV_REDIS_URL": str(settings.redis_url),
        "OPSQKV_REDIS_PREFIX": settings.redis_prefix,
    }


def test_service_token_create_prints_the_token_last_and_stores_its_hash(
    settings: Settings, redis_client: redis.Redis
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cli", "token", "create", "--tenant", "ops-team"],
        cwd=REPO,
        env=settings_env(settings),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip().splitlines()[-1]
    assert token.startswith(TOKEN_PREFIX) and len(token) > 40
    stored = [redis_client.get(k) for k in redis_client.scan_iter(f"{settings.redis_prefix}*")]
    assert len(stored) == 1 and stored[0] is not None
    assert token.encode() not in stored[0]  # never in clear
    assert digest(token).encode() in stored[0]
    record = TokenStore(redis_client, prefix=settings.redis_prefix).check(token)
    assert record.tenant == "ops-team"


def test_service_token_list_and_revoke(settings: Settings, redis_client: redis.Redis) -> None:
    env = _env(settings)
    token = runner.invoke(app, ["token", "create", "--tenant", "a", "--rate", "5"], env=env)
    assert token.exit_code == 0, token.output
    listed = runner.invoke(app, ["token", "list", "--json"], env=env)
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(r["tenant"], r["rate_per_min"]) for r in rows] == [("a", 5)]
    assert "sha256" not in rows[0]
    revoked = runner.invoke(app, ["token", "revoke", rows[0]["id"]], env=env)
    assert revoked.exit_code == 0 and rows[0]["id"] in revoked.stdout
    assert runner.invoke(app, ["token", "list", "--json"], env=env).stdout.strip() == ""
    again = runner.invoke(app, ["token", "revoke", rows[0]["id"]], env=env)
    assert again.exit_code == 3 and "token list" in again.output


def test_service_token_bad_tenant_is_refused(settings: Settings, redis_client: redis.Redis) -> None:
    done = runner.invoke(app, ["token", "create", "--tenant", "Bad Name!"], env=_env(settings))
    assert done.exit_code == 2 and "lowercase" in done.output
