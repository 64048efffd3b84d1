"""Phrase tables the grammar reads: comparators, relation verbs, aggregates, sort words, fillers.

Relation phrases carry how the anchor item relates to the answer: `positional` verbs
("runs on", "depends on") point out from an anchor said before them and in to one said
after; noun forms ("dependencies of", "hosting", "members of") fix the direction.
"""

from __future__ import annotations

from knowledge.cmdb.language import phrases_zh as zh

COMPARATORS: dict[str, str] = {
    ">": ">", "gt": ">", "over": ">", "above": ">", "exceeding": ">", "exceeds": ">",
    "more than": ">", "greater than": ">", "higher than": ">", "bigger than": ">",
    "larger than": ">", "in excess of": ">", "beyond": ">",
    ">=": ">=", "at least": ">=", "no less than": ">=", "not less than": ">=",
    "minimum of": ">=",
    "<": "<", "lt": "<", "under": "<", "below": "<", "less than": "<", "lower than": "<",
    "fewer than": "<", "smaller than": "<",
    "<=": "<=", "at most": "<=", "no more than": "<=", "not more than": "<=", "up to": "<=",
    "maximum of": "<=",
    "=": "=", "==": "=", "equal to": "=", "equals": "=", "exactly": "=", "of exactly": "=",
    "!=": "!=", "not equal to": "!=",
    "between": "between", "from": "between", "in the range": "between",
}  # fmt: skip

POST_COMPARATORS: dict[str, str] = {
    "or more": ">=", "or above": ">=", "or higher": ">=", "and above": ">=", "and up": ">=",
    "or greater": ">=", "plus": ">=",
    "or less": "<=", "or fewer": "<=", "or below": "<=", "or lower": "<=", "and below": "<=",
    "or under": "<=",
}  # fmt: skip

RELATION_PHRASES: dict[str, tuple[str, str]] = {
    "runs on": ("runs_on", "positional"), "run on": ("runs_on", "positional"),
    "run": ("runs_on", "positional"), "runs": ("runs_on", "positional"),
    "running on": ("runs_on", "positional"), "ran on": ("runs_on", "positional"),
    "hosted on": ("runs_on", "positional"), "deployed on": ("runs_on", "positional"),
    "deployed to": ("runs_on", "positional"), "lives on": ("runs_on", "positional"),
    "live on": ("runs_on", "positional"), "installed on": ("runs_on", "positional"),
    "hosting": ("runs_on", "out"), "that host": ("runs_on", "out"),
    "depends on": ("depends_on", "positional"), "depend on": ("depends_on", "positional"),
    "depending on": ("depends_on", "positional"), "dependent on": ("depends_on", "positional"),
    "relies on": ("depends_on", "positional"), "rely on": ("depends_on", "positional"),
    "uses": ("depends_on", "positional"), "use": ("depends_on", "positional"),
    "using": ("depends_on", "positional"), "calls": ("depends_on", "positional"),
    "call": ("depends_on", "positional"), "needs": ("depends_on", "positional"),
    "need": ("depends_on", "positional"), "requires": ("depends_on", "positional"),
    "require": ("depends_on", "positional"),
    "dependencies of": ("depends_on", "out"), "dependencies": ("depends_on", "out"),
    "deps of": ("depends_on", "out"), "deps": ("depends_on", "out"),
    "dependency of": ("depends_on", "in"),
    "used by": ("depends_on", "out"), "called by": ("depends_on", "out"),
    "needed by": ("depends_on", "out"), "required by": ("depends_on", "out"),
    "dependents of": ("depends_on", "in"), "dependents": ("depends_on", "in"),
    "consumers of": ("depends_on", "in"), "clients of": ("depends_on", "in"),
    "callers of": ("depends_on", "in"), "users of": ("depends_on", "in"),
    "member of": ("member_of", "positional"), "members of": ("member_of", "in"),
    "members": ("member_of", "in"), "part of": ("member_of", "positional"),
    "connects to": ("connects_to", "positional"), "connect to": ("connects_to", "positional"),
    "connected to": ("connects_to", "positional"),
    "connecting to": ("connects_to", "positional"), "talks to": ("connects_to", "positional"),
    "talk to": ("connects_to", "positional"), "routes to": ("connects_to", "positional"),
    "route to": ("connects_to", "positional"), "forwards to": ("connects_to", "positional"),
    "behind": ("connects_to", "out"), "in front of": ("connects_to", "in"),
    "neighbors of": ("", "both"), "neighbours of": ("", "both"), "neighbors": ("", "both"),
    "neighbours": ("", "both"), "connected with": ("", "both"), "linked to": ("", "both"),
    "attached to": ("", "both"), "around": ("", "both"), "next to": ("", "both"),
}  # fmt: skip

AGG_WORDS: dict[str, str] = {
    "how many": "count", "count": "count", "count of": "count", "number of": "count",
    "total number of": "count", "counts": "count", "tally": "count",
    "average": "avg", "avg": "avg", "mean": "avg", "average of": "avg",
    "sum": "sum", "sum of": "sum", "total": "total", "total of": "total",
    "maximum": "max", "max": "max", "peak": "max", "minimum": "min", "min": "min",
}  # fmt: skip

GROUP_WORDS: dict[str, str] = {
    "per": "", "for each": "", "for every": "", "each": "", "in each": "", "grouped by": "",
    "group by": "", "broken down by": "", "break down by": "", "split by": "", "by each": "",
}  # fmt: skip

# phrase -> (direction, implicit attribute or "" or "!mod" for a bare direction modifier)
SORT_WORDS: dict[str, tuple[str, str]] = {
    "top": ("desc", ""), "bottom": ("asc", ""), "highest": ("desc", ""), "most": ("desc", ""),
    "largest": ("desc", ""), "biggest": ("desc", ""), "heaviest": ("desc", ""),
    "lowest": ("asc", ""), "least": ("asc", ""), "smallest": ("asc", ""),
    "busiest": ("desc", "cpu_usage"), "most loaded": ("desc", "cpu_usage"),
    "hottest": ("desc", "cpu_usage"), "idlest": ("asc", "cpu_usage"),
    "least loaded": ("asc", "cpu_usage"), "least busy": ("asc", "cpu_usage"),
    "fullest": ("desc", "disk_usage"), "emptiest": ("asc", "disk_usage"),
    "sorted by": ("desc", ""), "sort by": ("desc", ""), "ordered by": ("desc", ""),
    "order by": ("desc", ""), "ranked by": ("desc", ""), "rank by": ("desc", ""),
    "desc": ("desc", "!mod"), "descending": ("desc", "!mod"), "asc": ("asc", "!mod"),
    "ascending": ("asc", "!mod"),
}  # fmt: skip

LIMIT_WORDS: dict[str, str] = {"limit": "", "first": "", "only the first": "", "just": ""}

NEGATIONS: dict[str, str] = {
    "not": "", "no": "", "non": "", "isn't": "", "aren't": "", "except": "", "excluding": "",
    "exclude": "", "except for": "", "other than": "", "outside": "", "outside of": "",
    "but not": "", "without": "", "never": "", "apart from": "", "nor": "", "not in": "",
    "!=": "", "<>": "",
}  # fmt: skip

OR_WORDS: dict[str, str] = {"or": "", "either": "", "and/or": "", "or in": "", "or on": ""}

DEPTH_WORDS: dict[str, str] = {
    "transitively": "", "recursively": "", "indirectly": "", "directly or indirectly": "",
    "all the way down": "", "transitive": "", "whole chain": "", "full chain": "",
}  # fmt: skip

OUTPUT_WORDS: dict[str, str] = {
    "topology": "topology", "graph": "topology", "diagram": "topology", "map": "topology",
    "draw": "topology", "picture": "topology", "dependency graph": "topology",
    "dependency map": "topology", "blast radius": "topology",
    "stats": "stats", "statistics": "stats", "breakdown": "stats", "distribution": "stats",
    "histogram": "stats",
}  # fmt: skip

SEMANTIC_WORDS: dict[str, str] = {
    "like": "", "similar to": "", "related to": "", "about": "", "matching": "",
    "regarding": "", "concerning": "", "dealing with": "", "that handle": "", "handling": "",
}  # fmt: skip

STOP_PHRASES: dict[str, str] = {
    "owned by": "", "managed by": "", "maintained by": "", "run by": "", "belonging to": "",
    "belongs to": "", "belong to": "", "show me": "", "give me": "", "list all": "",
    "i want": "", "can you": "", "located in": "", "sitting in": "", "of the": "",
    "in the": "", "on the": "", "is it": "", "are there": "", "is there": "",
}  # fmt: skip

# fmt: off
STOPWORDS: frozenset[str] = frozenset([
    "show", "list", "lists", "me", "give", "get", "find", "display", "print", "fetch", "what",
    "what's", "whats", "which", "who", "where", "whose", "when", "are", "is", "was", "were", "be",
    "been", "there", "any", "all", "every", "the", "a", "an", "of", "in", "on", "at", "to", "for",
    "from", "with", "having", "has", "have", "that", "those", "these", "this", "do", "does",
    "did", "i", "we", "you", "my", "our", "us", "please", "currently", "now", "right", "them",
    "it", "its", "and", "items", "item", "ones", "can", "could", "would", "tell", "how", "much",
    "only", "also", "both", "some", "their", "they", "everything", "anything", "things", "stuff",
    "ci", "cis", "available", "exist", "exists", "existing", "here", "let", "see", "want",
    "than", "as", "into", "same", "whole", "entire", "current", "located", "sitting", "placed",
    "whom", "anywhere", "somewhere", "own", "owns", "?", ".", "!", "-", "=", "==", ":",
])
# fmt: on

# "high cpu", "idle hosts": a level word beside a percentage attribute means a threshold.
LEVEL_WORDS: dict[str, tuple[str, float]] = {
    "high": (">", 80.0), "hot": (">", 80.0), "heavy": (">", 80.0), "overloaded": (">", 80.0),
    "low": ("<", 20.0), "idle": ("<", 20.0), "light": ("<", 20.0),
}  # fmt: skip

# The Chinese tables join the English ones: the grammar reads both the same way.
COMPARATORS.update(zh.COMPARATORS_ZH)
POST_COMPARATORS.update(zh.POST_COMPARATORS_ZH)
RELATION_PHRASES.update(zh.RELATION_PHRASES_ZH)
AGG_WORDS.update(zh.AGG_WORDS_ZH)
GROUP_WORDS.update(zh.GROUP_WORDS_ZH)
SORT_WORDS.update(zh.SORT_WORDS_ZH)
LIMIT_WORDS.update(zh.LIMIT_WORDS_ZH)
NEGATIONS.update(zh.NEGATIONS_ZH)
OR_WORDS.update(zh.OR_WORDS_ZH)
DEPTH_WORDS.update(zh.DEPTH_WORDS_ZH)
OUTPUT_WORDS.update(zh.OUTPUT_WORDS_ZH)
SEMANTIC_WORDS.update(zh.SEMANTIC_WORDS_ZH)
STOP_PHRASES.update(zh.STOP_PHRASES_ZH)
STOPWORDS = STOPWORDS | zh.STOPWORDS_ZH | zh.AND_WORDS_ZH
BY_WORDS = frozenset(["by", *zh.BY_WORDS_ZH])
AND_WORDS = frozenset(["and", *zh.AND_WORDS_ZH])
RANGE_JOINERS = frozenset(["and", "to", "-", *zh.RANGE_JOINERS_ZH])
RANGE_TO_ZH = zh.RANGE_TO_ZH
