"""draw_svg(): a self-contained, deterministic SVG of a concept's neighbourhood."""

import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from kg import NODE_TYPES, ConceptNotFound, draw_svg, find_concept, subgraph

SVG = "{http://www.w3.org/2000/svg}"
EVIL = "<script>alert(1)</script>"
LONG = "A very long concept title that will not fit under a small circle"


def _tiny(reverse: bool = False) -> nx.DiGraph:
    """centre -> evil, centre -> long, long -> far: 'far' is two hops from the centre."""
    nodes = [
        ("centre", {"type": "item", "label": "Centre"}),
        ("evil", {"type": "item", "label": EVIL}),
        ("long", {"type": "section", "label": LONG}),
        ("far", {"type": "service", "label": "Far Away"}),
    ]
    edges = [("centre", "evil", "related_to"), ("centre", "long", "part_of")]
    edges.append(("long", "far", "mentions"))
    graph = nx.DiGraph()
    for node, data in reversed(nodes) if reverse else nodes:
        graph.add_node(node, **data)
    for u, v, relation in reversed(edges) if reverse else edges:
        graph.add_edge(u, v, relation=relation)
    return graph


def _nodes(svg: str) -> dict[str, ET.Element]:
    """Hover title -> the node's <g> element."""
    root = ET.fromstring(svg)
    return {g.find(f"{SVG}title").text: g for g in root.iter(f"{SVG}g")}


@pytest.fixture(scope="module")
def fargate(graph):
    return find_concept(graph, "Fargate")


def test_svg_parses_as_xml_with_one_circle_per_node(graph, fargate):
    svg = draw_svg(graph, fargate)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert len(list(root.iter(f"{SVG}circle"))) == subgraph(graph, fargate).number_of_nodes()
    assert len(list(root.iter(f"{SVG}line"))) == subgraph(graph, fargate).number_of_edges()


def test_the_centre_is_drawn_once_and_highlighted(graph, fargate):
    root = ET.fromstring(draw_svg(graph, fargate))
    centres = [g for g in root.iter(f"{SVG}g") if g.find(f"{SVG}circle").get("class") == "centre"]
    assert len(centres) == 1
    assert centres[0].find(f"{SVG}title").text == "Fargate (item)"
    assert centres[0].find(f"{SVG}text").get("font-weight") == "bold"


def test_labels_from_the_guide_are_escaped():
    svg = draw_svg(_tiny(), "centre")
    assert "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert f"{EVIL} (item)" in _nodes(svg)  # and the hover text reads back exactly


def test_long_labels_are_cut_with_an_ellipsis_but_hover_text_is_whole():
    g = _nodes(draw_svg(_tiny(), "centre"))[f"{LONG} (section)"]
    label = g.find(f"{SVG}text").text
    assert label == "A very long concept tit…"


def test_radius_two_reaches_the_second_ring():
    assert set(_nodes(draw_svg(_tiny(), "centre"))) == {
        "Centre (item)",
        f"{EVIL} (item)",
        f"{LONG} (section)",
    }
    assert "Far Away (service)" in _nodes(draw_svg(_tiny(), "centre", radius=2))


@pytest.mark.parametrize("max_nodes", [1, 2, 5, 12])
def test_max_nodes_is_respected_and_the_centre_kept(graph, fargate, max_nodes):
    root = ET.fromstring(draw_svg(graph, fargate, radius=2, max_nodes=max_nodes))
    assert len(list(root.iter(f"{SVG}circle"))) == max_nodes
    assert any(c.get("class") == "centre" for c in root.iter(f"{SVG}circle"))


def test_nearer_nodes_are_kept_before_farther_ones():
    drawn = _nodes(draw_svg(_tiny(), "centre", radius=2, max_nodes=3))
    assert "Far Away (service)" not in drawn
    assert len(drawn) == 3


def test_same_graph_gives_the_same_picture_whatever_the_insertion_order(graph, fargate):
    assert draw_svg(graph, fargate) == draw_svg(graph, fargate)
    assert draw_svg(_tiny(), "centre", radius=2) == draw_svg(
        _tiny(reverse=True), "centre", radius=2
    )


def test_the_picture_is_self_contained(graph, fargate):
    svg = draw_svg(graph, fargate, radius=2)
    assert "<script" not in svg and "<image" not in svg and "@import" not in svg
    assert svg.count("http") == 1  # only the SVG namespace


def test_the_legend_names_every_node_type(graph, fargate):
    root = ET.fromstring(draw_svg(graph, fargate))
    texts = {t.text for t in root.iter(f"{SVG}text")}
    assert set(NODE_TYPES) <= texts


def test_an_unknown_centre_raises_concept_not_found(graph):
    with pytest.raises(ConceptNotFound):
        draw_svg(graph, "item:Nowhere")


def test_max_nodes_below_one_is_refused(graph, fargate):
    with pytest.raises(ValueError, match="max_nodes"):
        draw_svg(graph, fargate, max_nodes=0)
