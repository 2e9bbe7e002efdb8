"""Graph invariants, queries and exports."""

import json

import networkx as nx
import pytest

from kg import (
    NODE_TYPES,
    ConceptNotFound,
    explain_path,
    find_concept,
    from_json,
    neighbourhood,
    subgraph,
    to_json,
    write_graph,
)


def _of_type(graph, kind):
    return [n for n, d in graph.nodes(data=True) if d["type"] == kind]


def test_every_node_is_typed_and_every_edge_has_a_relation(graph):
    assert {d["type"] for _, d in graph.nodes(data=True)} == set(NODE_TYPES)
    assert all(d.get("relation") for *_, d in graph.edges(data=True))


def test_node_counts_follow_the_guide(graph, guide):
    assert len(_of_type(graph, "item")) == len(guide.items) == 28
    assert len(_of_type(graph, "misconception")) == 31
    assert len(_of_type(graph, "step")) == 18
    assert len(_of_type(graph, "service")) == len(guide.services)


def test_every_misconception_hangs_on_exactly_one_item_or_worked_scenario(graph):
    for node in _of_type(graph, "misconception"):
        owners = [
            u for u, _, r in graph.in_edges(node, data="relation") if r == "has_misconception"
        ]
        assert len(owners) == 1
        assert graph.nodes[owners[0]]["type"] in ("item", "scenario")
        assert graph.nodes[owners[0]]["label"] == graph.nodes[node]["owner"]


def test_every_item_reaches_its_section_through_part_of(graph):
    part_of = nx.DiGraph((u, v) for u, v, r in graph.edges(data="relation") if r == "part_of")
    for node in _of_type(graph, "item"):
        section = "section:" + graph.nodes[node]["section"]
        assert nx.has_path(part_of, node, section)
        top = "section:" + graph.nodes[node]["section"].split(" > ")[0]
        assert nx.has_path(part_of, node, top)


def test_every_step_belongs_to_a_worked_scenario(graph):
    for node in _of_type(graph, "step"):
        (target,) = [v for _, v, r in graph.out_edges(node, data="relation") if r == "step_of"]
        assert graph.nodes[target]["kind"] == "worked"


def test_examples_illustrate_their_item(graph):
    example = "scenario:Key Concepts > Storage > EFS Integration#example"
    assert graph.edges[example, "item:Key Concepts > Storage > EFS Integration"]["relation"] == (
        "illustrates"
    )


def test_related_concepts_are_linked(graph):
    efs = find_concept(graph, "EFS Integration")
    assert (
        "item:Integration with Other AWS Services > Amazon EFS"
        in neighbourhood(graph, efs)["related_to"]
    )
    fargate_step = "step:Batch Processing with Fargate#2"
    assert graph.edges[fargate_step, find_concept(graph, "Fargate")]["relation"] == "related_to"


def test_find_concept_prefers_items_and_ignores_case(graph):
    assert (
        find_concept(graph, "task definitions")
        == "item:Key Concepts > ECS Components > Task Definitions"
    )
    assert find_concept(graph, "Example Scenarios") == "section:Example Scenarios"


def test_unknown_concept_raises_with_suggestions(graph):
    with pytest.raises(ConceptNotFound) as caught:
        find_concept(graph, "Fargat")
    assert caught.value.suggestions[0] == "Fargate"
    assert "did you mean: Fargate" in str(caught.value)


def test_neighbourhood_is_grouped_by_relation_from_the_nodes_side(graph):
    groups = neighbourhood(graph, "section:Key Concepts > Storage")
    assert groups["has_part"] == [
        "item:Key Concepts > Storage > EBS Volumes",
        "item:Key Concepts > Storage > EFS Integration",
    ]
    assert groups["part_of"] == ["section:Key Concepts"]


def test_path_between_two_concepts_explains_their_link(graph):
    path = explain_path(
        graph,
        find_concept(graph, "Load Balancing"),
        find_concept(graph, "Elastic Load Balancing (ELB)"),
    )
    assert path == [
        (
            "item:Key Concepts > Networking > Load Balancing",
            "related_to",
            "item:Integration with Other AWS Services > Elastic Load Balancing (ELB)",
        )
    ]
    longer = explain_path(
        graph, find_concept(graph, "Fargate"), find_concept(graph, "S3 Integration")
    )
    assert longer[0][0] == "item:Key Concepts > ECS Modes > Fargate"
    assert longer[-1][2] == "step:Batch Processing with Fargate#3"
    assert all(graph.has_edge(u, v) or graph.has_edge(v, u) for u, _, v in longer)


def _items_sharing_a_section_and_a_service(named_by: int):
    """Items A and B in one section, both naming service S, which ``named_by`` items name."""
    graph = nx.DiGraph()
    graph.add_node("section:X", type="section")
    graph.add_node("service:S", type="service")
    for n in range(named_by):
        item = "item:A" if n == 0 else "item:B" if n == 1 else f"item:other{n}"
        graph.add_node(item, type="item")
        graph.add_edge(item, "service:S", relation="mentions")
        if n < 2:
            graph.add_edge(item, "section:X", relation="part_of")
    return graph


def test_a_path_prefers_a_shared_service_to_a_shared_section():
    path = explain_path(_items_sharing_a_section_and_a_service(2), "item:A", "item:B")
    assert [relation for _, relation, _ in path] == ["mentions", "mentioned_by"]


def test_a_path_goes_through_the_section_rather_than_a_service_everything_names():
    path = explain_path(_items_sharing_a_section_and_a_service(40), "item:A", "item:B")
    assert [relation for _, relation, _ in path] == ["part_of", "has_part"]


def test_subgraph_holds_the_concept_and_its_direct_neighbours(graph):
    node = find_concept(graph, "Fargate")
    around = subgraph(graph, node, radius=1)
    assert set(around) == {node} | set(graph.predecessors(node)) | set(graph.successors(node))
    assert all(around.nodes[n] == graph.nodes[n] for n in around)


def test_json_export_round_trips(graph):
    again = from_json(json.loads(json.dumps(to_json(graph))))
    assert nx.is_isomorphic(graph, again, node_match=dict.__eq__, edge_match=dict.__eq__)
    assert dict(again.nodes(data=True)) == dict(graph.nodes(data=True))


def test_graphml_export_round_trips(graph, tmp_path):
    path = write_graph(graph, tmp_path / "g.graphml", fmt="graphml")
    again = nx.read_graphml(path)
    assert set(again.edges) == set(graph.edges)
    assert dict(again.nodes(data=True)) == dict(graph.nodes(data=True))
    assert not list(tmp_path.glob("*.tmp"))
