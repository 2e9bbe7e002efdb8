"""concept_map(): the whole graph as positioned plain data for the interactive map."""

import json

import networkx as nx
import pytest

from kg import NODE_TYPES, concept_map
from kg.conceptmap import COLOURS, MAP_FORMAT

EVIL = "<img src=x onerror=alert(1)>"


def _star(spokes: int, *, lone: int = 0) -> nx.DiGraph:
    """A section with ``spokes`` items, plus ``lone`` sections linked to nothing."""
    graph = nx.DiGraph()
    graph.add_node("section:S", type="section", label="S", section="S")
    for n in range(spokes):
        graph.add_node(f"item:{n}", type="item", label=f"Item {n}", section="S")
        graph.add_edge(f"item:{n}", "section:S", relation="part_of")
    for n in range(lone):
        graph.add_node(f"section:L{n}", type="section", label=f"Lone {n}", section=f"L{n}")
    return graph


def test_every_node_and_edge_of_the_guide_is_on_the_map(graph):
    data = concept_map(graph)
    assert data["format"] == MAP_FORMAT
    assert {n["id"] for n in data["nodes"]} == set(graph)
    assert data["left_out"] == 0
    ids = [n["id"] for n in data["nodes"]]
    drawn = {(ids[s], ids[t], relation) for s, t, relation in data["edges"]}
    assert drawn == {(u, v, r) for u, v, r in graph.edges(data="relation")}
    for node in data["nodes"]:
        assert node["label"] == graph.nodes[node["id"]]["label"]
        assert node["type"] == graph.nodes[node["id"]]["type"]
        assert 0 <= node["x"] <= 1000 and 0 <= node["y"] <= 1000
    assert data["types"] == list(NODE_TYPES)
    assert data["colours"] == COLOURS


def test_the_map_is_plain_json_and_the_same_every_time(graph):
    assert json.dumps(concept_map(graph)) == json.dumps(concept_map(graph))
    assert json.loads(json.dumps(concept_map(graph))) == concept_map(graph)


def test_no_two_nodes_sit_on_the_same_spot(graph):
    spots = [(n["x"], n["y"]) for n in concept_map(graph)["nodes"]]
    assert len(set(spots)) == len(spots)


def test_lone_nodes_do_not_squeeze_the_connected_part(graph):
    data = concept_map(_star(30, lone=3))
    main = [n for n in data["nodes"] if not n["id"].startswith("section:L")]
    width = max(n["x"] for n in main) - min(n["x"] for n in main)
    height = max(n["y"] for n in main) - min(n["y"] for n in main)
    assert max(width, height) > 700  # most of the 920-unit square, not a corner
    lone = [n for n in data["nodes"] if n["id"].startswith("section:L")]
    assert min(n["y"] for n in lone) > max(n["y"] for n in main)  # in the strip below


def test_a_big_graph_keeps_sections_and_items_first_and_says_what_it_left_out():
    data = concept_map(_star(50, lone=2), max_nodes=10)
    assert len(data["nodes"]) == 10
    assert data["left_out"] == 53 - 10
    assert {n["type"] for n in data["nodes"]} == {"section", "item"}
    assert sum(n["type"] == "section" for n in data["nodes"]) == 3
    kept = {n["id"] for n in data["nodes"]}
    ids = [n["id"] for n in data["nodes"]]
    assert all(ids[s] in kept and ids[t] in kept for s, t, _ in data["edges"])


def test_labels_are_data_for_the_browser_to_insert_as_text():
    graph = nx.DiGraph()
    graph.add_node("item:x", type="item", label=EVIL, section="S")
    (node,) = concept_map(graph)["nodes"]
    assert node["label"] == EVIL  # escaped by the browser (textContent), proven in test_browser


def test_an_unknown_node_type_still_gets_a_colour():
    graph = nx.DiGraph()
    graph.add_node("x", type="glossary", label="X")
    data = concept_map(graph)
    assert data["types"] == ["glossary"] and data["colours"]["glossary"].startswith("#")


def test_max_nodes_must_be_positive(graph):
    with pytest.raises(ValueError):
        concept_map(graph, max_nodes=0)
