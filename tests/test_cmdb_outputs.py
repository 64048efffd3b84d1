"""Topology (DOT text, PNG and SVG pictures), the stats bar chart and the HTML report."""

from __future__ import annotations

import base64
import re
import struct
from pathlib import Path

import pytest

from errors import CMDBError
from knowledge.cmdb import CMDB, CMDBQuery, Condition, Hop, Topology
from knowledge.cmdb.demo import generate
from knowledge.cmdb.drawing import bar_chart, render_report, to_dot, write_picture

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def cmdb(tmp_path_factory: pytest.TempPathFactory) -> CMDB:
    db = CMDB.open(tmp_path_factory.mktemp("cmdb-out") / "cmdb.sqlite", create=True)
    db.load(generate(hosts=300, seed=5))
    return db


def _png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_MAGIC)
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _depends(cmdb: CMDB) -> CMDBQuery:
    anchor = cmdb.item("order-service")
    assert anchor is not None
    return CMDBQuery(hop=Hop(anchor=anchor.id, anchor_name=anchor.name, relation="depends_on"))


def test_cmdb_outputs_topology_of_a_hop_is_the_anchor_and_the_answer(cmdb: CMDB) -> None:
    result = cmdb.run(_depends(cmdb))
    topo = cmdb.topology(result)
    assert topo.anchors == {"svc-order-service"}
    assert {n.id for n in topo.nodes} == {"svc-order-service"} | {it.id for it in result.items}
    assert {(e.src, e.type) for e in topo.edges} >= {("svc-order-service", "depends_on")}
    assert all(
        e.src in {n.id for n in topo.nodes} and e.dst in {n.id for n in topo.nodes}
        for e in topo.edges
    )


def test_cmdb_outputs_dot_names_every_node_and_edge(cmdb: CMDB) -> None:
    topo = cmdb.neighbors("payment-api", relation="runs_on")
    dot = to_dot(topo, 'hosts of "payment-api"')
    assert dot.startswith("digraph cmdb {") and dot.rstrip().endswith("}")
    assert 'label="hosts of \\"payment-api\\""' in dot
    assert dot.count(" -> ") == len(topo.edges) and len(topo.edges) == len(topo.nodes) - 1
    for node in topo.nodes:
        assert f'"{node.id}" [label="{node.name}\\n({node.type})"' in dot


def test_cmdb_outputs_png_and_svg_pictures_with_dot_beside(cmdb: CMDB, tmp_path: Path) -> None:
    topo = cmdb.topology(cmdb.run(_depends(cmdb)))
    png, dot = write_picture(topo, tmp_path / "topo.png", "what order-service depends on")
    width, height = _png_size(png.read_bytes())
    assert width > 400 and height > 200 and dot.read_text().startswith("digraph")
    svg, _ = write_picture(topo, tmp_path / "topo.svg", "what order-service depends on")
    text = svg.read_text()
    assert "<svg" in text and "order-service" in text
    with pytest.raises(CMDBError, match=r"\.png or \.svg"):
        write_picture(topo, tmp_path / "topo.gif", "x")


def test_cmdb_outputs_empty_topology_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CMDBError, match="nothing to draw"):
        write_picture(Topology((), ()), tmp_path / "empty.png", "nothing")


def test_cmdb_outputs_stats_chart_is_a_png(cmdb: CMDB) -> None:
    result = cmdb.run(CMDBQuery(types=["host"], group_by=["idc"], agg="count"))
    assert result.stats is not None
    assert _png_size(bar_chart(result.stats, "hosts per idc"))[0] > 300


def test_cmdb_outputs_report_has_table_chart_and_topology_without_secrets(cmdb: CMDB) -> None:
    query = CMDBQuery(types=["host"], filters=[Condition(attr="env", op="=", value="prod"),
                                               Condition(attr="role", op="=", value="mysql")])  # fmt: skip
    result = cmdb.run(query)
    page = render_report("prod <mysql> hosts", result, cmdb.topology(result))
    assert "<h1>prod &lt;mysql&gt; hosts</h1>" in page
    rows = re.findall(r"<tr><td>(h-\d+)</td>", page)
    assert rows == [it.id for it in result.items] and rows
    images = re.findall(r'<img alt="([^"]+)" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert [alt for alt, _ in images] == ["bar chart", "topology"]
    assert all(base64.b64decode(data).startswith(PNG_MAGIC) for _, data in images)
    assert "root_password" not in page and "pw-" not in page
    assert "http" not in page.replace("http-equiv", "")  # self-contained: nothing fetched


def test_cmdb_outputs_report_of_stats_shows_the_groups(cmdb: CMDB) -> None:
    result = cmdb.run(CMDBQuery(types=["database"], group_by=["engine"], agg="count"))
    page = render_report("databases per engine", result, None)
    assert '<table id="stats">' in page and "<th>engine</th>" in page
    assert result.stats is not None
    for row in result.stats.rows:
        assert f'<td>{row.group[0]}</td><td class="num">{row.count}</td>' in page
