"""The CMDB agent: a chat message -> a CMDB question -> a short markdown answer with the rows,
the grouped numbers or the topology, and the data behind it for callers that render it.

The words around the data are in the asker's language (`language`); the query's own
description and the CMDB's names and values read as the CMDB writes them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from errors import CMDBError
from knowledge.cmdb import CMDB, CMDBResult, open_default, table_columns
from knowledge.encoder import Encoder
from settings import Settings
from state.models import Language

MAX_ROWS = 15
MAX_COLUMNS = 6
EXAMPLE = "e.g. 'prod mysql hosts in sh-1 with cpu over 80%' or 'how many hosts per idc'"
EXAMPLE_ZH = "'prod mysql hosts in sh-1 with cpu over 80%' 或 'how many hosts per idc'"


class CMDBAnswer(BaseModel):
    """What the agent says, and the data it said it from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    question: str
    text: str = Field(description="markdown for the user")
    understood: bool
    query: dict[str, Any] | None = Field(default=None, description="the CMDBQuery, as JSON")
    total: int = 0
    rows: list[dict[str, Any]] = Field(default_factory=list, description="first items, JSON")
    stats: dict[str, Any] | None = None
    picture: str | None = Field(default=None, description="topology PNG written, if any")


class CMDBAgent:
    """Answers inventory questions from one CMDB."""

    name = "cmdb"

    def __init__(self, cmdb: CMDB, picture_dir: Path | None = None) -> None:
        self.cmdb = cmdb
        self.picture_dir = picture_dir

    @classmethod
    def open(cls, settings: Settings, encoder: Encoder) -> CMDBAgent:
        """The agent on the default CMDB (the demo estate when nothing was loaded)."""
        cmdb, _ = open_default(settings, encoder)
        return cls(cmdb, picture_dir=settings.home / "pictures")

    def answer(self, question: str, *, language: Language = "en") -> CMDBAnswer:
        """Answer `question`; a question that does not map says what was understood."""
        parsed = self.cmdb.parse(question)
        if not parsed.understood:
            if language == "zh":
                text = (
                    f"这个问题没能完全对应到 CMDB：{parsed.complaint()}。"
                    f"\n\n可以这样问，例如 {EXAMPLE_ZH}。"
                )
            else:
                text = f"I {parsed.complaint()}.\n\nTry {EXAMPLE}."
            return CMDBAnswer(
                question=question,
                text=text,
                understood=False,
                query=parsed.query.model_dump(mode="json"),
            )
        result = self.cmdb.run(parsed.query, parsed=parsed)
        picture = self._picture(question, result) if result.query.output == "topology" else None
        return CMDBAnswer(
            question=question,
            text=render_markdown(result, picture, language),
            understood=True,
            query=result.query.model_dump(mode="json"),
            total=result.total,
            rows=[it.to_dict() for it in result.page(MAX_ROWS)] if result.stats is None else [],
            stats=None if result.stats is None else result.stats.to_dict(),
            picture=None if picture is None else str(picture),
        )

    def _picture(self, question: str, result: CMDBResult) -> Path | None:
        if self.picture_dir is None or not result.total:
            return None
        digest = hashlib.sha256(question.encode()).hexdigest()[:10]
        path = self.picture_dir / f"topology-{digest}.png"
        from knowledge.cmdb.drawing import write_picture  # matplotlib only when drawing

        try:
            write_picture(self.cmdb.topology(result), path, question)
        except (CMDBError, OSError):
            return None  # the answer's text stands without a picture
        return path


def render_markdown(
    result: CMDBResult, picture: Path | None = None, language: Language = "en"
) -> str:
    """The answer as markdown: a line of what was understood, then a table."""
    query = result.query
    zh = language == "zh"
    head = f"_{'理解为：' if zh else 'Understood: '}{query.describe()}_\n\n"
    if result.stats is not None:
        stats = result.stats
        value = f"{stats.agg} {stats.attr}" if stats.attr else None
        cols = [*stats.group_by, "count", *([value] if value else [])]
        lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        for row in stats.rows[:30]:
            cells = [g or "(none)" for g in row.group] + [str(row.count)]
            if value:
                cells.append("" if row.value is None else f"{row.value:.1f}")
            lines.append("| " + " | ".join(cells) + " |")
        counted = (
            f"共统计 **{result.total}** 项。" if zh else f"**{result.total}** item(s) counted."
        )
        return head + counted + "\n\n" + "\n".join(lines)
    items = result.page(MAX_ROWS)
    if not items:
        return head + ("没有匹配的项。" if zh else "No item matches.")
    columns = table_columns(items, result)[:MAX_COLUMNS]
    lines = ["| name | type | " + " | ".join(columns) + " |", "|---|---|" + "---|" * len(columns)]
    for it in items[:MAX_ROWS]:
        cells = [it.name, it.type] + [str(it.attrs.get(c, "")) for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    rest = result.total - MAX_ROWS
    more = "" if rest <= 0 else f"\n\n……还有 {rest} 项。" if zh else f"\n\n…and {rest} more."
    where = "拓扑图：" if zh else "Topology picture: "
    shown = f"\n\n{where}{picture}" if picture is not None else ""
    found = f"共 **{result.total}** 项。" if zh else f"**{result.total}** item(s)."
    return head + found + "\n\n" + "\n".join(lines) + more + shown
