"""Cutting a section into steps, and which steps an answer keeps (no model needed)."""

from __future__ import annotations

import torch

from agents.qa.shape import keep_steps, section_steps
from knowledge.store import Record

FIX = (
    "1. Stop the writer:\n\n   ```bash\n   systemctl stop app\n   ```\n\n"
    "2. Delete old logs.\n3. Start the writer again.\n\n"
    "Check the result.\n\n```bash\ndf -h\n```"
)


def _record(text: str, first: int = 10) -> Record:
    lines = (first, first + len(text.split("\n")) - 1)
    return Record(id="r#fix", text=text, title="T", source="s.md", heading="Fix", lines=lines)


def test_kb_section_steps_keep_nested_code_and_join_intro_with_code() -> None:
    steps = section_steps([_record(FIX)])
    assert [s.number for s in steps] == [1, 2, 3, None]
    assert "systemctl stop app" in steps[0].text and steps[0].text.count("```") == 2
    assert steps[3].text.startswith("Check the result.") and steps[3].text.endswith("```")
    assert steps[0].lines == (10, 14) and steps[1].lines == (16, 16)


def test_kb_keep_steps_never_keeps_a_step_without_the_ones_before_it() -> None:
    steps = section_steps([_record(FIX)])
    weights = torch.tensor([0.0, 0.0, 1.0, 0.0])  # only step 3 looks relevant
    assert keep_steps(weights, steps) == [0, 1, 2]
    assert keep_steps(torch.tensor([0.0, 0.0, 0.0, 1.0]), steps) == [3]


def test_kb_intro_joins_its_bullets_and_code_across_a_passage_cut() -> None:
    first = Record(
        id="r#d", text="Typical messages:\n- too few cpus\n- a taint\n\nFind the pods.",
        title="T", source="s.md", heading="Diagnosis", lines=(5, 9),
    )  # fmt: skip
    second = Record(
        id="r#d~2", text="```bash\nkubectl get pods\n```", title="T", source="s.md",
        heading="Diagnosis", lines=(11, 13),
    )  # fmt: skip
    steps = section_steps([first, second])
    assert [s.text.split("\n")[0] for s in steps] == ["Typical messages:", "Find the pods."]
    assert steps[0].text.endswith("- a taint") and steps[1].text.endswith("```")
    assert steps[1].lines == (9, 13) and steps[1].record == "r#d"
