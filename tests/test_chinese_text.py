"""Chinese runbook text: sentences cut at 。！？；, BM25 terms from character pairs."""

from __future__ import annotations

from knowledge.lexical import LexicalIndex, tokenize
from knowledge.sentences import chunk_lines, estimate_tokens, split_sentences

PASSAGES = [
    "磁盘空间满了：先用 df -h 找到满的分区，再用 du 找出占用最多的目录，清理旧日志。",
    "僵尸进程很多时，找到它们的父进程并重启父进程，僵尸进程会被回收。",
    "证书快要过期时，用 openssl 查看到期时间，然后续签并重新加载 nginx。",
    "Disk full: find the full filesystem with df -h, then remove old logs.",
]


def test_chinese_text_prose_is_cut_at_chinese_sentence_marks() -> None:
    text = "磁盘满了。先看 df -h 的输出！为什么会满？清理日志；然后重启服务。"
    assert split_sentences(text) == [
        "磁盘满了。",
        "先看 df -h 的输出！",
        "为什么会满？",
        "清理日志；",
        "然后重启服务。",
    ]


def test_chinese_text_english_prose_is_cut_as_before() -> None:
    assert split_sentences("Disk is full. Check df -h first! Then clean logs, e.g. old ones.") == [
        "Disk is full.",
        "Check df -h first!",
        "Then clean logs, e.g. old ones.",
    ]


def test_chinese_text_each_han_character_counts_as_a_word_piece() -> None:
    # A run of Chinese is one regex word but many encoder pieces: counting it as one would
    # let a passage grow past what the encoder reads.
    assert estimate_tokens("磁盘空间满了") == 6
    assert estimate_tokens("nginx 返回 502") == 4
    long_line = "磁盘空间满了，" * 60  # 420 characters, one line
    chunks = chunk_lines([long_line], first=1, max_tokens=200)
    assert len(chunks) > 1
    assert all(estimate_tokens(c.text) <= 200 for c in chunks)


def test_chinese_text_bm25_terms_are_character_pairs_without_asking_words() -> None:
    terms = tokenize("磁盘空间满了，怎么处理")
    assert {"磁盘", "盘空", "空间"} <= set(terms)
    assert "怎么" not in terms
    assert tokenize("Restarting nginx-ingress") == ["restart", "nginx-ingress", "nginx", "ingress"]


def test_chinese_text_bm25_finds_the_chinese_passage_for_a_plain_chinese_question() -> None:
    index = LexicalIndex(PASSAGES)
    for question, expected in [
        ("服务器磁盘空间不够了怎么办", 0),
        ("系统里出现很多僵尸进程怎么办", 1),
        ("nginx 的证书要过期了", 2),
    ]:
        _, rows = index.search(question, 1)
        assert int(rows[0]) == expected, question
