"""The Tutor: one object that holds the guide, its graph, the index and the model, and answers."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import replace
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from ingest import (
    Guide,
    Paraphrases,
    ServiceCatalog,
    load_catalog,
    load_examples,
    load_paraphrases,
    load_questions,
    paraphrases_path,
    read_studied_guides,
)
from kg import ConceptNotFound, build_graph, find_concept
from tutor.answerable import AnswerModel, home_services, question_features, unknown_share
from tutor.answerable import shipped as shipped_answer_model
from tutor.check.claims import ClaimChecker, Verdict, texts_to_store
from tutor.check.comparatives import shipped as shipped_comparatives
from tutor.check.nli import nli_from_settings
from tutor.check.trust import Signals
from tutor.compose import Answer, compose_answer
from tutor.config import Settings, settings_from_env
from tutor.errors import BadInput
from tutor.explore import (
    MEANING_FLOOR,
    ConceptMatch,
    Exploration,
    Relation,
    explore_node,
    find_concepts,
    named_concept,
    relate_nodes,
)
from tutor.normalise import FILLER, Normaliser, spelling_fixes
from tutor.search.embed import Embedder, embedder_for
from tutor.search.index import Lap, VectorIndex, open_index
from tutor.search.retrieve import Hit, Retriever

MAX_INPUT_CHARS = 2000  # a question or claim longer than this is refused, not truncated

_WORD = re.compile(r"\w+")


def clean_input(text: str, *, what: str = "question") -> str:
    """The text in NFKC form, control characters removed and spaces folded.

    ``BadInput`` if it is not text, longer than ``MAX_INPUT_CHARS``, has no letters or digits, or
    has only words like "what is it" that name no topic:
    " What\\x00 is  ＥＣＳ? " -> "What is ECS?".
    """
    if not isinstance(text, str):
        raise BadInput(f"the {what} must be text")
    if len(text) > MAX_INPUT_CHARS:
        raise BadInput(f"the {what} is {len(text)} characters long; the limit is {MAX_INPUT_CHARS}")
    # NFKC first: it folds full-width letters ("ＥＣＳ" -> "ECS") and may itself make spaces.
    kept = unicodedata.normalize("NFKC", text)
    kept = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in kept)
    kept = " ".join(kept.split())
    if not any(ch.isalnum() for ch in kept):
        raise BadInput(f"the {what} is empty: type a few words")
    words = _WORD.findall(kept.casefold())
    if all(word in FILLER for word in words):
        raise BadInput(f"the {what} has only words like 'what' and 'is': say what it is about")
    return kept


def phrasings(settings: Settings, guide: Guide) -> Paraphrases:
    """Everything indexed beside the guides' own text: their teachers' phrasings, then the
    labelled claims and questions the settings name (the claims labelled ``not_covered`` kept
    apart). ``guide``: the settings' guides, read and merged."""
    found = Paraphrases()
    for path in settings.guides:
        found = found.merged(load_paraphrases(paraphrases_path(path), guide))
    for examples in settings.examples_paths():
        found = found.merged(load_examples(examples, guide))
    for questions in settings.questions_paths():
        found = found.merged(load_questions(questions, guide))
    return found


def guides_sha256(paths: tuple[Path, ...]) -> str:
    """One digest of the guides' files, in order (the index manifest records it)."""
    if len(paths) == 1:
        return hashlib.sha256(Path(paths[0]).read_bytes()).hexdigest()
    digest = hashlib.sha256()
    for path in paths:
        digest.update(hashlib.sha256(Path(path).read_bytes()).digest())
    return digest.hexdigest()


def _answer_model_for(embedder: Embedder) -> AnswerModel | None:
    """The shipped answer model if it was fitted on ``embedder``'s vectors, else None (ask then
    falls back to its cosine floor): its weights mean nothing for another model's."""
    model = shipped_answer_model()
    if model is not None and model.dimensions and model.embedder != getattr(embedder, "name", None):
        return None
    return model


class Tutor:
    """ask / check / explore over the guides studied together (``ingest.merge``: one guide
    record, one graph, one index). Build it with ``Tutor.open()``."""

    def __init__(
        self,
        guide: Guide,
        graph: nx.DiGraph,
        index: VectorIndex,
        embedder: Embedder,
        catalog: ServiceCatalog | None = None,
        *,
        llm: Any = None,
        side: str | None = None,
        nli: Any = None,
        uncovered: tuple[str, ...] = (),
        answer_model: AnswerModel | None = None,
    ):
        self.guide = guide
        self.llm = llm  # an optional LangChain chat model that words answers (tutor/llm.py)
        self.graph = graph
        self.index = index
        self.catalog = catalog
        # uncovered: claims labelled as outside the guide (the labelled examples' not_covered ones)
        self.retriever = Retriever(graph, index, embedder, uncovered=uncovered)
        # side: "rules" or "model" (None: as the shipped model file says); nli: a scorer or None
        self.checker = ClaimChecker(self.retriever, catalog, guide.services, side=side, nli=nli)
        # What the learner typed is read with the guide's spelling (tutor/normalise.py); what
        # they typed is what is shown back.
        self.normalise = Normaliser(_guide_texts(guide))
        self.answer_model = answer_model
        self._home = home_services(guide, catalog)  # what the guides are about (ask: away)

    @classmethod
    def open(
        cls,
        settings: Settings | None = None,
        *,
        embedder: Embedder | None = None,
        rebuild: bool = False,
        llm: Any = None,
        lap: Lap | None = None,
        guide: Guide | None = None,
    ) -> Tutor:
        """Parse the guides, merge them, build the graph, and load (or build) the index for it.
        ``lap`` hears each phase's name as it ends (``index.Lap``). ``guide``: the settings'
        guides already parsed (an upload is parsed in a child process, ``ingest.isolated``,
        never here)."""
        settings = settings or settings_from_env()
        catalog = load_catalog(settings.aliases)
        guide = guide or read_studied_guides(settings.guides, catalog=catalog)
        if lap:
            lap("parse")
        graph = build_graph(guide)
        if lap:
            lap("graph")
        paraphrases = phrasings(settings, guide)
        embedder = embedder or embedder_for(settings)
        index = open_index(
            graph,
            embedder,
            settings.cache_dir,
            paraphrases=paraphrases,
            guide_sha256=guides_sha256(settings.guides),
            rebuild=rebuild,
            extras_of=lambda docs: texts_to_store(docs, paraphrases.uncovered),
            lap=lap,
        )
        nli = nli_from_settings(settings.nli)
        return cls(
            guide,
            graph,
            index,
            embedder,
            catalog,
            llm=llm,
            side=settings.side,
            nli=nli,
            uncovered=paraphrases.uncovered,
            answer_model=_answer_model_for(embedder),
        )

    def search(self, query: str, *, k: int = 5) -> list[Hit]:
        return self.retriever.search(self.normalise(clean_input(query, what="query")), k=k)

    def ask(self, question: str, *, k: int = 5) -> Answer:
        """A grounded answer in markdown, with its sources in order of relevance."""
        question = clean_input(question, what="question")
        read = self.normalise(question)
        hits = self.retriever.search(read, k=k)
        covered, confidence = self._answerable(read, hits)
        certainty = None
        if covered and self.answer_model is not None and confidence is not None:
            certainty = "sure" if confidence >= self.answer_model.sure else "unsure"
        answer = compose_answer(
            question,
            hits,
            self.graph,
            covered=covered,
            confidence=confidence,
            certainty=certainty,
        )
        if self.llm is None:
            return answer
        from tutor.llm import reword  # LangChain's message types load only when an LLM is used

        return reword(self.llm, answer, self.graph)

    def _answerable(self, question: str, hits: list[Hit]) -> tuple[bool | None, float | None]:
        """Whether the guide answers the question, and how likely, by the fitted answer model
        (``tutor.answerable``); ``(None, None)`` without one (a cosine floor decides). A question
        asking what an item is, naming its whole title, is answered by that item's description:
        covered, at least at the sure level (all 9 such labelled questions were answered right;
        the model put 5 below it, among them "What is Fargate?")."""
        if self.answer_model is None:
            return None, None
        p = self.answer_model.probability(self.answer_features(question, hits))
        if hits and self.retriever.defined(question) == hits[0].node:
            return True, max(p, self.answer_model.sure)
        covered = p >= self.answer_model.threshold
        return covered, p if covered else 1.0 - p

    def answer_features(self, question: str, hits: list[Hit]) -> np.ndarray:
        """What the answer model weighs for a question (as read) and its hits
        (``answerable.FEATURES``); the fit (``tutor.dev.fit_answer``) reads questions through it."""
        dense = sorted((hit.dense for hit in hits), reverse=True)
        named = tuple(self.catalog.mentions(question)) if self.catalog else ()
        foreign = bool(self.checker.foreign_services(question, named))
        away = bool(named) and not set(named) & self._home
        vector = self.retriever.embed([question])[0]  # the search's own, from the cache
        vocabulary = self.normalise.vocabulary
        outside = self.checker.nearest_uncovered(vector)
        return question_features(
            dense, foreign, away, question, vocabulary, vector, outside=outside
        )

    def check(self, claim: str) -> Verdict:
        """``misconception``, ``correct`` or ``not_covered``, with the pair and an explanation."""
        typed = clean_input(claim, what="claim")
        verdict = self.checker.check(*self.read_claim(typed), typed=typed)
        return verdict if verdict.claim == typed else replace(verdict, claim=typed)

    def read_claim(self, typed: str) -> tuple[str, Signals]:
        """The claim as the checker reads it: spelt as the guide spells (contractions restored),
        then as asserted (a comparative in its scale's direction); and what that reading showed,
        for the trust model."""
        spelt = self.normalise(typed)
        read = read_comparative(spelt)
        if read != spelt:
            comparative = "read"
        else:
            comparative = "unread" if shipped_comparatives().mentions(spelt) else "none"
        return read, Signals(
            unknown=unknown_share(spelt, self.normalise.vocabulary),
            fixes=spelling_fixes(typed, spelt),
            comparative=comparative,
        )

    def explore(self, concept: str) -> Exploration:
        """A concept by name, alias or node id; a name that is none of these and not spelt close
        to one is looked up by meaning instead."""
        concept = clean_input(concept, what="concept")
        node = named_concept(self.graph, concept, self.catalog)
        if node:
            return explore_node(self.graph, node)
        node, by_meaning = self._find(concept)
        return explore_node(self.graph, node, matched_by_meaning=by_meaning)

    def relate(self, a: str, b: str) -> Relation:
        """How two concepts relate: the path between them in the graph, each hop explained.
        Each must be named outright (name, alias or node id): ``ConceptNotFound``, with the
        closest concepts as suggestions, for anything else — a path is never drawn between
        stand-ins."""
        ends = []
        for concept in (a, b):
            concept = clean_input(concept, what="concept")
            node = named_concept(self.graph, concept, self.catalog)
            if not node:
                close = [match.label for match in self.find_concepts(concept, k=5)]
                raise ConceptNotFound(concept, close)
            ends.append(node)
        return relate_nodes(self.graph, ends[0], ends[1], self.catalog)

    def find_concepts(self, text: str, *, k: int = 8) -> list[ConceptMatch]:
        """The concepts ``text`` may mean, surest first: by name, alias, spelling, meaning."""
        text = clean_input(text, what="concept")
        return find_concepts(
            self.graph,
            text,
            catalog=self.catalog,
            respell=self.normalise,
            search=lambda query, k: self.retriever.search(query, k=k),
            k=k,
        )

    def _find(self, concept: str) -> tuple[str, bool]:
        """The node for a concept, and whether it was found by meaning rather than by name. By
        meaning only when the guides cover the text, as ask decides it: "Kubernetes" is no
        concept of theirs, and its nearest item (an ECR cache rule) is no stand-in for it."""
        try:
            return find_concept(self.graph, concept), False
        except ConceptNotFound as missing:
            if missing.suggestions:  # a name spelt close to a concept's: ask, never swap it
                raise
            read = self.normalise(concept)
            hits = self.retriever.search(read, k=5)
            covered, _ = self._answerable(read, hits)
            if not hits or hits[0].score < MEANING_FLOOR or covered is False:
                raise missing from None
            return hits[0].node, True

    def concepts(self) -> list[str]:
        """Titles a learner can explore: items and worked scenarios, in guide order."""
        return [item.title for item in self.guide.items] + [s.title for s in self.guide.scenarios]


def _guide_texts(guide: Guide) -> list[str]:
    """The guide's own words: its titles, texts, examples, pairs and the services it names."""
    return [
        *(f"{item.title} {item.description} {item.example}" for item in guide.items),
        *(
            f"{s.title} {s.problem} {' '.join(step.text for step in s.steps)}"
            for s in guide.scenarios
        ),
        *(f"{pair.wrong} {pair.right}" for pair in guide.pairs),
        *guide.services,
    ]


def read_comparative(claim: str) -> str:
    """``claim`` with a comparative turned to its scale's direction (``check.comparatives``)."""
    return shipped_comparatives().rewrite(claim)
