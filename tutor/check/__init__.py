"""Judging a learner's claim against the guide's Wrong/Right pairs: the cue rules, the fitted
check model, an optional entailment scorer, and the checker that combines them."""

from tutor.check.claims import CORRECT, MISCONCEPTION, NOT_COVERED, VERDICTS, ClaimChecker, Verdict
from tutor.check.model import CheckModel

__all__ = [
    "CORRECT",
    "MISCONCEPTION",
    "NOT_COVERED",
    "VERDICTS",
    "CheckModel",
    "ClaimChecker",
    "Verdict",
]
