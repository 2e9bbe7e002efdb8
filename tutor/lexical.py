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
    """Okapi BM25 over a fixed list of texts."""

    def __init__(self, texts: list[str], *, k1: float = 1.5, b: float = 0.75):
        self._docs = [Counter(tokens(text)) for text in texts]
        self._lengths = np.array([sum(doc.values()) for doc in self._docs], dtype=np.float32)
        self._average = float(self._lengths.mean()) if len(self._docs) else 0.0
        frequency = Counter(word for doc in self._docs for word in doc)
        n = len(self._docs)
        self._idf = {w: math.log(1 + (n - f + 0.5) / (f + 0.5)) for w, f in frequency.items()}
        self._postings: dict[str, list[int]] = {}
        for position, doc in enumerate(self._docs):
            for word in doc:
                self._postings.setdefault(word, []).append(position)
        self.k1, self.b = k1, b

    def scores(self, query: str) -> np.ndarray:
        """One score per text, 0 where the text shares no word with the query."""
        out = np.zeros(len(self._docs), dtype=np.float32)
        for word in set(tokens(query)):
            idf = self._idf.get(word)
            if idf is None:
                continue
            for position in self._postings[word]:
                tf = self._docs[position][word]
                norm = self.k1 * (1 - self.b + self.b * self._lengths[position] / self._average)
                out[position] += idf * tf * (self.k1 + 1) / (tf + norm)
        return out
