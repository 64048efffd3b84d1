"""The router's cards for the built-in agents; ticket templates bring their own."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from agents.identity import ticket_card
from agents.routing.router import AgentCard, Router
from knowledge.encoder import Encoder
from knowledge.keycache import KeyCache

QA_CARD = AgentCard(
    name="qa",
    description=(
        "Answers how-to and troubleshooting questions from the runbooks: how to diagnose, "
        "debug, tune or fix an error, an alert, a symptom or a procedure."
    ),
    examples=(
        "how do I fix this error",
        "what should I check when the service is slow",
        "how to troubleshoot high latency",
        "what does this alert mean and what do I do",
        "steps to recover from a failed node",
        "why does the process keep crashing",
        "how do I tune the garbage collector",
        "what is the procedure to rotate credentials",
        "how can I tell what is using all the memory",
        "runbook for a full disk",
        "how do I debug connection timeouts",
        "best way to investigate packet drops",
        "what causes this and how do I resolve it",
        "how to configure log rotation",
        "how do I restore from backup",
        "磁盘满了怎么处理",
        "服务一直重启是什么原因",
        "怎么排查接口超时",
        "这个告警是什么意思，该怎么办",
        "内存泄漏怎么定位",
    ),
)

CMDB_CARD = AgentCard(
    name="cmdb",
    description=(
        "Looks up configuration items in the CMDB inventory: lists and counts hosts, services, "
        "databases, caches, queues, load balancers and clusters filtered by environment, "
        "datacenter, owner, os or metrics; shows dependencies and topology."
    ),
    examples=(
        "list prod hosts in sh-1",
        "which hosts have cpu usage over 80%",
        "how many servers per datacenter",
        "show all databases in staging",
        "what does checkout-service depend on",
        "which machines does the api run on",
        "hosts with more than 32 GB of memory",
        "count services by owner",
        "top 5 hosts by disk usage",
        "ip address of a host",
        "show the topology of a service",
        "average memory of hosts per environment",
        "caches not in production",
        "which team owns this database",
        "inventory of load balancers",
        "列出上海一区的生产主机",
        "CPU 使用率超过 80% 的主机有哪些",
        "每个机房有多少台服务器",
        "这个服务依赖哪些服务",
        "这个服务跑在哪些机器上",
    ),
    # Chinese words of an inventory question, for encoders that read Chinese poorly.
    cues=(
        "哪些",
        "列一下",
        "列出",
        "多少台",
        "几台",
        "有几个",
        "多少个",
        "统计",
        "个数",
        "部署在哪",
        "跑在哪",
        "哪几台",
        "依赖哪些",
        "挂的是哪个",
    ),
)

HELP_CARD = AgentCard(
    name="help",
    description="Small talk and help: greetings, thanks, goodbyes, what the bot can do.",
    examples=(
        "hi",
        "hello",
        "thanks",
        "thank you",
        "bye",
        "what can you do",
        "help me use this",
        "who are you",
        "which commands are there",
        "ok great",
        "good afternoon",
        "are you a bot",
        "你好",
        "谢谢",
        "你能做什么",
        "怎么用你",
    ),
    cues=(
        "你好",
        "早上好",
        "下午好",
        "晚上好",
        "谢谢",
        "多谢",
        "能干啥",
        "能做什么",
        "能干什么",
        "会做什么",
        "怎么用",
        "在吗",
        "再见",
        "拜拜",
        "你是谁",
        "哪些单子",
        "什么单子",
    ),
)

BUILT_IN_CARDS = (QA_CARD, CMDB_CARD, HELP_CARD)


class RoutableTemplate(Protocol):
    """What the router reads of a ticket template (routing never imports the tickets package)."""

    @property
    def name(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def examples(self) -> Sequence[str]: ...
    @property
    def cues(self) -> Sequence[str]: ...


def router_for(
    encoder: Encoder, templates: Iterable[RoutableTemplate], key_cache: KeyCache | None = None
) -> Router:
    """The router OpsBot builds: built-in cards plus one card per ticket template."""
    cards = [*BUILT_IN_CARDS, *(template_card(t) for t in templates)]
    return Router(cards, key_cache or KeyCache(encoder, None))


def template_card(template: RoutableTemplate) -> AgentCard:
    """A ticket template as the router sees it."""
    return AgentCard(
        name=ticket_card(template.name),
        description=f"{template.title}: {template.description}",
        examples=tuple(template.examples),
        cues=tuple(template.cues),
    )
