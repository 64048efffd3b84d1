"""Chat text in and out: session ids, Slack's wire text, Block Kit limits (pure functions)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from agents.qa.agent import Citation
from service.api_models import SESSION_ID_PATTERN, ReplyOut
from service.chatops.blocks import slack_message
from service.chatops.sessions import chat_session_id
from service.chatops.slack_text import (
    escape,
    mrkdwn_from_markdown,
    plain_from_slack,
    split_tables,
    table_as_text,
)

words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300)


@given(st.lists(st.text(max_size=80), min_size=1, max_size=5))
def test_chatops_session_id_is_always_usable(parts: list[str]) -> None:
    sid = chat_session_id("slack", *parts)
    assert re.match(SESSION_ID_PATTERN, sid) and len(sid) <= 128
    assert sid == chat_session_id("slack", *parts)


def test_chatops_session_id_keeps_slack_ids_readable() -> None:
    assert chat_session_id("slack", "T1", "C2", "U3", "1712.0001") == "slack:T1:C2:U3:1712.0001"
    assert chat_session_id("slack", "T1", "C2", "U3", None) == "slack:T1:C2:U3"
    long = chat_session_id("mattermost", "t" * 60, "c" * 60, "u" * 60)
    assert len(long) == 128 and long != chat_session_id("mattermost", "t" * 60, "c" * 60, "v" * 60)


@given(words)
def test_chatops_plain_from_slack_undoes_escape(text: str) -> None:
    expected = re.sub(r"[ \t]{2,}", " ", text).strip()
    assert plain_from_slack(escape(text)) == expected


def test_chatops_plain_from_slack_reads_links_and_mentions() -> None:
    wire = (
        "<@U0BOT> give <@U0ALICE|alice> access to <http://db-1.example.com|db-1.example.com> "
        "for <mailto:bob@example.com|bob@example.com> in <#C0OPS|ops> &amp; <!here> &lt;now&gt;"
    )
    assert plain_from_slack(wire, drop_users={"U0BOT"}) == (
        "give @alice access to db-1.example.com for bob@example.com in #ops & @here <now>"
    )


def test_chatops_mrkdwn_converts_outside_code_only() -> None:
    md = "# Fix\n**Disk** full: see [runbook](https://x.example/a?b=1&c=2)\n- run `a **b** > c`"
    assert mrkdwn_from_markdown(md) == (
        "*Fix*\n*Disk* full: see <https://x.example/a?b=1&amp;c=2|runbook>\n• run `a **b** &gt; c`"
    )


def test_chatops_markdown_table_becomes_aligned_text() -> None:
    text = "counted:\n\n| idc | count |\n|---|---|\n| bj-2 | 112 |\n| sh-1 | 9 |\n\ndone"
    pieces = split_tables(text)
    assert [table for _, table in pieces] == [False, True, False]
    assert table_as_text(pieces[1][0]) == ["idc   count", "----  -----", "bj-2  112", "sh-1  9"]


def _reply(text: str, citations: int = 0) -> ReplyOut:
    cites = [
        Citation(source=f"kb/{n}.md", heading="Fix", lines=(1, 2), score=0.5, id=f"kb/{n}.md#fix")
        for n in range(citations)
    ]
    return ReplyOut(session_id="s", text=text, agent="qa", citations=cites)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(words, min_size=1, max_size=30),
    st.integers(min_value=0, max_value=400),
    st.integers(min_value=0, max_value=15),
)
def test_chatops_blocks_stay_within_block_kit_limits(
    paragraphs: list[str], rows: int, citations: int
) -> None:
    table = "\n".join(
        ["| name | value |", "|---|---|"] + [f"| host-{n} | {n} |" for n in range(rows)]
    )
    reply = _reply("\n\n".join([*paragraphs, table, *paragraphs]), citations)
    message = slack_message(reply, asked_by="U1", asked=" ".join(paragraphs))  # validates
    assert len(message.blocks) <= 50
    for block in message.blocks:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= 3000
    if rows > 250:  # about 14 characters a row: more than one section holds
        assert any("more row(s)" in b.get("text", {}).get("text", "") for b in message.blocks)
