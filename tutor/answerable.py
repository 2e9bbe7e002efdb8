"""Does the guide answer this question at all? A fitted answerability model for ``ask``.

Retrieval always returns its nearest items, so without this an S3 question was answered with an
ECS item. Six numbers describe how well the best hit fits the question (``FEATURES``): the
cosine of the best concept's closest text, its lead over the runner-up, whether the question
names an AWS service the guide never mentions, the share of the question's content words the
guide never uses, and whether the services it names are all away from the guide's home (the
services a good share of its items name: ECS, Fargate, EC2; "how large can an S3 object be" names
S3 alone, which the guide mentions but is not about), and the question's cosine to the nearest
claim labelled as outside the guides (the claim checker's memory: ECS topics the guides leave
out). Beside them the model weighs the question's own embedding, one weight per dimension
(``q0``, ``q1``, …): what kind of question the guides answer, learned from labelled ones (held
out by item, it declined 61 % of the unanswerable questions instead of 38 % at the same answer
rate; with ``away``, 66 %; with ``outside``, 68 %). A logistic regression on both, fitted on
labelled questions
(``python -m tutor.dev.fit_answer``: the training questions and ``data/answerability``, whole
items held out), gives the probability that the guide answers; below the threshold chosen on its
risk-coverage curve, ask says the guide does not cover the question and offers the nearest items
as related, not as the answer. The weights belong to the embedding model they were fitted with
(``AnswerModel.embedder``): a tutor on another model does without it (a cosine floor decides).
The model is JSON (``data/models/answer.json``), never pickle.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from ingest import Guide, ServiceCatalog
from tutor.check.model import Logistic
from tutor.config import resource
from tutor.errors import TutorError
from tutor.normalise import content_words

__all__ = [
    "EARLIER_FEATURES",
    "FEATURES",
    "AnswerModel",
    "home_services",
    "load_answer_model",
    "model_features",
    "question_features",
    "shipped",
    "unknown_share",
]

FEATURES = ("dense", "lead", "foreign", "unknown", "away", "outside")
EARLIER_FEATURES = FEATURES[:4]  # what versions 1 and 2 of the model file weigh
FORMAT, VERSION = "ecs-tutor answer model", 4
_MEASURED = {1: EARLIER_FEATURES, 2: EARLIER_FEATURES, 3: FEATURES[:5], VERSION: FEATURES}
# A service is at home in a guide when at least this share of its items names it. Chosen held out
# (python -m tutor.dev.fit_answer's folds) among 0.05, 0.1 and 0.15: declined 0.633, 0.650 and
# 0.662 at the same answer rate (0.609 without ``away``); 0.15 to 0.3 gave the same three services,
# for the seed guide alone, the in-depth guide alone and both together. Since its linear and canary
# item (2026-12-07), the in-depth guide alone also has CloudWatch at home (9 of its 60 items).
HOME_SHARE = 0.15


def model_features(dimensions: int) -> tuple[str, ...]:
    """``FEATURES`` and one name per dimension of the question's embedding."""
    return FEATURES + tuple(f"q{n}" for n in range(dimensions))


DEFAULT_PATH = resource("models/answer.json")


def home_services(guide: Guide, catalog: ServiceCatalog | None) -> frozenset[str]:
    """The services at home in ``guide``: named by at least ``HOME_SHARE`` of its items, an
    item's text read whole (title, description, example and its pairs). ECS, Fargate and EC2 for
    the seed guide, the in-depth guide and both together alike (an item's ``services`` alone
    names Fargate in one seed item of 28)."""
    if catalog is None or not guide.items:
        return frozenset()
    counts: Counter[str] = Counter()
    for item in guide.items:
        pairs = [f"{pair.wrong} {pair.right}" for pair in guide.pairs_of(item.title)]
        counts.update(
            set(catalog.mentions(" ".join([item.title, item.description, item.example, *pairs])))
        )
    floor = HOME_SHARE * len(guide.items)
    return frozenset(service for service, count in counts.items() if count >= floor)


def question_features(
    dense: list[float],
    foreign: bool,
    away: bool,
    question: str,
    vocabulary: frozenset[str],
    vector: np.ndarray | None = None,
    *,
    outside: float = math.nan,
) -> np.ndarray:
    """``FEATURES`` for a question, then its embedding ``vector`` (if given): ``dense`` holds
    the cosines of its hits, best first; ``away``: it names services, none at home in the
    guide (``home_services``); ``outside``: its cosine to the nearest claim labelled as outside
    the guides (NaN where none is known, as for an uploaded guide: the model then counts it as
    average)."""
    best = dense[0] if dense else 0.0
    lead = best - dense[1] if len(dense) > 1 else best
    unknown = unknown_share(question, vocabulary)
    measured = np.array([best, lead, float(foreign), unknown, float(away), outside])
    return measured if vector is None else np.concatenate([measured, np.asarray(vector, float)])


def unknown_share(text: str, vocabulary: frozenset[str]) -> float:
    """The share of ``text``'s content words that are not in ``vocabulary`` (0 with none)."""
    words = content_words(text)
    return sum(w not in vocabulary for w in words) / len(words) if words else 0.0


@dataclass(frozen=True)
class AnswerModel:
    """The probability that the guide answers a question, and the threshold to answer at."""

    model: Logistic
    threshold: float
    fitted: dict = field(default_factory=dict)
    # At or above this probability an answer is given plainly ("sure"); between the threshold and
    # this, with a caution that the guide may not answer exactly this ("unsure").
    sure: float = 0.0
    embedder: str = ""  # the embedding model whose vectors the weights were fitted on

    @property
    def dimensions(self) -> int:
        """How many of the question's embedding dimensions the model weighs."""
        return sum(name not in FEATURES for name in self.model.features)

    def probability(self, features: np.ndarray) -> float:
        """P(the guide answers), from ``FEATURES`` and the question's embedding as
        ``question_features`` gives them; a model of an earlier version weighs those it knows."""
        names = model_features(len(features) - len(FEATURES))
        column = {name: n for n, name in enumerate(names)}
        weighed = [column[name] for name in self.model.features]
        return self.model.probability(np.asarray(features)[weighed])

    def to_dict(self) -> dict:
        return {
            "format": FORMAT,
            "version": VERSION,
            "model": self.model.to_dict(),
            "threshold": round(float(self.threshold), 8),
            "sure": round(float(self.sure), 8),
            "embedder": self.embedder,
            "fitted": self.fitted,
        }


def load_answer_model(path: Path | str) -> AnswerModel:
    """The answer model saved at ``path``; ``TutorError`` saying what is wrong with it."""
    path = Path(path)
    try:
        data, measured = _read_any_version(path)
        threshold, sure = float(data["threshold"]), float(data.get("sure", 0.0))
        if not 0 <= threshold <= 1 or not 0 <= sure <= 1:
            raise ValueError("threshold out of range")
        dimensions = len(data["model"]["features"]) - len(measured)
        names = measured + model_features(dimensions)[len(FEATURES) :]
        model = Logistic.from_dict(data["model"], names)
        embedder = str(data["embedder"])
        return AnswerModel(model, threshold, data["fitted"], max(sure, threshold), embedder)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise TutorError(f"{path.name}: not a usable answer model ({exc})") from None


def _read_any_version(path: Path) -> tuple[dict, tuple[str, ...]]:
    """The model file's JSON and the measured features it weighs: ``FEATURES`` in this version,
    the first five in version 3, the first four in version 2 (with the embedding) and version 1
    (alone, on no one model)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"not {FORMAT!r}")
    version = data.get("version")
    if version not in _MEASURED:
        raise ValueError(f"version {version!r}; this tutor reads versions 1 to {VERSION}")
    if version == 1:  # fitted on no one embedding model; later versions must name theirs
        data = {"embedder": "", **data}
    return data, _MEASURED[version]


@cache
def shipped() -> AnswerModel | None:
    """The model in ``data/models/answer.json``, once per process; None where there is none
    (ask then falls back to its cosine floor, ``compose.ANSWER_FLOOR``)."""
    return load_answer_model(DEFAULT_PATH) if DEFAULT_PATH.is_file() else None
