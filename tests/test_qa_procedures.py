"""Procedure-shaped answers on the demo KB: fix/diagnose questions get the section's steps."""

from __future__ import annotations

import re

from agents import OpsBot
from knowledge.kb import demo_kb_dir

DISK = "my disk is full on web-03, what do I do?"


def _numbers(steps: list[str]) -> list[int]:
    return [int(m.group(1)) for s in steps if (m := re.match(r"(\d+)\.\s", s))]


def test_qa_disk_full_question_gets_the_fix_steps_in_order(bot: OpsBot) -> None:
    answer = bot.ask(DISK)
    assert answer.known and answer.shape == "steps"
    numbers = _numbers(answer.sentences)
    # The procedure from its first step, in order, none skipped: 4 never comes without 1-3.
    assert len(numbers) >= 3 and numbers == list(range(1, len(numbers) + 1))
    assert "delete rotated logs" in answer.sentences[0]
    assert all(c.source == "kb/disk-full.md" and c.heading == "Fix" for c in answer.citations)
    assert answer.text.index("1. ") < answer.text.index("2. ") < answer.text.index("3. ")


def test_qa_steps_cite_line_ranges_inside_the_section(bot: OpsBot) -> None:
    answer = bot.ask(DISK)
    spans = [c.lines for c in answer.citations]
    assert all(s is not None and s[0] <= s[1] for s in spans)
    lines = (demo_kb_dir() / "disk-full.md").read_text(encoding="utf-8").split("\n")
    first = next(s for s in spans if s is not None)
    assert lines[first[0] - 1].startswith("1. To free space quickly")


def test_qa_diagnose_answer_keeps_code_blocks_whole(bot: OpsBot) -> None:
    answer = bot.ask("how do I find what is using the space when the disk is full?")
    assert answer.shape == "steps"
    assert any("```" in s for s in answer.sentences)
    assert all(s.count("```") % 2 == 0 for s in answer.sentences)


def test_qa_what_is_question_gets_one_to_three_sentences(bot: OpsBot) -> None:
    answer = bot.ask("what is inode exhaustion?")
    assert answer.known and answer.shape == "sentences"
    assert 1 <= len(answer.sentences) <= 3
    assert "inode" in answer.text.lower()


def test_qa_chat_turn_carries_the_steps_as_markdown(bot: OpsBot) -> None:
    reply = bot.handle("qa-steps-1", "how do I fix a full disk, what are the steps?")
    assert reply.agent == "qa"
    assert "1. To free space quickly" in reply.text and "2. Shrink" in reply.text
    assert reply.citations and reply.citations[0].heading == "Fix"
