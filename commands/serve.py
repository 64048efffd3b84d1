"""CLI: `opsqkv serve`, the HTTP API (uvicorn; N worker processes sharing one Redis)."""

from __future__ import annotations

import os
import tempfile
from typing import Annotated

import typer
import uvicorn

from agents import OpsBot
from commands.common import console, encoder_for, err_console, settings_of
from commands.ticket_delivery import SinksOption, sinks_config
from service.app import create_app
from service.config import CONFIG_ENV, ServiceConfig, WorkerConfig
from service.metrics import MULTIPROC_ENV
from state.connect import connect_url, redact


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8080,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes; each loads the model once.")
    ] = 1,
    max_text_chars: Annotated[
        int, typer.Option(min=1, help="Longest message or question, in characters.")
    ] = 8192,
    rate: Annotated[
        int, typer.Option(min=1, help="Requests per token per minute (a token may set its own).")
    ] = 600,
    lock_wait: Annotated[
        float, typer.Option(min=0.1, help="Seconds a turn waits for a busy session before 409.")
    ] = 10.0,
    grace: Annotated[
        float, typer.Option(min=0, help="On SIGTERM/SIGINT, seconds to finish turns in flight.")
    ] = 30.0,
    metrics_token: Annotated[
        str | None,
        typer.Option(envvar="OPSQKV_METRICS_TOKEN", help="Bearer token /metrics requires."),
    ] = None,
    sinks: SinksOption = None,
) -> None:
    """Serve the chat API, the web chat page and /metrics over HTTP."""
    settings = settings_of(ctx)
    config = ServiceConfig(
        host=host,
        port=port,
        workers=workers,
        max_text_chars=max_text_chars,
        rate_per_min=rate,
        lock_wait_s=lock_wait,
        grace_s=grace,
        metrics_token=metrics_token,
        ticket_sinks=None if sinks is None else sinks.resolve(),
    )
    worker = WorkerConfig(settings=settings, service=config)
    if settings.redis_url:
        connect_url(settings.redis_url).close()  # fail now, with one line, not in each worker
        where = redact(settings.redis_url)
    else:
        where = f"embedded ({settings.redis_db_path})"
    # A bad sinks file fails here, as one line, rather than in every worker.
    delivering = [] if sinks is None else [s.name for s in sinks_config(sinks).sinks]
    console.print(
        f"opsqkv serving on http://{host}:{port} · {workers} worker(s) · Redis {where} · "
        f"prefix {settings.redis_prefix}"
    )
    if delivering:
        console.print(f"delivering tickets to {', '.join(delivering)} (root and tenant streams)")
    common = {
        "host": host,
        "port": port,
        "timeout_graceful_shutdown": int(grace),
        "log_level": "warning",
    }
    if workers == 1:
        server = uvicorn.Server(uvicorn.Config(create_app(worker), **common))  # type: ignore[arg-type]
        server.run()
        return
    # Build the demo KB and CMDB once here, so that N workers do not race to build them.
    with err_console.status("preparing the knowledge base and the CMDB…"):
        OpsBot.open(settings=settings, encoder=encoder_for(settings))
    os.environ[CONFIG_ENV] = worker.model_dump_json()
    with tempfile.TemporaryDirectory(prefix="opsqkv-metrics-") as metrics_dir:
        os.environ[MULTIPROC_ENV] = metrics_dir
        uvicorn.run(
            "service.app:app_from_env",
            factory=True,
            workers=workers,
            **common,  # type: ignore[arg-type]
        )
