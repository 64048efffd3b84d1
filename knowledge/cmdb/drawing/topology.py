"""Topology pictures: a `Topology` as Graphviz DOT text, and drawn to PNG/SVG with networkx
(layout) and matplotlib's Agg canvas (no display, no global pyplot state).

Items are laid out in rows by kind: services and load balancers on top, data stores
under them, hosts, then clusters, so runs_on and depends_on edges point downwards.
"""

from __future__ import annotations

import io
from pathlib import Path

import networkx as nx
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from errors import CMDBError
from knowledge.cmdb.results import Topology

LAYERS = {
    "load_balancer": 0,
    "service": 1,
    "database": 2,
    "cache": 2,
    "queue": 2,
    "host": 3,
    "cluster": 4,
}
TYPE_COLORS = {
    "service": "#4C78A8",
    "host": "#72B7B2",
    "database": "#E45756",
    "cache": "#F58518",
    "queue": "#B279A2",
    "load_balancer": "#54A24B",
    "cluster": "#9D755D",
}
EDGE_COLORS = {
    "runs_on": "#555555",
    "depends_on": "#D62728",
    "member_of": "#8C6D31",
    "connects_to": "#2CA02C",
}
ROW_WIDTH = 14  # nodes per row before a layer wraps onto another row
ROW_GAP = 1.6  # vertical distance between rows, in node spacings


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(topo: Topology, title: str = "cmdb") -> str:
    """Graphviz DOT text for the topology (render with `dot -Tpng file.dot -o file.png`)."""
    lines = [
        "digraph cmdb {",
        f"  label={_quote(title)}; labelloc=t; rankdir=TB;",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
    ]
    for node in topo.nodes:
        color = TYPE_COLORS.get(node.type, "#BBBBBB")
        pen = ", penwidth=3" if node.id in topo.focus else ""
        label = _quote(f"{node.name}\n({node.type})")
        lines.append(f"  {_quote(node.id)} [label={label}, fillcolor={_quote(color)}{pen}];")
    for edge in topo.edges:
        color = EDGE_COLORS.get(edge.type, "#777777")
        lines.append(
            f"  {_quote(edge.src)} -> {_quote(edge.dst)} [label={_quote(edge.type)}, "
            f"color={_quote(color)}, fontsize=8];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_graph(topo: Topology) -> nx.DiGraph:
    """The topology as a networkx digraph; nodes carry type, name and a layout row."""
    graph = nx.DiGraph()
    rows: dict[int, int] = {}
    ordered = sorted(topo.nodes, key=lambda n: (n.id not in topo.anchors, n.name))
    for node in ordered:
        layer = LAYERS.get(node.type, 5)
        count = rows.get(layer, 0)
        rows[layer] = count + 1
        graph.add_node(
            node.id,
            type=node.type,
            name=node.name,
            anchor=node.id in topo.anchors,
            row=layer * 100 + count // ROW_WIDTH,
        )
    for edge in topo.edges:
        graph.add_edge(edge.src, edge.dst, type=edge.type)
    return graph


def layout(graph: nx.DiGraph) -> dict[str, tuple[float, float]]:
    """Rows top to bottom; within a row, nodes sit under the mean x of their neighbours
    already placed (the barycentre heuristic), which keeps edges short and uncrossed."""
    rows: dict[int, list[str]] = {}
    for node, row in graph.nodes(data="row"):
        rows.setdefault(row, []).append(node)
    positions: dict[str, tuple[float, float]] = {}
    for depth, row in enumerate(sorted(rows)):
        members = rows[row]
        if not positions:  # the top row: the item asked about in the middle
            anchored = [n for n in members if graph.nodes[n].get("anchor")]
            others = [n for n in members if not graph.nodes[n].get("anchor")]
            half = len(others) // 2
            members = others[:half] + anchored + others[half:]
        else:

            def centre(node: str) -> float:
                near = [positions[n][0] for n in nx.all_neighbors(graph, node) if n in positions]
                return sum(near) / len(near) if near else 0.0

            members = sorted(members, key=lambda n: (centre(n), graph.nodes[n]["name"]))
        offset = (len(members) - 1) / 2
        for k, node in enumerate(members):
            positions[node] = (k - offset, -ROW_GAP * depth)
    return positions


def draw(topo: Topology, title: str, fmt: str = "png") -> bytes:
    """The picture as PNG or SVG bytes: items as squares coloured by type, answer items
    outlined in black, the item asked about outlined in gold."""
    if not topo.nodes:
        raise CMDBError("nothing to draw: the answer has no items; ask for items that exist")
    graph = to_graph(topo)
    positions = layout(graph)
    widest = max(
        sum(1 for p in positions.values() if p[1] == y) for y in {p[1] for p in positions.values()}
    )
    longest = max(len(str(name)) for _, name in graph.nodes(data="name"))
    spacing = max(1.0, 0.085 * longest)  # inches per node, so names do not run together
    width = min(40.0, max(7.0, spacing * widest + 2.5))
    height = min(28.0, max(4.0, 1.3 * len({p[1] for p in positions.values()}) + 1.5))
    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    axes.set_axis_off()
    for u, v, rel in graph.edges(data="type"):
        rows_apart = abs(positions[u][1] - positions[v][1]) / ROW_GAP
        # an arc for edges within a row, a slight bow for edges that pass over a row of
        # items (so they do not read as a chain through them), straight otherwise
        bend = 0.35 if rows_apart < 0.5 else 0.08 if rows_apart > 1.5 else 0.0
        nx.draw_networkx_edges(
            graph,
            positions,
            edgelist=[(u, v)],
            ax=axes,
            arrows=True,
            edge_color=EDGE_COLORS.get(rel, "#777777"),
            arrowsize=10,
            width=1.2,
            alpha=0.8,
            node_size=700,
            node_shape="s",
            connectionstyle=f"arc3,rad={bend}",
        )
    for node_type in sorted({t for _, t in graph.nodes(data="type")}):
        nodes = [n for n, t in graph.nodes(data="type") if t == node_type]
        borders = [
            "#D4A017" if n in topo.anchors else "black" if n in topo.focus else "white"
            for n in nodes
        ]
        nx.draw_networkx_nodes(
            graph,
            positions,
            nodelist=nodes,
            ax=axes,
            node_shape="s",
            node_color=TYPE_COLORS.get(node_type, "#BBBBBB"),
            node_size=700,
            edgecolors=borders,
            linewidths=[
                3.5 if n in topo.anchors else 2.0 if n in topo.focus else 0.5 for n in nodes
            ],
        )
    for node, name in graph.nodes(data="name"):
        x, y = positions[node]
        drop = 0.32 + (0.22 if round(x + 0.5 * (widest % 2 == 0)) % 2 else 0.0)  # stagger names
        axes.text(
            x,
            y - drop,
            str(name),
            ha="center",
            va="top",
            fontsize=7,
            fontweight="bold" if node in topo.anchors else "normal",
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
        )
    handles = [
        Line2D(
            [],
            [],
            marker="s",
            linestyle="",
            markersize=10,
            color=TYPE_COLORS.get(t, "#BBBBBB"),
            label=t,
        )
        for t in sorted({t for _, t in graph.nodes(data="type")})
    ]
    handles += [
        Line2D([], [], color=EDGE_COLORS.get(t, "#777777"), label=t)
        for t in sorted({t for *_, t in graph.edges(data="type")})
    ]
    axes.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False
    )
    more = " (first nodes only)" if topo.truncated else ""
    axes.set_title(f"{title}{more}", fontsize=11)
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    axes.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
    axes.set_ylim(min(ys) - 1.0, max(ys) + 1.0)  # room for arcs between items of one row
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, bbox_inches="tight")
    return buffer.getvalue()


def write_picture(topo: Topology, path: Path, title: str) -> list[Path]:
    """Write the picture (`.png` or `.svg`, by suffix) and its DOT text beside it."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise CMDBError(f"cannot draw to {path.name}: use a .png or .svg file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(draw(topo, title, fmt))
    dot_path = path.with_suffix(".dot")
    dot_path.write_text(to_dot(topo, title), encoding="utf-8")
    return [path, dot_path]
