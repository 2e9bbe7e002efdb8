"""Questions asked of the knowledge graph: find a concept, its neighbourhood, a path, a subgraph."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

import networkx as nx

from .build import (
    HAS_MISCONCEPTION,
    ILLUSTRATES,
    ITEM,
    MENTIONS,
    PART_OF,
    RELATED_TO,
    SCENARIO,
    SECTION,
    SERVICE,
    STEP,
    STEP_OF,
)
from .errors import ConceptNotFound, NoPath

# Walking an edge backwards reads as the inverse relation: a section "has_part" its items.
INVERSE = {
    "part_of": "has_part",
    "has_misconception": "misconception_of",
    "illustrates": "illustrated_by",
    "step_of": "has_step",
    "mentions": "mentioned_by",
    "related_to": "related_to",
}
_HUB = 10  # a service or section linking more items than this is no neighbourhood
_PREFERENCE = {ITEM: 0, SCENARIO: 1, SECTION: 2, SERVICE: 3, STEP: 4}


def find_concept(graph: nx.DiGraph, concept: str) -> str:
    """The node id for a concept given by id or by label (case-insensitive).

    Items win over scenarios, sections, services and steps of the same name ("Task Definitions" is
    both an item and a section). Raises ``ConceptNotFound`` with close labels as suggestions.
    """
    wanted = concept.strip()
    if wanted in graph:
        return wanted
    folded = wanted.casefold()
    matches = [n for n, d in graph.nodes(data=True) if d["label"].casefold() == folded]
    if matches:
        return min(matches, key=lambda n: (_PREFERENCE.get(graph.nodes[n]["type"], 9), n))
    labels = sorted(
        {
            d["label"]
            for _, d in graph.nodes(data=True)
            if d["type"] in _PREFERENCE and d["kind"] != "example"
        }
    )
    by_fold = {label.casefold(): label for label in labels}
    close = difflib.get_close_matches(folded, list(by_fold), n=3, cutoff=0.6)
    raise ConceptNotFound(concept, [by_fold[c] for c in close])


def neighbourhood(graph: nx.DiGraph, node: str) -> dict[str, list[str]]:
    """The node's neighbours grouped by relation, read from the node's side.

    ``{"part_of": ["section:Key Concepts > Storage"], "has_misconception": [...], ...}``
    """
    if node not in graph:
        raise ConceptNotFound(node)
    groups: dict[str, list[str]] = {}
    for _, target, data in graph.out_edges(node, data=True):
        groups.setdefault(data["relation"], []).append(target)
    for source, _, data in graph.in_edges(node, data=True):
        groups.setdefault(INVERSE.get(data["relation"], data["relation"]), []).append(source)
    return {relation: sorted(nodes) for relation, nodes in sorted(groups.items())}


def nearby(graph: nx.DiGraph, node: str) -> Iterator[tuple[str, float]]:
    """Items and worked scenarios near ``node``, with how closely: related_to 1, a shared
    service 1/(how many mention it), the same section 0.5/(how many it holds). A node may come
    more than once (through several links); a caller adds the weights up."""

    def studied(n: str) -> bool:
        data = graph.nodes[n]
        return n != node and (data["type"] == ITEM or data.get("kind") == "worked")

    groups = neighbourhood(graph, node)
    for other in groups.get("related_to", []):
        if studied(other):
            yield other, 1.0
    for via, back in (("mentions", "mentioned_by"), ("part_of", "has_part")):
        for hub in groups.get(via, []):
            others = [n for n in neighbourhood(graph, hub).get(back, []) if studied(n)]
            if len(others) > _HUB:  # "Amazon ECS" is mentioned everywhere: it tells nothing
                continue
            for other in others:
                yield other, (1.0 if via == "mentions" else 0.5) / (len(others) + 1)


# What a hop costs on a path: links between concepts (one item related to another, an item and
# a service it names) are cheap; structural hops (into a section, a worked scenario's step, an
# example, a misconception) cost more, so that a path explains by concepts where it can.
HOP_COST = {
    RELATED_TO: 1.0,
    MENTIONS: 1.0,
    STEP_OF: 2.0,
    HAS_MISCONCEPTION: 2.5,
    ILLUSTRATES: 3.0,
    PART_OF: 3.0,
}
# A node with more links of one kind than this is a weak link of that kind: "Amazon ECS" is
# named everywhere, "Tasks" is related to every title with "task" in it.
_BUSY = {MENTIONS: 12, RELATED_TO: 8}


def hop_cost(graph: nx.DiGraph, u: str, v: str) -> float:
    """The cost of walking between neighbours ``u`` and ``v`` (either way): ``HOP_COST`` of the
    relation, and through a node with many links of that kind, more the busier it is."""
    relation = (
        graph.edges[u, v]["relation"] if graph.has_edge(u, v) else graph.edges[v, u]["relation"]
    )
    cost = HOP_COST.get(relation, 3.0)
    if relation in _BUSY:
        busy = max(_links(graph, u, relation), _links(graph, v, relation))
        cost += max(0, busy - _BUSY[relation]) / _BUSY[relation] * 2
    return cost


def _links(graph: nx.DiGraph, node: str, relation: str) -> int:
    """How many edges of ``relation`` the node has, either way."""
    edges = (*graph.in_edges(node, data="relation"), *graph.out_edges(node, data="relation"))
    return sum(1 for *_, kind in edges if kind == relation)


def explain_path(graph: nx.DiGraph, a: str, b: str) -> list[tuple[str, str, str]]:
    """How two concepts relate: the triples (node, relation, node) along the cheapest path,
    hops costed by ``hop_cost``."""
    for node in (a, b):
        if node not in graph:
            raise ConceptNotFound(node)
    undirected = graph.to_undirected(as_view=True)
    try:
        path = nx.dijkstra_path(undirected, a, b, weight=lambda u, v, _: hop_cost(graph, u, v))
    except nx.NetworkXNoPath as exc:
        raise NoPath(f"{a!r} and {b!r} are not connected") from exc
    return [(u, _relation(graph, u, v), v) for u, v in zip(path, path[1:], strict=False)]


def _relation(graph: nx.DiGraph, u: str, v: str) -> str:
    if graph.has_edge(u, v):
        return graph.edges[u, v]["relation"]
    return INVERSE.get(graph.edges[v, u]["relation"], graph.edges[v, u]["relation"])


def subgraph(graph: nx.DiGraph, node: str, *, radius: int = 1) -> nx.DiGraph:
    """A copy of the graph around ``node``, up to ``radius`` hops in either direction."""
    if node not in graph:
        raise ConceptNotFound(node)
    nodes = nx.ego_graph(graph.to_undirected(as_view=True), node, radius=radius).nodes
    return graph.subgraph(nodes).copy()


def pairs_of(graph: nx.DiGraph, node: str) -> list[str]:
    """The misconception pairs of an item or worked scenario, in node order."""
    return sorted(
        target
        for _, target, relation in graph.out_edges(node, data="relation")
        if relation == HAS_MISCONCEPTION
    )


def settled(graph: nx.DiGraph, node: str) -> bool:
    """Whether the node's statements may be taught as they stand: the errata neither correct the
    node nor dispute any of its pairs."""
    disputed = any("disputed" in graph.nodes[pair] for pair in pairs_of(graph, node))
    return "correction" not in graph.nodes[node] and not disputed


def example_of(graph: nx.DiGraph, node: str) -> str:
    """The text of the example scenario that illustrates ``node`` ("" if none)."""
    for source, _, relation in graph.in_edges(node, data="relation"):
        if relation == ILLUSTRATES:
            return graph.nodes[source]["text"]
    return ""


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def own_text(data: dict) -> str:
    """A node's text without the "Label:" it may start with (an item's text is "<title>:
    <description>", a worked scenario's "<title>: <problem>")."""
    text = data["text"]
    lead = f"{data['label']}:"
    return text[len(lead) :].strip() if text.startswith(lead) else text


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences, at the spaces after a full stop, "!" or "?"."""
    return _SENTENCE_END.split(text)
