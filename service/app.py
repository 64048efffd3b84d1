"""The ASGI app: `/v1` API, health and readiness, Prometheus metrics, the web chat page.

create_app(worker)   an app that loads its Runtime (model, KB, CMDB, Redis) at start-up
app_from_env()       the same, configured by `opsqkv serve` (uvicorn's factory, N workers)
"""

from __future__ import annotations

import hmac
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from delivery.background import BackgroundDelivery
from delivery.config import load_sinks
from errors import AuthError, StateError
from service import chatops, http_errors
from service.api_models import Health
from service.auth import runtime_of
from service.config import WorkerConfig, worker_config_from_env
from service.metrics import REQUESTS, render
from service.routes import router
from service.runtime import Runtime
from state.connect import redis_client
from state.redis_errors import redis_errors

WEB_DIR = Path(str(resources.files("service") / "web"))
# Far above any allowed text: a body this big is refused before it is read or parsed.
MAX_BODY_BYTES = 256 * 1024


def create_app(worker: WorkerConfig) -> FastAPI:
    """The service app; its Runtime is built when uvicorn starts it, closed when it stops."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.runtime = await run_in_threadpool(Runtime.start, worker)
        delivery = await run_in_threadpool(_start_delivery, worker)
        yield
        if delivery is not None:
            await run_in_threadpool(delivery.stop, worker.service.grace_s)
            delivery.worker.client.close()
        app.state.runtime.close()

    app = FastAPI(
        title="opsqkv",
        version="1",
        summary="Ops chatbot backend: runbook answers, ticket workflows, CMDB queries.",
        description="Every /v1 route needs `Authorization: Bearer <token>` "
        "(`opsqkv token create --tenant NAME`), except /v1/slack/* and /v1/mattermost, "
        "which Slack's request signature or Mattermost's token authenticate. "
        'Errors are `{"error": {"code", "message"}}`.',
        lifespan=lifespan,
    )
    http_errors.install(app)
    app.include_router(router)
    app.include_router(chatops.router)  # Slack and Mattermost: signed, no bearer token
    _add_guards(app, worker)
    _add_ops_routes(app, worker)
    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")
    _publish_limits(app, worker.service.max_text_chars)
    return app


def _start_delivery(worker: WorkerConfig) -> BackgroundDelivery | None:
    """With a sinks file, this worker's ticket delivery thread (root stream and tenants')."""
    path = worker.service.ticket_sinks
    if path is None:
        return None
    config = load_sinks(path, os.environ)  # ${VAR} secrets from the worker's environment
    client = redis_client(worker.settings)  # its own pool: XREADGROUP blocks a connection
    return BackgroundDelivery.start(client, config, prefix=worker.settings.redis_prefix)


def _publish_limits(app: FastAPI, max_chars: int) -> None:
    """Put this server's text limit into its OpenAPI document, so clients can see it."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            for model, field in (("MessageIn", "text"), ("QuestionIn", "question")):
                schema["components"]["schemas"][model]["properties"][field]["maxLength"] = max_chars
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def app_from_env() -> FastAPI:
    """uvicorn's factory for worker processes: the config `opsqkv serve` put in the env."""
    return create_app(worker_config_from_env())


def _add_guards(app: FastAPI, worker: WorkerConfig) -> None:
    """Refuse oversize bodies early; count every answer by route and status."""

    @app.middleware("http")
    async def guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        size = request.headers.get("content-length", "")
        if size.isdigit() and int(size) > MAX_BODY_BYTES:
            response: Response = http_errors.error_response(
                413,
                "too_large",
                f"the request body is {size} bytes, more than {MAX_BODY_BYTES}; "
                f"a message text may have at most {worker.service.max_text_chars} characters",
            )
        else:
            response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        REQUESTS.labels(route=path, status=str(response.status_code)).inc()
        return response


def _add_ops_routes(app: FastAPI, worker: WorkerConfig) -> None:
    """Liveness, readiness, metrics and the web page: no bearer token needed."""

    @app.get("/healthz", response_model=Health, tags=["ops"], summary="The process is alive")
    def healthz() -> Health:
        return Health(status="ok")

    @app.get(
        "/readyz",
        response_model=Health,
        responses={503: {"model": Health}},
        tags=["ops"],
        summary="Redis answers and the model is loaded",
    )
    def readyz(request: Request) -> JSONResponse:
        runtime = runtime_of(request)
        checks = {"model": "loaded"}
        try:
            with redis_errors(runtime.client, "checking readiness"):
                runtime.client.ping()
            checks["redis"] = "ok"
        except StateError as e:
            checks["redis"] = str(e)
        ready = checks["redis"] == "ok"
        body = Health(status="ok" if ready else "unavailable", checks=checks)
        return JSONResponse(body.model_dump(), status_code=200 if ready else 503)

    @app.get(
        "/metrics",
        tags=["ops"],
        summary="Prometheus metrics",
        response_class=Response,
        responses={200: {"content": {"text/plain": {}}}},
    )
    def metrics(request: Request) -> Response:
        wanted = worker.service.metrics_token
        if wanted is not None:
            given = request.headers.get("authorization", "")
            if not _bearer_matches(given, wanted):
                return http_errors.opsqkv_error(
                    AuthError("/metrics needs `Authorization: Bearer <the metrics token>`")
                )
        body, content_type = render()
        return Response(body, media_type=content_type)

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(WEB_DIR / "index.html", media_type="text/html")


def _bearer_matches(header: str, wanted: str) -> bool:
    scheme, _, value = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.encode(), wanted.encode())
