"""Chinese messages through the bot: routing, the ticket chosen, cancels, corrections, the
glossary that lets a plain-Chinese question find an English runbook (issue 17)."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest

from agents import OpsBot
from agents.lexicon import is_cancel, is_correction
from agents.routing import (
    BUILT_IN_CARDS,
    CUE_BIAS,
    message_prior,
    router_for,
    template_card,
)
from agents.tickets import load_template_file, load_templates
from errors import ConfigError
from knowledge.encoder import Encoder
from knowledge.glossary import Glossary, GlossaryEntry, shipped_glossary
from knowledge.kb import KnowledgeBase

NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)


def _session() -> str:
    return f"zh-dialogue-{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize(
    ("text", "agent"),
    [
        ("我想申请个权限", "ticket:access_request"),
        ("帮我提个变更", "ticket:change_request"),
        ("今晚十一点重启生产的 kafka", "ticket:change_request"),
        ("search-api 挂了，搜索全部超时", "ticket:incident"),
        ("nginx 一直返回 502，应该检查什么", "qa"),
        ("申请数据库权限的流程是什么", "qa"),
        ("上海一区有多少台生产主机", "cmdb"),
        ("内存小于 32G 的数据库有哪些", "cmdb"),
        ("你好", "help"),
    ],
)
def test_chinese_messages_route_to_the_agent_they_are_for(
    encoder: Encoder, text: str, agent: str
) -> None:
    router = router_for(encoder, load_templates(None).values())
    route = router.route(encoder.encode_one(text), prior=message_prior(text, router.cards))
    assert route.agent == agent, route.scores


def test_english_messages_get_no_chinese_cue() -> None:
    cards = [*BUILT_IN_CARDS, *(template_card(t) for t in load_templates(None).values())]
    for text in ("restart kafka tonight at 11, P2", "is the disk full?", "list hosts over 80%"):
        # Only the English speech-act cues apply: nothing names a card by a cue word.
        prior = message_prior(text, cards)
        assert set(prior) <= {"qa", "ticket"} and all(b == CUE_BIAS for b in prior.values())


@pytest.mark.parametrize(
    ("text", "cancel"),
    [
        ("取消", True),
        ("算了，取消吧，他已经有权限了", True),
        ("不用了，谢谢", False),  # at an optional prompt: skip it, keep the ticket
        ("算了，还是 P2 吧", False),  # changes a value
    ],
)
def test_chinese_cancel_with_or_without_a_reason(text: str, cancel: bool) -> None:
    assert is_cancel(text) is cancel


def test_an_apology_may_open_a_chinese_correction() -> None:
    assert is_correction("不好意思说错了，是 media-service")
    assert is_correction("抱歉，写错了，应该是 P3")
    assert not is_correction("media-service")


def test_a_chinese_access_request_in_one_message_reads_the_reason_after_because(
    bot: OpsBot,
) -> None:
    session = _session()
    bot.handle(
        session,
        "帮 li.na@example.com 申请 payment-api 的只读权限，一周，因为她要排查对账问题",
        now=NOW,
    )
    ticket = bot.session(session).ticket  # type: ignore[union-attr]
    assert ticket is not None and ticket.template == "access_request"
    values = ticket.values()
    assert values["requester"] == "li.na@example.com"
    assert values["role"] == "read-only"
    assert values["duration"] == "P7D"
    assert values["reason"] == "她要排查对账问题"


def test_a_chinese_cancel_with_a_reason_drops_the_ticket(bot: OpsBot) -> None:
    session = _session()
    bot.handle(session, "chen.jie@example.com 需要 redis-004 的 root 权限，两周", now=NOW)
    assert bot.session(session).ticket is not None  # type: ignore[union-attr]
    bot.handle(session, "算了，取消吧，他已经有权限了", now=NOW)
    assert bot.session(session).ticket is None  # type: ignore[union-attr]


def test_glossary_takes_the_longest_term_and_leaves_english_alone() -> None:
    glossary = Glossary(
        [
            GlossaryEntry(zh=["负载"], en=["load"]),
            GlossaryEntry(zh=["负载均衡"], en=["load balancer"]),
        ]
    )
    assert glossary.english_for("负载均衡的健康检查失败") == ["load balancer"]
    assert glossary.expand("high load on db-01") == "high load on db-01"


def test_glossary_refuses_a_term_in_two_entries_and_single_characters(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="two entries"):
        Glossary([GlossaryEntry(zh=["磁盘"], en=["disk"]), GlossaryEntry(zh=["磁盘"], en=["d"])])
    bad = tmp_path / "g.yaml"
    bad.write_text("- zh: [库]\n  en: [database]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="two or more characters"):
        Glossary.load(bad)


def test_shipped_glossary_names_the_english_words_of_common_ops_terms() -> None:
    words = shipped_glossary().english_for("僵尸进程越来越多，磁盘也满了")
    assert "zombie" in " ".join(words)
    assert "disk" in " ".join(words)


def test_a_plain_chinese_question_finds_the_english_runbook(
    tmp_path: Path, encoder: Encoder
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "zombies.md").write_text(
        "# Zombie processes\n\nDefunct processes pile up when the parent does not reap "
        "its children. Find the parent with ps and restart it.\n",
        encoding="utf-8",
    )
    (docs / "certs.md").write_text(
        "# TLS certificate expiry\n\nRenew the certificate before it expires and reload nginx.\n",
        encoding="utf-8",
    )
    kb = KnowledgeBase.open(tmp_path / "kb", create=True, encoder=encoder)
    kb.ingest([docs])
    hits = kb.search("系统里出现很多僵尸进程怎么办", k=1)
    assert hits and hits[0].source.endswith("zombies.md")


def test_template_leads_are_only_for_free_text_slots(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\ntitle: Bad\ndescription: a template\nslots:\n"
        "  - name: severity\n    description: how bad\n    type: enum\n"
        "    values: [P1, P2]\n    leads: [因为]\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="leads"):
        load_template_file(bad)


def test_a_chinese_opening_leaves_the_time_and_its_frame_out_of_the_symptom(bot: OpsBot) -> None:
    session = _session()
    bot.handle(session, "payment-api 从 9:30 开始一直报 502", now=NOW)
    ticket = bot.session(session).ticket  # type: ignore[union-attr]
    assert ticket is not None
    symptom = str(ticket.values().get("symptom", ""))
    assert "502" in symptom and "从" not in symptom and "开始" not in symptom


@pytest.mark.parametrize("opening", ["我要报个故障", "session-service，P3，9点20开始的"])
def test_a_chinese_opening_of_names_and_small_words_is_no_symptom(
    bot: OpsBot, opening: str
) -> None:
    session = _session()
    bot.handle(session, opening, now=NOW)
    ticket = bot.session(session).ticket  # type: ignore[union-attr]
    assert ticket is not None and ticket.template == "incident"
    assert "symptom" not in ticket.values()


def test_a_plain_chinese_how_to_question_is_answered_from_the_english_runbook(
    bot: OpsBot,
) -> None:
    answer = bot.ask("系统里出现很多僵尸进程怎么办")
    assert answer.known
    assert answer.citations and answer.citations[0].source.endswith("zombie-processes.md")
