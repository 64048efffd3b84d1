"""CLI: `opsqkv token create|list|revoke`, the API's bearer tokens (stored hashed in Redis)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from commands.common import console, err_console, settings_of
from service.tokens import TokenStore
from state.connect import redis_client

app = typer.Typer(no_args_is_help=True)


def _store(ctx: typer.Context) -> TokenStore:
    settings = settings_of(ctx)
    return TokenStore(redis_client(settings), prefix=settings.redis_prefix)


@app.command()
def create(
    ctx: typer.Context,
    tenant: Annotated[str, typer.Option(help="The tenant whose sessions the token reaches.")],
    rate: Annotated[
        int | None, typer.Option(min=1, help="Requests per minute (default: the server's).")
    ] = None,
    note: Annotated[str, typer.Option(help="A word on who holds it.")] = "",
) -> None:
    """Create a token; it is printed once, alone on the last line (only its hash is kept)."""
    token = _store(ctx).create(tenant, rate_per_min=rate, note=note)
    err_console.print(f"token for tenant [bold]{tenant}[/] (shown once, keep it safe):")
    typer.echo(token)


@app.command("list")
def list_tokens(
    ctx: typer.Context,
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's tokens.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """List stored tokens: id, tenant, created, rate (never the tokens themselves)."""
    records = [r for r in _store(ctx).list() if tenant is None or r.tenant == tenant]
    if as_json:
        for r in records:
            typer.echo(json.dumps(r.model_dump(mode="json", exclude={"sha256"})))
        return
    table = Table("id", "tenant", "created", "rate/min", "note")
    for r in records:
        rate = "default" if r.rate_per_min is None else str(r.rate_per_min)
        table.add_row(r.id, r.tenant, f"{r.created_at:%Y-%m-%d %H:%M}", rate, r.note)
    console.print(table)


@app.command()
def revoke(
    ctx: typer.Context,
    token: Annotated[str, typer.Argument(help="The token's id (from `token list`) or the token.")],
) -> None:
    """Revoke a token: requests with it get 401 from then on."""
    record = _store(ctx).revoke(token)
    console.print(f"revoked token {record.id} of tenant {record.tenant}")
