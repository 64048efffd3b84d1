"""The `opsqkv` command: parses flags, builds Settings, hands off to a sub-app, maps errors to exits.

Thin by design: sub-apps live in `commands/`, the work in `agents`, `knowledge` and `state`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

# typer vendors click as typer._click; its Context and ClickException are what flow through here.
from typer._click.core import Context
from typer._click.exceptions import ClickException
from typer.core import TyperGroup

from commands import chat, cmdb, evaluate, kb, model, serve, ticket, token, train
from commands.common import err_console
from errors import OpsqkvError
from settings import settings_from_env


class _ErrorsToExitCodes(TyperGroup):
    """Turns opsqkv errors into one red line and an exit code: the only place that does."""

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except OpsqkvError as e:
            err_console.print(f"[bold red]error:[/] {e}", markup=True, soft_wrap=True)
            raise typer.Exit(e.exit_code) from None
        except KeyboardInterrupt:
            err_console.print("interrupted")
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort, ClickException):
            raise
        except Exception as e:
            if os.environ.get("OPSQKV_DEBUG"):
                raise
            err_console.print(
                f"[bold red]internal error:[/] {type(e).__name__}: {e} "
                "(set OPSQKV_DEBUG=1 for the traceback and please report it)",
                markup=True,
                soft_wrap=True,
            )
            raise typer.Exit(70) from None


app = typer.Typer(
    cls=_ErrorsToExitCodes,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    help="opsqkv: runbook answers, ticket workflows and CMDB queries, by QKV attention.",
)


@app.callback()
def main(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(
            help="Data dir for the KB, CMDB, caches and embedded Redis (env OPSQKV_HOME)."
        ),
    ] = None,
    redis_url: Annotated[
        str | None,
        typer.Option(help="Redis server URL; none starts an embedded one [env: OPSQKV_REDIS_URL]."),
    ] = None,
    model: Annotated[
        Path | None,
        typer.Option(
            help="Local Hugging Face model folder, or an installed model's name such as "
            "'multilingual' (env OPSQKV_MODEL)."
        ),
    ] = None,
    templates: Annotated[
        Path | None,
        typer.Option(help="Extra folder of ticket templates (*.yaml) (env OPSQKV_TEMPLATES)."),
    ] = None,
    kb_index: Annotated[
        str | None,
        typer.Option(
            help="How the KB finds the nearest passages: auto (exact, then HNSW, then IVF-PQ "
            "as it grows), exact, ann, compressed, or milvus (env OPSQKV_KB_INDEX)."
        ),
    ] = None,
    cmdb_url: Annotated[
        str | None,
        typer.Option(
            help="CMDB database URL, e.g. postgresql://ops@db:5432/cmdb; none uses the SQLite "
            "file in the data dir (env OPSQKV_CMDB_URL)."
        ),
    ] = None,
    milvus_uri: Annotated[
        str | None,
        typer.Option(
            help="Milvus for the KB's vectors: a milvus-lite folder ending in .db (one process; "
            "default <kb>/milvus.db) or a server/cluster URL such as http://milvus:19530; "
            "selects --kb-index milvus unless another kind is given (env OPSQKV_MILVUS_URI)."
        ),
    ] = None,
) -> None:
    """Build the one Settings object every command receives."""
    try:
        ctx.obj = settings_from_env(
            home=home,
            redis_url=redis_url,
            model_path=model,
            templates_dir=templates,
            kb_index=kb_index,
            milvus_uri=milvus_uri,
            cmdb_url=cmdb_url,
        )
    except OpsqkvError as e:
        err_console.print(f"[bold red]error:[/] {e}", markup=True, soft_wrap=True)
        raise typer.Exit(e.exit_code) from None


app.add_typer(kb.app, name="kb", help="Build and search the knowledge base.")
app.add_typer(
    ticket.app,
    name="ticket",
    help="Ticket templates, scripted flows, export, delivery to Jira/ServiceNow/webhooks.",
)
app.add_typer(cmdb.app, name="cmdb", help="Load and query the CMDB.")
app.add_typer(evaluate.app, name="eval", help="Evaluate against public datasets.")
app.add_typer(train.app, name="train", help="Train opsqkv's learned parts.")
app.add_typer(token.app, name="token", help="API tokens for `opsqkv serve`.")
app.add_typer(model.app, name="model", help="Install and list encoder models (multilingual).")
app.command()(serve.serve)
for sub in (kb, chat):
    for command in sub.top_level_commands:
        app.command()(command)

if __name__ == "__main__":
    app()
