"""A CMDB question in plain language -> `CMDBQuery`: a small grammar, then schema linking by
attention (each span of the question attends over keys for types, attributes and values).

parse.py       QuestionParser: grammar marks, exact item names, then linking
grammar.py     words, numbers with units, comparisons, ranges, negation
chinese.py     Chinese text: Han runs cut into known phrases, numerals, full-width signs
phrases.py     phrase tables the grammar reads (comparators, relation verbs, aggregates)
phrases_zh.py  the same tables in Chinese, merged into phrases.py's
lexicon.py     ops vocabulary: how people name CI types, attributes and values
lexicon_zh.py  Chinese names for types, attributes and values (keys like the English)
keys.py        KeyTable: the keys linking attends over, one per (text, CMDB term)
linking.py     Linker: spans attend over the keys
conditions.py  conditions from linked values, identifiers, comparisons and names
measures.py    which attribute a number, an aggregate or a sort speaks of
elements.py    the pieces a question is cut into, and the query being built
assemble.py    the marked, linked pieces -> a CMDBQuery
"""

from knowledge.cmdb.language.grammar import Mark, scan, tokenize
from knowledge.cmdb.language.keys import KeyTable
from knowledge.cmdb.language.lexicon import humanize, type_texts
from knowledge.cmdb.language.linking import Linker
from knowledge.cmdb.language.parse import QuestionParser

__all__ = [
    "KeyTable",
    "Linker",
    "Mark",
    "QuestionParser",
    "humanize",
    "scan",
    "tokenize",
    "type_texts",
]
