"""The tutor: embeds the knowledge graph into faiss and answers ask / check / explore."""

from .claims import VERDICTS, Verdict
from .compose import Answer
from .config import Settings, settings_from_env
from .core import MAX_INPUT_CHARS, Tutor
from .errors import BadInput, BrokenIndex, ModelNotFound, TutorError
from .explore import Exploration
from .retrieve import Hit

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
