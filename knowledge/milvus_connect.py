"""Where the Milvus index lives: a milvus-lite folder for a path, a Milvus server for a URL.

`connect` is the one place pymilvus clients are made, and where its connection errors are
turned into one-line opsqkv errors: a path that cannot be a milvus-lite store is a
`ConfigError`; a server that does not answer, or a milvus-lite folder another process holds,
is a `StoreError`. pymilvus and milvus-lite log their own errors with tracebacks; those
loggers are quietened here, since every failure reaches the user as that one line.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from pymilvus import MilvusClient, MilvusException  # type: ignore[import-untyped]

from errors import ConfigError, StoreError

SERVER_SCHEMES = ("http://", "https://", "tcp://", "unix:")
LITE_SUFFIX = ".db"  # pymilvus runs milvus-lite for a path with this ending
DEFAULT_TIMEOUT_S = 30.0
LITE_GRPC_OPTIONS = {"grpc.keepalive_time_ms": 600_000, "grpc.keepalive_permit_without_calls": 0}
SERVER_HINT = (
    "for several processes run a Milvus server (or `milvus-lite server --data-dir PATH "
    "--port 19530`) and give --milvus-uri http://HOST:19530"
)


def is_server(uri: str) -> bool:
    """Whether `uri` names a Milvus server (or cluster proxy) rather than a milvus-lite path."""
    return uri.lower().startswith(SERVER_SCHEMES)


def check_uri(uri: str) -> str:
    """`uri` as pymilvus takes it: a server URL as given, a milvus-lite path made absolute."""
    if not uri.strip():
        raise ConfigError("--milvus-uri is empty; give a folder ending in .db or http://HOST:19530")
    if is_server(uri):
        return uri
    path = Path(uri).expanduser().absolute()
    if path.suffix != LITE_SUFFIX:
        raise ConfigError(
            f"--milvus-uri {uri!r} is neither a server URL nor a milvus-lite path; give "
            f"http://HOST:19530 or a folder whose name ends in {LITE_SUFFIX} (e.g. ./kb-milvus.db)"
        )
    if not path.parent.is_dir():
        raise ConfigError(
            f"--milvus-uri {uri!r}: the folder {path.parent} does not exist; create it or "
            "give another path"
        )
    if path.exists() and not path.is_dir():
        raise ConfigError(
            f"--milvus-uri {uri!r} is a file; milvus-lite keeps a folder there, give a new path"
        )
    return str(path)


def connect(uri: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> MilvusClient:
    """A client of the Milvus that `uri` names (milvus-lite is started in this process)."""
    target = check_uri(uri)
    _quieten_loggers()
    # pymilvus pings every 10 s; milvus-lite's gRPC server allows one ping in 5 minutes and
    # answers a long call (a 10⁶-key flush) with GOAWAY "too_many_pings", which gRPC's C
    # core prints to stderr. A server keeps pymilvus's own settings.
    options = {} if is_server(target) else {"grpc_options": LITE_GRPC_OPTIONS}
    with _LITE_FAILURES.capture() as failures:
        try:
            return MilvusClient(uri=target, timeout=timeout_s, **options)
        except MilvusException as e:
            if is_server(target):
                raise StoreError(
                    f"the Milvus server at {uri} does not answer ({message_of(e)}); start it, "
                    "or check --milvus-uri"
                ) from e
            why = failures[-1] if failures else message_of(e)
            raise StoreError(
                f"milvus-lite could not open {target} ({why}); milvus-lite serves one process "
                f"per folder: stop the other one, or {SERVER_HINT}"
            ) from e


def release_local(uri: str) -> None:
    """Stop this process's milvus-lite for `uri`, freeing its folder for another process."""
    if is_server(uri):
        return
    from milvus_lite.server_manager import server_manager_instance  # type: ignore[import-untyped]

    server_manager_instance.release_server(str(Path(uri).expanduser().absolute()))


def message_of(error: Exception) -> str:
    """The first line of a pymilvus error's own message, without its class wrapper."""
    text = str(getattr(error, "message", "") or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class _CapturedErrors(logging.Handler):
    """Keeps the messages milvus-lite logs while a connect runs: pymilvus only says "failed"."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self._local = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        seen: list[str] | None = getattr(self._local, "seen", None)
        if seen is not None:
            cause = record.exc_info[1] if record.exc_info else None
            seen.append(str(cause).strip().splitlines()[0] if cause else record.getMessage())

    def capture(self) -> _Capture:
        return _Capture(self._local)


class _Capture:
    def __init__(self, local: threading.local) -> None:
        self._local = local

    def __enter__(self) -> list[str]:
        self._local.seen = []
        seen: list[str] = self._local.seen
        return seen

    def __exit__(self, *exc: Any) -> None:
        self._local.seen = None


_LITE_FAILURES = _CapturedErrors()
_quiet = threading.Lock()
_quietened = False


def _quieten_loggers() -> None:
    global _quietened
    with _quiet:
        if _quietened:
            return
        logging.getLogger("pymilvus").setLevel(logging.CRITICAL)
        # milvus-lite's in-process gRPC server logs RPCs it does not implement (pymilvus
        # probes AllocTimestamp and falls back) as errors with a traceback.
        logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
        lite = logging.getLogger("milvus_lite")
        lite.addHandler(_LITE_FAILURES)
        lite.propagate = False  # its tracebacks would reach stderr through the root logger
        _quietened = True
