"""`ReplyLog`: each session's replies by message id, so a retried message is never applied twice.

Keys, under the store's prefix (on a Redis Cluster with the session's hash tag, so the
hash is in the session's slot and can join its MULTI: state/keys.py):
    <prefix>replies:<session id>    a hash: message id -> {"text": ..., "reply": <reply JSON>}

The entry is written by the same MULTI/EXEC as the session save (`put_op`), so a turn is
either applied *and* logged or neither: a retry that finds its id here was applied, one that
does not was not. The hash expires with the session and is deleted with it.
"""

from __future__ import annotations

import hashlib
import json
import re

import redis

from errors import ConflictError, InputError, StateError
from state.keys import KeyLayout
from state.redis_errors import redis_errors, text_of
from state.store import PipelineOp

_MESSAGE_ID = re.compile(r"^[\w.:@+-]{1,128}$")


def check_message_id(message_id: str) -> str:
    """A message id as stored: 1-128 letters, digits or `_.:@+-`."""
    if not _MESSAGE_ID.match(message_id):
        raise InputError(
            f"message_id {message_id!r} is not usable; use 1-128 letters, digits or _.:@+- "
            "(a UUID works)"
        )
    return message_id


class ReplyLog:
    """Replies already given, by (session, message id), in the Redis it is handed."""

    def __init__(self, client: redis.Redis, *, prefix: str = "opsqkv:", ttl_s: int = 86400) -> None:
        self.client = client
        self.prefix = prefix
        self.keys = KeyLayout.of(client, prefix)
        self.ttl_ms = ttl_s * 1000

    def key(self, session_id: str) -> str:
        """The hash holding a session's logged replies."""
        return self.keys.replies(session_id)

    def get(self, session_id: str, message_id: str, text: str) -> str | None:
        """The reply JSON logged for `message_id`, or None when that message was never applied.

        Raises ConflictError when the id was used before for a different text: reusing an id
        for a new message would otherwise silently answer the old one.
        """
        with redis_errors(self.client, f"reading the reply to message {message_id!r}"):
            raw = self.client.hget(self.key(session_id), check_message_id(message_id))
        if raw is None:
            return None
        try:
            entry = json.loads(text_of(raw))
            seen, reply = entry["text"], entry["reply"]
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise StateError(
                f"the logged reply to message {message_id!r} of session {session_id!r} is "
                f"unreadable ({e}); delete the session or send the message with a new id"
            ) from e
        if seen != _digest(text):
            raise ConflictError(
                f"message_id {message_id!r} was already used in session {session_id!r} for "
                "another text; give every new message its own id"
            )
        return str(reply)

    def put_op(self, session_id: str, message_id: str, text: str, reply_json: str) -> PipelineOp:
        """The HSET (and TTL refresh) as a pipeline op, to run in the session's MULTI."""
        key = self.key(session_id)
        entry = json.dumps({"text": _digest(text), "reply": reply_json})

        def op(pipe: redis.client.Pipeline) -> object:
            pipe.hset(key, check_message_id(message_id), entry)
            return pipe.pexpire(key, self.ttl_ms)

        return op

    def forget(self, session_id: str) -> None:
        """Drop every logged reply of a session."""
        with redis_errors(self.client, f"deleting the replies of session {session_id!r}"):
            self.client.delete(self.key(session_id))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
