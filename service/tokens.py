"""`TokenStore`: API bearer tokens, stored only as SHA-256 digests, each naming one tenant.

Keys, under the settings' prefix:
    <prefix>token:<id>    the TokenRecord as JSON; <id> is the first 16 hex digits of the digest

A token is `oqk_` + 32 random bytes (urlsafe base64). Looking one up hashes it, reads the
record under its id and compares the whole stored digest with `hmac.compare_digest`, so
neither the token nor a timing difference on its digest ever leaves the process.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

import redis
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from errors import AuthError, InputError, NotFound, StateError
from service.config import check_tenant
from state.redis_errors import redis_errors, text_of

TOKEN_PREFIX = "oqk_"  # noqa: S105 (a public prefix)
_ID_HEX = 16


class TokenRecord(BaseModel):
    """What is kept of a token: never the token itself."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: int = 1
    id: str = Field(description="public handle: the digest's first 16 hex digits")
    sha256: str = Field(description="hex SHA-256 of the whole token")
    tenant: str
    created_at: datetime
    rate_per_min: int | None = Field(default=None, ge=1, description="None: the service default")
    note: str = ""


def digest(token: str) -> str:
    """The hex SHA-256 of a token, as stored."""
    return hashlib.sha256(token.encode()).hexdigest()


class TokenStore:
    """Creates, checks, lists and revokes API tokens in the Redis it is handed."""

    def __init__(self, client: redis.Redis, *, prefix: str = "opsqkv:") -> None:
        self.client = client
        self.prefix = prefix

    def _key(self, token_id: str) -> str:
        return f"{self.prefix}token:{token_id}"

    def create(self, tenant: str, *, rate_per_min: int | None = None, note: str = "") -> str:
        """A new token for `tenant`; the only time the token is ever seen in clear."""
        check_tenant(tenant)
        if rate_per_min is not None and rate_per_min < 1:
            raise InputError(f"--rate {rate_per_min} is not a limit; give 1 or more per minute")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        sha = digest(token)
        record = TokenRecord(
            id=sha[:_ID_HEX],
            sha256=sha,
            tenant=tenant,
            created_at=datetime.now(UTC),
            rate_per_min=rate_per_min,
            note=note,
        )
        with redis_errors(self.client, f"storing a token for tenant {tenant!r}"):
            if not self.client.set(self._key(record.id), record.model_dump_json(), nx=True):
                raise StateError("a new token collided with a stored one; run the command again")
        return token

    def check(self, token: str) -> TokenRecord:
        """The record of a presented token; AuthError when it is unknown or revoked."""
        sha = digest(token)
        record = self._load(sha[:_ID_HEX])
        if record is None or not hmac.compare_digest(record.sha256, sha):
            raise AuthError(
                "the bearer token is unknown or revoked; create one with "
                "`opsqkv token create --tenant NAME` and send `Authorization: Bearer <token>`"
            )
        return record

    def list(self) -> list[TokenRecord]:
        """Every stored token record (SCAN, never KEYS), oldest first."""
        records = []
        with redis_errors(self.client, "listing tokens"):
            keys = [text_of(k) for k in self.client.scan_iter(match=self._key("*"), count=500)]
        for key in keys:
            record = self._load(key.rsplit(":", 1)[-1])
            if record is not None:
                records.append(record)
        return sorted(records, key=lambda r: r.created_at)

    def revoke(self, token_or_id: str) -> TokenRecord:
        """Delete a token given by its id (from `list`) or the token itself."""
        token_id = (
            digest(token_or_id)[:_ID_HEX] if token_or_id.startswith(TOKEN_PREFIX) else token_or_id
        )
        record = self._load(token_id) if len(token_id) == _ID_HEX else None
        if record is None:
            raise NotFound(
                f"no token {token_or_id!r}; `opsqkv token list` shows the ids of stored tokens"
            )
        with redis_errors(self.client, f"revoking token {token_id}"):
            self.client.delete(self._key(token_id))
        return record

    def _load(self, token_id: str) -> TokenRecord | None:
        with redis_errors(self.client, "reading a token"):
            raw = self.client.get(self._key(token_id))
        if raw is None:
            return None
        try:
            return TokenRecord.model_validate_json(text_of(raw))
        except ValidationError as e:
            raise StateError(
                f"token record {self._key(token_id)} is unreadable ({e.errors()[0]['msg']}); "
                "revoke it with `opsqkv token revoke` and create a new one"
            ) from e
