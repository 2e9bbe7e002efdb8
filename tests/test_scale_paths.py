"""The indexed paths that replaced per-query and pairwise scans give exactly the old results.

Each test keeps a copy of the old, obviously-correct implementation as its oracle: related-concept
linking (``kg/build.py``), BM25 scores (``tutor/lexical.py``), the title bonus
(``tutor/retrieve.py``); and a check embeds its claim and clauses in one model call.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from types import SimpleNamespace

import networkx as nx
import numpy as np
import pytest

from ingest import parse_guide
from kg import build
from kg.build import ITEM, RELATED_TO, title_words
from tutor.check.claims import ClaimChecker
from tutor.dev.synth import synthetic_guide
from tutor.search.index import documents
from tutor.search.lexical import BM25, tokens
from tutor.search.retrieve import _GENERIC_TITLE_WORDS, Retriever

# --- the old implementations, kept as oracles ---------------------------------------------------


def _contains(outer: tuple[str, ...], inner: tuple[str, ...]) -> bool:
    n = len(inner)
    return n > 0 and any(outer[i : i + n] == inner for i in range(len(outer) - n + 1))


def _pairwise_link_related(graph: nx.DiGraph, guide) -> None:
    concepts, steps, catalog_titles = build.linkable_titles(graph, guide)
    subject = set(title_words(guide.title)) - {"amazon", "aws"}
    for i, (a, words_a) in enumerate(concepts):
        for b, words_b in concepts[i + 1 :]:
            shared = catalog_titles.get(a, set()) & catalog_titles.get(b, set())
            two_words = len((set(words_a) & set(words_b)) - subject) >= 2
            if _contains(words_a, words_b) or _contains(words_b, words_a) or shared or two_words:
                graph.add_edge(a, b, relation=RELATED_TO)
    for step, words in steps:
        for concept, concept_words in concepts:
            if graph.nodes[concept]["type"] == ITEM and (
                _contains(words, concept_words) or _contains(concept_words, words)
            ):
                graph.add_edge(step, concept, relation=RELATED_TO)


class _LoopBM25:
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


def _scanned_titles(titles: dict[str, frozenset[str]], query: str) -> dict[str, float]:
    words = set(title_words(query))
    named = {node: t for node, t in titles.items() if t and words.issuperset(t)}
    return {
        node: min(0.15, 0.06 * len(t))
        for node, t in named.items()
        if not any(t < other for other in named.values())
    }


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def three_chapters():
    return parse_guide(synthetic_guide(3, seed=11), source="synthetic.md")


@pytest.fixture(params=["ecs", "synthetic-3x"])
def any_guide(request, guide, three_chapters):
    return guide if request.param == "ecs" else three_chapters


def _random_queries(texts: list[str], count: int, *, seed: int) -> list[str]:
    """Queries of 1-12 words drawn from the texts' own words, some unknown, some repeated."""
    rng = random.Random(seed)
    vocabulary = sorted({w for text in texts for w in text.split()})
    unknown = ["zzyzx", "quux", "frobnicate", "EBS", "X-Ray", "the", "not"]
    return [
        " ".join(rng.choice(vocabulary + unknown) for _ in range(rng.randint(1, 12)))
        for _ in range(count)
    ] + ["", "the and of"]


# --- kg/build.py: related_to edges --------------------------------------------------------------


@pytest.mark.parametrize(("which", "count"), [("ecs", 31), ("synthetic-3x", 9)])
def test_related_edges_are_those_of_the_pairwise_scan_in_the_same_order(
    which, count, guide, three_chapters, monkeypatch
):
    source = guide if which == "ecs" else three_chapters
    indexed = build.build_graph(source)
    monkeypatch.setattr(build, "_link_related", _pairwise_link_related)
    pairwise = build.build_graph(source)
    related = [e for e in indexed.edges(data="relation") if e[2] == RELATED_TO]
    assert len(related) == count
    assert list(indexed.edges(data=True)) == list(pairwise.edges(data=True))


# --- tutor/lexical.py: BM25 ---------------------------------------------------------------------


def test_bm25_scores_equal_the_posting_loop_on_random_queries(any_guide):
    texts = [doc.text for doc in documents(build.build_graph(any_guide))]
    fast, loop = BM25(texts), _LoopBM25(texts)
    for query in _random_queries(texts, 300, seed=3):
        got, want = fast.scores(query), loop.scores(query)
        assert got.dtype == want.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
        assert (got > 0).tolist() == (want > 0).tolist()


def test_bm25_of_no_texts_scores_nothing():
    assert BM25([]).scores("task definition").shape == (0,)


def test_bm25_counts_a_repeated_query_word_once():
    bm25 = BM25(["EBS volume", "EFS volume", "EBS EBS snapshot"])
    np.testing.assert_array_equal(bm25.scores("EBS EBS"), bm25.scores("EBS"))
    assert bm25.scores("EBS")[1] == 0.0


# --- tutor/retrieve.py: the title bonus ---------------------------------------------------------


def test_named_titles_equal_the_scan_of_every_title(any_guide):
    graph = build.build_graph(any_guide)
    docs = documents(graph)
    retriever = Retriever(graph, SimpleNamespace(docs=docs), embedder=None)
    titles = {
        node: frozenset(title_words(graph.nodes[node]["label"])) - _GENERIC_TITLE_WORDS
        for node in set(retriever._owner.values())
    }
    labels = [graph.nodes[node]["label"] for node in titles]
    rng = random.Random(5)
    queries = [f"what is a {label}?" for label in labels]
    queries += [
        f"{a} versus {b}" for a, b in zip(labels, rng.sample(labels, len(labels)), strict=True)
    ]
    queries += _random_queries(labels, 300, seed=5)
    named = 0
    for query in queries:
        want = _scanned_titles(titles, query)
        assert retriever._named_titles(query) == want
        named += bool(want)
    assert named > len(labels)


# --- tutor/claims.py: one model call per check --------------------------------------------------


class _CallCounter:
    """The real model, recording each call's texts."""

    def __init__(self, inner):
        self.inner, self.name, self.dim, self.calls = inner, inner.name, inner.dim, []

    def __call__(self, texts):
        self.calls.append(list(texts))
        return self.inner(texts)


@pytest.mark.parametrize(
    ("claim", "texts"),
    [
        (
            "Fargate tasks can use EFS volumes for persistent storage.",
            ["Fargate tasks can use EFS volumes for persistent storage."],
        ),
        (  # negated: its content alone, not the claim as well
            "Fargate tasks cannot use EFS volumes for persistent storage.",
            ["Fargate tasks can use EFS volumes for persistent storage."],
        ),
        (  # two clauses: the whole content and each clause's, in the same call
            "Fargate tasks can't use EFS volumes, but EC2 tasks can mount them.",
            [
                "Fargate tasks can use EFS volumes, but EC2 tasks can mount them.",
                "Fargate tasks can use EFS volumes",
                "but EC2 tasks can mount them.",  # the comma splits first
            ],
        ),
    ],
)
def test_a_check_embeds_the_claims_content_in_one_call_each_once(tutor, claim, texts):
    counter = _CallCounter(tutor.retriever.embedder)
    retriever = Retriever(tutor.graph, tutor.index, counter, uncovered=tutor.retriever.uncovered)
    checker = ClaimChecker(retriever)
    first = checker.check(claim)  # also embeds the nearest pair's phrasings and the uncovered, once
    counter.calls.clear()
    again = checker.check(claim)
    assert counter.calls == [texts]
    assert first == again == tutor.checker.check(claim)
    assert first.verdict in ("misconception", "correct")
