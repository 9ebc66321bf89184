"""A resource's lineage graph is an inline SVG laid out in Python (catalog/site/lineage.py):
upstream | the resource | downstream, each box a link to its page."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from catalog.site.lineage import Node, lineage_svg

SVG = "{http://www.w3.org/2000/svg}"


def _draw(upstream, downstream, href=lambda code: f"{code}.html"):
    svg = lineage_svg(Node("101001/000001", "人员基础信息"), upstream, downstream, href)
    return ET.fromstring(str(svg))


def _nodes(root, role):
    return [g.get("data-code") for g in root.iter(f"{SVG}g") if role in g.get("class", "").split()]


def test_every_upstream_and_downstream_resource_is_a_node_with_an_edge():
    up = [Node("302001/000001", "户籍人口登记"), Node("303002/000001", "死亡医学证明")]
    down = [Node("205001/000001", "一人一档")]
    root = _draw(up, down)
    assert _nodes(root, "upstream") == ["302001/000001", "303002/000001"]
    assert _nodes(root, "self") == ["101001/000001"]
    assert _nodes(root, "downstream") == ["205001/000001"]
    assert len([p for p in root.iter(f"{SVG}path") if p.get("class") == "edge"]) == 3


def test_a_neighbour_links_to_its_page_and_one_without_a_page_is_not_a_link():
    root = _draw([Node("302001/000001", "户籍")], [Node("999999/000001", "未发布")], href=lambda c: None
                 if c.startswith("9") else "302001-000001.html")  # fmt: skip
    links = [a.get("href") for a in root.iter(f"{SVG}a")]
    assert links == ["302001-000001.html"]


def test_the_boxes_fit_the_drawing():
    root = _draw([Node(f"30{i}001/000001", "上游") for i in range(7)], [])
    height = int(root.get("height"))
    assert all(
        int(r.get("y")) >= 0 and int(r.get("y")) + int(r.get("height")) <= height for r in root.iter(f"{SVG}rect")
    )


def test_a_title_is_escaped_and_masked():
    root = _draw([Node("302001/000001", "<b>户籍</b> 13812341234")], [])
    (title,) = [t.text for t in root.iter(f"{SVG}title") if t.text.startswith("302001")]
    assert title == "302001/000001 <b>户籍</b> 138****1234"  # parsed back: it was escaped text, not markup
