"""The naive set-up the tutor must beat: the guide cut into chunks by a LangChain text splitter,
embedded with the same model into a flat faiss index, and, for claims, the nearest of the guide's
Wrong/Right sentences taken as the verdict."""

from __future__ import annotations

import bisect
from pathlib import Path

import faiss
import numpy as np
from langchain_text_splitters import RecursiveCharacterTextSplitter

from ingest import Guide, Item, Scenario
from ingest.merge import part_sources
from tutor.search.embed import Embedder

CHUNK_SIZE, CHUNK_OVERLAP = 500, 50
# Below this cosine to the nearest Wrong/Right sentence the baseline says not_covered. Chosen on
# the development claims (data/train) by the same sweep as the tutor's floor.
BASELINE_FLOOR = 0.55


class NaiveBaseline:
    """Chunk-and-FAISS over the raw guide text; answers the same questions as ``Tutor``."""

    name = "baseline"

    def __init__(self, guide: Guide, embedder: Embedder, *, floor: float = BASELINE_FLOOR):
        splitter = RecursiveCharacterTextSplitter(
            chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True
        )
        self._chunk_titles: list[list[str]] = []
        contents: list[str] = []
        for part, source in part_sources(guide):  # each guide's own file, cut alone
            text = Path(source).read_text(encoding="utf-8")
            everything: list[Item | Scenario] = [*guide.items, *guide.scenarios]
            concepts = sorted(
                (c for c in everything if not guide.parts or c.guide == part),
                key=lambda c: c.line,
            )
            starts, titles = [c.line for c in concepts], [c.title for c in concepts]
            for chunk in splitter.create_documents([text]):
                first = text.count("\n", 0, chunk.metadata["start_index"]) + 1
                last = first + chunk.page_content.count("\n")
                self._chunk_titles.append(_titles_between(starts, titles, first, last))
                contents.append(chunk.page_content)
        self._embedder = embedder
        self._chunks = _flat_index(embedder(contents))
        self._sentences = [
            (statement, side, pair.owner)
            for pair in guide.pairs
            for statement, side in ((pair.wrong, "wrong"), (pair.right, "right"))
        ]
        self._sentence_index = _flat_index(embedder([s for s, _, _ in self._sentences]))
        self.floor = floor

    def rank_titles(self, question: str, k: int = 10) -> list[str]:
        """Titles of the concepts in the nearest chunks, nearest chunk first."""
        _, ids = self._chunks.search(self._embedder([question]), min(k, self._chunks.ntotal))
        ranked: list[str] = []
        for i in ids[0]:
            ranked.extend(t for t in self._chunk_titles[i] if t not in ranked)
        return ranked[:k]

    def rank_pairs(self, claim: str, k: int = 10) -> list[str]:
        """Owners of the nearest Wrong/Right sentences, nearest first."""
        _, ids = self._sentence_index.search(self._embedder([claim]), self._sentence_index.ntotal)
        ranked: list[str] = []
        for i in ids[0]:
            owner = self._sentences[i][2]
            if owner not in ranked:
                ranked.append(owner)
        return ranked[:k]

    def judge(self, claim: str) -> tuple[str, str | None, float, str | None]:
        """(verdict, owning title or None, confidence, no certainty): the side of the nearest
        sentence."""
        scores, ids = self._sentence_index.search(self._embedder([claim]), 1)
        score, (_, side, owner) = float(scores[0][0]), self._sentences[ids[0][0]]
        if score < self.floor:
            return "not_covered", None, min(1.0, 0.5 + self.floor - score), None
        verdict = "misconception" if side == "wrong" else "correct"
        return verdict, owner, min(1.0, 0.5 + (score - self.floor)), None


def _titles_between(starts: list[int], titles: list[str], first: int, last: int) -> list[str]:
    """The concepts (starting at lines ``starts``) whose text overlaps lines first..last."""
    lo = max(0, bisect.bisect_right(starts, first) - 1)
    hi = bisect.bisect_right(starts, last)
    return titles[lo:hi] if hi > lo else []


def _flat_index(vectors: np.ndarray) -> faiss.IndexFlatIP:
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index
