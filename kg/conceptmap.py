"""The whole graph as plain data for the interactive concept map: nodes, what each folds into,
and edges.

The browser lays the map out and draws it (``tutor/web/static/concept_map.js``, with the
vendored Cytoscape.js); this module says what each node is and where it belongs. Each node
names its ``parent``, the node it is folded into until the learner opens it: a section sits in
its parent section, an item or a worked scenario in its section, an example in the item it
illustrates, a misconception in its item or scenario, a step in its scenario. Services belong
to no one (``parent`` is None): the guides share them.

Nodes come in the guide's order (the order the graph was built in), so that the map reads like
the guide. A huge graph is cut to ``max_nodes`` nodes, the kinds a learner needs most kept
first (sections, items, scenarios, misconceptions, services, then steps), and the map says how
many it left out.
"""

from __future__ import annotations

import networkx as nx

from .build import (
    HAS_MISCONCEPTION,
    ILLUSTRATES,
    ITEM,
    MISCONCEPTION,
    NODE_TYPES,
    PART_OF,
    SCENARIO,
    SECTION,
    SERVICE,
    STEP,
    STEP_OF,
)

MAP_FORMAT = (
    "ecs-tutor-map v2"  # v2: "parent" and "kind" on each node, no x/y (laid out in the browser)
)
COLOURS = {
    SECTION: "#6b7280",
    ITEM: "#2563eb",
    SCENARIO: "#059669",
    STEP: "#84cc16",
    MISCONCEPTION: "#dc2626",
    SERVICE: "#d97706",
}
OTHER_COLOUR = "#a855f7"  # a node type this module does not know yet is still drawn
_KEEP_ORDER = (SECTION, ITEM, SCENARIO, MISCONCEPTION, SERVICE, STEP)
# The edge that folds a node into another, and which end is the folded one: u -part_of-> v folds
# u into v; v -has_misconception-> u folds u into v.
_FOLDS = {PART_OF: "source", ILLUSTRATES: "source", STEP_OF: "source", HAS_MISCONCEPTION: "target"}


def concept_map(graph: nx.DiGraph, *, max_nodes: int = 20_000) -> dict:
    """The graph as ``{"format", "nodes", "edges", "types", "colours", "guides", "left_out"}``.

    Each node is ``{"id", "label", "type", "kind", "section", "guide", "parent"}``: guide is
    the title of the guide it comes from ("" for a service, which guides share), parent the id
    of the node it is folded into (None at the top; see the module docstring). ``guides`` lists
    the guides studied together. Each edge is ``[source index, target index, relation]``.
    Labels are the guide's text: the browser must insert them as text, never as HTML.
    """
    if max_nodes < 1:
        raise ValueError("max_nodes must be at least 1")
    kept = set(sorted(graph, key=lambda n: _keep_rank(graph, n))[:max_nodes])
    order = [node for node in graph if node in kept]  # the guide's order
    index = {node: i for i, node in enumerate(order)}
    parents = _parents(graph, kept)
    nodes = [
        {
            "id": node,
            "label": str(graph.nodes[node].get("label", node)),
            "type": str(graph.nodes[node].get("type", "")),
            "kind": str(graph.nodes[node].get("kind", "")),
            "section": str(graph.nodes[node].get("section", "")),
            "guide": str(graph.nodes[node].get("guide", "")),
            "parent": parents.get(node),
        }
        for node in order
    ]
    edges = [
        [index[u], index[v], str(relation)]
        for u, v, relation in graph.edges(data="relation", default="")
        if u in kept and v in kept
    ]
    present = {n["type"] for n in nodes}
    types = [t for t in NODE_TYPES if t in present] + sorted(present - set(NODE_TYPES))
    return {
        "format": MAP_FORMAT,
        "nodes": nodes,
        "edges": edges,
        "types": types,
        "colours": {t: COLOURS.get(t, OTHER_COLOUR) for t in types},
        "guides": _guides(graph, kept),
        "left_out": graph.number_of_nodes() - len(nodes),
    }


def _parents(graph: nx.DiGraph, kept: set[str]) -> dict[str, str]:
    """Each kept node's parent (see the module docstring), when the parent is kept too.

    A node folded by two edges (a step that is also part of a section, say) keeps the first,
    so the map is a tree."""
    parents: dict[str, str] = {}
    for u, v, relation in graph.edges(data="relation", default=""):
        side = _FOLDS.get(relation)
        if side is None:
            continue
        child, parent = (u, v) if side == "source" else (v, u)
        if child in kept and parent in kept and child not in parents:
            parents[child] = parent
    return parents


def _keep_rank(graph: nx.DiGraph, node: str) -> tuple[int, int, str]:
    """Kinds in ``_KEEP_ORDER``, then the better connected first, then by id (a total order)."""
    kind = graph.nodes[node].get("type", "")
    rank = _KEEP_ORDER.index(kind) if kind in _KEEP_ORDER else len(_KEEP_ORDER)
    return rank, -graph.degree(node), node


def _guides(graph: nx.DiGraph, shown: set[str]) -> list[str]:
    """The guides the shown nodes come from, in the order the graph was built (the studied
    order)."""
    guides = (g for n, g in graph.nodes(data="guide", default="") if g and n in shown)
    return list(dict.fromkeys(guides))
