"""A verdict in words: the guide's statements, the trap, why the claim's wording falls on its
side, an example, and where to read more. The guide's text goes in as literal markdown."""

from __future__ import annotations

import re

import networkx as nx

from kg import example_of
from tutor.check.verdict import (
    COVER_FLOOR,
    FOREIGN_CEILING,
    MISCONCEPTION,
    NOT_COVERED,
    OTHER,
    Clause,
    Reading,
    Verdict,
)
from tutor.markdown import literal
from tutor.search.retrieve import owner_of


def not_covered(claim: str, graph: nx.DiGraph, reading: Reading, p_cover: float | None) -> Verdict:
    """``not_covered``, saying which topic was closest and why it was not close enough;
    confident by the fitted probability that the guide does not cover it, when there is one."""
    nearest, foreign = reading.pair, reading.foreign
    data = graph.nodes[nearest.node]
    closest = (
        f"**{literal(data['owner'])}** ({literal(data['section'])}), "
        f"at similarity {nearest.score:.2f}"
    )
    if p_cover is not None:
        confidence = 1.0 - p_cover
    elif foreign:
        confidence = min(1.0, 0.5 + (FOREIGN_CEILING - nearest.score))
    else:
        confidence = min(1.0, 0.5 + (COVER_FLOOR - nearest.score))
    if foreign:
        explanation = (
            f"The guide does not cover this claim, so I cannot judge it: it is about "
            f"{literal(', '.join(foreign))}, which the guide never mentions. The closest topic is "
            f"{closest}."
        )
    else:
        explanation = (
            f"The guide does not cover this claim, so I cannot judge it. The closest topic is "
            f"{closest}, too far from it to compare the claim with a known misconception."
        )
    return Verdict(
        claim, NOT_COVERED, round(confidence, 3), explanation=explanation, similarity=nearest.score
    )


STATEMENT = {"wrong": "the misconception", "right": "the guide's Right statement"}


def why_of(clause: Clause) -> str:
    """How the rules read the deciding clause, for the explanation: which statement its content
    or its quantifier speaks for, and what its negations did to that. Only cue words from the
    checker's own lists are quoted, never the learner's other words."""
    negations = len(clause.negations)
    quoted = ", ".join(f"“{_plain(cue)}”" for cue in clause.negations)
    if clause.quantifier and clause.told:  # a quantifier settled the content (both are set)
        content = clause.told
        if clause.contrary:
            said = (
                f"“{_plain(clause.quantifier)}” is the opposite of the quantifier "
                f"{STATEMENT[OTHER[content]]} uses, so it speaks for {STATEMENT[content]}"
            )
        else:
            said = (
                f"“{_plain(clause.quantifier)}” decides it: in this pair that word goes with "
                f"{STATEMENT[content]}"
            )
    else:
        content = clause.side if negations % 2 == 0 else OTHER[clause.side]
        said = f"what it says is closest to {STATEMENT[content]}"
    if negations % 2:
        return f"Why: {said}, and your wording negates it ({quoted}), which turns it around."
    if negations:
        return f"Why: {said}, and its negations ({quoted}) cancel each other out."
    return f"Why: {said}."


def _plain(cue: str) -> str:
    return re.sub(r"[^A-Za-z0-9' -]", "", cue)


def notes_of_pair(graph: nx.DiGraph, pair: str) -> tuple[str, ...]:
    """What has changed since the guide was written about the item that owns ``pair``, and
    where the item's facts come from, each a paragraph of the explanation (none if neither)."""
    owner = graph.nodes[owner_of(graph, pair)]
    notes = [f"Source: {owner['source']}"] if owner.get("source") else []
    if owner.get("correction"):
        notes.append(f"Correction: {owner['correction']}")
    return tuple(notes)


def example_of_pair(graph: nx.DiGraph, pair: str) -> str | None:
    """The example scenario of the item that owns ``pair`` (a worked scenario is its own)."""
    owner = owner_of(graph, pair)
    if graph.nodes[owner].get("kind") == "worked":
        return graph.nodes[owner]["text"]
    return example_of(graph, owner) or None


def _open_in_explore(data: dict, why: str) -> str:
    # A code span shows its text as it is (no link can form in it) unless the text ends it, and
    # the app's HTML escaping would show a title's "<" or "&" in it as "&lt;" or "&amp;".
    literal_title = not any(ch in data["owner"] for ch in "`<>&")
    command = f' (or `ecs-tutor explore "{data["owner"]}"`)' if literal_title else ""
    return f"Open **{literal(data['owner'])}** in Explore{command} {why}."


def arguable(why: str) -> str:
    """The errata's reason that a pair is disputed, as the end of a sentence about the pair:
    "can be argued either way (<why>)", escaped."""
    return f"can be argued either way ({literal(why.rstrip('.'))})"


def explain_unsure(data: dict, leaning: str, notes: tuple[str, ...] = ()) -> str:
    """No verdict, for a claim whose reading is not reliable enough (the guide's pair for the
    learner to compare, and which way the checker leans), or whose pair the errata call disputed
    (the pair, and why it can be argued either way: no lean, since the pair itself is in doubt)."""
    owner, section = literal(data["owner"]), literal(data["section"])
    if data.get("disputed"):
        head = (
            f"I give no verdict on this: the guide's own pair from **{owner}** ({section}) can "
            f"be argued either way. Compare it yourself:"
        )
        why = [f"Why it can be argued: {literal(data['disputed'])}"]
    else:
        head = (
            f"I can't tell whether this agrees with the guide: the way it is worded, my reading "
            f"of it is not reliable enough to judge it (I lean towards {STATEMENT[leaning]}, but "
            f"claims read like this are often misjudged). Compare it yourself with the pair from "
            f"**{owner}** ({section}):"
        )
        why = []
    lines = [
        head,
        f"Right: “{literal(data['right'])}”",
        f"Wrong (the misconception): “{literal(data['wrong'])}”",
        *why,
        *(literal(note) for note in notes),
    ]
    lines.append(_open_in_explore(data, "to read the whole item"))
    return "\n\n".join(lines)


def explain_unsure_cover(
    data: dict,
    notes: tuple[str, ...] = (),
    *,
    figure: str | None = None,
    sentence: str | None = None,
) -> str:
    """No verdict, for a claim the checker leans to call not covered but cannot be sure of: the
    nearest pair, for the learner to compare (``figure``: a limit or figure the claim gives that
    the pair's item never states, which is why; ``sentence``: the pair's item's own sentence that
    shares most of the claim's words, which is why, quoted)."""
    owner = literal(data["owner"])
    if figure:
        why = f"it gives a figure ({literal(figure)}) that the guide's nearest item never states"
    elif sentence:
        why = f"no pair is near it, but **{owner}** has a sentence on it"
    else:
        why = "it reads as going beyond the guide, but claims read like this are often misjudged"
    head = f"I can't tell whether the guide covers this: {why}."
    if sentence:
        opening = [head, f"It says: “{literal(sentence)}”", "Its pair, to compare yourself:"]
    else:
        section = literal(data["section"])
        nearest = f"The nearest the guide comes is the pair from **{owner}** ({section})"
        opening = [f"{head} {nearest}; compare it yourself:"]
    lines = [
        *opening,
        f"Right: “{literal(data['right'])}”",
        f"Wrong (the misconception): “{literal(data['wrong'])}”",
        *(literal(note) for note in notes),
    ]
    lines.append(_open_in_explore(data, "to read the whole item"))
    return "\n\n".join(lines)


def explain_verdict(
    verdict: str, data: dict, why: str, example: str | None, notes: tuple[str, ...] = ()
) -> str:
    """The verdict in words: the guide's Right statement, the trap, why the claim's wording
    falls on its side, what has changed since the guide was written, an example from the guide,
    and where to read more."""
    owner, right, wrong = (literal(data[key]) for key in ("owner", "right", "wrong"))
    where = f"**{owner}** ({literal(data['section'])})"
    if verdict == MISCONCEPTION:
        lines = [
            f"That is a known misconception, from {where}. The guide says: “{right}”",
            f"The trap is to believe: “{wrong}”",
        ]
    else:
        lines = [
            f"Correct: this agrees with {where}: “{right}”",
            f"The misconception to avoid is: “{wrong}”",
        ]
    lines.append(why)
    lines += [literal(note) for note in notes]
    if example:
        lines.append(f"Example: {literal(example)}")
    lines.append(_open_in_explore(data, "to see how it connects"))
    return "\n\n".join(lines)
