"""Check a learner's claim against the guide's Wrong/Right pairs, in two stages.

Stage 1 (which pair?) takes the pair whose statements (the guide's, and the extra phrasings kept in
data) are closest to the claim in the shared retrieval path; below a similarity floor the claim is
``not_covered``.

Stage 2 (which side?) cannot trust the embedding alone (see ``cues``). Each clause of the claim is
read for its negations and quantifiers. Its *content* (negations taken out) is compared with the
content of every phrasing of the pair, each phrasing counted for the side its content states (a
Wrong phrasing with one negation states Right content). A quantifier family that the pair's own
phrasings tie to one side ("only" to Wrong, "both" to Right) overrides the comparison. The claim's
negations then turn the content side once per negation.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from ingest import ServiceCatalog

from .cues import clauses, families, polarity, strip_negation
from .retrieve import PairHit, Retriever

MISCONCEPTION, CORRECT, NOT_COVERED = "misconception", "correct", "not_covered"
VERDICTS = (MISCONCEPTION, CORRECT, NOT_COVERED)

COVER_FLOOR = 0.65  # below this cosine to the nearest phrasing of any pair, the guide is silent
# A claim that names a service the guide never mentions ("ECR", "EKS") is about something else,
# unless it is this close to a phrasing of a pair.
FOREIGN_CEILING = 0.80
QUESTION_NOT_CLAIM = (
    "This reads as a question, not a claim, so there is nothing to judge: ask it in Chat (or with "
    '`ecs-tutor ask`), or state what you believe ("Fargate tasks need no servers").'
)
_TOP = 3  # a side's content score: the mean of its three closest phrasings
_OTHER = {"wrong": "right", "right": "wrong"}


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


@dataclass(frozen=True)
class _Pair:
    """A pair's phrasings, by the side their content states, embedded once."""

    vectors: np.ndarray
    content_sides: np.ndarray
    families: dict[str, str]  # quantifier family -> the side it speaks for in this pair


class ClaimChecker:
    """check(claim) over one retriever; remembers each pair's embedded phrasings."""

    def __init__(
        self,
        retriever: Retriever,
        catalog: ServiceCatalog | None = None,
        guide_services: tuple[str, ...] = (),
    ):
        self.retriever = retriever
        self._catalog = catalog
        self._guide_services = set(guide_services)
        self._pairs: dict[str, _Pair] = {}

    def check(self, claim: str) -> Verdict:
        """Decide whether ``claim`` is a known misconception, correct, or not covered."""
        if claim.rstrip().endswith("?"):  # "is Fargate serverless?" asserts nothing to judge
            return Verdict(claim, NOT_COVERED, 1.0, explanation=QUESTION_NOT_CLAIM)
        retriever = self.retriever
        parts = clauses(claim)
        contents = [strip_negation(part) for part in parts]
        # Stage 1 needs the claim's embedding and stage 2 its clauses' content: one model call for
        # both (a claim without negations or clauses is its own content, embedded once) costs
        # little more than the first alone, where a second call would cost as much again.
        texts = list(dict.fromkeys([claim, *contents]))
        rows = dict(zip(texts, retriever.embed(texts), strict=True))
        candidates = self.candidates(claim, k=1, vector=rows[claim][None, :])
        foreign = self._foreign_services(claim)
        nearest = candidates[0] if candidates else None
        if nearest is None or nearest.score < (FOREIGN_CEILING if foreign else COVER_FLOOR):
            return _not_covered(claim, retriever.graph, nearest, foreign=foreign)
        pair = nearest
        data = retriever.graph.nodes[pair.node]
        vectors = np.stack([rows[content] for content in contents])
        side, strength, cues = self._side(parts, vectors, self._pair(pair.node))
        verdict = MISCONCEPTION if side == "wrong" else CORRECT
        topical = min(1.0, (pair.score - COVER_FLOOR) / (0.85 - COVER_FLOOR))
        confidence = round(0.5 + 0.5 * topical * strength, 3)
        return Verdict(
            claim=claim,
            verdict=verdict,
            confidence=confidence,
            title=data["owner"],
            section=data["section"],
            wrong=data["wrong"],
            right=data["right"],
            explanation=_explain(verdict, data, cues),
            node=pair.node,
            similarity=pair.score,
            cues=tuple(cues),
        )

    def candidates(
        self, claim: str, k: int = 3, *, vector: np.ndarray | None = None
    ) -> list[PairHit]:
        """Stage 1: the ``k`` misconception pairs nearest to the claim, nearest first (``vector``:
        the claim's embedding, if known)."""
        return self.retriever.pairs(self.retriever.doc_hits(claim, vector=vector), k=k)

    def _foreign_services(self, claim: str) -> tuple[str, ...]:
        """AWS services the claim names that the guide never mentions."""
        if self._catalog is None:
            return ()
        return tuple(s for s in self._catalog.mentions(claim) if s not in self._guide_services)

    def _pair(self, node: str) -> _Pair:
        if node not in self._pairs:
            phrasings = self.retriever.phrasings(node)
            vectors = self.retriever.embed([strip_negation(text) for _, text in phrasings])
            sides = [
                side if polarity(text)[0] % 2 == 0 else _OTHER[side] for side, text in phrasings
            ]
            data = self.retriever.graph.nodes[node]
            tied = _family_sides(phrasings, sides, {"wrong": data["wrong"], "right": data["right"]})
            self._pairs[node] = _Pair(vectors, np.array(sides), tied)
        return self._pairs[node]

    def _side(
        self, parts: list[str], vectors: np.ndarray, pair: _Pair
    ) -> tuple[str, float, list[str]]:
        """Which side the claim takes, how clearly (0..1), and the cues that decided it.

        ``parts`` are the claim's clauses and ``vectors`` their contents' embeddings, one row
        each. A claim of several clauses is judged by its clause closest to the pair.
        """
        similarity = pair.vectors @ vectors.T
        decided: tuple[float, str, float, list[str]] | None = None
        for column, part in enumerate(parts):
            scores = {
                side: float(np.sort(similarity[pair.content_sides == side, column])[-_TOP:].mean())
                for side in ("wrong", "right")
            }
            content = max(scores, key=scores.get)
            margin = min(1.0, abs(scores["wrong"] - scores["right"]) / 0.1)
            negations, cues = polarity(part)
            rank = max(scores.values())
            told = {pair.families[f] for f in families(part) if f in pair.families}
            if len(told) == 1:  # a quantifier this pair ties to one side settles the content,
                content, margin = told.pop(), 1.0  # and its clause speaks for the claim
                cues = cues + sorted(f for f in families(part) if f in pair.families)
                rank += 1.0
            side = content if negations % 2 == 0 else _OTHER[content]
            if decided is None or rank > decided[0]:
                decided = (rank, side, margin, cues)
        _, side, margin, cues = decided
        return side, margin, cues


def _family_sides(
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
            mine, theirs = tally[side], tally[_OTHER[side]]
            if mine >= 2 and mine >= 3 * theirs:
                if family in families(guide[side]) or (theirs == 0 and mine >= 3):
                    tied[family] = side
    return tied


def _not_covered(
    claim: str, graph: nx.DiGraph, nearest: PairHit | None, *, foreign: tuple[str, ...] = ()
) -> Verdict:
    if nearest is None:
        return Verdict(claim, NOT_COVERED, 1.0, explanation="The guide has no misconception pairs.")
    data = graph.nodes[nearest.node]
    closest = f"**{data['owner']}** ({data['section']}), at similarity {nearest.score:.2f}"
    if foreign:
        confidence = round(min(1.0, 0.5 + (FOREIGN_CEILING - nearest.score)), 3)
        explanation = (
            f"The guide does not cover this claim, so I cannot judge it: it is about "
            f"{', '.join(foreign)}, which the guide never mentions. The closest topic is {closest}."
        )
    else:
        confidence = round(min(1.0, 0.5 + (COVER_FLOOR - nearest.score)), 3)
        explanation = (
            f"The guide does not cover this claim, so I cannot judge it. The closest topic is "
            f"{closest}, below the {COVER_FLOOR:.2f} needed to compare it with a known "
            "misconception."
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
