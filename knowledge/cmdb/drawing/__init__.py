"""Pictures of CMDB answers: topology (DOT text, PNG/SVG), bar charts, the HTML report.

Import this package only when a picture is asked for: it loads matplotlib and networkx,
which a plain question never needs (and which cost a CLI start about a second).

topology.py  a Topology as DOT text, and drawn with networkx + matplotlib
charts.py    bar charts of grouped numbers
report.py    one self-contained HTML page: what was understood, the table, the pictures
"""

from knowledge.cmdb.drawing.charts import bar_chart
from knowledge.cmdb.drawing.report import render_report
from knowledge.cmdb.drawing.topology import draw, to_dot, write_picture

__all__ = ["bar_chart", "draw", "render_report", "to_dot", "write_picture"]
