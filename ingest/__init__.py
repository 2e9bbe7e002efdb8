"""Turn a study guide (markdown in the ECS guide's format) into typed records."""

from .errors import GuideFormatError, IngestError
from .parser import parse_guide, read_guide
from .records import Guide, Item, MisconceptionPair, Scenario, Section, Step
from .services import ServiceCatalog, load_catalog

__all__ = [
    "Guide",
    "GuideFormatError",
    "IngestError",
    "Item",
    "MisconceptionPair",
    "Scenario",
    "Section",
    "ServiceCatalog",
    "Step",
    "load_catalog",
    "parse_guide",
    "read_guide",
]
