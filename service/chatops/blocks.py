"""A bot reply as a Slack Block Kit message: the answer, citations, ticket slots, CMDB tables.

Block Kit's limits shape it: a section holds at most 3000 characters and 10 fields, a
message at most 50 blocks, so long answers are cut into several sections, wide tables are
cut to what fits (saying how many rows were left out), and extra blocks are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from service.api_models import ReplyOut, TicketPanel
from service.chatops import view
from service.chatops.slack_text import escape, mrkdwn_from_markdown, split_tables, table_as_text

SECTION_CHARS = 2900  # under Block Kit's 3000, leaving room for a code fence
FIELD_CHARS = 1900  # under 2000
FIELDS_PER_SECTION = 10
MAX_BLOCKS = 50
FALLBACK_CHARS = 600


@dataclass(frozen=True)
class SlackMessage:
    """What is posted: notification text (also shown where blocks are not) and the blocks."""

    text: str
    blocks: list[dict[str, Any]]


def slack_message(reply: ReplyOut, *, asked_by: str | None = None, asked: str = "") -> SlackMessage:
    """The reply as a message; `asked_by` (a user id) and `asked` head it with the question."""
    blocks: list[Block] = []
    if asked_by:
        line = f"<@{asked_by}> asked: {escape(_cut(asked, FIELD_CHARS // 2))}"
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=line)]))
    for text, is_markdown in view.answer_parts(reply):
        blocks.extend(_text_blocks(text, is_markdown))
    for n, citation in view.cited(reply):
        line = f"[{n}] `{escape(view.citation_source(citation))}` · {escape(citation.heading)}"
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_cut(line, FIELD_CHARS))]))
    if reply.panel is not None:
        blocks.extend(ticket_blocks(reply.panel))
    return SlackMessage(text=_fallback(reply), blocks=[b.to_dict() for b in blocks[:MAX_BLOCKS]])


def notice(text: str) -> SlackMessage:
    """A one-line message from the service itself (an error, a hint)."""
    section = SectionBlock(text=MarkdownTextObject(text=escape(_cut(text, SECTION_CHARS))))
    return SlackMessage(text=_cut(text, FALLBACK_CHARS), blocks=[section.to_dict()])


def ticket_blocks(panel: TicketPanel) -> list[Block]:
    """The ticket: title and state, then every slot as a field (filled, missing or optional)."""
    fields = []
    for slot in panel.slots:
        value = view.slot_value(slot)
        shown = f"_{view.missing_word(slot)}_" if value is None else escape(value)
        text = f"*{escape(view.label(slot))}*\n{shown}"
        fields.append(MarkdownTextObject(text=_cut(text, FIELD_CHARS)))
    head = f"*{escape(panel.title)}* · {escape(view.ticket_state(panel))}"
    groups = [fields[i : i + FIELDS_PER_SECTION] for i in range(0, len(fields), FIELDS_PER_SECTION)]
    blocks: list[Block] = [DividerBlock()]
    blocks.append(
        SectionBlock(text=MarkdownTextObject(text=head), fields=groups[0] if groups else None)
    )
    blocks.extend(SectionBlock(fields=group) for group in groups[1:])
    return blocks


def _fallback(reply: ReplyOut) -> str:
    """The notification text: the reply's opening prose (no tables), cut short."""
    text, is_markdown = view.answer_parts(reply)[0]
    if not is_markdown:
        return _cut(escape(text), FALLBACK_CHARS)
    prose = next((piece for piece, table in split_tables(text) if not table), text)
    return _cut(mrkdwn_from_markdown(prose), FALLBACK_CHARS)


def _text_blocks(text: str, is_markdown: bool) -> list[Block]:
    """Sections of prose, with Markdown tables turned into code blocks."""
    if not is_markdown:
        return [
            SectionBlock(text=PlainTextObject(text=chunk, emoji=False))
            for chunk in _chunks(text, SECTION_CHARS)
        ]
    blocks: list[Block] = []
    for piece, is_table in split_tables(text):
        if is_table:
            code = _code_block(table_as_text(piece))
            blocks.append(SectionBlock(text=MarkdownTextObject(text=code)))
            continue
        for chunk in _chunks(mrkdwn_from_markdown(piece), SECTION_CHARS):
            blocks.append(SectionBlock(text=MarkdownTextObject(text=chunk)))
    return blocks


def _code_block(lines: list[str]) -> str:
    """Lines in a code fence, rows dropped from the end (and counted) to fit one section."""
    kept = list(lines)
    dropped = 0
    while len(kept) > 3 and len(escape("\n".join(kept))) > SECTION_CHARS - 60:
        kept.pop()
        dropped += 1
    body = escape("\n".join(kept))[: SECTION_CHARS - 60]
    more = f"\n… {dropped} more row(s)" if dropped else ""
    return f"```\n{body}{more}\n```"


def _chunks(text: str, limit: int) -> list[str]:
    """The text in pieces of at most `limit` characters, cut at paragraphs, lines or words."""
    text = text.strip()
    pieces: list[str] = []
    while len(text) > limit:
        for sep in ("\n\n", "\n", " "):
            cut = text.rfind(sep, 0, limit)
            if cut > limit // 2:
                break
        else:
            cut = limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        pieces.append(text)
    return pieces


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
