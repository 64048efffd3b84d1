"""Bar charts of grouped numbers (matplotlib, loaded only when a chart is asked for)."""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from errors import CMDBError
from knowledge.cmdb.results import Stats
from knowledge.cmdb.stats import MAX_BARS, chart_label


def bar_chart(stats: Stats, title: str, fmt: str = "png") -> bytes:
    """A horizontal bar chart of the groups (the biggest `MAX_BARS`)."""
    rows = list(stats.rows[:MAX_BARS])
    if not rows:
        raise CMDBError("nothing to chart: no item matched; ask for items that exist")
    labels = [stats.label(r) for r in rows][::-1]
    values = [stats.number(r) for r in rows][::-1]
    figure = Figure(figsize=(8, max(2.5, 0.35 * len(rows) + 1.2)), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    bars = axes.barh(labels, values, color="#4C78A8")
    axes.bar_label(bars, labels=[_fmt(v) for v in values], padding=3, fontsize=8)
    axes.set_xlabel(chart_label(stats))
    grouped = " / ".join(stats.group_by) or "all"
    more = f" (top {MAX_BARS} of {len(stats.rows)})" if len(stats.rows) > MAX_BARS else ""
    axes.set_title(f"{title}\n{chart_label(stats)} by {grouped}{more}", fontsize=10)
    axes.spines[["top", "right"]].set_visible(False)
    axes.margins(x=0.12)
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, bbox_inches="tight")
    return buffer.getvalue()


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.1f}"
