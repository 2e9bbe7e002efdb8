"""Errors raised by graph queries."""

from ingest.errors import EcsTutorError


class GraphError(EcsTutorError):
    """A graph query could not be answered."""


class ConceptNotFound(GraphError):
    """No node matches the concept that was asked for."""

    def __init__(self, concept: str, suggestions: list[str] | None = None):
        hint = f" (did you mean: {', '.join(suggestions)}?)" if suggestions else ""
        shown = concept if len(concept) <= 80 else concept[:79] + "…"  # echo a name, not an essay
        super().__init__(f"no concept named {shown!r} in the guide{hint}")
        self.concept = concept
        self.suggestions = suggestions or []


class NoPath(GraphError):
    """Two concepts are not connected."""
