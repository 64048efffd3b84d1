"""Which language a message is written in, and so which one the session's replies are in.

Two are told apart: Chinese (zh) and English (en). Chinese-speaking engineers mix English
terms into Chinese ("payment-api 从 10:30 开始一直报 502，P2"), so Han characters count
for Chinese against ordinary English words only: names and terms ("payment-api", "P2",
"db-01", "/kb") and the short replies everyone types ("ok", "yes") are no English. A
message too short to tell ("P2", "ok", "是") says nothing, and the session keeps the
language it had; the first clear message sets it, each later clear one may switch it.
"""

from __future__ import annotations

import re

from knowledge.sentences import HAN_CHAR
from state.models import Language

DEFAULT: Language = "en"

# CJK Unified Ideographs, Extension A, Compatibility Ideographs: what Chinese is written in.
# A plain word: letters only, not part of a name or a term (payment-api, P2, db-01, a.b, /kb).
_WORD = re.compile(r"(?<![\w./@-])[A-Za-z]+(?:'[A-Za-z]+)?(?![\w/@-]|\.\w)")
# Replies that Chinese users type in English too: they say nothing about the language.
_NEUTRAL = frozenset([
    "ok", "okay", "k", "y", "n", "yes", "no", "yeah", "yep", "yup", "nope", "sure", "please",
    "pls", "plz", "thanks", "thx", "ty", "confirm", "confirmed", "cancel", "submit", "done",
    "go", "correct", "right", "fine", "good", "hi", "hello", "hey",
])  # fmt: skip
# Words only a sentence has: two plain words with one of them are English, not two terms.
_FUNCTION = frozenset([
    "a", "an", "the", "is", "are", "was", "were", "be", "been", "am", "it", "its", "it's",
    "this", "that", "these", "those", "to", "of", "in", "on", "at", "for", "from", "with",
    "since", "by", "and", "or", "but", "not", "i", "we", "you", "he", "she", "they", "my",
    "our", "your", "me", "us", "can", "could", "should", "would", "will", "do", "does", "did",
    "don't", "doesn't", "didn't", "can't", "cannot", "isn't", "aren't", "how", "what",
    "which", "when", "where", "why", "who", "there", "here", "has", "have", "had",
])  # fmt: skip
HAN_MIN = 2  # fewer Han characters ("是", "好") are too little to tell
WORDS_MIN = 3  # plain English words that make a message English; 2 with a function word


def detect_language(text: str) -> Language | None:
    """The language `text` is clearly written in, or None when it does not say.

    Chinese: at least HAN_MIN Han characters, and no fewer than its plain English words.
    English: WORDS_MIN plain words (or two, one of them a function word such as "is"),
    outnumbering the Han characters.
    """
    han = len(HAN_CHAR.findall(text))
    words = [w.lower() for w in _WORD.findall(text)]
    plain = [w for w in words if w not in _NEUTRAL]
    if han >= HAN_MIN and han >= len(plain):
        return "zh"
    sentence = len(plain) >= WORDS_MIN or (len(plain) >= 2 and any(w in _FUNCTION for w in plain))
    if sentence and len(plain) > han:
        return "en"
    return None


def reply_language(text: str, before: Language | None) -> Language:
    """The language to reply to `text` in: its own when clear, else the session's so far."""
    return detect_language(text) or before or DEFAULT
