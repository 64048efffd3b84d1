"""What the ticket agent says, in each reply language: one `TicketWords` per language.

The English words are the ones the scripted flows (`expect_reply`) and the API's users
have always read: keep them byte for byte. Slot prompts, labels and titles come from the
templates (`prompts:`, `labels:`, `titles:`); these are the words around them.
"""

from __future__ import annotations

from dataclasses import dataclass

from agents.tickets.templates import SlotSpec, TicketTemplate
from agents.tickets.view import summary
from state.models import Language, TicketState


@dataclass(frozen=True)
class TicketWords:
    """Format strings; `{title}` is the ticket's title as a noun in that language."""

    join: str  # between the sentences of one reply
    opening: str  # {a_title}: "an incident"
    cancelled: str
    submitted: str  # {id}
    starting_over: str
    check: str  # {title}: the line above the confirmation summary
    confirm_hint: str
    what_to_change: str  # {label}: the first slot's name
    which_template: str  # {kinds}: the titles it knows
    got_it: str  # {values}: "severity P1, service payment-api"
    value_sep: str
    unknown_name: str  # {value} {kinds} {suggestions} {label}
    or_word: str
    unchanged: str  # {reason} {label}: an edit whose value was refused
    refused: str  # {reason} {label}: why the last value offered was not taken
    back_to_ticket: str  # {title} {prompt}: the re-ask after a digression
    kind_names: dict[str, str]  # entity kinds (service, host) as words


EN = TicketWords(
    join=" ",
    opening="Opening {a_title}.",
    cancelled="Cancelled the {title}; nothing was submitted.",
    submitted="Submitted {title} {id}.",
    starting_over="Starting over.",
    check="Please check the {title}:",
    confirm_hint="Submit it? (yes / change <field> to <value> / cancel)",
    what_to_change="What should I change? Say e.g. 'change {label} to ...', or 'cancel'.",
    which_template="Which ticket do you want to open? I know: {kinds}.",
    got_it="Got it: {values}.",
    value_sep=", ",
    unknown_name=(
        "{value} is not a known {kinds}; did you mean {suggestions}? (say 'change {label} to ...')"
    ),
    or_word=" or ",
    unchanged="{reason} The {label} is unchanged.",
    refused="{reason}",
    back_to_ticket="Back to your {title}: {prompt}",
    kind_names={},
)

ZH = TicketWords(
    join="",
    opening="好的，开始创建{title}。",
    cancelled="已取消{title}，没有提交任何内容。",
    submitted="已提交{title} {id}。",
    starting_over="好的，重新开始。",
    check="请核对{title}：",
    confirm_hint="确认提交吗？（确认 / <字段>改成<新值> / 取消）",
    what_to_change="要改哪一项？比如说“{label}改成 …”，或者说“取消”。",
    which_template="要创建哪种工单？可选：{kinds}。",
    got_it="已记录：{values}。",
    value_sep="，",
    unknown_name="{value} 不是已知的{kinds}，是不是 {suggestions}？（要改的话说“{label}改成 …”）",
    or_word=" 或 ",
    unchanged="{label}没有改（{reason}）。",
    refused="刚才的{label}没有采用（{reason}）。",
    back_to_ticket="回到你的{title}：{prompt}",
    kind_names={"service": "服务", "host": "主机"},
)

WORDS: dict[Language, TicketWords] = {"en": EN, "zh": ZH}


def words_for(language: Language) -> TicketWords:
    """The ticket agent's words in `language`."""
    return WORDS[language]


def confirmation(spec: TicketTemplate, state: TicketState, language: Language) -> str:
    """The ticket as it stands and the question whether to submit it."""
    words = words_for(language)
    check = words.check.format(title=title_in_text(spec, language))
    return f"{check}\n{summary(spec, state, language)}\n{words.confirm_hint}"


def opening(spec: TicketTemplate, language: Language) -> str:
    """ "Opening an incident." in `language`."""
    title = title_in_text(spec, language)
    return words_for(language).opening.format(title=title, a_title=_a(title))


def title_in_text(spec: TicketTemplate, language: Language) -> str:
    """The ticket's title as a noun in running text: "incident", "故障单"."""
    return spec.title.lower() if language == "en" else spec.title_in(language)


def _a(noun: str) -> str:
    """ "an incident", "a change request"."""
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def kinds_in_words(slot: SlotSpec, words: TicketWords) -> str:
    """ "service or host": the catalog kinds a name slot takes, as words."""
    return words.or_word.join(words.kind_names.get(k, k) for k in slot.entity_kinds)


def quoted_reason(reason: str, language: Language) -> str:
    """A normaliser's reason as the reply quotes it: a sentence in English; in other
    languages the words it was written in, inside that language's own sentence."""
    return _sentence(reason) if language == "en" else reason.strip().rstrip(".")


def _sentence(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        return reason
    reason = reason[0].upper() + reason[1:]
    return reason if reason.endswith((".", "?", "!")) else reason + "."
