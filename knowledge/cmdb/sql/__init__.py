"""`CMDBQuery` -> parameterised SQL: every user-given value travels as a bound parameter.

compile.py  conditions and relation hops as SQL parts, with a selectivity estimate each
plan.py     whole statements: which restriction drives the scan, then select / count / stats
"""

from knowledge.cmdb.sql.compile import Compiled, Part, query_parts
from knowledge.cmdb.sql.plan import Scan, count_sql, scan, select_sql, stats_sql

__all__ = [
    "Compiled",
    "Part",
    "Scan",
    "count_sql",
    "query_parts",
    "scan",
    "select_sql",
    "stats_sql",
]
