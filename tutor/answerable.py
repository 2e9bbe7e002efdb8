"""Does the guide answer this question at all? A fitted answerability model for ``ask``.

Retrieval always returns its nearest items, so without this an S3 question was answered with an
ECS item. Four numbers describe how well the best hit fits the question (``FEATURES``): the
cosine of the best concept's closest text, its lead over the runner-up, whether the question
names an AWS service the guide never mentions, and the share of the question's content words the
guide never uses. Beside them the model weighs the question's own embedding, one weight per
dimension (``q0``, ``q1``, …): what kind of question the guides answer, learned from labelled
ones (held out by item, it declined 61 % of the unanswerable questions instead of 38 % at the
same answer rate). A logistic regression on both, fitted on labelled questions
(``python -m tutor.dev.fit_answer``: the training questions and ``data/answerability``, whole
items held out), gives the probability that the guide answers; below the threshold chosen on its
risk-coverage curve, ask says the guide does not cover the question and offers the nearest items
as related, not as the answer. The weights belong to the embedding model they were fitted with
(``AnswerModel.embedder``): a tutor on another model does without it (a cosine floor decides).
The model is JSON (``data/models/answer.json``), never pickle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from tutor.check.model import Logistic, read_model_file
from tutor.config import resource
from tutor.errors import TutorError
from tutor.normalise import content_words

__all__ = [
    "FEATURES",
    "AnswerModel",
    "load_answer_model",
    "model_features",
    "question_features",
    "shipped",
    "unknown_share",
]

FEATURES = ("dense", "lead", "foreign", "unknown")
FORMAT, VERSION = "ecs-tutor answer model", 2


def model_features(dimensions: int) -> tuple[str, ...]:
    """``FEATURES`` and one name per dimension of the question's embedding."""
    return FEATURES + tuple(f"q{n}" for n in range(dimensions))


DEFAULT_PATH = resource("models/answer.json")


def question_features(
    dense: list[float],
    foreign: bool,
    question: str,
    vocabulary: frozenset[str],
    vector: np.ndarray | None = None,
) -> np.ndarray:
    """``FEATURES`` for a question, then its embedding ``vector`` (if given): ``dense`` holds
    the cosines of its hits, best first."""
    best = dense[0] if dense else 0.0
    lead = best - dense[1] if len(dense) > 1 else best
    measured = np.array([best, lead, float(foreign), unknown_share(question, vocabulary)])
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
        return len(self.model.features) - len(FEATURES)

    def probability(self, features: np.ndarray) -> float:
        return self.model.probability(features)

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
        try:
            data = read_model_file(path, FORMAT, VERSION)
        except ValueError:  # version 1: the four features alone, fitted on no one model
            data = {**read_model_file(path, FORMAT, 1), "embedder": ""}
        threshold, sure = float(data["threshold"]), float(data.get("sure", 0.0))
        if not 0 <= threshold <= 1 or not 0 <= sure <= 1:
            raise ValueError("threshold out of range")
        dimensions = len(data["model"]["features"]) - len(FEATURES)
        model = Logistic.from_dict(data["model"], model_features(dimensions))
        embedder = str(data["embedder"])
        return AnswerModel(model, threshold, data["fitted"], max(sure, threshold), embedder)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise TutorError(f"{path.name}: not a usable answer model ({exc})") from None


@cache
def shipped() -> AnswerModel | None:
    """The model in ``data/models/answer.json``, once per process; None where there is none
    (ask then falls back to its cosine floor, ``compose.ANSWER_FLOOR``)."""
    return load_answer_model(DEFAULT_PATH) if DEFAULT_PATH.is_file() else None
