"""Turn a study guide (markdown in the ECS guide's format) into typed records."""

from .errata import Correction, corrected, errata_path, load_errata, read_studied_guide
from .errors import EcsTutorError, GuideFormatError, IngestError
from .merge import merge_guides, read_studied_guides
from .paraphrases import (
    Paraphrases,
    as_studied,
    load_examples,
    load_paraphrases,
    load_questions,
    paraphrases_path,
)
from .parser import decode_guide, parse_guide, read_guide
from .records import Guide, Item, MisconceptionPair, Scenario, Section, Step
from .services import ServiceCatalog, load_catalog

__all__ = [
    "as_studied",
    "decode_guide",
    "Correction",
    "corrected",
    "errata_path",
    "load_errata",
    "read_studied_guide",
    "read_studied_guides",
    "merge_guides",
    "EcsTutorError",
    "Guide",
    "GuideFormatError",
    "IngestError",
    "Item",
    "MisconceptionPair",
    "Paraphrases",
    "Scenario",
    "Section",
    "ServiceCatalog",
    "Step",
    "load_catalog",
    "load_examples",
    "load_questions",
    "load_paraphrases",
    "paraphrases_path",
    "parse_guide",
    "read_guide",
]
