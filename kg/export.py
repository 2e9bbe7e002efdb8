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
    """Write ``graph`` to ``path`` in ``fmt`` ("graphml" or "json"). To replace a file whole,
    write to a temporary one and rename it (the CLI does, with ``tutor.files.replacing``)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    path = Path(path)
    if fmt == "graphml":
        nx.write_graphml(graph, path)
    else:
        path.write_text(json.dumps(to_json(graph), indent=1, ensure_ascii=False), encoding="utf-8")
    return path
