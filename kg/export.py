"""Write the graph as GraphML or node-link JSON, and read node-link JSON back."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx

FORMATS = ("graphml", "json")


def to_json(graph: nx.DiGraph) -> dict:
    """Node-link data (``{"nodes": [...], "links": [...]}``) ready for ``json.dumps``."""
    return nx.node_link_data(graph, edges="links")


def from_json(data: dict) -> nx.DiGraph:
    return nx.node_link_graph(data, directed=True, edges="links")


def write_graph(graph: nx.DiGraph, path: Path | str, *, fmt: str) -> Path:
    """Write ``graph`` to ``path`` in ``fmt`` ("graphml" or "json") through a temp file + rename."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    if fmt == "graphml":
        nx.write_graphml(graph, tmp)
    else:
        tmp.write_text(json.dumps(to_json(graph), indent=1, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    return path
