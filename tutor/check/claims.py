"""Check a learner's claim against the guide's Wrong/Right pairs, in two stages.

Stage 1 (which pair?) takes the pair whose statements (the guide's, and the extra phrasings kept in
data) are closest to the claim in the shared retrieval path. Whether the guide covers the claim at
all is then decided by the fitted check model (``model``, ``data/models/side.json``): the
probability that the claim is covered, from its cosine to that pair and whether it names a service
the guide never mentions, against a threshold chosen on a risk-coverage curve of held-out training
claims. Without a model file, hand-set similarity floors decide instead.

Stage 2 (which side?) cannot trust the embedding alone (see ``cues``). Each clause of the claim is
read for its negations and quantifiers. Its *content* (negations taken out) is compared with the
content of every phrasing of the pair, each phrasing counted for the side its content states (a
Wrong phrasing with one negation states Right content). A quantifier family that the pair's own
phrasings tie to one side ("only" to Wrong, "both" to Right) overrides the comparison. The claim's
negations then turn the content side once per negation. The same reading gives the numbers
(``SIDE_FEATURES``) that the fitted side model weighs (``side="model"``), with one the rules do
not use: where the content falls on the pair's own Wrong-versus-Right direction, a ridge
regression over its phrasings' contents. The model file says which of the two decides. An
optional NLI cross-encoder (``nli``) overrules both when it is clear. Then the claim's bounds
("at most 4 vCPU") are held against the pair's own (``quantities``): where they side with one
statement and the reading with the other, the verdict takes the numbers' side, unsure. A bound,
a figure with its unit, a version or a date that the pair's item never gives ("at most 5000
services", "ends in 2027") makes the claim not covered, unsure.

Last, the trust model (``trust``, ``data/models/trust.json``) gives the probability that the
verdict is right, which is the verdict's ``confidence``, and its ``certainty`` in words; below the
``likely`` level the explanation says the checker cannot tell and puts the pair before the learner.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cached_property

import numpy as np

from ingest import ServiceCatalog
from kg import own_text, pairs_of, sentences
from tutor.check.cues import (
    CONTRARY,
    EVERYDAY_WORDS,
    FUNCTION_WORDS,
    as_statement,
    clauses,
    families,
    family_word,
    polarity,
    strip_negation,
    tokens,
)
from tutor.check.explain import (
    STATEMENT,
    example_of_pair,
    explain_unsure,
    explain_unsure_cover,
    explain_verdict,
    not_covered,
    notes_of_pair,
    why_of,
)
from tutor.check.model import (
    SIDE_MODES,
    CheckModel,
    shipped_model,
)
from tutor.check.nli import NliScorer, nli_side
from tutor.check.opposites import shipped as shipped_opposites
from tutor.check.pairs import (
    content_side,
    direction,
    family_sides,
    lexical_vote,
    top_mean,
)
from tutor.check.quantities import (
    REACH,
    UNDER,
    Bound,
    Quantity,
    bound_side,
    quantities,
    stated_bounds,
)
from tutor.check.trust import (
    DEFAULT_LEVELS,
    LIKELY,
    SURE,
    UNSURE,
    Signals,
    TrustModel,
    certainty_of,
)
from tutor.check.trust import shipped as shipped_trust
from tutor.check.verdict import (
    CORRECT,
    COVER_FLOOR,
    FOREIGN_CEILING,
    MISCONCEPTION,
    NO_PAIRS,
    NOT_COVERED,
    OTHER,
    QUESTION_NOT_CLAIM,
    VERDICTS,
    Clause,
    Pair,
    Reading,
    Verdict,
)
from tutor.errors import TutorError
from tutor.normalise import stems
from tutor.search.index import Doc, side_of
from tutor.search.retrieve import PairHit, Retriever, owner_of

# The verdict's records live in ``verdict``; importers of this module find them here too.
__all__ = [
    "CORRECT",
    "COVER_FLOOR",
    "FOREIGN_CEILING",
    "MISCONCEPTION",
    "NOT_COVERED",
    "VERDICTS",
    "ClaimChecker",
    "Reading",
    "Verdict",
    "texts_to_store",
]

_WORDS = re.compile(r"[a-z0-9]+")  # a statement's words, for repeating it word for word
# A bare number below this in a bound ("at most 2 tasks", "at most 1 old task") is a count that
# items give in words as often as not; a size with a unit, or a bigger number, is a stated limit.
_A_LIMIT = 10
# A claim near no pair whose words (at least this many, and this share of them) are in one of an
# item's own sentences is not called outside the guides with any confidence: two learner-probe
# claims the item's description answers were "not covered", likely. Set by hand, not tuned.
_SAID_WORDS, _SAID_SHARE = 5, 0.6
_NOTHING_OF_A_TOPIC = FUNCTION_WORDS | EVERYDAY_WORDS


def texts_to_store(docs: list[Doc], uncovered: tuple[str, ...]) -> list[str]:
    """What the checker embeds besides the claim itself: the contents of every pair's phrasings
    (see ``ClaimChecker._pair``) and of the claims labelled as outside the guide. The index keeps
    their embeddings (``open_index``'s ``extras``), so that no check has to embed them."""
    phrasings = [doc.text for doc in docs if side_of(doc.field)]
    return [strip_negation(text) for text in [*phrasings, *uncovered]]


class ClaimChecker:
    """check(claim) over one retriever; remembers each pair's embedded phrasings.

    ``model`` is the fitted check model (by default the shipped ``data/models/side.json``; ``None``
    for the hand-set floors). ``side`` picks what decides stage 2: ``"rules"`` or ``"model"``
    (default: the mode the model file recommends, measured when it was fitted). ``nli`` is an
    optional entailment scorer (``tutor.check.nli``). ``trust`` is the trust model (by default the
    shipped ``data/models/trust.json``; ``None`` reads the raw confidence against default levels).
    """

    def __init__(
        self,
        retriever: Retriever,
        catalog: ServiceCatalog | None = None,
        guide_services: tuple[str, ...] = (),
        *,
        model: CheckModel | None | str = "shipped",
        side: str | None = None,
        nli: NliScorer | None = None,
        trust: TrustModel | None | str = "shipped",
    ):
        self.retriever = retriever
        self._catalog = catalog
        self._guide_services = set(guide_services)
        self._pairs: dict[str, Pair] = {}
        self._uncovered: np.ndarray | None = None  # embedded when first needed
        self._stated: dict[str, tuple[Quantity, ...]] = {}  # an item's quantities, once read
        if side is not None and side not in SIDE_MODES:
            raise TutorError(f"side: expected one of {', '.join(SIDE_MODES)}, got {side!r}")
        # The shipped model is loaded at the first check, not here: `read` (all that fitting
        # needs) must work even when the file is damaged, so that `ecs-tutor dev fit` can replace
        # it.
        self._model, self._side_mode = model, side
        self._trust = trust
        self.nli = nli

    @property
    def model(self) -> CheckModel | None:
        if isinstance(self._model, str):
            self._model = shipped_model()
        return self._model

    @property
    def side_mode(self) -> str:
        """What decides stage 2: as asked, else what the model recommends, else the rules."""
        mode = self._side_mode or (self.model.side_mode if self.model else "rules")
        if mode == "model" and self.model is None:
            raise TutorError("side 'model' needs a fitted check model (run `ecs-tutor dev fit`)")
        return mode

    def check(self, claim: str, signals: Signals | None = None, *, typed: str = "") -> Verdict:
        """Decide whether ``claim`` is a known misconception, correct, or not covered, and how far
        to trust that (``trust``); ``signals``: what reading the learner's text showed, and
        ``typed`` the text as the learner wrote it (``claim`` is it as read)."""
        signals = signals or Signals()
        if claim.rstrip().endswith("?"):
            # "Fargate is serverless, right?" puts a statement forward; "is Fargate serverless?"
            # asserts nothing to judge.
            statement = as_statement(claim)
            if statement is None:
                return Verdict(
                    claim,
                    NOT_COVERED,
                    0.0,
                    explanation=QUESTION_NOT_CLAIM,
                    certainty=UNSURE,
                    question=True,
                )
            return replace(self.check(statement, signals, typed=typed), claim=claim)
        stage1 = self._stage1(claim)
        if stage1 is None:
            return Verdict(claim, NOT_COVERED, 1.0, explanation=NO_PAIRS)
        reading, *embedded = stage1
        covered, p_cover = self._coverage(reading)
        graph = self.retriever.graph
        # "A cluster holds at most 5000 services": a limit the nearest item never gives is no
        # verdict on that item's pair, whatever words the two share; unless the pair states a
        # limit of the same kind that decides it ("at most 24 hours" against "up to 48 hours").
        claimed = stated_bounds(claim)
        numbered = self._numbered(claimed, reading.pair.node)  # stage 2 keeps the pair
        beyond = None
        if covered and numbered is None:
            beyond = self._unstated_figure(claim, claimed, reading.pair.node)
        if not covered or beyond:
            return self._not_covered(reading, p_cover, signals, beyond)
        reading = self._stage2(reading, *embedded)
        data = graph.nodes[reading.pair.node]
        side, p_side = self._decide_side(reading)
        if self.nli is not None:  # a clear NLI vote overrules
            side, p_side = nli_side(self.nli, claim, data["wrong"], data["right"]) or (side, p_side)
        # "at most 4 vCPU" is the Wrong's "tops out at 4 vCPU", and "rounds down" turns the Right's
        # "rounds up", whatever else they share with the Right's words
        evidence = numbered or self._turned(claim, reading.pair.node)
        overruled = evidence not in (None, side)
        if evidence is not None and overruled:
            side, p_side = evidence, 0.5
        if verbatim := _verbatim_side(typed or claim, data):  # the guide's statement, pasted
            side, p_side, overruled = verbatim, 1.0, False
        verdict = MISCONCEPTION if side == "wrong" else CORRECT
        notes = notes_of_pair(graph, reading.pair.node)
        owner = graph.nodes[owner_of(graph, reading.pair.node)]
        if p_cover is None:
            topical = min(1.0, (reading.pair.score - COVER_FLOOR) / (0.85 - COVER_FLOOR))
            confidence = 0.5 + 0.5 * topical * (2 * p_side - 1)
        else:
            confidence = p_cover * p_side
        found = Verdict(
            claim=claim,
            verdict=verdict,
            confidence=round(confidence, 3),
            title=data["owner"],
            section=data["section"],
            wrong=data["wrong"],
            right=data["right"],
            explanation=explain_verdict(
                verdict,
                data,
                f"Why: it is {STATEMENT[side]}, word for word."
                if verbatim
                else self._why_for(reading, side),
                example_of_pair(graph, reading.pair.node),
                notes,
            ),
            node=reading.pair.node,
            similarity=reading.pair.score,
            cues=reading.cues,
            guide=data.get("guide") or None,
            source=owner.get("source"),
            correction=owner.get("correction"),
        )
        features = self._judged_features(reading, p_cover, side, p_side, signals)
        trusted = self._trusted(found, features)
        if verbatim:  # which statement it is, is known: no reading to distrust
            sure = self._levels()[SURE]
            return replace(trusted, certainty=SURE, confidence=max(trusted.confidence, sure))
        # the numbers speak against the reading, or the errata say the pair itself can be argued
        # either way: lean, do not state
        if overruled or data.get("disputed"):
            below = round(self._levels()[LIKELY], 3) - 0.001
            trusted = replace(trusted, certainty=UNSURE, confidence=min(trusted.confidence, below))
        if trusted.certainty != UNSURE:
            return trusted
        return replace(
            trusted,
            explanation=explain_unsure(data, side, notes),
        )

    def _levels(self) -> dict[str, float]:
        return self.trust.levels if self.trust is not None else DEFAULT_LEVELS

    def _numbered(self, claimed: tuple[Bound, ...], pair: str) -> str | None:
        """The side of ``pair`` that the claim's bounds speak for (``bound_side``), if any."""
        return bound_side(claimed, self._pair(pair).bounds) if claimed else None

    def _not_covered(
        self, reading: Reading, p_cover: float | None, signals: Signals, beyond: str | None
    ) -> Verdict:
        """``not_covered`` for a claim stage 1 found outside the guides, or giving a figure its
        nearest item never gives (``beyond``): sure or likely, a flat "the guides do not cover
        this"; unsure, the nearest pair (or, for a claim an item's own sentence speaks to, that
        sentence and the item's pair) for the learner to compare."""
        claim, graph = reading.claim, self.retriever.graph
        found = not_covered(claim, graph, reading, p_cover)
        found = self._trusted(found, self._abstained_features(reading, p_cover, signals))
        if beyond:  # the coverage model thought it covered: a coin toss, no more
            found = replace(found, certainty=UNSURE, confidence=0.5)
        if reading.foreign:
            return found
        # "ECS creates a Route 53 zone for Service Connect" is near no pair, but an item's own
        # sentence says the opposite: the guides are not silent on it.
        if found.certainty != UNSURE and (said := self._said_in_item(claim)):
            pair, sentence = said
            found = replace(found, certainty=UNSURE, confidence=0.5)
            return _with_pair(found, graph.nodes[pair], pair, graph, sentence=sentence)
        if found.certainty != UNSURE:
            return found
        data = graph.nodes[reading.pair.node]
        return _with_pair(found, data, reading.pair.node, graph, figure=beyond)

    def _said_in_item(self, claim: str) -> tuple[str, str] | None:
        """An item's own sentence that shares most of the claim's words (at least
        ``_SAID_WORDS``, and ``_SAID_SHARE`` of them; negations and words every part of the
        guides uses aside), as (its item's first pair, the sentence); None if none does. Items
        a correction says are stale, and items with no pair, are passed over."""
        words = tokens(claim) - _NOTHING_OF_A_TOPIC
        if len(words) < _SAID_WORDS:
            return None
        shared, pair, sentence = max(
            ((len(words & said), p, text) for p, text, said in self._sentences),
            default=(0, "", ""),
        )
        return (pair, sentence) if shared >= max(_SAID_WORDS, _SAID_SHARE * len(words)) else None

    @cached_property
    def _sentences(self) -> tuple[tuple[str, str, frozenset[str]], ...]:
        """Each item's description, sentence by sentence: (the item's first pair, the sentence,
        the words it says of its topic)."""
        graph = self.retriever.graph
        found = []
        for node, data in graph.nodes(data="type"):
            item = graph.nodes[node]
            if data != "item" or item.get("correction") or not (pairs := pairs_of(graph, node)):
                continue
            for sentence in sentences(own_text(item)):
                found.append((pairs[0], sentence, tokens(sentence) - _NOTHING_OF_A_TOPIC))
        return tuple(found)

    def _turned(self, claim: str, pair: str) -> str | None:
        """The side of ``pair`` that ``claim`` speaks for by saying the opposite of one of its
        statements or of its item's own words (``opposites``); an item's description is left out
        once a correction says it is stale, and its example always (a scene's "private subnets"
        are no rule against a public one)."""
        graph = self.retriever.graph
        data, owner = graph.nodes[pair], graph.nodes[owner_of(graph, pair)]
        true = () if owner.get("correction") else (owner["text"],)
        statements = {side: data[side] for side in OTHER}
        return shipped_opposites().side(claim, statements, true)

    def _unstated_figure(self, claim: str, claimed: tuple[Bound, ...], pair: str) -> str | None:
        """A limit the claim states (``claimed``: "at most 5000 services") or a figure it gives
        with a unit, as a version or as a date ("a 5 year commitment", "platform version 1.3.0",
        "in 2027") that the item owning ``pair`` never gives, as the claim writes it; None if
        there is none. What the claim says can be reached ("a task can use 2 GB") is no limit,
        and is left to the pair."""
        owner = owner_of(self.retriever.graph, pair)
        if owner not in self._stated:
            graph = self.retriever.graph
            data = graph.nodes[owner]
            texts = [data["text"], example_of_pair(graph, pair) or "", data.get("correction") or ""]
            texts += [
                graph.nodes[near]["text"]
                for near in (*graph.successors(owner), *graph.predecessors(owner))
                if graph.nodes[near]["type"] in ("misconception", "step")
            ]
            self._stated[owner] = tuple(q for text in texts for q in quantities(text))
        stated = self._stated[owner]
        limits = [b.quantity for b in claimed if b.kind not in (REACH, UNDER)]
        limits = [q for q in limits if q.unit or q.value >= _A_LIMIT]
        bounded = [b.quantity for b in claimed]
        figures = [
            q for q in quantities(claim) if q.unit and not any(q.matches(b) for b in bounded)
        ]
        return next(
            (q.text for q in (*limits, *figures) if not any(q.matches(s) for s in stated)), None
        )

    def _trusted(self, found: Verdict, features: np.ndarray) -> Verdict:
        """``found`` with the trust model's probability that it is right as its confidence, and
        that in words; without a trust model, its own confidence read against default levels."""
        trust = self.trust
        judged = found.verdict != NOT_COVERED
        if trust is None:
            p, levels = found.confidence, DEFAULT_LEVELS
        else:
            p, levels = trust.probability(judged, features), trust.levels
        return replace(
            found,
            confidence=round(p, 3),
            certainty=certainty_of(p, levels),
            features=tuple(float(v) for v in features),
        )

    def _judged_features(
        self, reading: Reading, p_cover: float | None, side: str, p_side: float, signals: Signals
    ) -> np.ndarray:
        """``trust.JUDGED_FEATURES`` for a misconception or correct verdict."""
        agree = 0.0
        if self.model is not None and reading.side is not None:
            model_wrong = self.model.side.probability(reading.side) >= 0.5
            agree = 1.0 if model_wrong == (reading.rule_side == "wrong") else -1.0
        return np.array(
            [
                np.nan if p_cover is None else p_cover,
                p_side,
                agree,
                reading.strength,
                signals.unknown,
                min(signals.fixes, 3),
                float(signals.comparative == "read"),
                float(signals.comparative == "unread"),
                len(reading.cues),
                len(clauses(reading.claim)),
                self._overlap(reading),
                float(reading.mixed),
                lexical_vote(tokens(reading.claim), self._pair(reading.pair.node).token_sets, side),
            ]
        )

    def _overlap(self, reading: Reading) -> float:
        """The share of the claim's content words that the nearest pair's phrasings use (1 for
        a claim with none): a claim sharing only a service name with its pair is about
        something else more often than one in other words."""
        words = stems(reading.claim)
        if not words:
            return 1.0
        pair = self._pair(reading.pair.node)
        return sum(word in pair.words for word in words) / len(words)

    def _abstained_features(self, reading: Reading, p_cover: float | None, signals: Signals):
        """``trust.ABSTAINED_FEATURES`` for a not_covered verdict."""
        return np.array(
            [
                np.nan if p_cover is None else p_cover,
                reading.pair.score,
                float(bool(reading.foreign)),
                signals.unknown,
                min(signals.fixes, 3),
                self._overlap(reading),
            ]
        )

    @property
    def trust(self) -> TrustModel | None:
        if isinstance(self._trust, str):
            self._trust = shipped_trust()
        return self._trust

    @trust.setter
    def trust(self, model: TrustModel | None) -> None:
        """Another trust model, or None (fitting one reads verdicts without the shipped file,
        which may be stale or damaged)."""
        self._trust = model

    def read(self, claim: str) -> Reading | None:
        """Both stages' evidence for ``claim``, whatever stage 1 would decide (what the fitting
        learns from); ``None`` when the guide has no pairs."""
        stage1 = self._stage1(claim)
        return None if stage1 is None else self._stage2(*stage1)

    def candidates(
        self, claim: str, k: int = 3, *, vector: np.ndarray | None = None
    ) -> list[PairHit]:
        """Stage 1: the ``k`` misconception pairs nearest to the claim, nearest first (``vector``:
        the claim's query vector from ``embed_claim``, if known)."""
        if vector is None:
            vector = self.embed_claim(claim)[3][None, :]
        return self.retriever.pairs(self.retriever.doc_hits(claim, vector=vector), k=k)

    def embed_claim(self, claim: str):
        """The claim's clauses, their contents (negations taken out), each content's embedding,
        and stage 1's query vector: the embedding of the whole claim's content.

        The whole content is embedded, not the claim itself: the embedding hardly sees a negation
        anyway (which is why stage 2 reads negations itself), the content finds the pair as well
        (held out on the training claims, the same 3-way accuracy), and a claim of one clause,
        negated or not, costs one text to embed where it cost two. A claim of several clauses
        also has each clause's content embedded, in the same call.
        """
        parts = clauses(claim)
        contents = [strip_negation(part) for part in parts]
        whole = strip_negation(claim)
        distinct = list(dict.fromkeys([whole, *contents]))
        rows = dict(zip(distinct, self.retriever.embed(distinct), strict=True))
        return parts, contents, rows, rows[whole]

    def cover_probability(self, reading: Reading) -> float | None:
        """The fitted probability that the guide covers the claim (``None`` without a model)."""
        return None if self.model is None else self.model.cover.probability(reading.cover)

    def _coverage(self, reading: Reading) -> tuple[bool, float | None]:
        model = self.model
        if model is None:
            floor = FOREIGN_CEILING if reading.foreign else COVER_FLOOR
            return reading.pair.score >= floor, None
        p_cover = model.cover.probability(reading.cover)
        return p_cover >= model.threshold[self.side_mode], p_cover

    @staticmethod
    def _why_for(reading: Reading, side: str) -> str:
        """The rules' reading when the verdict follows it; else say that the cues were mixed."""
        if side == reading.rule_side:
            return reading.why
        return (
            f"Why: the cues in your wording point both ways; weighing all of them, the checker "
            f"sides with {STATEMENT[side]}, with less certainty."
        )

    def _decide_side(self, reading: Reading) -> tuple[str, float]:
        """The side and the probability it is right: the fitted model's, or the rules' with
        their strength read as a probability (0.5 when the contents tie, 1 when clear)."""
        if reading.rule_side is None or reading.side is None:
            raise ValueError("only a claim read by both stages has a side (see _stage2)")
        model = self.model if self.side_mode == "model" else None  # never None then: see side_mode
        if model is not None:
            p_wrong = model.side.probability(reading.side)
            return ("wrong", p_wrong) if p_wrong >= 0.5 else ("right", 1.0 - p_wrong)
        return reading.rule_side, 0.5 + 0.5 * reading.strength

    def _stage1(self, claim: str):
        parts, contents, rows, query = self.embed_claim(claim)
        candidates = self.candidates(claim, k=1, vector=query[None, :])
        if not candidates:
            return None
        nearest = candidates[0]
        foreign = self.foreign_services(claim)
        cover = np.array([nearest.score, float(bool(foreign)), self.nearest_uncovered(query)])
        return Reading(claim, nearest, foreign, cover), rows, parts, contents, query

    def _stage2(
        self,
        reading: Reading,
        rows: dict[str, np.ndarray],
        parts: list[str],
        contents: list[str],
        query: np.ndarray,
    ) -> Reading:
        pair = self._pair(reading.pair.node)
        clause = self._side(parts, np.stack([rows[content] for content in contents]), pair)
        raw_similarity = pair.raw_vectors @ query
        raw = top_mean(raw_similarity, pair.raw_sides, "wrong") - top_mean(
            raw_similarity, pair.raw_sides, "right"
        )
        negated = polarity(reading.claim)[0] > 0
        told = {"wrong": 1.0, "right": -1.0, None: 0.0}[clause.told]
        side = np.array(
            [
                1.0 if clause.side == "wrong" else -1.0,
                clause.sign * (clause.scores["wrong"] - clause.scores["right"]),
                clause.sign * (clause.top1["wrong"] - clause.top1["right"]),
                clause.sign * told,
                0.0 if negated else raw,
                raw if negated else 0.0,
                clause.sign * clause.projection,
            ]
        )
        return Reading(
            reading.claim,
            reading.pair,
            reading.foreign,
            reading.cover,
            rule_side=clause.side,
            strength=clause.margin,
            cues=tuple(clause.cues),
            side=side,
            why=why_of(clause),
            mixed=bool(clause.negations) and clause.quantifier is not None,
        )

    def nearest_uncovered(self, query: np.ndarray) -> float:
        """The cosine of ``query`` (a claim's content, or a question) to the nearest claim
        labelled as outside the guide, whose content is compared (NaN when none is known)."""
        cosines = self.uncovered_cosines(query)
        return float(cosines.max()) if len(cosines) else float("nan")

    def uncovered_cosines(self, query: np.ndarray) -> np.ndarray:
        """The cosine of ``query`` to each claim labelled as outside the guide (the contents of
        ``retriever.uncovered``, in its order; none when none is known)."""
        if not self.retriever.uncovered:
            return np.zeros(0)
        if self._uncovered is None:
            texts = [strip_negation(text) for text in self.retriever.uncovered]
            self._uncovered = self.retriever.embed(texts)
        return self._uncovered @ query

    def foreign_services(self, claim: str, named: tuple[str, ...] | None = None) -> tuple[str, ...]:
        """AWS services the claim names that the guide never mentions (``named``: the services
        it names, when the caller has read them already)."""
        if self._catalog is None:
            return ()
        named = self._catalog.mentions(claim) if named is None else named
        return tuple(s for s in named if s not in self._guide_services)

    def _pair(self, node: str) -> Pair:
        if node not in self._pairs:
            phrasings = self.retriever.phrasings(node)
            texts = [strip_negation(text) for _, text in phrasings] + [t for _, t in phrasings]
            vectors = self.retriever.embed(texts)  # contents and whole phrasings, one call
            sides = [content_side(side, text) for side, text in phrasings]
            data = self.retriever.graph.nodes[node]
            # Which quantifier speaks for which side is read clause by clause, as a claim is: "ECS
            # is only for batch work, never for live streams" uses "only" for Wrong content.
            pieces = [(side, part) for side, text in phrasings for part in clauses(text)]
            piece_sides = [content_side(side, part) for side, part in pieces]
            tied = family_sides(
                pieces, piece_sides, {"wrong": data["wrong"], "right": data["right"]}
            )
            n = len(phrasings)
            content_sides = np.array(sides)
            self._pairs[node] = Pair(
                vectors[:n],
                content_sides,
                vectors[n:],
                np.array([s for s, _ in phrasings]),
                tied,
                *direction(vectors[:n], content_sides),
                words=frozenset(stem for _, text in phrasings for stem in stems(text)),
                token_sets=tuple((side, tokens(text)) for side, text in phrasings),
                bounds={side: stated_bounds(data[side]) for side in OTHER},
            )
        return self._pairs[node]

    def _side(self, parts: list[str], vectors: np.ndarray, pair: Pair) -> Clause:
        """The clause that decides which side the claim takes, with how clearly (0..1) and the
        cues that decided it.

        ``parts`` are the claim's clauses and ``vectors`` their contents' embeddings, one row
        each. A claim of several clauses is judged by its clause closest to the pair.
        """
        similarity = pair.vectors @ vectors.T
        decided: Clause | None = None
        for column, part in enumerate(parts):
            scores = {
                side: top_mean(similarity[:, column], pair.content_sides, side)
                for side in ("wrong", "right")
            }
            top1 = {
                side: float(similarity[pair.content_sides == side, column].max(initial=-1.0))
                for side in ("wrong", "right")
            }
            content = max(scores, key=scores.__getitem__)
            margin = min(1.0, abs(scores["wrong"] - scores["right"]) / 0.1)
            negations, cues = polarity(part)
            rank = max(scores.values())
            used = families(part)
            told = {f: pair.families[f] for f in used if f in pair.families}
            contrary = not told
            if contrary:  # a contrary of a family the pair ties speaks for the other side
                told = {
                    f: OTHER[pair.families[g]]
                    for f in used
                    for g in CONTRARY.get(f, ())
                    if g in pair.families
                }
            settled = next(iter(told.values())) if len(set(told.values())) == 1 else None
            quantifier = family_word(min(told), part) if settled else None
            negation_cues = list(cues)
            if settled:  # a quantifier this pair ties to one side settles the content,
                content, margin = settled, 1.0  # and its clause speaks for the claim
                cues = cues + sorted(used)
                rank += 1.0
            side = content if negations % 2 == 0 else OTHER[content]
            if decided is None or rank > decided.rank:
                sign = 1 if negations % 2 == 0 else -1
                decided = Clause(
                    rank,
                    side,
                    margin,
                    cues,
                    sign,
                    scores,
                    top1,
                    float(vectors[column] @ pair.direction + pair.offset),
                    settled,
                    negation_cues,
                    quantifier,
                    contrary and settled is not None,
                )
        if decided is None:  # ``clauses`` gives at least the whole claim
            raise ValueError("a claim without a clause has no side")
        return decided


def _verbatim_side(claim: str, data: dict) -> str | None:
    """The side of the pair whose Wrong or Right statement the claim repeats word for word (case,
    spaces and punctuation aside), unless the errata dispute the pair. The check tab's own
    example, the seed's Fargate Wrong word for word, was "can't tell" (its comparative made the
    trust model wary), and learners paste the guide's statements to check them."""
    if data.get("disputed"):
        return None
    said = _WORDS.findall(claim.casefold())
    return next((side for side in OTHER if _WORDS.findall(data[side].casefold()) == said), None)


def _with_pair(
    found: Verdict,
    data: dict,
    node: str,
    graph,
    *,
    figure: str | None = None,
    sentence: str | None = None,
) -> Verdict:
    """An unsure ``not_covered`` verdict that shows the nearest pair instead of saying flatly
    that the guides are silent (``figure``: the limit the claim gives that the pair's item
    does not; ``sentence``: the item's own sentence that shares most of the claim's words)."""
    return replace(
        found,
        title=data["owner"],
        section=data["section"],
        wrong=data["wrong"],
        right=data["right"],
        node=node,
        explanation=explain_unsure_cover(
            data, notes_of_pair(graph, node), figure=figure, sentence=sentence
        ),
    )
