"""Chinese text for the grammar: Chinese is written without spaces, so a run of Han characters
is cut into the phrases the grammar and the lexicon know (longest first); Chinese numerals
read as numbers; full-width signs (`，` `％` `６４Ｇ`) read as their ASCII twins.

What is left between known phrases stays together as one span, so schema linking attends
over a whole unknown word ("物理机") rather than over its single characters.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from knowledge.sentences import HAN_CHAR, has_han

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
          "七": 7, "八": 8, "九": 9}  # fmt: skip
TENS = {"十": 10, "百": 100, "千": 1000}
PUNCTUATION = {"、": ",", "。": ".", "～": "~", "—": "-", "《": "", "》": "", "“": "", "”": ""}
MAX_PHRASE = 8  # characters; the longest phrase the tables hold is shorter


def is_han(ch: str) -> bool:
    """A CJK ideograph."""
    return HAN_CHAR.match(ch) is not None


def halfwidth(text: str) -> str:
    """Full-width ASCII forms and Chinese list marks as ASCII, one character for one, so
    character offsets into the question stay valid."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            ch = chr(code - 0xFEE0)
        elif code == 0x3000:
            ch = " "
        else:
            ch = PUNCTUATION.get(ch, ch) or " "
        out.append(ch)
    return "".join(out)


def numeral_value(text: str) -> int | None:
    """`五` -> 5, `十六` -> 16, `二十` -> 20, `一百二十` -> 120; anything else -> None."""
    if not text or any(ch not in DIGITS and ch not in TENS for ch in text):
        return None
    if all(ch in DIGITS for ch in text):  # "一六" read digit by digit
        return int("".join(str(DIGITS[ch]) for ch in text))
    total, digit = 0, None
    for ch in text:
        if ch in DIGITS:
            digit = DIGITS[ch]
            continue
        total += (1 if digit is None else digit) * TENS[ch]
        digit = None
    return total + (digit or 0)


def _numeral_end(run: str, i: int) -> int:
    j = i
    while j < len(run) and (run[j] in DIGITS or run[j] in TENS):
        j += 1
    return j


def segment(run: str, vocabulary: Collection[str]) -> Iterator[tuple[int, int, str]]:
    """Cut a run of Han characters into (start, end, low) pieces: known phrases, longest
    first; numerals as digits; the characters between them as one unknown piece."""
    i = 0
    pending = -1  # start of the unknown characters not yet given out
    while i < len(run):
        end = next(
            (j for j in range(min(len(run), i + MAX_PHRASE), i, -1) if run[i:j] in vocabulary),
            None,
        )
        number_end = _numeral_end(run, i)
        if end is None and number_end > i:
            end = number_end
        if end is None:
            pending = i if pending < 0 else pending
            i += 1
            continue
        if pending >= 0:
            yield pending, i, run[pending:i]
            pending = -1
        piece = run[i:end]
        value = numeral_value(piece) if piece not in vocabulary else None
        yield i, end, piece if value is None else str(value)
        i = end
    if pending >= 0:
        yield pending, len(run), run[pending:]


def join_words(words: list[str]) -> str:
    """Words as one span text: a space only between two non-Han words ("cpu usage"), none
    beside Han ("cpu使用率", "上海1区"), the way Chinese is written."""
    out = ""
    for word in words:
        if out and not is_han(out[-1]) and not is_han(word[0]):
            out += " "
        out += word
    return out


def compact(text: str) -> str:
    """A key text in the form span texts take (`join_words` of its words)."""
    return join_words(text.split()) if has_han(text) else text
