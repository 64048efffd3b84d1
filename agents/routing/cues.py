"""Surface cues that shift the router's attention: a prior over agents, added to the scores.

Embeddings hear the topic ("disk full") but not the speech act: "how do I fix a full disk"
and "disk full on db-01, open an incident" sit close together. Two cues say which act it
is -- a how-to question, or an explicit request for a ticket -- and become an additive bias
on the keys of the agents they point to (softmax(QKᵀ/τ + b)).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz

from agents.lexicon import cue_winner
from agents.routing.router import AgentCard
from knowledge.sentences import has_han

_HOW_TO = re.compile(
    r"(^\s*(how(?!\s+(many|much|big|old|long))|why|what now|any guidance|steps? to|troubleshoot\w*|explain|is there a runbook)\b)"
    r"|\b(how (do|can|should|to|would) (i|we|you)?|how to|what (should|do|can) (i|we) (do|check)"
    r"|what('s| is) the (\w+ )?(fix|procedure|runbook|way)\b|(best|safest|right|proper) way to"
    r"|runbook|fix\?|what now|how to resolve)",
    re.IGNORECASE,
)
_TICKET_REQUEST = re.compile(
    r"(?<![\w-])(open(ing)?|rais(e|ing)|fil(e|ing)|creat(e|ing)|log(ging)?|submit(ting)?|page"
    r"|book|schedule|request|need|want|get|report(ing)?)\b(?!-)"
    r"[^.?!]{0,40}\b(incident|ticket|change|cr|access|outage|p[1-4]|sev ?[1-4]|window)\b",
    re.IGNORECASE,
)
# The same in Chinese: a verb of filing, then within a few characters the kind of ticket
# ("我想申请个权限", "帮我提个变更", "报一个 P1 故障", "开个工单").
_TICKET_REQUEST_ZH = re.compile(
    r"(?:申请|开|提|建|创建|报|登记|发起|录|走|要|做)(?:一?个|一?张|一下|下)?"
    r"[^。？！?!]{0,16}?(?:工单|单子|故障单|事故单|变更单|变更|权限|故障|事故|CR\b|P[1-4]|[一二三四]级)",
    re.IGNORECASE,
)
# A Chinese how-to question ("怎么处理", "该查什么", "为什么会这样", "流程是什么").
_HOW_TO_ZH = re.compile(
    r"怎么|怎样|如何|为什么|为啥|咋|该查|查什么|排查|什么原因|啥原因|有什么办法|有啥办法|流程是什么"
    r"|步骤|干嘛|注意些?什么|要注意|是什么意思"
)
# A Chinese inventory question: a comparison or a top-N, then "的" and the kind of item
# ("内存小于 128G 的主机", "磁盘使用率超过 85% 的生产 mysql 库", "前 10 的主机").
_INVENTORY_ZH = re.compile(
    r"(?:以上|以下|超过|大于|小于|低于|高于|不到|至少|前\s*\d+)[^，,。？！?!]{0,16}?的"
    r"[^，,。？！?!]{0,12}?(?:主机|机器|服务器|库|数据库|服务|节点|实例|缓存|集群|队列)"
)
# Asking how a process goes is a question even when it names a ticket ("申请权限的流程是什么").
_PROCESS_QUESTION_ZH = re.compile(r"流程是什么|什么流程|怎么申请|如何申请|找谁|谁审批|要走什么")
# Typed in a hurry ("pls open an incidnet"): a near miss of a ticket noun still names it.
_TICKET_NOUNS = ("incident", "request", "access", "ticket", "outage")
_NOUN_RATIO = 85.0
CUE_BIAS = 3.0  # in scaled-score units: a matching cue multiplies the agent's share by ~e²
ZH_CUE_WEIGHT = 4.0  # Chinese cues outweigh any attention share (see message_prior)


def _respelled(text: str) -> str:
    """`text` with near misses of the ticket nouns spelled right ("incidnet" -> "incident")."""

    def fix(m: re.Match[str]) -> str:
        word = m.group(0).lower()
        if any(word.startswith(n) for n in _TICKET_NOUNS):
            return m.group(0)  # the noun itself, or a form of it ("requests", "accessed")
        near = (n for n in _TICKET_NOUNS if fuzz.ratio(word, n) >= _NOUN_RATIO)
        return next(near, m.group(0))

    return re.sub(r"[A-Za-z]{5,}", fix, text)


def without_ticket_request(text: str) -> str:
    """`text` with its explicit request for a ticket ("please open an incident") cut out."""
    return _TICKET_REQUEST_ZH.sub(" ", _TICKET_REQUEST.sub(" ", _respelled(text)))


def ticket_request(text: str) -> str | None:
    """The words that ask for a ticket ("file a change", "open an incident"), if any."""
    m = _TICKET_REQUEST.search(_respelled(text)) or _TICKET_REQUEST_ZH.search(text)
    return m.group(0) if m else None


def asks_for_ticket(text: str) -> bool:
    """Whether the message explicitly asks for a ticket ("open an incident", "raise a P1")."""
    return ticket_request(text) is not None


def asks_how_to(text: str) -> bool:
    """Whether the message asks how to do or fix something ("what's the safest way to ...")."""
    if _HOW_TO.search(text) or _HOW_TO_ZH.search(text):
        return True
    # A Chinese message ending in a question mark asks something ("…报 No space left??").
    return has_han(text) and text.rstrip().endswith(("?", "？"))


def cue_prior(text: str, cards: Sequence[AgentCard]) -> dict[str, float]:
    """A bias for the one card whose cue words the message holds most of ("缩容 report-worker
    …" is a change): where the encoder reads a language poorly, its words still say it."""
    winner = cue_winner(text, {card.name: card.cues for card in cards if card.cues})
    return {} if winner is None else {winner: CUE_BIAS}


def route_prior(text: str) -> dict[str, float]:
    """Agent -> additive bias for this message ("ticket" stands for every ticket agent)."""
    if _PROCESS_QUESTION_ZH.search(text):
        return {"qa": CUE_BIAS}
    if _INVENTORY_ZH.search(text) and not _HOW_TO_ZH.search(text):
        return {"cmdb": CUE_BIAS}
    if asks_for_ticket(text):
        return {"ticket": CUE_BIAS}
    if asks_how_to(text):
        return {"qa": CUE_BIAS}
    return {}


def message_prior(text: str, cards: Sequence[AgentCard]) -> dict[str, float]:
    """The whole prior of a message: the speech-act cues, then (unless it asks how to do
    something, which stays a question whatever ticket it names) the cards' cue words.

    In Chinese the cues decide: an encoder that reads Chinese poorly (MiniLM) attends to
    whichever example shares the most characters ("我要报一个事故" -> "我要提一个变更").
    """
    prior = route_prior(text)
    if "qa" not in prior:
        prior |= cue_prior(text, cards)
    if has_han(text):
        prior = {agent: bias * ZH_CUE_WEIGHT for agent, bias in prior.items()}
    return prior
