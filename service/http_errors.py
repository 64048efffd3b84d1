"""The HTTP edge of the exception tree: every error becomes a status and `{"error": {...}}`.

Only this module maps errors to statuses (as only `cli.py` maps them to exit codes). A
request never sees a traceback: anything unexpected is logged and answered as a 500 body.
"""

from __future__ import annotations

import logging

import redis
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from errors import (
    AuthError,
    CMDBError,
    ConfigError,
    ConflictError,
    InputError,
    NotFound,
    OpsqkvError,
    RateLimited,
    SessionBusy,
    StateError,
)
from service.metrics import ERRORS

log = logging.getLogger("opsqkv.service")

# Most specific first: SessionBusy and ConflictError are StateErrors that are not outages.
STATUS: list[tuple[type[OpsqkvError], int, str]] = [
    (AuthError, 401, "unauthorized"),
    (NotFound, 404, "not_found"),
    (RateLimited, 429, "rate_limited"),
    (SessionBusy, 409, "session_busy"),
    (ConflictError, 409, "conflict"),
    (StateError, 503, "unavailable"),
    (InputError, 422, "invalid_input"),
    (CMDBError, 422, "cmdb_question"),
    (ConfigError, 503, "not_configured"),  # the server's settings, not the request, are wrong
]

_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
}


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The one shape of every error answer."""
    body = {"error": {"code": code, "message": message}}
    return JSONResponse(body, status_code=status, headers=headers)


def opsqkv_error(e: OpsqkvError) -> JSONResponse:
    """An opsqkv error as its status and body."""
    ERRORS.labels(type=type(e).__name__).inc()
    for kind, status, code in STATUS:
        if isinstance(e, kind):
            headers = None
            if isinstance(e, AuthError):
                headers = {"WWW-Authenticate": "Bearer"}
            elif isinstance(e, RateLimited):
                headers = {"Retry-After": str(e.retry_after_s)}
            elif isinstance(e, StateError):  # an outage passes; a missing setting does not
                headers = {"Retry-After": "5"}
            return error_response(status, code, str(e), headers)
    log.error("unmapped opsqkv error: %s", e)
    return error_response(500, "internal", f"{type(e).__name__}: {e}")


def validation_error(e: RequestValidationError) -> JSONResponse:
    """A body or parameter pydantic refused: say which field and why."""
    ERRORS.labels(type="RequestValidationError").inc()
    first = e.errors()[0] if e.errors() else {"type": "", "loc": (), "msg": "invalid request"}
    kind, loc = str(first.get("type", "")), tuple(first.get("loc", ()))
    where = ".".join(str(p) for p in loc[1:]) or str(loc[0] if loc else "body")
    if kind == "json_invalid":
        return error_response(
            400, "malformed_json", "the request body is not valid JSON; send a JSON object"
        )
    if loc[:2] == ("path", "session_id"):
        return error_response(
            422,
            "bad_session_id",
            f"session id {first.get('input')!r} is not usable; use 1-128 letters, digits or "
            "_ . : @ -, starting with a letter, digit or _",
        )
    if kind == "string_pattern_mismatch" and loc[-1:] in (("text",), ("question",)):
        return error_response(422, "invalid_input", f"the {where} is empty; send some words")
    if kind == "extra_forbidden":
        return error_response(
            422, "unknown_field", f"unknown field {where!r}; remove it (see /docs for the body)"
        )
    if kind == "missing":
        return error_response(422, "missing_field", f"field {where!r} is required; add it")
    return error_response(422, "invalid_input", f"{where}: {first.get('msg')}; see /docs")


def allowed_methods(app: FastAPI, request: Request) -> list[str]:
    """Every method some route of this path takes (Starlette names only the first route's)."""
    methods: set[str] = set()
    for route in app.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def install(app: FastAPI) -> None:
    """Register the handlers on `app`."""

    @app.exception_handler(OpsqkvError)
    async def _opsqkv(_: Request, e: OpsqkvError) -> JSONResponse:
        return opsqkv_error(e)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, e: RequestValidationError) -> JSONResponse:
        return validation_error(e)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, e: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(e.status_code, "http_error")
        message, headers = str(e.detail), dict(e.headers or {})
        if e.status_code == 404:
            message = "no such route; see /docs for the API"
        elif e.status_code == 405:
            allowed = allowed_methods(app, request)
            headers["Allow"] = ", ".join(allowed)
            message = f"this route takes {', '.join(allowed)}; see /docs for the API"
        return error_response(e.status_code, code, message, headers)

    @app.exception_handler(redis.RedisError)
    async def _redis(_: Request, e: redis.RedisError) -> JSONResponse:
        # A safety net: state/ wraps the Redis errors it expects into StateError.
        ERRORS.labels(type=type(e).__name__).inc()
        return error_response(
            503, "unavailable", f"Redis failed ({e}); try again shortly", {"Retry-After": "5"}
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, e: Exception) -> JSONResponse:
        ERRORS.labels(type=type(e).__name__).inc()
        log.exception("unexpected error while answering a request")
        return error_response(
            500, "internal", "the server failed unexpectedly; the error is in its log"
        )
