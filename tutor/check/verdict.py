"""What a check says: the verdict and its explanation's parts, and what the checker reads from
a claim on the way (``Reading``). Shared by the checker (``claims``) and its words (``explain``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tutor.check.quantities import Bound
from tutor.search.retrieve import PairHit

MISCONCEPTION, CORRECT, NOT_COVERED = "misconception", "correct", "not_covered"
VERDICTS = (MISCONCEPTION, CORRECT, NOT_COVERED)

# Used only without a fitted model file (another guide, or the file removed): below this cosine to
# the nearest phrasing of any pair, the guide is silent; a claim that names a service the guide
# never mentions ("ECR", "EKS") is about something else unless it is this close to a phrasing.
COVER_FLOOR = 0.65
FOREIGN_CEILING = 0.80
QUESTION_NOT_CLAIM = (
    "This reads as a question, not a claim, so there is nothing to judge: ask it in Chat (or with "
    '`ecs-tutor ask`), or state what you believe ("Fargate tasks need no servers").'
)
NO_PAIRS = "The guide has no misconception pairs."
TOP = 3  # a side's content score: the mean of its three closest phrasings
OTHER = {"wrong": "right", "right": "wrong"}


@dataclass(frozen=True)
class Verdict:
    """The result of checking one claim."""

    claim: str
    verdict: str
    confidence: float
    title: str | None = None
    section: str | None = None
    wrong: str | None = None
    right: str | None = None
    explanation: str = ""
    node: str | None = None
    similarity: float = 0.0
    cues: tuple[str, ...] = ()
    # How far to trust it in words (``trust.CERTAINTIES``), and the numbers the trust model
    # weighed (what ``tutor/dev/fit_trust.py`` fits on).
    certainty: str = "sure"
    features: tuple[float, ...] = field(default=(), compare=False, repr=False)
    # The matched pair's guide, and its item's documentation page and correction, as plain text
    # (the explanation has them as markdown): None when the guide gives none.
    guide: str | None = None
    source: str | None = None
    correction: str | None = None
    # Nothing was judged: the text is a question, not a claim. Its verdict is not_covered and
    # unsure, at confidence 0 (it is no reading of the guides), and front ends say why instead.
    question: bool = False

    def match(self) -> dict | None:
        if self.title is None:
            return None
        return {
            "title": self.title,
            "section": self.section,
            "wrong": self.wrong,
            "right": self.right,
            "guide": self.guide,
            "source": self.source,
            "correction": self.correction,
        }

    def to_dict(self) -> dict:
        return {
            "claim": self.claim,
            "verdict": self.verdict,
            "confidence": round(self.confidence, 3),
            "certainty": self.certainty,
            "match": self.match(),
            "explanation": self.explanation,
        }


@dataclass(frozen=True)
class Reading:
    """Everything the checker reads from a claim before deciding: stage 1's nearest pair with its
    ``cover`` features, and stage 2's rule verdict with its ``side`` features (``None`` when only
    stage 1 was read). The fitting reads the training claims through this, so the model is fitted
    on exactly the numbers the checker computes."""

    claim: str
    pair: PairHit
    foreign: tuple[str, ...]
    cover: np.ndarray
    rule_side: str | None = None
    strength: float = 0.0
    cues: tuple[str, ...] = ()
    side: np.ndarray | None = None
    why: str = ""  # how the rules read the deciding clause, in words (see ``explain.why_of``)
    mixed: bool = False  # the deciding clause has both a negation and a quantifier


@dataclass(frozen=True)
class Pair:
    """A pair's phrasings embedded once: their contents by the side the content states, and the
    whole phrasings by the side they were written for."""

    vectors: np.ndarray
    content_sides: np.ndarray
    raw_vectors: np.ndarray
    raw_sides: np.ndarray
    families: dict[str, str]  # quantifier family -> the side it speaks for in this pair
    direction: np.ndarray  # a content vector's projection on it: > 0 for Wrong (ridge regression)
    offset: float
    words: frozenset[str] = frozenset()  # the stems of its phrasings' content words
    token_sets: tuple[tuple[str, frozenset[str]], ...] = ()  # each phrasing's side and ``tokens``
    bounds: dict[str, tuple[Bound, ...]] = field(default_factory=dict)  # side -> bounds


@dataclass(frozen=True)
class Clause:
    """How one clause reads against a pair (see ``ClaimChecker._side``)."""

    rank: float
    side: str
    margin: float
    cues: list[str]
    sign: int  # +1 for an even number of negations, -1 for odd
    scores: dict[str, float]  # content side -> mean similarity of its top phrasings
    top1: dict[str, float]  # content side -> similarity of its closest phrasing
    projection: float  # the content on the pair's Wrong-versus-Right direction
    told: str | None  # the side a quantifier family settled, if one did
    negations: list[str]  # the clause's negation cues
    quantifier: str | None  # the claim's word that settled the side, if a quantifier did
    contrary: bool  # ... as the contrary of the family the pair ties to a side
