"""The study guide as a networkx knowledge graph, with the queries the tutor needs."""

from .build import NODE_TYPES, build_graph
from .conceptmap import concept_map
from .errors import ConceptNotFound, GraphError, NoPath
from .export import FORMATS, from_json, to_json, write_graph
from .query import (
    example_of,
    explain_path,
    find_concept,
    nearby,
    neighbourhood,
    own_text,
    pairs_of,
    sentences,
    settled,
    subgraph,
)

__all__ = [
    "FORMATS",
    "NODE_TYPES",
    "ConceptNotFound",
    "GraphError",
    "NoPath",
    "build_graph",
    "concept_map",
    "explain_path",
    "find_concept",
    "example_of",
    "from_json",
    "nearby",
    "neighbourhood",
    "own_text",
    "pairs_of",
    "sentences",
    "settled",
    "subgraph",
    "to_json",
    "write_graph",
]
