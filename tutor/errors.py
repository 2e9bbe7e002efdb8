"""Errors the tutor raises; front ends turn them into one clear line."""

from ingest.errors import EcsTutorError


class TutorError(EcsTutorError):
    """Something the user can act on went wrong."""


class ModelNotFound(TutorError):
    """The embedding model could not be loaded from the local disk."""


class BrokenIndex(TutorError):
    """The persisted index is missing, stale or damaged."""


class IndexNotSaved(TutorError):
    """The index could not be written to the cache (a full disk, no permission)."""


class BadInput(TutorError):
    """The question or claim cannot be used as it is (empty, too long, binary)."""
