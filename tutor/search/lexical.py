"""BM25 over the same texts as the faiss index: the exact-word evidence a small dense model blurs
("EBS" vs "EFS", "Kinesis", "X-Ray")."""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Words too common to tell texts apart; negations stay out too, since side is decided elsewhere.
_STOP = frozenset(
    "a an the and or of to in on for with by at from as is are be been being was were it its this "
    "that these those can could should would will may might must do does did has have had not no "
    "never n't you your i my we our they their them he she his her than then so such into onto "
    "over under about all any some only just also too very more most".split()
)


def tokens(text: str) -> list[str]:
    """Lower-case words without stop words: "The EBS volumes" -> ["ebs", "volumes"]."""
    return [word for word in _WORD.findall(text.lower()) if word not in _STOP]


class BM25:
    """Okapi BM25 over a fixed list of texts.

    Each word's postings are two arrays, the texts that use it and what it adds to their scores,
    computed once: a query costs a few numpy operations per word, not a Python loop per posting.
    """

    def __init__(self, texts: list[str], *, k1: float = 1.5, b: float = 0.75):
        docs = [Counter(tokens(text)) for text in texts]
        self._size = len(docs)
        lengths = np.array([sum(doc.values()) for doc in docs], dtype=np.float32)
        average = float(lengths.mean()) if len(docs) else 0.0
        frequency = Counter(word for doc in docs for word in doc)
        self._idf = {
            w: math.log(1 + (self._size - f + 0.5) / (f + 0.5)) for w, f in frequency.items()
        }
        positions: dict[str, list[int]] = {}
        counts: dict[str, list[int]] = {}
        for position, doc in enumerate(docs):
            for word, tf in doc.items():
                positions.setdefault(word, []).append(position)
                counts.setdefault(word, []).append(tf)
        norms = k1 * (1 - b + b * lengths / average) if len(docs) else lengths
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for word, where in positions.items():
            ids = np.array(where, dtype=np.int64)
            frequencies = np.array(counts[word], dtype=np.float32)
            weights = self._idf[word] * frequencies * (k1 + 1) / (frequencies + norms[ids])
            self._postings[word] = (ids, weights.astype(np.float32))
        self.k1, self.b = k1, b

    def scores(self, query: str) -> np.ndarray:
        """One score per text, 0 where the text shares no word with the query."""
        found = [self._postings[w] for w in set(tokens(query)) if w in self._postings]
        if not found:
            return np.zeros(self._size, dtype=np.float32)
        ids = np.concatenate([ids for ids, _ in found])
        weights = np.concatenate([weights for _, weights in found])
        # A text that has several query words adds them all; bincount sums in one pass (np.add.at
        # does the same an order of magnitude slower on long postings).
        return np.bincount(ids, weights=weights, minlength=self._size).astype(np.float32)
