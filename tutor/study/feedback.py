"""What a learner reads after answering a card: the statement's truth, both sides of the pair,
the options that were not it, the item to read, and its source and correction where it has them.
Every guide text in it is literal markdown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tutor.markdown import literal

if TYPE_CHECKING:  # the cards are built in quiz, which imports this module
    from tutor.study.quiz import Card


def both_sides(card: Card) -> str:
    return (
        f"Right: “{literal(card.right)}” Wrong (the misconception): “{literal(card.wrong)}” "
        f"See **{literal(card.item)}** ({literal(card.section)})."
        + (f" *Source: {literal(card.reference)}*" if card.reference else "")
        + (f" **Correction.** {literal(card.correction)}" if card.correction else "")
    )


def drill_feedback(card: Card, correct: bool | None) -> str:
    """The statement's truth and both sides; ``correct`` None for "I don't know"."""
    truth = "true" if card.answer == "True" else "false: it is the misconception"
    lead = {True: "Correct", False: "Not quite", None: "Here is the answer"}[correct]
    return f"{lead}: the statement is {truth}. {both_sides(card)}"


def question_feedback(card: Card, chosen: str | None) -> str:
    """The answer, and why each other option is not it; ``chosen`` None for "I don't know"."""
    if chosen is None:
        lead = "Here is the answer"
    else:
        lead = "Correct" if chosen == card.answer else f"Not quite: not {literal(chosen)}"
    lines = [
        f"{lead}. The answer is **{literal(card.answer)}**, as the guide says: "
        f"“{literal(card.right)}”"
    ]
    wrong = sorted((o for o in card.options if o != card.answer), key=lambda o: o != chosen)
    for option in wrong:
        note = card.notes[card.options.index(option)]
        lines.append(
            f"- {literal(option)} is not it"
            + (f": the guide uses it for “{literal(note)}”" if note else ".")
        )
    lines.append(f"See **{literal(card.item)}** ({literal(card.section)}).")
    if card.reference:
        lines.append(f"*Source: {literal(card.reference)}*")
    if card.correction:
        lines.append(f"**Correction.** {literal(card.correction)}")
    return "\n".join(lines)
