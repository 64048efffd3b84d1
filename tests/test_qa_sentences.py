"""Sentence splitting for the second attention pass: list items, code and prose."""

from __future__ import annotations

from knowledge.sentences import split_sentences


def test_qa_sentences_keep_list_items_and_code_blocks_whole() -> None:
    text = (
        "Check the backend. It may be down (e.g. After a deploy).\n\n"
        "```bash\nsystemctl status app\n\njournalctl -u app\n```\n"
        "1. Restart it. Then watch the error rate.\n"
        "- Roll back if a deploy\n  caused it.\n"
    )
    assert split_sentences(text) == [
        "Check the backend.",
        "It may be down (e.g. After a deploy).",
        "```bash\nsystemctl status app\n\njournalctl -u app\n```",
        "1. Restart it.",
        "Then watch the error rate.",
        "- Roll back if a deploy caused it.",
    ]


def test_qa_sentences_join_a_lead_in_with_what_it_introduces() -> None:
    assert split_sentences("Common causes:\n- a full disk\n- a dead upstream\n") == [
        "Common causes:\n- a full disk",
        "- a dead upstream",
    ]


def test_qa_sentences_join_hard_wrapped_prose() -> None:
    assert split_sentences("The pod restarts\nover and over. Look at\nits logs.") == [
        "The pod restarts over and over.",
        "Look at its logs.",
    ]
