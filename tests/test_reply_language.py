"""Replies in the user's language: told per message, remembered per session (issue 17).

Written from the user's side: a Chinese-speaking on-call engineer gets Chinese prompts and
a Chinese confirmation, an English one keeps the English words, a short "P2" or "yes"
keeps the session's language, and a clear message in the other language switches it.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import redis

from agents import OpsBot
from agents.reply import Reply
from agents.tickets import load_template_file
from errors import ConfigError
from state.models import TicketState
from tests.support.env import TEST_REDIS_URL

NOW = datetime(2026, 11, 25, 11, 0, tzinfo=timezone(timedelta(hours=8)))
HAN = re.compile(r"[\u4e00-\u9fff]")
# Short answers with no language of their own ("P2", a name, a time), by the slot asked.
SHORT = {"service": "order-service", "severity": "P2", "started_at": "10:30", "symptom": "超时"}


def _session() -> str:
    return f"lang-{uuid.uuid4().hex[:10]}"


def _pending(reply: Reply) -> str | None:
    return reply.ticket.pending if isinstance(reply.ticket, TicketState) else None


ENGLISH_FRAME = re.compile(r"\b(?:Which|What|When|How|Please|Submit|Got it|Opening)\b")
CHINESE_FRAME = re.compile(r"已记录|请核对|确认提交|已提交|已取消|受影响|什么|哪")


def _is_chinese(text: str) -> bool:
    """Chinese prose: Han characters, and none of the bot's English sentences."""
    return bool(HAN.search(text)) and ENGLISH_FRAME.search(text) is None


def _is_english(text: str) -> bool:
    """The bot's English sentences, none of its Chinese ones (a value may be Chinese)."""
    return bool(ENGLISH_FRAME.search(text)) and CHINESE_FRAME.search(text) is None


def test_reply_language_chinese_incident_gets_chinese_prompts_and_confirmation(
    bot: OpsBot,
) -> None:
    session = _session()
    reply = bot.handle(session, "payment-api 从 10:30 开始一直报 502，P2", now=NOW)
    assert reply.agent == "ticket"
    assert isinstance(reply.ticket, TicketState)
    assert reply.ticket.value("service") == "payment-api"
    assert reply.ticket.value("severity") == "P2"
    assert reply.ticket.phase == "confirming", reply.text  # all it needs, in one message
    assert "请核对故障单" in reply.text and "确认提交吗" in reply.text, reply.text
    assert "服务：payment-api" in reply.text and "级别：P2" in reply.text, reply.text
    assert "2026-11-25 周三 10:30" in reply.text, reply.text
    assert _is_chinese(reply.text), reply.text
    done = bot.handle(session, "确认，提交", now=NOW)
    assert done.submitted is not None and done.submitted.values["severity"] == "P2"
    assert done.text == f"已提交故障单 {done.submitted.id}。"


def test_reply_language_english_session_stays_english(bot: OpsBot) -> None:
    session = _session()
    reply = bot.handle(session, "payment-api is down since 10:30, sev1", now=NOW)
    assert reply.agent == "ticket" and not HAN.search(reply.text), reply.text
    for answer in ("P1", "ok", "checkout returns 502 errors"):
        if _pending(reply) is None:
            break
        reply = bot.handle(session, answer, now=NOW)
        assert not HAN.search(reply.text), reply.text
    assert "Please check the incident:" in reply.text, reply.text
    assert "Submit it? (yes / change <field> to <value> / cancel)" in reply.text
    done = bot.handle(session, "yes", now=NOW)
    assert done.submitted is not None
    assert done.text == f"Submitted incident {done.submitted.id}."


def test_reply_language_chinese_prompts_stay_chinese_for_short_replies(bot: OpsBot) -> None:
    session = _session()
    bot.handle(session, "/ticket incident", now=NOW)
    reply = bot.handle(session, "order-service 下单接口大量超时", now=NOW)
    asked: list[str] = []
    while (slot := _pending(reply)) is not None and len(asked) < 5:
        assert bot.template("incident").slot(slot).ask_in("zh") in reply.text, reply.text
        assert _is_chinese(reply.text), reply.text
        asked.append(slot)
        reply = bot.handle(session, SHORT[slot], now=NOW)
    assert "severity" in asked  # answered with a bare "P2"
    assert "请核对故障单" in reply.text and _is_chinese(reply.text), reply.text
    done = bot.handle(session, "yes", now=NOW)
    assert done.submitted is not None and done.submitted.values["severity"] == "P2"
    assert done.text == f"已提交故障单 {done.submitted.id}。"
    stored = bot.session(session)
    assert stored is not None and stored.language == "zh"


def test_reply_language_follows_the_latest_clear_message(bot: OpsBot) -> None:
    session = _session()
    reply = bot.handle(session, "payment-api 从 10:30 开始一直报 502", now=NOW)
    assert _is_chinese(reply.text), reply.text
    reply = bot.handle(session, "it is P1, the whole checkout is down for customers", now=NOW)
    assert _is_english(reply.text), reply.text
    stored = bot.session(session)
    assert stored is not None and stored.language == "en"
    reply = bot.handle(session, "P1", now=NOW)  # no signal: still English
    assert _is_english(reply.text), reply.text
    reply = bot.handle(session, "影响：用户没法付款", now=NOW)
    assert _is_chinese(reply.text) and "请核对故障单" in reply.text, reply.text
    stored = bot.session(session)
    assert stored is not None and stored.language == "zh"
    assert bot.handle(session, "/cancel", now=NOW).text == "已取消故障单，没有提交任何内容。"


def test_reply_language_help_and_commands_follow_the_session(bot: OpsBot) -> None:
    session = _session()
    english = bot.handle(session, "/help", now=NOW)
    assert english.text.startswith("I can:"), english.text
    bot.handle(session, "payment-api 从 10:30 开始一直报 502，P2", now=NOW)
    chinese = bot.handle(session, "/help", now=NOW)
    assert chinese.text.startswith("我可以：") and "故障单" in chinese.text, chinese.text
    cancelled = bot.handle(session, "/cancel", now=NOW)
    assert cancelled.text == "已取消故障单，没有提交任何内容。"
    assert bot.handle(session, "/cancel", now=NOW).text == "当前没有打开的工单。"


def test_reply_language_old_session_without_a_language_loads_and_replies_in_english(
    bot: OpsBot,
) -> None:
    session = _session()
    bot.handle(session, "/help", now=NOW)
    client = redis.Redis.from_url(TEST_REDIS_URL)
    key = f"{bot.settings.redis_prefix}session:{session}"
    record = json.loads(client.get(key) or b"{}")
    record.pop("language", None)  # as saved before sessions remembered a language
    client.set(key, json.dumps(record))
    client.close()
    loaded = bot.session(session)
    assert loaded is not None and loaded.language is None
    assert bot.handle(session, "/cancel", now=NOW).text == "No ticket is open."


def test_reply_language_template_translations_are_validated(tmp_path: Path) -> None:
    path = tmp_path / "colour.yaml"
    slot = "  - {name: colour, description: the colour, type: text, %s}\n"
    head = "name: paint\ntitle: Paint job\ndescription: paint a rack\nslots:\n"
    path.write_text(head + slot % "prompts: {zh: 什么颜色？}", encoding="utf-8")
    assert load_template_file(path).slots[0].ask_in("zh") == "什么颜色？"
    path.write_text(head + slot % "prompts: {en: 'Which colour?'}", encoding="utf-8")
    with pytest.raises(ConfigError, match="English is the plain field"):
        load_template_file(path)
    path.write_text(head + slot % "prompts: {fr: 'Quelle couleur ?'}", encoding="utf-8")
    with pytest.raises(ConfigError, match="prompts"):
        load_template_file(path)
    path.write_text(head + slot % "aliases: [颜色]", encoding="utf-8")
    assert load_template_file(path).slots[0].ask_in("zh") == "请提供颜色。"


def test_reply_language_qa_says_it_does_not_know_in_chinese(bot: OpsBot) -> None:
    answer = bot.ask("量子计算机的冷却系统应该怎么维护")
    assert not answer.known
    assert "我不知道" in answer.text and "工单" in answer.text, answer.text
    assert "I don't know" not in answer.text
    assert bot.ask("how do I cool a quantum computer").text.startswith("I don't know")


def test_reply_language_kb_command_offers_an_incident_in_chinese(bot: OpsBot) -> None:
    session = _session()
    reply = bot.handle(session, "/kb 量子计算机的冷却系统应该怎么维护", now=NOW)
    assert reply.text.endswith("要不要用这个问题作为现象，创建一个故障单？（是 / 否）"), reply.text
    opened = bot.handle(session, "是的", now=NOW)
    assert isinstance(opened.ticket, TicketState)
    assert opened.ticket.value("symptom") == "量子计算机的冷却系统应该怎么维护"
    assert _is_chinese(opened.text), opened.text


def test_reply_language_cmdb_answer_frame_in_chinese(bot: OpsBot) -> None:
    chinese = bot.query_cmdb("每个 idc 有多少台 hosts")
    assert chinese.understood and chinese.text.startswith("_理解为："), chinese.text
    assert f"共统计 **{chinese.total}** 项。" in chinese.text, chinese.text
    english = bot.query_cmdb("how many hosts per idc")
    assert english.text.startswith("_Understood: ") and "item(s) counted." in english.text
