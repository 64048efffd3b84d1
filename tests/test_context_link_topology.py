"""Context linking by the topology: "the database of payment-api" in the service's own place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agents import OpsBot
from agents.cmdb.context_link import ContextLinker
from knowledge.cmdb import CMDB
from knowledge.encoder import Encoder


def _item(id: str, type: str, name: str, **attrs: Any) -> dict[str, Any]:
    return {"id": id, "type": type, "name": name, "attrs": attrs}


ESTATE: dict[str, Any] = {
    "items": [
        _item("svc-pay", "service", "payment-api", owner="team-pay"),
        _item("h-1", "host", "app-01", env="prod", idc="sh-2"),
        _item("h-2", "host", "app-02", env="prod", idc="sh-2"),
        _item("h-3", "host", "app-03", env="staging", idc="bj-1"),
        _item("db-dev", "database", "payments-db-dev", engine="mysql", env="dev", idc="sh-1"),
        _item("db-prod", "database", "payments-db-prod", engine="postgres", env="prod", idc="sh-2"),
        _item("ca-1", "cache", "payments-cache-a", engine="redis", env="prod", idc="sh-1"),
        _item("ca-2", "cache", "payments-cache-b", engine="redis", env="prod", idc="sh-2"),
        _item("ca-3", "cache", "payments-cache-stg", engine="redis", env="staging", idc="bj-1"),
    ],
    "relations": [
        {"from": "svc-pay", "type": "runs_on", "to": "h-1"},
        {"from": "svc-pay", "type": "runs_on", "to": "h-2"},
        {"from": "svc-pay", "type": "runs_on", "to": "h-3"},
        *[{"from": "svc-pay", "type": "depends_on", "to": t} for t in ("db-dev", "db-prod")],
        *[{"from": "svc-pay", "type": "depends_on", "to": t} for t in ("ca-1", "ca-2", "ca-3")],
    ],
}


@pytest.fixture(scope="module")
def linker(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> ContextLinker:
    cmdb = CMDB.open(Path(tmp_path_factory.mktemp("cmdb")) / "cmdb.sqlite", create=True)
    cmdb.load(ESTATE)
    return ContextLinker(cmdb, encoder)


def test_context_link_prefers_the_database_in_the_services_environment(
    linker: ContextLinker,
) -> None:
    link = linker.link("the database of payment-api is slow")
    assert link is not None and not link.several
    assert link.item.name == "payments-db-prod" and link.env == "prod"
    assert "payments-db-prod" in link.sentence() and "postgres" in link.question("x")


def test_context_link_follows_the_environment_the_message_names(linker: ContextLinker) -> None:
    link = linker.link("the dev database of payment-api is slow")
    assert link is not None and link.item.name == "payments-db-dev"


def test_context_link_lists_several_instead_of_picking_one(linker: ContextLinker) -> None:
    link = linker.link("the cache of payment-api evicts keys")
    assert link is not None and link.several and link.env == "prod"
    # both prod caches, the one in the datacenter where the service's hosts run first
    assert [i.name for i in link.items] == ["payments-cache-b", "payments-cache-a"]
    sentence = link.sentence()
    assert "2 caches in prod" in sentence and "payments-cache-a" in sentence


def test_context_link_hosts_of_a_service_are_listed(linker: ContextLinker) -> None:
    link = linker.link("the hosts of payment-api are slow")
    assert link is not None and {i.name for i in link.items} == {"app-01", "app-02"}


def test_context_link_demo_payment_api_database_is_the_prod_one(bot: OpsBot) -> None:
    reply = bot.handle("link-topology-1", "the database of payment-api is slow, how do I check it?")
    assert "payments-db-prod" in reply.text and "payments-db-dev" not in reply.text


def test_context_link_spells_out_the_engine_of_a_ci_named_directly(linker: ContextLinker) -> None:
    asked = linker.spell_out("payments-db-dev has slow queries, how do I find them?")
    assert asked.endswith("(mysql database payments-db-dev)")
    assert linker.spell_out("payments-db-prod is slow").endswith(
        "(postgres database payments-db-prod)"
    )


def test_context_link_leaves_messages_without_an_engine_alone(linker: ContextLinker) -> None:
    for text in ("payment-api returns 502", "app-01 is slow", "disk full on web-99"):
        assert linker.spell_out(text) == text


def test_context_link_named_database_is_answered_for_its_own_engine(bot: OpsBot) -> None:
    """A MySQL database named only by its CMDB name: a MySQL runbook, or a caveat saying
    there is none; never the PostgreSQL runbook's answer as if it applied."""
    mysql_db = bot.query_cmdb("databases with engine mysql").rows[0]["name"]
    postgres_db = bot.query_cmdb("databases with engine postgres").rows[0]["name"]
    mysql = bot.ask(f"{mysql_db} has slow queries, how do I find them?")
    cited = mysql.citations[0].source
    assert "mysql" in cited or (mysql.caveat is not None and "MySQL" in mysql.caveat)
    assert "postgresql" not in cited or mysql.caveat is not None
    postgres = bot.ask(f"{postgres_db} has slow queries, how do I find them?")
    assert postgres.caveat is None and "postgresql" in postgres.citations[0].source
