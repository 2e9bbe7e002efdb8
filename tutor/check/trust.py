"""How far to trust a verdict: a fitted probability that it is right, and that probability in a
learner's words (``sure``, ``likely``, ``unsure``).

The check model's own numbers (the probability that the guide covers a claim, and that its side is
Wrong) were fitted on claims written the way the guide writes. Read against claims typed the way
learners type, they were as confident about misread claims as about clear ones. The trust model
weighs them together with what makes a reading risky (``Signals``: words the guide never uses,
spelling the normaliser had to fix, a comparative it could or could not read, the number of cues
and clauses the side turned on, whether the rules and the side model agree), and is fitted on
verdicts given to held-out claims, so its probability is what a verdict's ``confidence`` means: the
share of such verdicts that are right. ``levels`` turn it into words: at or above ``sure`` the
tutor states the verdict plainly; at or above ``likely`` it states it with a caution; below, it
says it cannot tell and shows the pair for the learner to compare.

Two regressions: ``judged`` for misconception and correct verdicts, ``abstained`` for
not_covered ones (the probability that the guide really is silent). ``tutor/dev/fit_trust.py``
fits them (``python -m tutor.dev.fit_trust``); the file is JSON (``data/models/trust.json``),
never pickle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from tutor.check.model import Logistic, read_model_file
from tutor.config import resource
from tutor.errors import TutorError

__all__ = [
    "ABSTAINED_FEATURES",
    "CERTAINTIES",
    "JUDGED_FEATURES",
    "Signals",
    "TrustModel",
    "certainty_of",
    "load_trust_model",
    "shipped",
]

SURE, LIKELY, UNSURE = "sure", "likely", "unsure"
CERTAINTIES = (SURE, LIKELY, UNSURE)
# Without a fitted model: the raw confidence read against these (the old confidence's scale).
DEFAULT_LEVELS = {SURE: 0.9, LIKELY: 0.7}

JUDGED_FEATURES = (
    "cover",  # the check model's probability that the guide covers it (NaN without one)
    "side",  # the probability of the side decided (the side model's, or the rules' strength)
    "agree",  # +1 when the rules and the side model choose one side, -1 when not, 0 if no model
    "strength",  # the rules' margin between the contents of the two sides
    "unknown",  # the share of the claim's content words the guide never uses
    "fixes",  # spelling the normaliser corrected (up to 3)
    "comparative_read",  # a comparative the checker turned to its scale's direction
    "comparative_unread",  # a comparative ("... than ...") it could not read
    "cues",  # negation and quantifier cues in the deciding clause
    "clauses",  # clauses in the claim
    "overlap",  # the share of its content words the nearest pair's phrasings use
    "mixed",  # the deciding clause has both a negation and a quantifier ("doesn't ..., only ...")
    "lexical",  # the pair's phrasing closest in words: its Jaccard, signed by whether it agrees
)
ABSTAINED_FEATURES = ("cover", "cosine", "foreign", "unknown", "fixes", "overlap")

FORMAT, VERSION = "ecs-tutor trust model", 1
DEFAULT_PATH = resource("models/trust.json")


@dataclass(frozen=True)
class Signals:
    """What the tutor saw while reading a claim, before the checker compared it with a pair."""

    unknown: float = 0.0
    fixes: int = 0
    comparative: str = "none"  # "none", "read" or "unread"


def certainty_of(p: float, levels: dict[str, float]) -> str:
    """``p`` (the probability a verdict is right) in words, by ``levels``."""
    if p >= levels[SURE]:
        return SURE
    return LIKELY if p >= levels[LIKELY] else UNSURE


@dataclass(frozen=True)
class TrustModel:
    """P(a verdict is right) for judged and not_covered verdicts, and the levels for words."""

    judged: Logistic
    abstained: Logistic
    levels: dict[str, float]
    fitted: dict = field(default_factory=dict)

    def probability(self, verdict_judged: bool, features: np.ndarray) -> float:
        return (self.judged if verdict_judged else self.abstained).probability(features)

    def to_dict(self) -> dict:
        return {
            "format": FORMAT,
            "version": VERSION,
            "judged": self.judged.to_dict(),
            "abstained": self.abstained.to_dict(),
            "levels": {name: round(float(v), 6) for name, v in self.levels.items()},
            "fitted": self.fitted,
        }


def load_trust_model(path: Path | str) -> TrustModel:
    """The trust model saved at ``path``; ``TutorError`` saying what is wrong with it."""
    path = Path(path)
    try:
        data = read_model_file(path, FORMAT, VERSION)
        levels = {name: float(data["levels"][name]) for name in (SURE, LIKELY)}
        if not 0 <= levels[LIKELY] <= levels[SURE] <= 1:
            raise ValueError("levels must satisfy 0 <= likely <= sure <= 1")
        return TrustModel(
            Logistic.from_dict(data["judged"], JUDGED_FEATURES),
            Logistic.from_dict(data["abstained"], ABSTAINED_FEATURES),
            levels,
            data.get("fitted", {}),
        )
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise TutorError(
            f"{path.name}: not a usable trust model ({exc}); run `python -m tutor.dev.fit_trust`"
        ) from None


@cache
def shipped() -> TrustModel | None:
    """The model in ``data/models/trust.json``, once per process; ``None`` where there is none
    (the raw confidence is then read against ``DEFAULT_LEVELS``)."""
    return load_trust_model(DEFAULT_PATH) if DEFAULT_PATH.is_file() else None
