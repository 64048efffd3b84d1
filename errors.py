"""Every error opsqkv raises on purpose, in one tree.

    OpsqkvError                    base: a message that says what failed and what to do next
    ├── ConfigError                a bad flag, setting, template or flow file
    ├── ModelError                 the encoder model folder is missing or broken
    │   └── ModelInstallError      a model to install could not be fetched, read or converted
    ├── StoreError                 a K/V store on disk is corrupt or does not match the model
    ├── IngestError                nothing usable to ingest (missing path, empty folder)
    ├── CMDBError                  a CMDB file that does not load, or a query that does not map
    ├── StateError                 Redis is unreachable or a stored record is unusable
    │   ├── SessionBusy            another turn holds the session lock
    │   └── ConflictError          a concurrent write won every retry
    ├── InputError                 a message or argument that cannot be acted on (empty question)
    ├── AuthError                  an API request without a valid bearer token
    ├── NotFound                   no such session, ticket or token (for this caller)
    └── RateLimited                an API token went over its requests per minute

Only `cli.py` turns these into exit codes, and only `service/` into HTTP statuses;
everything below them raises.
Third-party errors are wrapped once, where they enter, with `raise ... from e`.
"""

from __future__ import annotations


class OpsqkvError(Exception):
    """Base of every deliberate opsqkv error; `str(e)` is the one line shown to a user."""

    exit_code = 1


class ConfigError(OpsqkvError):
    """A flag, setting, template or flow file is wrong."""

    exit_code = 2


class ModelError(OpsqkvError):
    """The encoder model folder is missing, incomplete or unreadable."""


class ModelInstallError(ModelError):
    """`opsqkv model install` could not fetch, read or convert the model it was asked for."""


class StoreError(OpsqkvError):
    """A K/V store on disk is corrupt, or was built with another model."""


class IngestError(OpsqkvError):
    """An ingest found nothing it could use."""


class CMDBError(OpsqkvError):
    """A CMDB load file is invalid, or a question could not be mapped."""


class StateError(OpsqkvError):
    """Session state cannot be read or written (Redis unreachable, bad record)."""


class SessionBusy(StateError):
    """Another turn of the same session holds its lock."""


class ConflictError(StateError):
    """A versioned write kept losing to concurrent writers."""


class InputError(OpsqkvError):
    """A user message or argument that cannot be acted on."""

    exit_code = 2


class AuthError(OpsqkvError):
    """An API request carried no bearer token, or one that is unknown or revoked."""

    exit_code = 2


class NotFound(OpsqkvError):
    """The named session, token or file does not exist for this caller."""

    exit_code = 3


class RateLimited(OpsqkvError):
    """An API token sent more requests in this minute than its limit allows."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
