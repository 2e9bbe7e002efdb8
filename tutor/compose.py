"""Turn retrieved concepts into a grounded answer: the direct answer, the trap, an example."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from kg import example_of, pairs_of, settled
from kg.build import SCENARIO, SECTION, STEP_OF
from tutor.check.explain import arguable
from tutor.markdown import literal
from tutor.search.index import side_of
from tutor.search.retrieve import Hit

# Below this cosine between the question and the best concept's closest text, the guide is too
# far from the question to answer from. It is a cosine, not the ranking score: BM25's share of
# the score goes to the best lexical match however weak ("recipe" in "a recipe for sourdough").
# Measured on 2026-11-30: on-topic questions of all sets >= 0.47, off-topic ones <= 0.24.
ANSWER_FLOOR = 0.30
UNSURE_ANSWER = (
    "*I am not sure the guide answers exactly this: below is its closest item. Check that it "
    "answers your question before you rely on it.*"
)
# After a worked scenario's step that the errata say is out of date (the correction follows).
STALE_STEP = " *(Out of date: see the correction below.)*"


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    sources: tuple[Hit, ...]
    covered: bool = True
    # How likely the guide answers the question (the answer model's probability), when fitted,
    # and for an answer given, that in words: "sure", or "unsure" (given with a caution).
    confidence: float | None = None
    certainty: str | None = None

    def to_dict(self) -> dict:
        found = {
            "question": self.question,
            "answer": self.text,
            "sources": [hit.to_dict() for hit in self.sources],
            "covered": self.covered,
        }
        if self.confidence is not None:  # with an answer model; certainty null for a decline
            found["confidence"] = round(self.confidence, 4)
            found["certainty"] = self.certainty
        return found


def compose_answer(
    question: str,
    hits: list[Hit],
    graph: nx.DiGraph,
    *,
    covered: bool | None = None,
    confidence: float | None = None,
    certainty: str | None = None,
) -> Answer:
    """Markdown built only from the guide's own text about the best hits, in order of relevance;
    the guide's text in it is literal (``markdown.literal``): an uploaded guide makes no links.

    ``covered``: whether the guide answers the question, as the answer model decided
    (``tutor.answerable``); None decides by ``ANSWER_FLOOR``. When it does not, the nearest items
    are offered as related reading, never as the answer. An answer given with ``certainty``
    "unsure" opens with a caution that the guide may not answer exactly this."""
    if covered is None:
        covered = bool(hits) and hits[0].dense >= ANSWER_FLOOR
    if not covered:
        nearest = ", ".join(f"*{literal(hit.title)}*" for hit in hits[:3]) or "nothing"
        text = (
            "The study guide does not cover this question, so I will not guess. "
            f"Related topics you could read instead: {nearest}."
        )
        return Answer(question, text, tuple(hits), covered=False, confidence=confidence)
    top = hits[0]
    parts = [UNSURE_ANSWER] if certainty == "unsure" else []
    pairs = [graph.nodes[pair] for pair in pairs_of(graph, top.node)]
    if certainty != "unsure" and side_of(top.matched) and pairs and settled(graph, top.node):
        # The question is closest to the item's pair, so it asks the pair's point: "which role
        # pulls images on Fargate?" is the task role item's trap, and its Right statement is
        # the answer, not the task role's description. Never a Right the errata correct or
        # dispute, and never under the caution: "In short" would state as the answer what may
        # not answer the question at all (a probe's question on lazy-loading images got the
        # ephemeral storage item's Right statement so).
        parts.append("**In short.** " + " ".join(f"“{literal(p['right'])}”" for p in pairs))
    parts.append(f"**{literal(top.title)}** ({literal(top.section)}): {_direct(graph, top.node)}")
    if source := graph.nodes[top.node].get("source"):
        parts.append(f"*Source: {literal(source)}*")
    if correction := graph.nodes[top.node].get("correction"):
        parts.append(f"**Correction.** {literal(correction)}")
    for data in pairs:
        wrong, right = literal(data["wrong"]), literal(data["right"])
        if why := data.get("disputed"):
            parts.append(
                f"**A pair to weigh yourself.** “{wrong}” against “{right}”: the guide calls the "
                f"first a mistake, but it {arguable(why)}."
            )
        else:
            parts.append(f"**Trap to avoid.** Wrong: “{wrong}” Right: “{right}”")
    example = example_of(graph, top.node)
    if example:
        parts.append(f"**Example.** {literal(example)}")
    others = [hit for hit in hits[1:] if hit.dense >= ANSWER_FLOOR]
    if others:
        parts.append(
            "**See also.** "
            + "; ".join(f"*{literal(h.title)}* ({literal(h.section)})" for h in others)
        )
    text = "\n\n".join(parts)
    return Answer(question, text, tuple(hits), confidence=confidence, certainty=certainty)


def _direct(graph: nx.DiGraph, node: str) -> str:
    data = graph.nodes[node]
    if data["type"] == SECTION:
        return literal(data["text"])
    text = literal(data["text"].split(": ", 1)[-1])
    if data["type"] == SCENARIO and data["kind"] == "worked":
        steps = sorted(
            (graph.nodes[s] for s, _, r in graph.in_edges(node, data="relation") if r == STEP_OF),
            key=lambda d: d["number"],
        )
        text += "\n\n" + "\n".join(
            f"{d['number']}. {literal(d['text'])}" + (STALE_STEP if d.get("correction") else "")
            for d in steps
        )
    return text
