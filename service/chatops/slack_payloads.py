"""What Slack posts: a slash command (form) and Events API callbacks (JSON).

Slack adds fields over time, so these models ignore what they do not name (unlike our own
API's bodies, which forbid unknown fields).
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from errors import InputError

Model = TypeVar("Model", bound=BaseModel)


class _Slack(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SlashCommand(_Slack):
    """`/ops how do I fix a full disk`, as Slack posts it."""

    team_id: str
    channel_id: str
    user_id: str
    command: str = "/ops"
    text: str = ""
    response_url: str
    trigger_id: str | None = None


class SlackEvent(_Slack):
    """The `event` of an event callback: an app mention or a message."""

    type: str
    user: str | None = None
    text: str = ""
    channel: str | None = None
    channel_type: str | None = None
    ts: str | None = None
    thread_ts: str | None = None
    bot_id: str | None = None
    subtype: str | None = None


class Authorization(_Slack):
    user_id: str | None = None


class EventCallback(_Slack):
    """An Events API delivery (`type: event_callback`)."""

    type: Literal["event_callback"]
    team_id: str
    event_id: str
    event: SlackEvent
    authorizations: list[Authorization] = []

    def bot_users(self) -> set[str]:
        """The app's own user ids in this workspace: never answer those."""
        return {a.user_id for a in self.authorizations if a.user_id}


def parse(model: type[Model], data: dict[str, Any], what: str) -> Model:
    """`data` as `model`; InputError naming the first missing or bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(f"the {what} has no usable {where!r} ({first['msg']})") from e
