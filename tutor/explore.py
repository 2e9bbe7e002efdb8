"""A concept shaped for people: its text, neighbours, misconceptions, scenarios, and the path
that explains how two concepts relate."""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from kg import NoPath, explain_path, neighbourhood
from kg.build import MISCONCEPTION, SCENARIO


@dataclass(frozen=True)
class Neighbour:
    node: str
    label: str
    type: str


@dataclass(frozen=True)
class Exploration:
    node: str
    title: str
    type: str
    section: str
    text: str
    neighbours: dict[str, tuple[Neighbour, ...]] = field(default_factory=dict)
    misconceptions: tuple[tuple[str, str], ...] = ()
    scenarios: tuple[str, ...] = ()
    matched_by_meaning: bool = False
    correction: str = ""  # what has changed since the guide was written, if anything
    source: str = ""  # where the concept's facts come from, as its guide names it

    def to_dict(self) -> dict:
        return {
            "concept": self.title,
            "type": self.type,
            "section": self.section,
            "text": self.text,
            "matched_by_meaning": self.matched_by_meaning,
            "neighbours": {
                relation: [{"label": n.label, "type": n.type} for n in nodes]
                for relation, nodes in self.neighbours.items()
            },
            "misconceptions": [{"wrong": w, "right": r} for w, r in self.misconceptions],
            "scenarios": list(self.scenarios),
            **({"correction": self.correction} if self.correction else {}),
            **({"source": self.source} if self.source else {}),
        }


def explore_node(graph: nx.DiGraph, node: str, *, matched_by_meaning: bool = False) -> Exploration:
    data = graph.nodes[node]
    groups = neighbourhood(graph, node)
    neighbours = {
        relation: tuple(
            Neighbour(n, graph.nodes[n]["label"], graph.nodes[n]["type"]) for n in nodes
        )
        for relation, nodes in groups.items()
    }
    near = {n for nodes in groups.values() for n in nodes} | {node}
    misconceptions = tuple(
        (graph.nodes[n]["wrong"], graph.nodes[n]["right"])
        for n in sorted(near)
        if graph.nodes[n]["type"] == MISCONCEPTION
    )
    scenarios = tuple(
        graph.nodes[n]["text"] if graph.nodes[n]["kind"] == "example" else graph.nodes[n]["label"]
        for n in sorted(near - {node})
        if graph.nodes[n]["type"] == SCENARIO
    )
    return Exploration(
        node=node,
        title=data["label"],
        type=data["type"],
        section=data["section"],
        text=data["text"],
        correction=data.get("correction", ""),
        source=data.get("source", ""),
        neighbours=neighbours,
        misconceptions=misconceptions,
        scenarios=scenarios,
        matched_by_meaning=matched_by_meaning,
    )


@dataclass(frozen=True)
class Link:
    """One step of a path: from ``source`` by ``relation`` to ``target``."""

    source: Neighbour
    relation: str
    target: Neighbour


@dataclass(frozen=True)
class Relation:
    """How two concepts relate: the steps of the path between them, in order."""

    start: Neighbour
    end: Neighbour
    links: tuple[Link, ...]

    @property
    def nodes(self) -> tuple[str, ...]:
        return (self.start.node, *(link.target.node for link in self.links))

    def sentence(self) -> str:
        """``Fargate —part_of→ Launch Types —has_part→ EC2`` in words a learner reads."""
        parts = [self.start.label]
        for link in self.links:
            parts.append(f"—{link.relation.replace('_', ' ')}→ {link.target.label}")
        return " ".join(parts)

    def to_dict(self) -> dict:
        return {
            "from": self.start.label,
            "to": self.end.label,
            "nodes": list(self.nodes),
            "links": [
                {
                    "source": link.source.label,
                    "relation": link.relation,
                    "target": link.target.label,
                    "target_type": link.target.type,
                }
                for link in self.links
            ],
            "sentence": self.sentence(),
        }


def relate_nodes(graph: nx.DiGraph, a: str, b: str) -> Relation:
    """The path that explains how nodes ``a`` and ``b`` relate (``NoPath`` when none does)."""

    def named(node: str) -> Neighbour:
        return Neighbour(node, graph.nodes[node]["label"], graph.nodes[node]["type"])

    start, end = named(a), named(b)
    try:
        steps = explain_path(graph, a, b)
    except NoPath:
        raise NoPath(f"{start.label!r} and {end.label!r} are not connected in the guide") from None
    links = tuple(Link(named(u), relation, named(v)) for u, relation, v in steps)
    return Relation(start, end, links)
