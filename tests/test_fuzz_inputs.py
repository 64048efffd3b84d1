"""Fuzzing every input boundary with hypothesis: a fixed seed and a fixed example budget.

Properties, whatever the input: no traceback, only opsqkv's own errors (errors.py), and
nothing already stored changes when an input is refused. Inputs that once failed are kept
as explicit `@example`s.
"""

from __future__ import annotations

import json
import sqlite3
import string
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import cli
from agents import OpsBot, Reply
from agents.flows.runner import load_flow
from agents.tickets.templates import load_template_file, load_templates
from errors import OpsqkvError
from knowledge.cmdb import CMDB
from knowledge.cmdb.demo import generate
from knowledge.cmdb.loadfile import read_load_file
from knowledge.encoder import Encoder
from knowledge.kb import KnowledgeBase
from settings import Settings

FUZZ = settings(
    derandomize=True,  # the same examples on every run: a CI failure reproduces locally
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CONTROL = "".join(chr(c) for c in [*range(0, 32), 127, 0x85, 0x2028, 0x2029, 0x200B, 0xFEFF])
messages = st.text(
    alphabet=st.one_of(
        st.sampled_from(CONTROL), st.characters(codec="utf-8"), st.sampled_from(string.printable)
    ),
    max_size=300,
)


@pytest.fixture
def tenant_bot(bot: OpsBot, redis_prefix: str, redis_client: redis.Redis) -> OpsBot:
    """The session's bot keeping its sessions under this test's prefix (cleaned at teardown)."""
    return bot.for_prefix(redis_prefix)


def stored(client: redis.Redis, prefix: str) -> dict[bytes, bytes | None]:
    """Every string key under `prefix` with its value: what must not change on a refusal."""
    keys = sorted(client.scan_iter(match=f"{prefix}session:*", count=500))
    return {k: client.get(k) for k in keys}


# ---- chat messages -----------------------------------------------------------------------------


@settings(FUZZ, max_examples=15)  # each example is a whole turn: the encoder runs
@given(text=messages)
@example(text=" \t\n\r\x0b\x0c ")  # whitespace only
@example(text="\x00\x01\x02 DROP TABLE items; --")
@example(text="x" * 1_000_000)  # a 1 MB paste
@example(text="🔥" * 5000)
@example(text="\ud800")  # a lone surrogate: not encodable as UTF-8
def test_fuzz_chat_message_is_a_reply_or_our_error(
    tenant_bot: OpsBot, redis_client: redis.Redis, redis_prefix: str, text: str
) -> None:
    before = stored(redis_client, redis_prefix)
    try:
        reply = tenant_bot.handle("fuzz-session", text)
    except OpsqkvError as e:
        assert "\n" not in str(e) and str(e), repr(e)
        assert stored(redis_client, redis_prefix) == before, "a refused message changed state"
        return
    assert isinstance(reply, Reply) and reply.session_id == "fuzz-session"


@FUZZ
@given(session_id=st.text(max_size=200))
@example(session_id="")
@example(session_id="a" * 129)
@example(session_id="../../etc/passwd")
@example(session_id="x*")  # a glob pattern in a key name
@example(session_id="s:1\r\nFLUSHALL")
def test_fuzz_session_id_is_accepted_or_refused_cleanly(
    tenant_bot: OpsBot, redis_client: redis.Redis, redis_prefix: str, session_id: str
) -> None:
    before = stored(redis_client, redis_prefix)
    try:
        reply = tenant_bot.handle(session_id, "/help")
    except OpsqkvError as e:
        assert "session id" in str(e) and "\n" not in str(e)
        assert stored(redis_client, redis_prefix) == before
        return
    assert reply.session_id == session_id
    assert redis_client.exists(f"{redis_prefix}session:{session_id}")


@pytest.fixture
def cli_env(bot: OpsBot, encoder: Encoder, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """`opsqkv say` on the session's built home and the test Redis, with the loaded model."""
    settings = bot.settings
    monkeypatch.setenv("OPSQKV_HOME", str(settings.home))
    monkeypatch.setenv("OPSQKV_REDIS_URL", str(settings.redis_url))
    monkeypatch.setenv("OPSQKV_REDIS_PREFIX", settings.redis_prefix)
    return settings


@pytest.mark.parametrize(
    ("session", "text", "code"),
    [
        ("fuzz-cli", "   \t ", 2),
        ("fuzz-cli", "x" * 1_000_000, 2),
        ("bad id with spaces", "hello", 2),
        ("fuzz-cli", "\x00\x1b[31mred\x1b[0m how many hosts per idc", 0),
        ("fuzz-cli", "ünïcödé ✓ 💥 how do I fix a full disk", 0),
        ("fuzz-cli", "caf\udcff is down", 2),  # an undecodable argv byte (was: internal error)
    ],
)
@pytest.mark.usefixtures("cli_env")
def test_fuzz_cli_say_prints_a_reply_or_one_error_line(session: str, text: str, code: int) -> None:
    result = CliRunner().invoke(cli.app, ["say", session, text, "--json"])
    assert result.exit_code == code, result.output[-2000:]
    assert "Traceback" not in result.output and "internal error" not in result.output
    if code == 0:
        assert json.loads(result.stdout)["session_id"] == session
    else:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error:"), lines


@pytest.mark.usefixtures("cli_env")
@pytest.mark.parametrize("command", [["ask"], ["cmdb", "ask"], ["kb", "search"]])
def test_fuzz_cli_question_with_an_undecodable_byte_is_one_error_line(command: list[str]) -> None:
    result = CliRunner().invoke(cli.app, [*command, "nginx \udcff 502"])
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1, result.output[-2000:]
    assert "not valid Unicode" in lines[0] and "Traceback" not in result.output


# ---- files: flows, templates, CMDB load files, KB documents ---------------------------------------

yaml_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30)
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
file_bytes = st.one_of(
    st.binary(max_size=400),
    yaml_values.map(lambda v: yaml.safe_dump(v, allow_unicode=True).encode()),
    st.text(max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass")),
)


def flow_like() -> st.SearchStrategy[bytes]:
    """YAML documents shaped like flows, with every field sometimes the wrong type."""
    turn = st.fixed_dictionaries(
        {"user": yaml_scalars}, optional={"expect": yaml_values, "expect_reply": yaml_scalars}
    )
    flow = st.fixed_dictionaries(
        {"name": yaml_scalars, "turns": st.one_of(st.lists(turn, max_size=3), yaml_values)},
        optional={"template": st.sampled_from(["incident", "nope", ""]), "ticket": yaml_values,
                  "now": yaml_scalars},
    )  # fmt: skip
    return flow.map(lambda v: yaml.safe_dump(v, allow_unicode=True).encode())


@FUZZ
@given(data=st.one_of(file_bytes, flow_like()))
@example(data=b"\xff\xfe not utf-8 \x80")
@example(data=b"name: x\nturns: [{user: hi, expect: {severity: P9}}]\ntemplate: incident\n")
@example(data=b"a: &a [*a, *a]")
def test_fuzz_flow_file_loads_or_is_one_config_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "flow.yaml"
    path.write_bytes(data)
    try:
        load_flow(path, load_templates())
    except OpsqkvError as e:
        assert str(path) in str(e) and "\n" not in str(e), str(e)


@FUZZ
@given(data=file_bytes)
@example(data=b"\xff\xfe not utf-8 \x80")
@example(data=b"name: t\ntitle: T\nslots: [{name: s, type: enum}]\n")
@example(data=b"name: t\ntitle: T\nslots: [{name: s, type: nosuchtype, prompt: x}]\n")
def test_fuzz_ticket_template_loads_or_is_one_config_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "template.yaml"
    path.write_bytes(data)
    try:
        load_template_file(path)
    except OpsqkvError as e:
        assert str(path) in str(e) and "\n" not in str(e), str(e)


cmdb_items = st.lists(
    st.fixed_dictionaries(
        {"id": yaml_scalars, "type": yaml_scalars, "name": yaml_scalars},
        optional={"attrs": st.dictionaries(st.text(max_size=10), yaml_values, max_size=4)},
    ),
    max_size=5,
)
cmdb_files = st.one_of(
    file_bytes,
    st.fixed_dictionaries(
        {"items": cmdb_items},
        optional={"relations": yaml_values, "sensitive": yaml_values},
    ).map(lambda v: json.dumps(v).encode()),
)


@FUZZ
@given(data=cmdb_files, suffix=st.sampled_from([".json", ".yaml", ".csv"]))
@example(data=b"\xff\xfe\x00", suffix=".json")
@example(data=b"id,type,name\n1,host\n", suffix=".csv")
@example(
    data=b'{"items": [{"id": "a", "type": "host", "name": "a", "attrs": {"x": NaN}}]}',
    suffix=".json",
)
@example(
    data=b'{"items": [{"id": "a", "type": "host", "name": "a", "attrs": {"x": 1e999}}]}',
    suffix=".json",
)
def test_fuzz_cmdb_load_file_loads_or_changes_nothing(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, suffix: str
) -> None:
    folder = tmp_path_factory.mktemp("cmdb")
    cmdb = CMDB.open(folder / "cmdb.sqlite", create=True)
    cmdb.load(generate(hosts=20, seed=1))
    before = _dump(folder / "cmdb.sqlite")
    path = folder / f"load{suffix}"
    path.write_bytes(data)
    try:
        read_load_file(path)
        cmdb.load(path)
    except OpsqkvError as e:
        assert "\n" not in str(e), str(e)
        assert _dump(folder / "cmdb.sqlite") == before, "a refused load changed the CMDB"
    finally:
        cmdb.close()


def _dump(path: Path) -> list[str]:
    db = sqlite3.connect(path)
    try:
        return list(db.iterdump())
    finally:
        db.close()


@FUZZ
@given(contents=st.lists(file_bytes, min_size=1, max_size=3))
@example(contents=[b"# Title\n\n" + b"a" * 2_000_000])  # one 2 MB line
@example(contents=[b"\x89PNG\r\n\x1a\n\x00\x00"])
@example(contents=[b"# ok\n\n\xff\xfe invalid utf-8 \x80\n"])
@example(contents=[b"- question: q\n  answer: [1, 2]\n"])
def test_fuzz_kb_files_ingest_or_are_skipped_with_a_reason(
    tmp_path_factory: pytest.TempPathFactory, encoder: Encoder, contents: list[bytes]
) -> None:
    folder = tmp_path_factory.mktemp("docs")
    for i, data in enumerate(contents):
        (folder / f"doc{i}{['.md', '.txt', '.yaml'][i % 3]}").write_bytes(data)
    kb = KnowledgeBase.open(folder.parent / f"{folder.name}-kb", create=True, encoder=encoder)
    try:
        report = kb.ingest([folder])
    except OpsqkvError as e:
        assert "\n" not in str(e) and len(kb) == 0
        return
    assert report.files + len(report.skipped) == len(contents)
    assert all(s.reason for s in report.skipped)


# ---- CMDB questions: text is never SQL ---------------------------------------------------------

SQLISH = [
    "'; DROP TABLE items; --",
    "hosts named '%' or 1=1 --",
    "hosts in idc _",
    'prod hosts with name "x\\" OR 1=1',
    "mysql hosts with cpu over 80%; DELETE FROM attrs",
    "hosts where owner = 'team-web' UNION SELECT * FROM sensitive",
    "show root_password of web-00001",
    "how many hosts per idc); DROP TABLE relations; --",
]


@pytest.fixture(scope="module")
def sql_cmdb(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[CMDB]:
    folder = tmp_path_factory.mktemp("sqlcmdb")
    cmdb = CMDB.open(folder / "cmdb.sqlite", create=True, encoder=encoder, cache_dir=folder)
    cmdb.load(generate(hosts=60, seed=5))
    yield cmdb
    cmdb.close()


def _only_reads(action: int, *_: object) -> int:
    """A SQLite authorizer: reads pass, anything that would write or change schema is denied."""
    allowed = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION}
    allowed.add(getattr(sqlite3, "SQLITE_RECURSIVE", 33))
    return sqlite3.SQLITE_OK if action in allowed else sqlite3.SQLITE_DENY


@settings(FUZZ, max_examples=20)
@given(question=st.one_of(st.sampled_from(SQLISH), messages))
def test_fuzz_cmdb_question_never_runs_text_as_sql(sql_cmdb: CMDB, question: str) -> None:
    path = sql_cmdb.store.path
    before = _dump(path)
    sql_cmdb.store.conn.set_authorizer(_only_reads)  # a write from a question would raise here
    try:
        result = sql_cmdb.ask(question)
        result.page(20)
    except OpsqkvError as e:
        assert "\n" not in str(e) and "not authorized" not in str(e), str(e)
    finally:
        sql_cmdb.store.conn.set_authorizer(None)
    assert _dump(path) == before


def test_fuzz_cmdb_values_reach_sql_only_as_parameters(sql_cmdb: CMDB) -> None:
    evil = "x' OR '1'='1"
    statements: list[str] = []
    sql_cmdb.store.conn.set_trace_callback(statements.append)
    try:
        answer = sql_cmdb.ask(f"hosts owned by {evil}")
        answer.page(10)
    except OpsqkvError:
        pass
    finally:
        sql_cmdb.store.conn.set_trace_callback(None)
    # The trace shows bound values inlined as quoted literals; the raw text would break out.
    assert not any("OR '1'='1" in s and "'x' OR" in s for s in statements), statements
