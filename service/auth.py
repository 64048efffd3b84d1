"""Who is calling: the bearer token checked, counted against its rate limit, mapped to a tenant."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from agents import OpsBot
from errors import AuthError
from service.runtime import Runtime

# auto_error=False: a missing token is our AuthError (401 with our body), not FastAPI's 403.
bearer = HTTPBearer(auto_error=False, description="a token from `opsqkv token create`")


@dataclass(frozen=True)
class Caller:
    """An authenticated request: its tenant, its token's id and that tenant's bot."""

    tenant: str
    token_id: str
    bot: OpsBot


def runtime_of(request: Request) -> Runtime:
    """The worker's Runtime, set at start-up."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    """The caller of a /v1 route; AuthError (401) without a valid token, RateLimited (429)."""
    if credentials is None or not credentials.credentials:
        raise AuthError(
            "this route needs `Authorization: Bearer <token>`; create a token with "
            "`opsqkv token create --tenant NAME`"
        )
    runtime = runtime_of(request)
    record = runtime.tokens.check(credentials.credentials)
    limit = record.rate_per_min or runtime.config.rate_per_min
    runtime.limiter.hit(record.id, limit)
    return Caller(tenant=record.tenant, token_id=record.id, bot=runtime.bot_for(record.tenant))


CallerDep = Annotated[Caller, Depends(caller)]
