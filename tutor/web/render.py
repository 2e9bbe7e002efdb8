"""Markdown for what the tutor returns: answers, verdicts, explorations, paths, quiz cards and
feedback, mastery rows. The web app shows it as it is; the CLI prints it through rich.

Two kinds of text go in, escaped differently. Raw text, typed by a learner or taken from a guide,
goes through ``raw``: ``tutor.markdown.literal`` (no link, remote image, heading or list can come
of it), then HTML escaping. Markdown the tutor composed (an answer, an explanation, feedback),
whose guide text is literal already, goes through ``escape`` only. Both escape for markdown or
HTML *content*, never for an attribute value.

``verdict(v)`` -> ``"### 🔴 Misconception\\n\\n> EC2 is always cheaper"``
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import UTC, datetime

from tutor.check import CORRECT, MISCONCEPTION, NOT_COVERED
from tutor.markdown import literal
from tutor.study.exam import LETTERS

__all__ = [
    "MASTERY_NOTE",
    "MEASURES",
    "NO_REVIEWS",
    "CANT_TELL",
    "CERTAINTY_NOTES",
    "VERDICT_HEADINGS",
    "answer_document",
    "card",
    "escape",
    "exam_question",
    "exam_results",
    "exploration",
    "mastery_rows",
    "raw",
    "relation",
    "review",
    "review_summary",
    "round_counts",
    "sources",
    "study_next",
    "verdict",
    "verdict_document",
    "verdict_pair",
    "when",
]

VERDICT_HEADINGS = {
    MISCONCEPTION: "🔴 Misconception",
    CORRECT: "🟢 Correct",
    NOT_COVERED: "⚪ Not covered by the guide",
}
CANT_TELL = "🟡 Can't tell: compare it with the guide yourself"
NOT_A_CLAIM = "❔ A question, not a claim: nothing to judge"
CERTAINTY_NOTES = {  # how sure the tutor is, in words, under the heading (none when sure)
    "sure": "",
    "likely": "*Likely, not certain: check the guide's statements below.*",
    "unsure": "*Unsure: read the guide's statements below.*",
}
# The same for a "not covered" that names no pair: there are no statements below it to read.
UNPAIRED_NOTES = {
    "sure": "",
    "likely": "*Likely, not certain: an item's text may still say it (the closest topic is "
    "named below).*",
    "unsure": "*Unsure: the guides may say it after all; read the closest topic, named below.*",
}
GRADE_HEADINGS = {True: "✅ Correct", False: "❌ Not quite", None: "⚪ Not graded"}
NO_PAIR = "*No misconception in the guide is close enough to compare.*"
NOTHING_DUE = "*Nothing is due: every card is scheduled for later.*"
NOT_RESCHEDULED = "not rescheduled: the answer could not be graded"
MEASURES = ["Recall in 7 days", "Cards seen", "Reviews", "Right"]
MASTERY_NOTE = (
    "*Recall in 7 days is FSRS's estimate that you would still know a card a week from now, "
    "from your reviews, averaged over the cards you have seen: it starts below 100 % even for "
    "a card answered right every time, because memory fades over the week, and rises as the "
    "reviews spread out.*"
)
ANKI_EXPORT = (
    "Anki deck (.apkg): the guide's pairs, cloze and scenario notes, with your reviews; import "
    "it in Anki with File > Import"
)
NO_REVIEWS = "*No reviews yet: answer a few quiz cards or take a practice exam, then come back.*"


def escape(text: object) -> str:
    """Markdown the tutor wrote, safe to place in markdown or HTML content: ``<`` -> ``&lt;``."""
    return html.escape(str(text), quote=False)


def raw(text: object) -> str:
    """Raw text (typed by a learner, or a guide's words) shown as written inside markdown: no
    link, remote image, heading or list can come of it, and no HTML."""
    return escape(literal(text))


# --- ask --------------------------------------------------------------------------------------


def sources(answer) -> str:
    """The answer's sources, best first: ``1. **Fargate** — Key Concepts — 0.74``."""
    lines = [
        f"{n}. **{raw(hit.title)}** — {raw(hit.section)} — {hit.score:.2f}"
        for n, hit in enumerate(answer.sources, start=1)
    ]
    return "\n".join(lines) or "No sources."


def answer_document(answer) -> str:
    """The whole answer on one page (the CLI): the text, then its sources."""
    return f"{escape(answer.text)}\n\n#### Sources\n\n{sources(answer)}"


# --- check ------------------------------------------------------------------------------------


def verdict(found) -> str:
    """The verdict's heading and the claim it judged, quoted, and how sure the tutor is: a
    verdict it is unsure of is no verdict ("can't tell"), and neither is a "not covered" it is
    unsure of when it shows the nearest pair."""
    if found.question:
        return f"### {NOT_A_CLAIM}\n\n> {raw(found.claim)}"
    if found.certainty == "unsure" and found.title is not None:
        return f"### {CANT_TELL}\n\n> {raw(found.claim)}"
    note = (CERTAINTY_NOTES if found.title else UNPAIRED_NOTES)[found.certainty]
    heading = f"### {VERDICT_HEADINGS[found.verdict]}\n\n> {raw(found.claim)}"
    return f"{heading}\n\n{note}" if note else heading


def verdict_pair(found) -> str:
    """The item the verdict compared the claim with, and its Wrong/Right statements."""
    if found.question:
        return ""
    if found.title is None:
        return NO_PAIR
    return (
        f"**{raw(found.title)}** ({raw(found.section)})\n\n"
        f"❌ **Wrong:** {raw(found.wrong)}\n\n"
        f"✅ **Right:** {raw(found.right)}"
    )


def verdict_document(found) -> str:
    """The whole verdict on one page (the CLI): heading, confidence, pair and explanation."""
    if found.question:
        return f"{verdict(found)}\n\n{escape(found.explanation)}"
    confidence = f"*Confidence {found.confidence:.2f} ({found.certainty})*"
    parts = [verdict(found), confidence, verdict_pair(found)]
    return "\n\n".join([*parts, escape(found.explanation)])


# --- explore ----------------------------------------------------------------------------------


def exploration(found) -> str:
    """A concept, its neighbours by relation, and its misconceptions and scenarios."""
    note = " — *the closest concept by meaning*" if found.matched_by_meaning else ""
    lines = [
        f"## {raw(found.title)}",
        f"*{raw(found.type)} in {raw(found.section or 'the guide')}*{note}",
        "",
        raw(found.text),
        "",
        *([f"*Source: {raw(found.source)}*", ""] if found.source else []),
        *([f"**Correction.** {raw(found.correction)}", ""] if found.correction else []),
        "### Neighbours",
    ]
    for name, neighbours in found.neighbours.items():
        names = ", ".join(f"{raw(n.label)} ({raw(n.type)})" for n in neighbours)
        lines.append(f"- **{raw(name.replace('_', ' '))}:** {names}")
    if found.misconceptions:
        lines += ["", "### Misconceptions"]
        lines += [
            f"- ❌ **Wrong:** {raw(wrong)}  \n  ✅ **Right:** {raw(right)}"
            for wrong, right in found.misconceptions
        ]
    if found.scenarios:
        lines += ["", "### Scenarios"]
        lines += [f"- {raw(text)}" for text in found.scenarios]
    return "\n".join(lines)


def relation(found) -> str:
    """The path between two concepts as numbered steps."""
    lines = [f"## How {raw(found.start.label)} and {raw(found.end.label)} relate", ""]
    for n, link in enumerate(found.links, start=1):
        step = (
            f"{n}. {raw(link.source.label)} — *{raw(link.relation.replace('_', ' '))}* "
            f"→ **{raw(link.target.label)}** ({raw(link.target.type)})"
        )
        # Two spaces: a line break inside the step, so the explanation sits under its hop.
        lines.append(f"{step}  \n   {raw(link.explanation)}" if link.explanation else step)
        if link.correction:  # on a line of its own under the hop
            lines[-1] += f"  \n   **Correction.** {raw(link.correction)}"
    if not found.links:
        lines.append("*They are the same concept.*")
    return "\n".join(lines)


_HOW = {
    "name": "by name",
    "alias": "by another name of the service",
    "spelling": "by a close spelling",
    "meaning": "by meaning",
}


def concept_match(match) -> str:
    """A found concept as listed: ``Capacity Providers (item) — by name``. Plain text: a radio
    button's label is not markdown."""
    return f"{match.label} ({match.type}) — {_HOW.get(match.how, match.how)}"


def not_related(missing) -> str:
    """Why no path is drawn: a name that is no concept of the guides, with the closest ones,
    or two concepts nothing links."""
    suggestions = getattr(missing, "suggestions", [])
    concept = getattr(missing, "concept", None)
    if concept is None:
        return f"*{raw(str(missing))}.*"
    lines = [f"*{raw(concept)}* is not a concept of the guides, so no path is drawn."]
    if suggestions:
        lines += ["", "Closest concepts:", *(f"- {raw(name)}" for name in suggestions)]
    return "\n".join(lines)


# --- quiz and progress ------------------------------------------------------------------------


def card(due) -> str:
    """A quiz card: where it is from, the prompt, and the options or how to answer. A "which
    service?" question shows its section only: its item is often the very service asked for."""
    if len(due.options) > 2:  # a question
        where = f"*{raw(due.section)}*"
    else:
        where = f"**{raw(due.item)}** · *{raw(due.section)}*"
    lines = [where, "", raw(due.prompt)]
    if len(due.options) > 2:
        lines += [""] + [f"{n}. {raw(o)}" for n, o in enumerate(due.options, start=1)]
        lines += ["", "*Answer with an option's number, letter or name.*"]
    else:
        lines += ["", "*True or False? Or say what is true in a sentence.*"]
    return "\n".join(lines)


def round_counts(due: int, new: int, done: int) -> str:
    """How a study round stands: ``*3 due · 12 new · 5 done today*``."""
    return f"*{due} due · {new} new · {done} done today*"


def review(done, answer: str) -> str:
    """The grade's heading, the answer as given (on one line) and the feedback."""
    heading = GRADE_HEADINGS[done.correct]
    return f"### {heading}\n\n> {raw(' '.join(answer.split()))}\n\n{escape(done.feedback)}"


def when(due: datetime, now: datetime) -> str:
    """``2026-11-25 10:48 UTC (in 10 minutes)``: the moment and how far off it is."""
    minutes = max(0, round((due - now).total_seconds() / 60))
    count, unit = (
        (minutes, "minute")
        if minutes < 60
        else (round(minutes / 60), "hour")
        if minutes < 48 * 60
        else (round(minutes / 1440), "day")
    )
    return f"{due.astimezone(UTC):%Y-%m-%d %H:%M} UTC (in {count} {unit}{'s' * (count != 1)})"


def mastery_rows(rows: Iterable, *, sections: bool = False) -> list[list]:
    """Table rows: the name (and, for items, the section), then ``MEASURES``. Table cells are
    plain text, not markdown."""
    return [
        [
            *([m.name] if sections else [m.name, m.section]),
            "—" if m.recall is None else f"{m.recall:.0%}",
            f"{m.seen}/{m.cards}",
            m.reviews,
            m.correct,
        ]
        for m in rows
    ]


def review_summary(days) -> str:
    """One line over the plots: how many reviews on how many days, or that there are none."""
    total = sum(d.reviews for d in days)
    if not total:
        return NO_REVIEWS
    return f"*{total} review{'s' * (total != 1)} over {len(days)} day{'s' * (len(days) != 1)}.*"


def study_next(suggestions: Iterable) -> str:
    """What to study next, and the weak items each one neighbours."""
    lines = [
        f"- **{raw(s.name)}** ({raw(s.section)})"
        + (f" — next to {raw(', '.join(s.because))}" if s.because else "")
        for s in suggestions
    ]
    return "### Study next\n\n" + ("\n".join(lines) or "*Everything is mastered.*")


# --- practice exam ----------------------------------------------------------------------------


def exam_question(question, number: int, total: int) -> str:
    """A scenario question as the exam shows it: where it is in the exam, the scene and the
    question. The options are the answer box's choices; nothing here hints at the answer."""
    where = f"**Question {number} of {total}**"
    return f"{where}\n\n{raw(question.stem)}\n\n**{raw(question.question)}**"


def exam_results(result, answers) -> str:
    """The score, the time and the score per section, then every question with the learner's
    choice, the right one and why each option is right or wrong."""
    minutes, seconds = divmod(round(result.seconds), 60)
    lines = [
        f"### Score: {result.right} of {result.total}",
        "",
        f"Time taken: {minutes} min {seconds} s.",
        "",
        "| Section | Right |",
        "| --- | --- |",
    ]
    lines += [f"| {raw(name)} | {r} of {t} |" for name, (r, t) in result.sections.items()]
    for number, (question, chosen) in enumerate(answers, start=1):
        mark = "✅" if question.is_right(chosen) else "❌"
        lines += ["", f"#### {mark} Question {number}", "", raw(question.stem), ""]
        for n, option in enumerate(question.options):
            letter = LETTERS[n].upper()
            picked = " (your choice)" if n in chosen else ""
            lines.append(f"- **{letter}{picked}** {raw(option.text)}  \n  {raw(option.why)}")
    return "\n".join(lines)
