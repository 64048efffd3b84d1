"""Text from outside (a chat message, a question) checked once before it reaches the encoder."""

from __future__ import annotations

from errors import InputError


def require_unicode(text: str, what: str) -> str:
    """`text` unchanged when it is valid Unicode; InputError naming the position otherwise.

    A lone surrogate (`"\\ud800"` from a JSON escape, or an undecodable byte that Python
    smuggled into argv as `"\\udcff"`) cannot be encoded as UTF-8, and the tokenizer fails
    on it with a TypeError: refuse it here, in words.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise InputError(
            f"the {what} has a character that is not valid Unicode at position {e.start} "
            f"({text[e.start]!a}); send UTF-8 text"
        ) from e
    return text
