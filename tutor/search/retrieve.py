"""The one retrieval path: dense hits from faiss, lifted onto the graph's concepts and pairs.

A doc hit (an example, a Wrong statement, a step…) counts for the concept that owns it: the item
it illustrates or belongs to, the worked scenario of a step, the section of an overview paragraph.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import networkx as nx
import numpy as np

from kg.build import (
    HAS_MISCONCEPTION,
    ILLUSTRATES,
    MISCONCEPTION,
    SCENARIO,
    STEP,
    STEP_OF,
    title_words,
)
from tutor.search.embed import Embedder
from tutor.search.index import PARAPHRASE, Doc, VectorIndex, side_of
from tutor.search.lexical import BM25

# A hit on a concept's own description is the strongest evidence; its misconceptions and
# examples speak for it nearly as well; a worked scenario's single step less so.
_FIELD_WEIGHT = {"item": 1.0, "worked": 1.0, "example": 0.97, "wrong": 0.97, "right": 0.97}
_DEFAULT_WEIGHT = 0.92
_SUPPORT_BONUS = 0.02  # per extra doc of the same concept among the hits, at most two
# A query that names a concept's whole title ("what is a task definition?") is about that concept;
# longer titles named in full are more specific ("Task Definitions" over "Tasks").
_TITLE_BONUS_PER_WORD, _TITLE_BONUS_MAX = 0.06, 0.15
_GENERIC_TITLE_WORDS = {"amazon", "aws"}
# "What is X?", "what are the Xs", "define X", "tell me about X": a question asking what X is.
_DEFINITION = re.compile(
    r"^\s*(?:what(?:'s|s|\s+is|\s+are)|define|explain|describe|tell\s+me\s+about)\s+"
    r"(?:an?\s+|the\s+)?(?P<subject>.+?)[\s?.!]*$",
    re.IGNORECASE,
)
# How much the best lexical (BM25) match adds to a cosine, chosen on the development sets
# (data/train: ask recall@3 0.93 -> 0.98, pair recall@1 0.95 -> 0.96).
_LEXICAL_WEIGHT = 0.15


@dataclass(frozen=True)
class DocHit:
    """A text near a query: ``score`` ranks (dense + lexical), ``dense`` is the cosine alone."""

    doc: Doc
    score: float
    dense: float


@dataclass(frozen=True)
class Hit:
    """A concept that answers a query: an item, a worked scenario or a section."""

    node: str
    title: str
    section: str
    kind: str
    score: float
    matched: str = ""
    dense: float = 0.0  # the cosine of the concept's closest text, without the lexical share
    # The concept's guide and documentation page, as plain text ("" / None when it has none).
    guide: str = ""
    source: str | None = None

    def to_dict(self) -> dict:
        return {
            "title": self.title,
            "section": self.section,
            "kind": self.kind,
            "score": round(self.score, 4),
            "guide": self.guide or None,
            "source": self.source,
        }


@dataclass(frozen=True)
class PairHit:
    """A misconception pair close to a claim: ``score`` is the cosine to its closest phrasing
    (what decides whether the guide covers the claim), ``rank`` what ordered the pairs."""

    node: str
    score: float
    rank: float


class Retriever:
    """Embeds a query once and answers both concept and pair look-ups from the same faiss hits."""

    def __init__(
        self,
        graph: nx.DiGraph,
        index: VectorIndex,
        embedder: Embedder,
        *,
        uncovered: tuple[str, ...] = (),
    ):
        self.graph = graph
        self.index = index
        self.embedder = embedder
        # Claims labelled as outside the guide: not indexed (they answer nothing), but the claim
        # checker compares a claim with them to tell a near-topic claim from a covered one.
        self.uncovered = uncovered
        self._owner = {doc.node: owner_of(graph, doc.node) for doc in index.docs}
        self._phrasings: dict[str, list[tuple[str, str]]] = {}
        for doc in index.docs:
            if side := side_of(doc.field):
                self._phrasings.setdefault(doc.node, []).append((side, doc.text))
        self._bm25 = BM25([doc.text for doc in index.docs])
        self._titles = {
            node: frozenset(title_words(graph.nodes[node]["label"])) - _GENERIC_TITLE_WORDS
            for node in set(self._owner.values())
        }
        # A query names a title only if it has all the title's words, so it must have the title's
        # rarest word: each title is filed under that one word, and a query looks at its words'.
        frequency = Counter(word for words in self._titles.values() for word in words)
        self._titles_by_word: dict[str, list[str]] = {}
        for node, words in self._titles.items():
            if words:
                rarest = min(words, key=lambda w: (frequency[w], w))
                self._titles_by_word.setdefault(rarest, []).append(node)

    def embed(self, texts: list[str]) -> np.ndarray:
        """The texts' embeddings: those the index holds as stored, the others from the model."""
        rows = [self.index.stored(text) for text in texts]
        missing = [text for text, row in zip(texts, rows, strict=True) if row is None]
        if len(missing) == len(texts):
            return self.embedder(texts)
        fresh = dict(zip(missing, self.embedder(missing), strict=True)) if missing else {}
        pairs = zip(texts, rows, strict=True)
        return np.stack([fresh[text] if row is None else row for text, row in pairs])

    def doc_hits(
        self, query: str, *, fanout: int = 40, vector: np.ndarray | None = None
    ) -> list[DocHit]:
        """The ``fanout`` texts nearest to ``query`` by meaning, ranked by meaning plus a share of
        BM25 (scaled to the query's best lexical match) for the exact words they share.
        ``vector`` is the query's embedding (one row) when the caller has embedded it already."""
        (row,) = self.index.search(self.embed([query]) if vector is None else vector, fanout)
        lexical = self._bm25.scores(query)
        top = float(lexical.max()) if len(lexical) else 0.0
        scale = _LEXICAL_WEIGHT / top if top > 0 else 0.0
        hits = [DocHit(self.index.docs[i], dense + scale * lexical[i], dense) for i, dense in row]
        return sorted(hits, key=lambda hit: -hit.score)

    def concepts(self, hits: list[DocHit], *, k: int = 5, query: str = "") -> list[Hit]:
        """Concepts ranked by their best weighted doc, plus a little for further supporting docs
        and for a query that names the concept's title."""
        best: dict[str, tuple[float, str]] = {}
        support: dict[str, int] = {}
        dense: dict[str, float] = {}
        for hit in hits:
            owner = self._owner[hit.doc.node]
            field = hit.doc.field.removesuffix(PARAPHRASE)  # weighs as the text it rephrases
            score = hit.score * _FIELD_WEIGHT.get(field, _DEFAULT_WEIGHT)
            if owner not in best or score > best[owner][0]:
                best[owner] = (score, hit.doc.field)
            support[owner] = support.get(owner, 0) + 1
            dense[owner] = max(dense.get(owner, -1.0), hit.dense)
        named = self._named_titles(query)
        ranked = sorted(
            (
                (
                    score + _SUPPORT_BONUS * min(support[node] - 1, 2) + named.get(node, 0.0),
                    node,
                    field,
                )
                for node, (score, field) in best.items()
            ),
            key=lambda row: (-row[0], row[1]),
        )
        return [self._hit(node, score, field, dense[node]) for score, node, field in ranked[:k]]

    def pairs(self, hits: list[DocHit], *, k: int = 5) -> list[PairHit]:
        """Misconception pairs ranked by their closest phrasing. (No title bonus here: claims
        name "IAM roles" and "tasks" whichever of the guide's IAM items they are about.)"""
        best: dict[str, tuple[float, float]] = {}  # pair -> (best rank score, best cosine)
        for hit in hits:
            if side_of(hit.doc.field):
                rank, dense = best.get(hit.doc.node, (-1.0, -1.0))
                best[hit.doc.node] = (max(rank, hit.score), max(dense, hit.dense))
        ranked = sorted(
            (PairHit(node, dense, rank) for node, (rank, dense) in best.items()),
            key=lambda p: (-p.rank, p.node),
        )
        return ranked[:k]

    def phrasings(self, pair: str) -> list[tuple[str, str]]:
        """Every (side, text) written for a misconception pair: the guide's and the extra ones."""
        return self._phrasings[pair]

    def search(self, query: str, *, k: int = 5) -> list[Hit]:
        """The ``k`` concepts that best answer ``query``."""
        return self.concepts(self.doc_hits(query), k=k, query=query)

    def defined(self, query: str) -> str | None:
        """The concept a definition question asks about ("what is ENI trunking?"): the one
        whose title is exactly the question's subject, words for words (none if it is no such
        question, or its subject is more or less than a title)."""
        found = _DEFINITION.match(query)
        if found is None:
            return None
        words = frozenset(title_words(found["subject"])) - _GENERIC_TITLE_WORDS
        named = [node for node, title in self._titles.items() if title and title == words]
        return named[0] if len(named) == 1 else None

    def _named_titles(self, query: str) -> dict[str, float]:
        """Bonus for concepts whose whole title the query names, unless a longer named title
        contains it ("what is a task definition" names Task Definitions, not also Tasks)."""
        words = set(title_words(query))
        named = {
            node: self._titles[node]
            for word in words
            for node in self._titles_by_word.get(word, ())
            if words.issuperset(self._titles[node])
        }
        return {
            node: min(_TITLE_BONUS_MAX, _TITLE_BONUS_PER_WORD * len(t))
            for node, t in named.items()
            if not any(t < other for other in named.values())
        }

    def _hit(self, node: str, score: float, field: str, dense: float) -> Hit:
        data = self.graph.nodes[node]
        kind = (
            "worked scenario" if data.get("kind") == "worked" else data.get("kind") or data["type"]
        )
        return Hit(
            node,
            data["label"],
            data["section"],
            kind,
            float(score),
            field,
            float(dense),
            guide=data.get("guide", ""),
            source=data.get("source"),
        )


def owner_of(graph: nx.DiGraph, node: str) -> str:
    """The concept a doc node speaks for: itself for items, worked scenarios and sections."""
    data = graph.nodes[node]
    kind = data["type"]
    if kind == MISCONCEPTION:
        return next(
            u for u, _, r in graph.in_edges(node, data="relation") if r == HAS_MISCONCEPTION
        )
    if kind == SCENARIO and data["kind"] == "example":
        return next(v for _, v, r in graph.out_edges(node, data="relation") if r == ILLUSTRATES)
    if kind == STEP:
        return next(v for _, v, r in graph.out_edges(node, data="relation") if r == STEP_OF)
    return node  # items, worked scenarios, sections
