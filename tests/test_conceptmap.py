"""concept_map(): the whole graph as plain data for the interactive map, each node with the node
it folds into."""

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
    assert data["format"] == MAP_FORMAT == "ecs-tutor-map v2"
    assert [n["id"] for n in data["nodes"]] == list(graph)  # in the guide's order
    assert data["left_out"] == 0
    ids = [n["id"] for n in data["nodes"]]
    drawn = {(ids[s], ids[t], relation) for s, t, relation in data["edges"]}
    assert drawn == {(u, v, r) for u, v, r in graph.edges(data="relation")}
    for node in data["nodes"]:
        assert set(node) == {"id", "label", "type", "kind", "section", "guide", "parent"}
        assert node["label"] == graph.nodes[node["id"]]["label"]
        assert node["type"] == graph.nodes[node["id"]]["type"]
        assert node["kind"] == graph.nodes[node["id"]]["kind"]
    assert data["types"] == list(NODE_TYPES)
    assert data["colours"] == COLOURS


def test_each_node_folds_into_its_section_item_or_scenario(graph):
    parent = {n["id"]: n["parent"] for n in concept_map(graph)["nodes"]}
    assert parent["section:Key Concepts"] is None
    assert parent["section:Key Concepts > ECS Components"] == "section:Key Concepts"
    fargate = "item:Key Concepts > ECS Modes > Fargate"
    assert parent[fargate] == "section:Key Concepts > ECS Modes"
    assert parent["scenario:Key Concepts > ECS Modes > Fargate#example"] == fargate
    assert parent["misconception:Key Concepts > ECS Modes > Fargate#1"] == fargate
    batch = "scenario:Batch Processing with Fargate"
    assert parent[batch] == "section:Example Scenarios"
    assert parent["step:Batch Processing with Fargate#1"] == batch
    assert parent["service:AWS Fargate"] is None  # services are the guides' common ground


def test_the_folding_is_a_tree_of_the_guides_edges(graph):
    parent = {n["id"]: n["parent"] for n in concept_map(graph)["nodes"]}
    roots = {node for node, up in parent.items() if up is None}
    assert {graph.nodes[n]["type"] for n in roots} == {"section", "service"}
    assert all(" > " not in graph.nodes[n]["section"] for n in roots if n.startswith("section:"))
    for node, up in parent.items():
        if up:
            assert graph.has_edge(node, up) or graph.has_edge(up, node)
        seen = set()
        while parent[node] is not None:  # every chain ends at a root, without a loop
            assert node not in seen
            seen.add(node)
            node = parent[node]


def test_the_map_is_plain_json_and_the_same_every_time(graph):
    assert json.dumps(concept_map(graph)) == json.dumps(concept_map(graph))
    assert json.loads(json.dumps(concept_map(graph))) == concept_map(graph)


def test_a_big_graph_keeps_sections_and_items_first_and_says_what_it_left_out():
    data = concept_map(_star(50, lone=2), max_nodes=10)
    assert len(data["nodes"]) == 10
    assert data["left_out"] == 53 - 10
    assert {n["type"] for n in data["nodes"]} == {"section", "item"}
    assert sum(n["type"] == "section" for n in data["nodes"]) == 3
    kept = {n["id"] for n in data["nodes"]}
    ids = [n["id"] for n in data["nodes"]]
    assert all(ids[s] in kept and ids[t] in kept for s, t, _ in data["edges"])
    assert all(n["parent"] in kept for n in data["nodes"] if n["parent"])


def test_a_parent_left_out_leaves_its_child_at_the_top():
    graph = nx.DiGraph()
    graph.add_node("item:x", type="item", label="X", section="S")
    graph.add_node("misconception:x#1", type="misconception", label="M", section="S")
    graph.add_edge("item:x", "misconception:x#1", relation="has_misconception")
    (node,) = concept_map(graph, max_nodes=1)["nodes"]
    assert node["id"] == "item:x" and node["parent"] is None
    both = concept_map(graph)["nodes"]
    assert [n["parent"] for n in both] == [None, "item:x"]


def test_labels_are_data_for_the_browser_to_insert_as_text():
    graph = nx.DiGraph()
    graph.add_node("item:x", type="item", label=EVIL, section="S")
    (node,) = concept_map(graph)["nodes"]
    assert node["label"] == EVIL  # drawn on a canvas or set as textContent, never as HTML


def test_an_unknown_node_type_still_gets_a_colour():
    graph = nx.DiGraph()
    graph.add_node("x", type="glossary", label="X")
    data = concept_map(graph)
    assert data["types"] == ["glossary"] and data["colours"]["glossary"].startswith("#")


def test_max_nodes_must_be_positive(graph):
    with pytest.raises(ValueError):
        concept_map(graph, max_nodes=0)
