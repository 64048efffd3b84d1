"""What a turn says outside any agent (slash commands, the incident offer), per language.

English is what the flows and the API's users have always read: keep it byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass

from state.models import Language


@dataclass(frozen=True)
class TurnWords:
    """Format strings for the turn's own replies."""

    offer: str  # appended to an answer that did not know
    which_ticket: str  # {known}: template names
    no_ticket: str
    reset: str
    usage: str  # {name}: /kb or /cmdb
    scores: str
    no_scores: str
    unknown_command: str  # {arg}


EN = TurnWords(
    offer="\n\nShall I open an incident with this as the symptom? (yes / no)",
    which_ticket="Which ticket? Use `/ticket <template>` with one of: {known}.",
    no_ticket="No ticket is open.",
    reset="Reset: no ticket is open now (the history is kept).",
    usage="Usage: `{name} <question>`",
    scores="Router scores for the last message:\n",
    no_scores="(none yet)",
    unknown_command="Unknown command {arg}. ",
)

ZH = TurnWords(
    offer="\n\n要不要用这个问题作为现象，创建一个故障单？（是 / 否）",
    which_ticket="要创建哪种工单？请用 `/ticket <模板>`，可选：{known}。",
    no_ticket="当前没有打开的工单。",
    reset="已重置：当前没有打开的工单（对话记录保留）。",
    usage="用法：`{name} <问题>`",
    scores="上一条消息的路由分数：\n",
    no_scores="（暂无）",
    unknown_command="未知命令 {arg}。",
)

WORDS: dict[Language, TurnWords] = {"en": EN, "zh": ZH}


def turn_words(language: Language) -> TurnWords:
    """The turn's own words in `language`."""
    return WORDS[language]
