"""QAAgent: cited answers of 1-3 sentences for covered questions, "I don't know" otherwise."""

from __future__ import annotations

import pytest

from agents.qa.agent import Answer, QAAgent
from errors import InputError
from knowledge import KnowledgeBase
from knowledge.encoder import Encoder

DOCS = {
    "nginx-502.md": "# Nginx 502 Bad Gateway\n\n## Symptoms\n\nUsers see 502 Bad Gateway pages.\n"
    "The error log says connect() failed while connecting to upstream.\n\n## Fix\n\n"
    "1. Restart the upstream application with systemctl restart app.\n"
    "2. If a deploy caused it, roll the deploy back.\n",
    "disk-full.md": "# Disk Full\n\n## Symptoms\n\nWrites fail with No space left on device.\n\n"
    "## Fix\n\nFind big folders with du -xh --max-depth=1 and delete rotated logs.\n",
    "mysql-lag.md": "# MySQL Replication Lag\n\n## Diagnosis\n\nRun SHOW REPLICA STATUS and read "
    "Seconds_Behind_Source.\n\n## Fix\n\nSplit large batch writes on the primary into chunks.\n",
}


@pytest.fixture(scope="module")
def agent(encoder: Encoder, tmp_path_factory: pytest.TempPathFactory) -> QAAgent:
    root = tmp_path_factory.mktemp("qa")
    docs = root / "kb"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text)
    kb = KnowledgeBase.open(root / "store", create=True, encoder=encoder)
    kb.ingest([docs])
    return QAAgent(kb)


@pytest.mark.parametrize(
    ("question", "source"),
    [
        ("nginx shows 502 bad gateway, how do I fix it?", "kb/nginx-502.md"),
        ("the disk is full, no space left on device", "kb/disk-full.md"),
        ("mysql replica is lagging behind the primary", "kb/mysql-lag.md"),
    ],
)
def test_qa_answers_a_covered_question_citing_its_runbook(
    agent: QAAgent, question: str, source: str
) -> None:
    answer = agent.answer(question)
    assert answer.known and answer.confidence >= agent.threshold
    assert answer.citations[0].source == source
    if answer.shape == "sentences":
        assert 1 <= len(answer.sentences) <= 3 and answer.text == "\n".join(answer.sentences)
    else:  # a fix question: the section's steps, each verbatim, in the answer's Markdown
        assert answer.shape == "steps" and all(s in answer.text for s in answer.sentences)
    cited = "\n".join(DOCS[c.source.removeprefix("kb/")] for c in answer.citations)
    assert all(sentence in cited for sentence in answer.sentences)


def test_qa_says_it_does_not_know_outside_the_kb(agent: QAAgent) -> None:
    answer = agent.answer("what is the recipe for lasagna")
    assert not answer.known and answer.citations == []
    assert "don't know" in answer.text and "ticket" in answer.text
    assert answer.confidence < agent.threshold


def test_qa_citation_carries_heading_and_lines(agent: QAAgent) -> None:
    answer = agent.answer("how do I restart the upstream after a 502")
    top = answer.citations[0]
    assert top.heading in {"Symptoms", "Fix"} and top.lines is not None
    assert top.lines[0] <= top.lines[1]


def test_qa_empty_question_is_refused(agent: QAAgent) -> None:
    with pytest.raises(InputError, match="question is empty"):
        agent.answer("  ")


def test_qa_answer_round_trips_as_json(agent: QAAgent) -> None:
    answer = agent.answer("disk full")
    assert Answer.model_validate_json(answer.model_dump_json()) == answer
