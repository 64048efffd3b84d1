"""Every error opsqkv raises on purpose, in one tree.

    OpsqkvError                    base: a message that says what failed and what to do next
    ├── ConfigError                a bad flag, setting, template or flow file
    ├── ModelError                 the encoder model folder is missing or broken
    ├── StoreError                 a K/V store on disk is corrupt or does not match the model
    ├── IngestError                nothing usable to ingest (missing path, empty folder)
    ├── CMDBError                  a CMDB file that does not load, or a query that does not map
    ├── StateError                 Redis is unreachable or a stored record is unusable
    │   ├── SessionBusy            another turn holds the session lock
    │   └── ConflictError          a concurrent write won every retry
    └── InputError                 a message or argument that cannot be acted on (empty question)

Only `cli.py` turns these into exit codes; everything below it raises.
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
