"""One self-contained HTML page for an answer: what was understood, the table, a bar chart and
the topology, with both pictures embedded as base64 PNG (no external files or scripts)."""

from __future__ import annotations

import base64
import html
from datetime import UTC, datetime

from knowledge.cmdb.drawing.charts import bar_chart
from knowledge.cmdb.drawing.topology import draw
from knowledge.cmdb.results import CMDBResult, Item, Stats, Topology, table_columns
from knowledge.cmdb.stats import chart_label, counts_by

MAX_ROWS = 500
_STYLE = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em} h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid #ddd}
.meta{color:#555} table{border-collapse:collapse;font-size:.85em}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left} th{background:#f3f3f3}
tr:nth-child(even){background:#fafafa} img{max-width:100%;border:1px solid #eee}
td.num{text-align:right}
"""


def _img(data: bytes, alt: str) -> str:
    encoded = base64.b64encode(data).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{encoded}">'


def _items_table(items: list[Item], result: CMDBResult) -> str:
    columns = table_columns(items, result)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in ["id", "type", "name", *columns])
    rows = []
    for it in items[:MAX_ROWS]:
        cells = [html.escape(it.id), html.escape(it.type), html.escape(it.name)]
        tds = "".join(f"<td>{c}</td>" for c in cells)
        for c in columns:
            value = it.attrs.get(c, "")
            cls = ' class="num"' if isinstance(value, int | float) else ""
            tds += f"<td{cls}>{html.escape(str(value))}</td>"
        rows.append(f"<tr>{tds}</tr>")
    shown = min(len(items), MAX_ROWS)
    more = (
        f'<p class="meta">showing {shown} of {result.total} items</p>'
        if result.total > shown
        else ""
    )
    return f'<table id="items"><tr>{head}</tr>{"".join(rows)}</table>{more}'


def _stats_table(stats: Stats) -> str:
    head = "".join(f"<th>{html.escape(g)}</th>" for g in stats.group_by)
    head += "<th>count</th>" + (
        f"<th>{html.escape(chart_label(stats))}</th>" if stats.agg != "count" else ""
    )
    rows = []
    for row in stats.rows:
        cells = "".join(f"<td>{html.escape(str(g))}</td>" for g in row.group)
        cells += f'<td class="num">{row.count}</td>'
        if stats.agg != "count":
            shown = "" if row.value is None else f"{row.value:.2f}"
            cells += f'<td class="num">{shown}</td>'
        rows.append(f"<tr>{cells}</tr>")
    return f'<table id="stats"><tr>{head}</tr>{"".join(rows)}</table>'


def render_report(question: str, result: CMDBResult, topo: Topology | None) -> str:
    """The whole page as one HTML string: what was understood, the numbers, a chart, the
    items (the first MAX_ROWS) and the topology."""
    items = result.page(MAX_ROWS)
    stats = result.stats or counts_by(items, result.query)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>opsqkv CMDB: {html.escape(question)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(question)}</h1>",
        f'<p class="meta">understood: {html.escape(result.query.describe())}<br>'
        f"{result.total} matching item(s) · generated "
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} by opsqkv</p>",
    ]
    if result.stats is not None:
        parts += ["<h2>Statistics</h2>", _stats_table(result.stats)]
    if stats is not None and stats.rows:
        parts += ["<h2>Chart</h2>", _img(bar_chart(stats, question), "bar chart")]
    parts += [
        "<h2>Items</h2>",
        _items_table(items, result) if items else "<p>No items matched.</p>",
    ]
    if topo is not None and topo.nodes:
        parts += ["<h2>Topology</h2>", _img(draw(topo, question), "topology")]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
