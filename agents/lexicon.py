"""The ops chat's small words, in one place: yes and no, cancel and start over, corrections,
number words, month and weekday names, and the stop-word tables of each turn reader.
Routing, the ticket policy and the normalisers all read them here, so "yes" means the
same thing to each of them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from knowledge.sentences import has_han

# Numbers people spell out ("two", "a dozen").
WORD_NUMBERS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "ninety": 90, "hundred": 100, "dozen": 12,
}  # fmt: skip
NUMBER_WORDS = "|".join(sorted(WORD_NUMBERS, key=len, reverse=True))


def number_value(token: str) -> float | None:
    """The number a token says ("2", "1.5", "two"), or None."""
    word = WORD_NUMBERS.get(token.lower())
    if word is not None:
        return float(word)
    try:
        return float(token)
    except ValueError:
        return None


# Calendar words.
MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11,
    "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# With the short forms, for date slots; a datetime phrase takes only the full names.
WEEKDAYS = {
    **{name: day for day, name in enumerate(WEEKDAY_NAMES)},
    "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4,
    "sat": 5, "sun": 6,
}  # fmt: skip


# Yes, no and corrections in a dialogue turn.
_CORRECTION = re.compile(
    r"^\W*(?:no|nope|sorry|actually|oops|wait|correction|my\s+bad|i\s+meant|rather)\b"
    r"|\b(?:instead|rather|not\s+[\w.-]+\s*,?\s*but|make\s+(?:it|that)|i\s+meant|"
    r"should\s+(?:be|have\s+been)|change\s+(?:it|that)\s+to|actually)\b",
    re.IGNORECASE,
)
_YES = (
    r"(?:yes|yep|yeah|yup|y|sure|ok|okay|sounds\s+good|that\s+works|works\s+for\s+me|"
    r"perfect|great|correct|right|fine|please\s+do|go\s+ahead|confirm(?:ed)?|do\s+it|"
    r"submit(?:\s+it)?|looks\s+good|lgtm|that'?s\s+right|absolutely|of\s+course)"
)
_POLITE = r"(?:please|pls|plz|thanks|thx|thank\s+you|it\s+is)"
# A yes, maybe more yeses or thanks, and nothing else: "ok, submit it", "yes, sounds good".
_AFFIRM = re.compile(rf"^\W*{_YES}\b(?:[\s,.!]+(?:{_YES}|{_POLITE})\b)*\W*$", re.IGNORECASE)
_NEGATE = re.compile(
    r"^\W*(?:no|nope|nah|not\s+(?:yet|quite|really)|wrong|incorrect|don'?t|do\s+not)\b\W*$",
    re.IGNORECASE,
)


# The same in Chinese. Each pattern needs a Chinese word, so English reads as before.
# An apology may open a correction ("不好意思说错了，是 media-service").
_CORRECTION_ZH = re.compile(
    r"^\W*(?:(?:不好意思|抱歉|对不起|sorry)\W*)?(?:不对|不是|错了|说错了|写错了|更正|搞错了)"
    r"|改成|改为|应该是|而是",
    re.IGNORECASE,
)
_YES_ZH = r"(?:是的?|对的?|对|好的?|好吧|可以|行|没问题|确认|确定|提交吧?|就这样|没错|嗯+|OK吧)"
_AFFIRM_ZH = re.compile(
    rf"^\W*{_YES_ZH}(?:\W*(?:{_YES_ZH}|谢谢|麻烦了|请提交|直接提交|帮我提交))*\W*$",
    re.IGNORECASE,
)
_NEGATE_ZH = re.compile(r"^\W*(?:不是|不对|不|没有|还没|不行|错了)\W*$")
_CANCEL_WORD_ZH = r"(?:取消|算了|不用了|不要了|放弃|撤销|作废)(?:吧|掉)?"
_CANCEL_ZH = re.compile(
    rf"^\W*(?:请)?{_CANCEL_WORD_ZH}(?:\W*{_CANCEL_WORD_ZH})*"
    r"(?:这个|这张)?(?:工单|单子|申请|变更|事件|请求)?(?:吧|了)?\W*$"
)
# A firm cancel word may be followed by the reason ("算了，取消吧，他已经有权限了"); a bare
# "算了" then more words is not one ("算了，还是 P2 吧" changes a value).
_CANCEL_FIRM_ZH = r"(?:取消|放弃|撤销|作废)(?:吧|掉)?"
_CANCEL_WITH_REASON_ZH = re.compile(
    rf"^\W*(?:请)?(?:算了\W*)?{_CANCEL_FIRM_ZH}(?:这个|这张)?(?:工单|单子|申请|变更|事件|请求)?"
    r"(?:吧|了)?[，,。.;；!！]"
)
_START_OVER_ZH = re.compile(r"^\W*(?:重新开始|重来|从头开始|从头再来|重新填)(?:吧)?\W*$")


# A boolean slot's values ("enabled", "off").
TRUE_WORDS = re.compile(
    r"^\s*(yes|yep|yeah|y|true|sure|correct|enabled?|on|please do|of course|affirmative)\b",
    re.IGNORECASE,
)
FALSE_WORDS = re.compile(
    r"^\s*(no|nope|nah|n|false|disabled?|off|not really|negative)\b",
    re.IGNORECASE,
)


# Ticket commands said in words.
_CANCEL = re.compile(
    r"^\W*(?:please\s+)?(?:cancel|abort|discard|drop|scrap|forget|never\s*mind|stop)"
    r"(?:\s+(?:it|this|that|everything|all\s+of\s+it|the\s+(?:\w+\s+)?(?:ticket|request|incident|change)))?"
    r"(?:[\s,.!]+(?:please|thanks|thank\s+you))*\W*$",
    re.IGNORECASE,
)
_START_OVER = re.compile(
    r"^\W*(?:(?:let'?s|can\s+we|please)\s+)?(?:start\s+(?:over|again|afresh)|begin\s+again|"
    r"reset(?:\s+(?:it|this|the\s+ticket))?|from\s+scratch)\W*$",
    re.IGNORECASE,
)


def is_correction(text: str) -> bool:
    """Whether the user is correcting something said before ("no, make it P1")."""
    return bool(_CORRECTION.search(text) or _CORRECTION_ZH.search(text))


def is_affirmation(text: str) -> bool:
    """A plain yes ("yes", "sounds good", "ok, submit it")."""
    return bool(_AFFIRM.match(text) or _AFFIRM_ZH.match(text))


def is_negation(text: str) -> bool:
    """A plain no ("no", "not yet")."""
    return bool(_NEGATE.match(text) or _NEGATE_ZH.match(text))


def is_cancel(text: str) -> bool:
    """ "cancel", "forget it", "never mind": drop the ticket."""
    return bool(_CANCEL.match(text) or _CANCEL_ZH.match(text) or _CANCEL_WITH_REASON_ZH.match(text))


def is_start_over(text: str) -> bool:
    """ "start over", "reset": empty every slot of the ticket."""
    return bool(_START_OVER.match(text) or _START_OVER_ZH.match(text))


# A yes that may run on ("Yes, thanks. What's their phone number?", "That sounds great.").
_ACCEPT_OPENING = re.compile(
    r"^\W*(?:(?:well|oh|so|um|uh|hmm)\W+)?(?:yes|yeah|yep|yup|sure|ok|okay|alright|all\s+right|"
    r"perfect|great|good|fine|correct|exactly|right|absolutely|definitely|certainly|of\s+course|"
    r"confirm(?:ed)?|please\s+do|go\s+ahead|do\s+it|book\s+it|sounds\s+\w+|"
    r"(?:that|this|it)(?:'s|\s+is|\s+one)?\s+(?:sounds|seems|works|would\s+work|will\s+work|"
    r"is|would\s+be|will\s+be|looks)?\s*(?:good|great|fine|perfect|right|correct|nice|"
    r"excellent|wonderful|awesome|ok|okay|alright|works)|"
    r"(?:that|this|it)\s+(?:works|would\s+work|will\s+work|sounds|seems|suits)|suits\s+me|"
    r"works\s+for\s+me|i\s+(?:like|love)\s+(?:it|that)|i'?ll\s+take\s+(?:it|that)|"
    r"let'?s\s+(?:do|go\s+with|book)\s+(?:it|that))\b",
    re.IGNORECASE,
)
_REFUSE = re.compile(
    r"^\W*(?:no|nope|nah|not|never|don'?t|do\s+not|actually|rather|instead|wait|hold)\b"
    r"|\b(?:won'?t|doesn'?t|does\s+not|will\s+not|isn'?t)\s+work\b",
    re.IGNORECASE,
)


# Ending the conversation right after an offer takes it ("Thanks, that's all I need").
_CLOSING = re.compile(
    r"^\W*(?:(?:ok|okay|great|cool|thanks|thank\s+you|alright)\W+)*"
    r"(?:that'?s|that\s+is|this\s+is|it'?s)\s+(?:all|it|everything)\b",
    re.IGNORECASE,
)


def accepts(text: str) -> bool:
    """Whether the user takes what was just offered or read back ("yes, and what's the
    address?", "that sounds great", "thanks, that's all"): a yes at the start, no refusal."""
    if _REFUSE.search(text) or _NEGATE_ZH.match(text) or _CORRECTION_ZH.search(text):
        return False
    return bool(_ACCEPT_OPENING.match(text) or _CLOSING.match(text) or _AFFIRM_ZH.match(text))


# Small words each reader of a turn passes over, one table per reader (each tuned to it).
# Capitalised words that open sentences or stand alone without naming anything.
SENTENCE_WORDS = {
    "i", "i'm", "i'd", "i'll", "i've", "im", "id", "a", "an", "the", "this", "that", "these",
    "those", "it", "it's", "its", "is", "are", "was", "be", "do", "does", "did", "can", "could",
    "would", "will", "shall", "should", "may", "might", "must", "please", "yes", "yeah", "yep",
    "yup", "no", "nope", "ok", "okay", "sure", "thanks", "thank", "hi", "hello", "hey", "great",
    "good", "fine", "perfect", "cool", "nice", "alright", "right", "well", "so", "and", "but",
    "or", "also", "then", "what", "what's", "which", "where", "when", "who", "how", "why",
    "whats", "there", "there's", "here", "let", "let's", "lets", "find", "search", "look", "book",
    "get", "make", "give", "tell", "show", "help", "try", "play", "reserve", "want", "need",
    "like", "just", "actually", "sorry", "awesome", "excellent", "wonderful", "exactly",
    "correct", "confirm", "confirming", "you", "your", "you're", "you'd", "you'll", "we'd", "we", "we're", "my", "me", "our",
    "they", "their", "he", "she", "his", "her", "on", "in", "at", "for", "to", "from", "with",
    "of", "by", "as", "if", "not", "any", "some", "all", "one", "how's", "that's", "sounds",
    "wait", "hmm", "um", "now", "today", "tomorrow", "tonight", "yesterday", "next", "none",
    "nothing", "anything", "something", "everything", "nah", "oh", "ah", "absolutely",
    "certainly", "definitely", "understood", "got", "don't", "didn't", "doesn't", "isn't",
    "can't", "won't", "wouldn't", "couldn't", "am",
    # Months and weekdays belong to dates.
    "january", "february", "march", "april", "june", "july", "august", "september", "october",
    "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday", "mon", "tue", "wed", "thu", "fri", "sat", "sun",
}  # fmt: skip

# Words that never name a host or a service, though they sit where a name could.
NOT_ENTITY_WORDS = frozenset({
    "a", "an", "the", "my", "our", "your", "their", "his", "her", "its", "this", "that",
    "these", "those", "it", "them", "me", "us", "you", "him", "all", "some", "any", "every",
    "each", "no", "none", "both", "other", "another", "same", "such", "what", "which", "who",
    "whom", "whose", "now", "least", "course", "example", "place", "time", "sure", "fact",
    "general", "case", "order", "addition", "total", "front", "advance", "progress",
    "question", "charge", "detail", "details", "use", "work", "hand", "half", "minute",
    "minutes", "hour", "hours", "day", "days", "week", "weeks", "month", "months", "year",
    "years", "today", "tomorrow", "yesterday", "tonight", "morning", "evening", "afternoon",
    "night", "noon", "midnight", "customers", "users", "everyone", "anyone", "someone",
    "people", "team", "staff", "be", "do", "is", "are", "was", "were", "been", "being", "have",
    "has", "had", "file", "open", "raise", "create", "submit", "report", "request", "log",
    "start", "schedule", "plan", "ask", "need", "want", "go", "run", "roll", "restart",
    "deploy", "fix", "update", "upgrade", "change", "scale", "patch", "revert", "apply",
    "install", "remove", "add", "delete", "reboot", "rotate", "debug", "investigate", "check",
    "look", "see", "know", "find", "understand", "read", "write", "edit", "view", "manage",
    "monitor", "access", "get", "make", "let", "give", "take", "keep", "put", "set", "try",
    "call", "send", "help", "test", "testing", "debugging", "fixing",
    "checking",
    # how a thing is, not what it is called ("the service is down")
    "down", "up", "slow", "broken", "failing", "dead", "unavailable", "unreachable", "ok",
    "fine", "working", "degraded", "affected", "impacted", "offline", "online", "flaky",
    "unstable", "out", "erroring", "crashing", "full", "stuck", "hanging", "gone", "back",
})  # fmt: skip

# An opening message's small talk: what is left after these is what it says.
FILLER_WORDS = frozenset(
    re.findall(
        r"\S+",
        "a an the and or but for on in at to of with from by is are was were be been it its "
        "it's this that there we i i'm you me my our us please pls could can would will hey "
        "hi hello sorry bother think have has had got problem issue something some just now "
        "thanks thank ok okay so also still again about up name called named if that's fine "
        "alright there's",
    )
)

# Words after "the X is" that start a description, not a value ("the service is the same").
NOT_A_VALUE = {
    "the", "a", "an", "this", "that", "which", "what", "my", "our", "your", "their", "same",
    "other", "another", "any", "some", "whole", "entire", "main", "new", "old", "affected",
}  # fmt: skip

# Words after a number that do not say what it counts ("a table for 2 at Sino").
FUNCTION_WORDS = {
    "at", "in", "on", "for", "to", "from", "of", "and", "or", "but", "with", "the", "a", "an",
    "by", "is", "are", "was", "please", "pm", "am", "o'clock", "so", "then", "if", "that",
}  # fmt: skip


def cue_winner(text: str, cues: Mapping[str, Sequence[str]]) -> str | None:
    """The one name whose cue words `text` holds most of (None: no cue, or a tie).

    Only Chinese text is cued: the cues stand in where the encoder reads Chinese poorly, and
    English keeps the attention it was tuned with.
    """
    if not has_han(text):
        return None
    hits = {name: sum(word in text for word in words) for name, words in cues.items()}
    best = max(hits.values(), default=0)
    winners = [name for name, n in hits.items() if n == best]
    return winners[0] if best > 0 and len(winners) == 1 else None
