"""The help agent: greetings, thanks and what the bot can do, in the session's language."""

from __future__ import annotations

import re
from collections.abc import Iterable

from agents.tickets import TicketTemplate
from state.models import Language

_THANKS = re.compile(r"\b(thanks?|thank you|cheers|ty)\b", re.IGNORECASE)
_BYE = re.compile(r"\b(bye|goodbye|see you|that's all)\b", re.IGNORECASE)
_THANKS_ZH = re.compile(r"谢谢|多谢|感谢|辛苦了")
_BYE_ZH = re.compile(r"再见|拜拜|回头见|就这些|没事了")
_HELLO_ZH = re.compile(r"^\W*(?:你好|您好|嗨|哈喽|在吗|早上好|下午好|晚上好)")

COMMANDS_HELP = (
    "`/ticket <template>` start a ticket · `/cancel` drop the open ticket · "
    "`/reset` forget this conversation's state · `/kb <question>` ask the runbooks · "
    "`/cmdb <question>` ask the CMDB · `/help` this text"
)
COMMANDS_HELP_ZH = (
    "`/ticket <模板>` 创建工单 · `/cancel` 放弃当前工单 · "
    "`/reset` 清空本次对话的状态 · `/kb <问题>` 查询运维手册 · "
    "`/cmdb <问题>` 查询 CMDB · `/help` 显示本帮助"
)


def help_text(templates: Iterable[TicketTemplate], language: Language = "en") -> str:
    """What the bot can do, with the ticket kinds it knows and the commands."""
    if language == "zh":
        kinds_zh = "、".join(f"**{t.name}**（{t.title_in(language)}）" for t in templates)
        return (
            "我可以：\n"
            "- 根据运维手册回答操作和排障问题，并注明出处"
            "（例如“磁盘满了怎么处理？”）\n"
            "- 查询 CMDB（例如“prod hosts in sh-1 with disk usage over 90%”、"
            "“how many hosts per idc”、“what does order-service depend on”）\n"
            f"- 几轮对话内创建工单：{kinds_zh}\n\n"
            f"命令：{COMMANDS_HELP_ZH}"
        )
    kinds = ", ".join(f"**{t.name}** ({t.title.lower()})" for t in templates)
    return (
        "I can:\n"
        "- answer how-to and troubleshooting questions from the runbooks, with citations "
        '(e.g. "how do I fix a full disk?")\n'
        '- query the CMDB (e.g. "prod hosts in sh-1 with disk usage over 90%", '
        '"how many hosts per idc", "what does order-service depend on")\n'
        f"- open tickets in a few turns: {kinds}\n\n"
        f"Commands: {COMMANDS_HELP}"
    )


def small_talk(text: str, templates: Iterable[TicketTemplate], language: Language = "en") -> str:
    """A short answer to small talk; anything else gets the help text."""
    if language == "zh":
        if _THANKS.search(text) or _THANKS_ZH.search(text):
            return "不客气。还有别的需要吗？（`/help` 可以查看我能做什么。）"
        if _BYE.search(text) or _BYE_ZH.search(text):
            return "再见。会话会保留，下次用同一个会话 ID 就能接着聊。"
        if _HELLO_ZH.search(text) and len(text) <= 12:
            return "你好！" + help_text(templates, language)
        return help_text(templates, language)
    if _THANKS.search(text):
        return "You're welcome. Anything else? (`/help` lists what I can do.)"
    if _BYE.search(text):
        return "Bye. Your session is kept; come back with the same session id to continue."
    if len(text.split()) <= 3 and re.match(r"^(hi|hello|hey|yo|good \w+)\b", text, re.I):
        return "Hello! " + help_text(templates)
    return help_text(templates)
