"""A teacher's view of the class: which misconceptions the class still holds, and who needs help.

For each Wrong/Right pair of the guide, a learner *holds* the misconception when their latest
word on it was the Wrong side: a wrong answer to one of its true/false drills (they took the Wrong
statement for true or the Right one for false), or a claim they checked that the checker found,
"sure" or "likely", to state the Wrong side (``side_taken``). A drill answered right, or a claim
found to state the Right side, counts the other way. The view gives, per pair, how many learners
answered it, who holds it now, and the share of wrong answers to it in each of the last weeks; and
each learner's mastery per section (FSRS's recall a week out, as the Progress tab computes it),
for a heat map.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tutor.check.trust import LIKELY, SURE
from tutor.check.verdict import CORRECT, MISCONCEPTION, Verdict
from tutor.study.progress import ProgressStore
from tutor.study.quiz import TRUE_FALSE

WEEKS = 6  # the trend's length


@dataclass(frozen=True)
class PairStanding:
    """One pair across the class. ``weekly``: the share of wrong answers to its drills in each of
    the last ``WEEKS`` weeks, oldest first (None for a week without any)."""

    pair: str
    item: str
    section: str
    wrong: str
    right: str
    answered: tuple[str, ...]
    holding: tuple[str, ...]
    weekly: tuple[float | None, ...]

    @property
    def share(self) -> float:
        """The share of the learners who answered it that hold it now."""
        return len(self.holding) / len(self.answered) if self.answered else 0.0


@dataclass(frozen=True)
class ClassView:
    """The pairs the class answered, the most held first; and recall (%) per learner and section
    (None where a learner has studied none of a section's cards)."""

    pairs: tuple[PairStanding, ...]
    learners: tuple[str, ...]
    sections: tuple[str, ...]
    mastery: dict[str, dict[str, float | None]] = field(default_factory=dict)

    def csv(self) -> str:
        """The pairs as CSV, one row each: the figures a spreadsheet needs."""
        out = io.StringIO()
        table = csv.writer(out)
        weeks = [f"wrong share, week -{WEEKS - n}" for n in range(WEEKS)]
        table.writerow(
            ["item", "section", "wrong", "right", "answered", "holding", "share", *weeks]
        )
        for p in self.pairs:
            trend = ["" if w is None else f"{w:.2f}" for w in p.weekly]
            table.writerow(
                [p.item, p.section, p.wrong, p.right, len(p.answered), " ".join(p.holding)]
                + [f"{p.share:.2f}", *trend]
            )
        return out.getvalue()


def side_taken(verdict: Verdict) -> bool | None:
    """Whether a checked claim took the Wrong side of its pair (True) or the Right one (False);
    None when the checker is unsure, found no pair, or the claim is not covered: then it says
    nothing about what the learner holds."""
    if verdict.wrong is None or verdict.certainty not in (SURE, LIKELY):
        return None
    return {MISCONCEPTION: True, CORRECT: False}.get(verdict.verdict)


def class_view(
    store: ProgressStore, now: datetime | None = None, *, teachers: frozenset[str] = frozenset()
) -> ClassView:
    """The class's standing on every pair it has answered, and its mastery per section; the
    ``teachers``' own answers are left out."""
    now = now or datetime.now(UTC)
    drills = {card.id: card for card in store.quiz.cards if card.kind == TRUE_FALSE}
    pair_ids = {card.pair_id for card in drills.values()}
    start = now - timedelta(weeks=WEEKS)
    latest: dict[tuple[str, str], bool] = {}  # (pair, learner) -> right at the last answer
    weekly: dict[str, list[list[int]]] = {}  # pair -> per week [wrong, answers]
    said = [  # (when, pair, learner, took the Right side): drills answered and claims checked
        (answer.reviewed, drills[answer.card_id].pair_id, answer.learner, answer.correct)
        for answer in store.answers()
        if answer.card_id in drills and answer.correct is not None
    ] + [(c.checked, c.pair_id, c.learner, not c.held_wrong) for c in store.checks()]
    for when, pair_id, learner, right in sorted(said, key=lambda each: each[0]):
        if learner in teachers or pair_id not in pair_ids:
            continue
        latest[pair_id, learner] = right
        if when >= start:
            week = min(WEEKS - 1, int((when - start) / timedelta(weeks=1)))
            tally = weekly.setdefault(pair_id, [[0, 0] for _ in range(WEEKS)])[week]
            tally[0] += not right
            tally[1] += 1
    pairs = []
    first = {card.pair_id: card for card in drills.values()}  # its statements, either drill
    for pair in sorted({p for p, _ in latest}):
        card = first[pair]
        answered = tuple(sorted(learner for p, learner in latest if p == pair))
        holding = tuple(learner for learner in answered if not latest[pair, learner])
        trend = tuple(
            wrong / total if total else None for wrong, total in weekly.get(pair, [[0, 0]] * WEEKS)
        )
        pairs.append(
            PairStanding(
                pair, card.item, card.section, card.wrong, card.right, answered, holding, trend
            )
        )
    pairs.sort(key=lambda p: (-p.share, -len(p.holding), p.item, p.pair))
    learners = tuple(name for name in store.learners() if name not in teachers)
    sections = tuple(dict.fromkeys(card.section for card in store.quiz.cards))
    mastery = {
        learner: {
            row.section: None if row.recall is None else round(100 * row.recall, 1)
            for row in store.mastery(learner, now).sections
        }
        for learner in learners
    }
    return ClassView(tuple(pairs), learners, sections, mastery)
