"""Check a learner's claim against the guide's Wrong/Right pairs, in two stages.

Stage 1 (which pair?) takes the pair whose statements (the guide's, and the extra phrasings kept in
data) are closest to the claim in the shared retrieval path; below a similarity floor the claim is
``not_covered``.

Stage 2 (which side?) cannot trust the embedding alone: small sentence models put "X is not Y" and
"X is Y" almost on top of each other. So negations are taken out of the claim and of every phrasing
of both sides, the claim is compared by *content* with each phrasing, and each phrasing votes
through *polarity*: for its own side when the claim has as many negations (and falsity frames such
as "it's a myth that") as the phrasing, modulo two, and for the other side when it does not. The
verdict goes to the side with the closest vote. A hedge in the claim ("sometimes") against an
absolute in the winning phrasing ("always") turns the verdict once more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import networkx as nx

from .retrieve import PairHit, Retriever

MISCONCEPTION, CORRECT, NOT_COVERED = "misconception", "correct", "not_covered"
VERDICTS = (MISCONCEPTION, CORRECT, NOT_COVERED)

COVER_FLOOR = 0.50  # below this cosine to the nearest Wrong/Right statement, the guide is silent
_OTHER = {"wrong": "right", "right": "wrong"}

_APOSTROPHE = str.maketrans({"\u2019": "'", "\u2018": "'"})
# Words that negate by their prefix, with the positive word the content comparison uses instead:
# "X-Ray is useless for microservices" says "X-Ray is not useful for microservices".
_NEGATIVE_WORDS = {
    "unable": "able",
    "impossible": "possible",
    "incapable": "capable",
    "useless": "useful",
    "pointless": "useful",
    "unreliable": "reliable",
    "unsuitable": "suitable",
    "unfit": "fit",
    "unnecessary": "necessary",
    "unneeded": "needed",
    "insecure": "secure",
    "unsafe": "safe",
    "immutable": "mutable",
    "unchangeable": "changeable",
    "unusable": "usable",
    "unsupported": "supported",
    "unavailable": "available",
    "inappropriate": "appropriate",
    "ineffective": "effective",
}
_NEGATION = re.compile(
    r"\b(?:not|no|never|none|nothing|neither|nor|cannot|nobody|"
    + "|".join(_NEGATIVE_WORDS)
    + r")\b|n't\b"
    r"|\b(?:is|are|was|were|do|does|did|can|could|should|would|wo|has|have|must|need)nt\b",
    re.IGNORECASE,
)
_FALSITY_FRAME = re.compile(
    r"\b(?:false|untrue|wrong|incorrect|inaccurate|a myth|a misconception|a mistake|a fallacy"
    r"|mistaken|nonsense)\s+(?:to\s+(?:say|think|believe|claim|assume)|that)\b"
    r"|^\s*(?:myth|misconception|false)\s*:",
    re.IGNORECASE,
)
_ABSOLUTE = re.compile(r"\b(?:always|all|only|every|any|must|single|solely|exclusively)\b", re.I)
_HEDGE = re.compile(
    r"\b(?:sometimes|some|certain|may|might|often|occasionally|depending|depends)\b",
    re.IGNORECASE,
)
# Negated words become their positive form for the content comparison.
_STRIP = [
    (re.compile(r"\bcannot\b", re.I), "can"),
    (re.compile(r"\bcan't\b", re.I), "can"),
    (re.compile(r"\bwon't\b", re.I), "will"),
    (re.compile(r"\b(\w+)n't\b", re.I), r"\1"),
    (
        re.compile(
            r"\b(is|are|was|were|do|does|did|could|should|would|has|have|must|need)nt\b", re.I
        ),
        r"\1",
    ),
    (re.compile(r"\bcant\b", re.I), "can"),
    (re.compile(r"\bwont\b", re.I), "will"),
    (re.compile(r"\b(?:not|never|no|none|neither|nor)\b", re.I), ""),
    *((re.compile(rf"\b{word}\b", re.I), positive) for word, positive in _NEGATIVE_WORDS.items()),
]


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

    def match(self) -> dict | None:
        if self.title is None:
            return None
        return {
            "title": self.title,
            "section": self.section,
            "wrong": self.wrong,
            "right": self.right,
        }

    def to_dict(self) -> dict:
        return {
            "claim": self.claim,
            "verdict": self.verdict,
            "confidence": round(self.confidence, 3),
            "match": self.match(),
            "explanation": self.explanation,
        }


def polarity(text: str) -> tuple[int, list[str]]:
    """How many negations and falsity frames ``text`` has, and which.

    "It's not true that tasks can't stop" -> (2, ["not", "n't"])
    """
    text = text.translate(_APOSTROPHE)
    cues = [m.group(0).lower() for m in _NEGATION.finditer(text)]
    cues += [m.group(0).strip().lower() for m in _FALSITY_FRAME.finditer(text)]
    return len(cues), cues


def strip_negation(text: str) -> str:
    """The text with negations turned positive: "EFS can't be used" -> "EFS can be used"."""
    text = text.translate(_APOSTROPHE)
    for pattern, replacement in _STRIP:
        text = pattern.sub(replacement, text)
    text = _FALSITY_FRAME.sub("", text)
    return re.sub(r"\s+", " ", text).strip()


def check_claim(claim: str, retriever: Retriever) -> Verdict:
    """Decide whether ``claim`` is a known misconception, correct, or not covered by the guide."""
    vectors = retriever.embed([claim])
    candidates = retriever.pairs(retriever.doc_hits(vectors)[0], k=3, query=claim)
    if not candidates or candidates[0].score < COVER_FLOOR:
        return _not_covered(claim, retriever.graph, candidates[0] if candidates else None)
    pair = candidates[0]
    data = retriever.graph.nodes[pair.node]
    wrong, right = data["wrong"], data["right"]
    side, strength, cues = _side(claim, retriever.phrasings(pair.node), retriever)
    verdict = MISCONCEPTION if side == "wrong" else CORRECT
    topical = min(1.0, (pair.score - COVER_FLOOR) / (0.85 - COVER_FLOOR))
    confidence = round(0.5 + 0.5 * topical * strength, 3)
    return Verdict(
        claim=claim,
        verdict=verdict,
        confidence=confidence,
        title=data["owner"],
        section=data["section"],
        wrong=wrong,
        right=right,
        explanation=_explain(verdict, data, cues),
        node=pair.node,
        similarity=pair.score,
        cues=tuple(cues),
    )


def _side(
    claim: str, phrasings: list[tuple[str, str]], retriever: Retriever
) -> tuple[str, float, list[str]]:
    """Which side the claim agrees with, how clearly (0..1), and the cues that decided it.

    ``phrasings`` holds (side, text) for every way the pair's two sides are written.
    """
    c_pol, cues = polarity(claim)
    texts = [strip_negation(claim)] + [strip_negation(text) for _, text in phrasings]
    vectors = retriever.embed(texts)
    similarity = vectors[1:] @ vectors[0]
    best: dict[str, tuple[float, str]] = {}
    for (side, text), score in zip(phrasings, similarity, strict=True):
        agrees = polarity(text)[0] % 2 == c_pol % 2
        vote = side if agrees else _OTHER[side]
        if vote not in best or score > best[vote][0]:
            best[vote] = (float(score), text)
    ranked = sorted(best.items(), key=lambda row: -row[1][0])
    side, (score, text) = ranked[0]
    runner_up = ranked[1][1][0] if len(ranked) > 1 else -1.0
    if _ABSOLUTE.search(text) and (hedge := _HEDGE.search(claim)) and not _ABSOLUTE.search(claim):
        side = _OTHER[side]
        cues.append(f"hedge: {hedge.group(0).lower()}")
    return side, min(1.0, (score - runner_up) / 0.15), cues


def _not_covered(claim: str, graph: nx.DiGraph, nearest: PairHit | None) -> Verdict:
    if nearest is None:
        return Verdict(claim, NOT_COVERED, 1.0, explanation="The guide has no misconception pairs.")
    data = graph.nodes[nearest.node]
    confidence = round(min(1.0, 0.5 + (COVER_FLOOR - nearest.score)), 3)
    explanation = (
        "The guide does not cover this claim, so I cannot judge it. The closest topic is "
        f"**{data['owner']}** ({data['section']}), at similarity {nearest.score:.2f}, "
        f"below the {COVER_FLOOR:.2f} needed to compare it with a known misconception."
    )
    return Verdict(
        claim, NOT_COVERED, confidence, explanation=explanation, similarity=nearest.score
    )


def _explain(verdict: str, data: dict, cues: list[str]) -> str:
    where = f"**{data['owner']}** ({data['section']})"
    cue_note = f" Your wording's cues ({', '.join(cues)}) were taken into account." if cues else ""
    if verdict == MISCONCEPTION:
        return (
            f"That is a known misconception, from {where}. The guide says: “{data['right']}” "
            f"The trap is to believe: “{data['wrong']}”{cue_note}"
        )
    return (
        f"Correct: this agrees with {where}: “{data['right']}” "
        f"The misconception to avoid is: “{data['wrong']}”{cue_note}"
    )
