"""What the checker learns about one Wrong/Right pair from its phrasings: which side a phrasing's
content states, the pair's own Wrong-versus-Right direction, the mean of a side's closest
phrasings, and the quantifier families the pair ties to a side."""

from __future__ import annotations

import numpy as np

from tutor.check.cues import families, polarity
from tutor.check.verdict import OTHER, TOP

# The ridge penalty of the per-pair direction, chosen held out on the training claims among 0.3, 1,
# 3, 10 and 30 (side accuracy 0.863, 0.865, 0.869, 0.857, 0.853; data/models/README.md).
_RIDGE = 3.0


def lexical_vote(
    claim: frozenset[str], phrasings: tuple[tuple[str, frozenset[str]], ...], side: str
):
    """How the phrasing closest to the claim in words (Jaccard) votes on ``side``: its
    similarity, positive when it was written for ``side`` and negative when for the other."""
    best, written = max(
        (
            (len(claim & words) / len(claim | words or {""}), written)
            for written, words in phrasings
        ),
        default=(0.0, side),
    )
    return best if written == side else -best


def direction(vectors: np.ndarray, sides: np.ndarray) -> tuple[np.ndarray, float]:
    """The direction in embedding space that best tells the pair's Wrong contents (+1) from its
    Right ones (-1), by ridge regression in its dual form (n phrasings, n small), and the offset
    that centres it."""
    target = np.where(sides == "wrong", 1.0, -1.0)
    centre = vectors.mean(axis=0)
    centred = vectors - centre
    gram = centred @ centred.T + _RIDGE * np.eye(len(vectors))
    direction = centred.T @ np.linalg.solve(gram, target - target.mean())
    return direction, float(target.mean() - centre @ direction)


def content_side(side: str, text: str) -> str:
    """The side whose content ``text`` states: a phrasing written for ``side`` with an odd number
    of negations states the other side's content."""
    return side if polarity(text)[0] % 2 == 0 else OTHER[side]


def top_mean(similarity: np.ndarray, sides: np.ndarray, side: str) -> float:
    """The mean of the ``TOP`` highest similarities among one side's phrasings (-1 if none)."""
    mine = similarity[sides == side]
    return float(np.sort(mine)[-TOP:].mean()) if len(mine) else -1.0


def family_sides(
    phrasings: list[tuple[str, str]], sides: list[str], guide: dict[str, str]
) -> dict[str, str]:
    """The quantifier families that tell this pair's sides apart: used (nearly) only on one side
    by its phrasings, and either in the guide's own statement of that side or never on the other.
    ``guide`` maps "wrong"/"right" to the guide's statements."""
    counts: dict[str, dict[str, int]] = {}
    for (_, text), side in zip(phrasings, sides, strict=True):
        for family in families(text):
            tally = counts.setdefault(family, {"wrong": 0, "right": 0})
            tally[side] += 1
    tied = {}
    for family, tally in counts.items():
        for side in ("wrong", "right"):
            mine, theirs = tally[side], tally[OTHER[side]]
            if mine >= 2 and mine >= 3 * theirs:
                if family in families(guide[side]) or (theirs == 0 and mine >= 3):
                    tied[family] = side
    return tied
