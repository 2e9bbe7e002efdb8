"""The tutor: embeds the knowledge graph into faiss and answers ask / check / explore."""

from tutor.check.claims import VERDICTS, Verdict
from tutor.compose import Answer
from tutor.config import Settings, settings_from_env
from tutor.core import MAX_INPUT_CHARS, Tutor
from tutor.errors import BadInput, BrokenIndex, ModelNotFound, TutorError
from tutor.explore import Exploration
from tutor.search.retrieve import Hit

__all__ = [
    "MAX_INPUT_CHARS",
    "VERDICTS",
    "Answer",
    "BadInput",
    "BrokenIndex",
    "Exploration",
    "Hit",
    "ModelNotFound",
    "Settings",
    "Tutor",
    "TutorError",
    "Verdict",
    "settings_from_env",
]
