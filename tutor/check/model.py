"""The fitted check model, as data: two small logistic regressions and the abstention threshold.

``cover`` gives the probability that the guide covers a claim (stage 1), ``side`` the probability
that a covered claim takes the Wrong side (stage 2); each weighs the features ``claims`` computes
(``COVER_FEATURES``, ``SIDE_FEATURES``), standardised by the means and scales stored beside the
weights. ``threshold`` holds, for each way of deciding the side, the lowest probability of cover
at which a claim is judged, chosen on a risk-coverage curve of held-out training claims.
``tutor/dev/fit.py`` fits it (``ecs-tutor dev fit``); this module only reads and applies it, with
numpy.

The file is JSON, never pickle, and carries its format and version:
{"format": "ecs-tutor check model", "version": 1, "cover": {...}, "side": {...},
 "threshold": {"rules": 0.41, "model": 0.44}, "side_mode": "rules", "fitted": {...}}
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from tutor.config import resource
from tutor.errors import TutorError

# The numbers the fitted models weigh, in this order (this module stores weights by these names).
# Cover: the cosine to the nearest pair's closest phrasing, whether the claim names a service
# foreign to the guide, and the cosine to the nearest claim labelled as outside the guide (NaN for
# a guide with none: the model then counts it as average, see ``Logistic``). (Adding
# BM25's share of the rank, the gap to the runner-up pair or a foreign-times-cosine term did no
# better held out on the training claims; docs in data/models.)
COVER_FEATURES = ("cosine", "foreign", "uncovered")
# Side, each signed so that positive speaks for Wrong: the rules' verdict; the deciding clause's
# content comparison (mean of the top three, and the top one) and quantifier family, turned by its
# negations; the embedding's own Wrong-minus-Right similarity of the whole claim, apart for claims
# with and without negations (the model hardly sees "not", so it means something only without);
# the clause's content projected on the pair's Wrong-versus-Right direction, turned by negations.
SIDE_FEATURES = (
    "rule",
    "content",
    "content_top1",
    "family",
    "raw_plain",
    "raw_negated",
    "direction",
)

FORMAT, VERSION = "ecs-tutor check model", 1
DEFAULT_MODEL_PATH = resource("models/side.json")
SIDE_MODES = ("rules", "model")


@dataclass(frozen=True)
class Logistic:
    """p = sigmoid(bias + weights . (x - mean) / scale), over the named features. A feature that
    could not be measured (NaN: a guide with no claims labelled as outside it) counts as its
    mean, so it pushes neither way."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def probability(self, x: np.ndarray) -> float:
        standard = np.nan_to_num((np.asarray(x, dtype=float) - self.mean) / self.scale, nan=0.0)
        z = self.bias + float(standard @ self.weights)
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def to_dict(self) -> dict:
        return {
            "features": list(self.features),
            "mean": [round(float(v), 8) for v in self.mean],
            "scale": [round(float(v), 8) for v in self.scale],
            "weights": [round(float(v), 8) for v in self.weights],
            "bias": round(float(self.bias), 8),
        }

    @classmethod
    def from_dict(cls, data: dict, features: tuple[str, ...]) -> Logistic:
        """From ``to_dict()``'s form; ``ValueError`` unless it weighs exactly ``features``."""
        if tuple(data["features"]) != features:
            raise ValueError(f"features {data['features']} are not {list(features)}")
        arrays = [np.asarray(data[key], dtype=float) for key in ("mean", "scale", "weights")]
        if any(a.shape != (len(features),) or not np.isfinite(a).all() for a in arrays):
            raise ValueError("mean, scale and weights need one finite number per feature")
        mean, scale, weights = arrays
        if (scale <= 0).any():
            raise ValueError("scales must be positive")
        return cls(features, mean, scale, weights, float(data["bias"]))


@dataclass(frozen=True)
class CheckModel:
    """What the claim checker needs from fitting; ``fitted`` records how (figures, settings)."""

    cover: Logistic
    side: Logistic
    threshold: dict[str, float]
    side_mode: str = "rules"
    fitted: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "format": FORMAT,
            "version": VERSION,
            "cover": self.cover.to_dict(),
            "side": self.side.to_dict(),
            "threshold": {mode: round(float(t), 8) for mode, t in self.threshold.items()},
            "side_mode": self.side_mode,
            "fitted": self.fitted,
        }


def read_model_file(path: Path, fmt: str, version: int) -> dict:
    """The JSON object in ``path`` if it says it is ``fmt`` at ``version``; ``OSError``,
    ``UnicodeDecodeError`` or ``ValueError`` otherwise (the caller words the error)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("format") != fmt or data.get("version") != version:
        raise ValueError(f"not {fmt!r} version {version}")
    return data


def load_model(path: Path | str) -> CheckModel:
    """The check model saved at ``path``; ``TutorError`` saying what is wrong if it is missing,
    not JSON, another format or version, or does not weigh the checker's features."""

    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TutorError(f"{path}: no check model there (run `ecs-tutor dev fit`)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TutorError(f"{path}: not a check model ({exc}); run `ecs-tutor dev fit`") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise TutorError(f"{path}: not a check model (format is not {FORMAT!r})")
    if data.get("version") != VERSION:
        raise TutorError(
            f"{path}: check model version {data.get('version')!r}, this tutor reads {VERSION}; "
            "run `ecs-tutor dev fit`"
        )
    try:
        threshold = {mode: float(data["threshold"][mode]) for mode in SIDE_MODES}
        model = CheckModel(
            cover=Logistic.from_dict(data["cover"], COVER_FEATURES),
            side=Logistic.from_dict(data["side"], SIDE_FEATURES),
            threshold=threshold,
            side_mode=data.get("side_mode", "rules"),
            fitted=data.get("fitted", {}),
        )
    except (KeyError, TypeError, ValueError) as exc:
        damaged = f"{path}: damaged check model ({exc!r}); run `ecs-tutor dev fit`"
        raise TutorError(damaged) from None
    if model.side_mode not in SIDE_MODES or not all(0 <= t <= 1 for t in threshold.values()):
        raise TutorError(f"{path}: damaged check model (side_mode or threshold out of range)")
    return model


def save_model(model: CheckModel, path: Path | str) -> None:
    """Write ``model`` as JSON, through a temporary file so a reader never sees half of it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(model.to_dict(), indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)


@cache
def shipped_model() -> CheckModel | None:
    """The model in ``data/models/side.json``, loaded once per process; ``None`` if that file is
    absent (the checker then falls back to its hand-set floors). A damaged file is an error."""
    return load_model(DEFAULT_MODEL_PATH) if DEFAULT_MODEL_PATH.is_file() else None
