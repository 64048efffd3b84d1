"""The sinks file: which targets a submitted ticket is delivered to, and how it is mapped.

```yaml
worker: {concurrency: 8, claim_idle_s: 60}      # optional
sinks:
  - kind: jira                                   # webhook | jira | servicenow
    name: jira
    url: https://example.atlassian.net
    user: bot@example.com
    token: ${JIRA_API_TOKEN}                     # ${VAR}: read from the environment
    project: OPS
    templates: {incident: {issue_type: Bug, summary: "{service}: {symptom}"}}
```

A bad file is one ConfigError line naming the file and the field (`sinks[1].url`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError, field_validator

from errors import ConfigError

_NAME = r"^[a-z0-9][a-z0-9_-]{0,39}$"
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_KINDS = ("webhook", "jira", "servicenow")
Scalar = str | int | float | bool


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SlotMap(_Config):
    """A slot's value looked up in `map` (e.g. severity P1 -> Highest); `default` when absent."""

    slot: str
    map: dict[str, Scalar] = Field(default_factory=dict)
    default: Scalar | None = None


# A target field: a text with {slot} / {ticket.id} placeholders, or a slot looked up in a map.
Value = str | SlotMap


class RetryPolicy(_Config):
    """How long one call may take and how often, how far apart, a failed call is tried again."""

    timeout_s: float = Field(default=10.0, gt=0, description="one HTTP request, at most")
    max_attempts: int = Field(default=5, ge=1, le=100)
    backoff_s: float = Field(default=1.0, ge=0, description="wait after the first failure")
    backoff_max_s: float = Field(default=60.0, ge=0, description="the wait doubles up to this")
    retry_after_max_s: float = Field(default=300.0, ge=0, description="longest Retry-After kept")


class SinkEntry(RetryPolicy):
    """What every sink's entry has: a name, a URL, the templates it takes, retries."""

    name: str = Field(pattern=_NAME, description="shown in results; 1-40 of a-z 0-9 _ -")
    url: str
    only: list[str] | None = Field(default=None, description="templates to deliver; None: all")

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if not re.match(r"^https?://[^/\s]+", url):
            raise ValueError(f"{url!r} is not an http(s) URL (e.g. https://example.atlassian.net)")
        return url.rstrip("/")

    @property
    def retry(self) -> RetryPolicy:
        """This sink's timeout and retry settings alone."""
        return RetryPolicy.model_validate(self.model_dump(include=set(RetryPolicy.model_fields)))

    def accepts(self, template: str) -> bool:
        """Whether tickets of `template` go to this sink."""
        return self.only is None or template in self.only


class WebhookSinkConfig(SinkEntry):
    """JSON POST of the ticket; `Idempotency-Key`; `X-Opsqkv-Signature` when `secret` is set."""

    kind: Literal["webhook"]
    secret: str | None = Field(default=None, description="HMAC-SHA256 key for the signature")
    headers: dict[str, str] = Field(default_factory=dict)


class JiraTemplate(_Config):
    """How one ticket template becomes a Jira issue."""

    project: str | None = None
    issue_type: str | None = None
    summary: Value | None = None
    description: Value | None = None
    priority: Value | None = None
    labels: list[Value] = Field(default_factory=list)
    fields: dict[str, JsonValue] = Field(default_factory=dict, description="custom fields")

    @field_validator("fields")
    @classmethod
    def _slot_maps(cls, fields: dict[str, JsonValue]) -> dict[str, JsonValue]:
        check_slot_maps(fields)
        return fields


class JiraSinkConfig(SinkEntry):
    """Jira REST v2: `POST /rest/api/2/issue`, basic auth with an API token."""

    kind: Literal["jira"]
    user: str
    token: str
    project: str = Field(pattern=r"^[A-Z][A-Z0-9_]{0,9}$", description="project key, e.g. OPS")
    issue_type: str = "Task"
    search_path: str | None = Field(
        default=None,
        pattern=r"^/",
        description="JQL search endpoint; None: /rest/api/2/search/jql on Jira Cloud "
        "(*.atlassian.net, where /rest/api/2/search is gone), /rest/api/2/search elsewhere",
    )
    templates: dict[str, JiraTemplate] = Field(default_factory=dict)

    def template(self, name: str) -> JiraTemplate:
        return self.templates.get(name) or JiraTemplate()

    def search_endpoint(self) -> str:
        """Where issues are searched by JQL on this Jira."""
        if self.search_path is not None:
            return self.search_path
        cloud = re.match(r"^https?://[^/]+\.atlassian\.net(/|$)", self.url)
        return "/rest/api/2/search/jql" if cloud else "/rest/api/2/search"


class ServiceNowTemplate(_Config):
    """How one ticket template becomes a ServiceNow record."""

    table: str | None = Field(default=None, pattern=r"^[a-z_][a-z0-9_]*$")
    fields: dict[str, JsonValue] = Field(default_factory=dict)

    @field_validator("fields")
    @classmethod
    def _slot_maps(cls, fields: dict[str, JsonValue]) -> dict[str, JsonValue]:
        check_slot_maps(fields)
        return fields


class ServiceNowSinkConfig(SinkEntry):
    """ServiceNow Table API: `POST /api/now/table/<table>`, basic auth."""

    kind: Literal["servicenow"]
    user: str
    password: str
    templates: dict[str, ServiceNowTemplate] = Field(default_factory=dict)

    def template(self, name: str) -> ServiceNowTemplate:
        return self.templates.get(name) or ServiceNowTemplate()

    def table_for(self, template: str) -> str:
        """The mapped table; unmapped: change_request for change templates, else incident."""
        table = self.template(template).table
        if table is not None:
            return table
        return "change_request" if "change" in template else "incident"


SinkConfig = Annotated[
    WebhookSinkConfig | JiraSinkConfig | ServiceNowSinkConfig, Field(discriminator="kind")
]


class WorkerOptions(_Config):
    """How the delivery worker reads the streams."""

    concurrency: int = Field(default=8, ge=1, le=64, description="tickets delivered at once")
    claim_idle_s: float = Field(
        default=60.0, gt=0, description="take over another consumer's entry idle this long"
    )
    block_s: float = Field(default=1.0, gt=0, le=10, description="one XREADGROUP waits this")
    rescan_s: float = Field(default=30.0, gt=0, description="look for new tenants this often")
    batch: int = Field(default=50, ge=1, le=1000, description="entries read per call")


class SinksConfig(_Config):
    """The whole sinks file."""

    worker: WorkerOptions = Field(default_factory=WorkerOptions)
    sinks: list[SinkConfig] = Field(min_length=1)


def check_slot_maps(value: JsonValue) -> None:
    """Raise ValueError where a mapping with a `slot` key is not a valid SlotMap."""
    if isinstance(value, dict):
        if "slot" in value:
            SlotMap.model_validate(value)
        for item in value.values():
            check_slot_maps(item)
    elif isinstance(value, list):
        for item in value:
            check_slot_maps(item)


def load_sinks(path: Path, env: Mapping[str, str]) -> SinksConfig:
    """The validated sinks file at `path`, `${VAR}` taken from `env`; ConfigError otherwise."""
    where = f"sinks file {path}"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{where} does not exist; fix --sinks / OPSQKV_TICKET_SINKS "
            "(examples/sinks.yaml is a sample)"
        ) from None
    except OSError as e:
        raise ConfigError(f"{where} cannot be read ({e.strerror})") from e
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or "syntax error"
        raise ConfigError(f"{where} is not valid YAML{at}: {problem}") from e
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: the top level must be a mapping with a `sinks:` list")
    expanded = _expand(raw, env, "", where)
    try:
        config = SinksConfig.model_validate(expanded)
    except ValidationError as e:
        raise ConfigError(f"{where}: {_first_error(e)}; fix it (examples/sinks.yaml)") from e
    seen: set[str] = set()
    for n, sink in enumerate(config.sinks):
        if sink.name in seen:
            raise ConfigError(f"{where}: sinks[{n}].name {sink.name!r} is used twice; rename one")
        seen.add(sink.name)
    return config


def _expand(value: Any, env: Mapping[str, str], at: str, where: str) -> Any:
    """Every `${VAR}` in the strings of the file replaced from `env`."""
    if isinstance(value, dict):
        return {k: _expand(v, env, _join(at, str(k)), where) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, env, f"{at}[{n}]", where) for n, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def lookup(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            raise ConfigError(
                f"{where}: {at} refers to ${{{name}}}, which is not set; export {name} "
                "or put the value in the file"
            )
        return env[name]

    return _ENV_REF.sub(lookup, value)


def _join(at: str, key: str) -> str:
    return f"{at}.{key}" if at else key


def _first_error(error: ValidationError) -> str:
    """The most specific error, as `sinks[1].url: <message>`."""
    errors = error.errors()
    first = max(errors, key=lambda e: len(e["loc"]))
    at = ""
    loc = list(first["loc"])
    for n, part in enumerate(loc):
        after_index = n > 0 and isinstance(loc[n - 1], int) and loc[n - 2 : n - 1] == ["sinks"]
        if isinstance(part, int):
            at += f"[{part}]"
        elif (after_index and part in _KINDS) or part in ("str", "SlotMap"):
            continue  # the union member pydantic tried, not a field of the file
        else:
            at = _join(at, part)
    if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
        at = _join(at, "kind")
        return f"{at}: {first['msg']}"
    message = first["msg"].removeprefix("Value error, ")
    return f"{at or 'top level'}: {message}"
