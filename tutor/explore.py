"""A concept's neighbourhood, shaped for people: its text, neighbours, misconceptions, scenarios."""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from kg import neighbourhood
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
        neighbours=neighbours,
        misconceptions=misconceptions,
        scenarios=scenarios,
        matched_by_meaning=matched_by_meaning,
    )
