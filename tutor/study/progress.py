"""Each learner's progress through the quiz, scheduled by FSRS and kept in a SQL database.

``ProgressStore(url, quiz=...)`` works on any SQLAlchemy URL (``tutor.study.progress_db`` keeps
the tables and opens the database: by default a SQLite file ``<data_dir>/progress.db``). Each
review is one transaction, committed before ``review`` returns, so a process killed mid-session
loses nothing that was answered.

Mastery of a card is FSRS's predicted recall a week from now (``HORIZON``): right after a review
every card's recall is near 1, a week out it tells a card answered once from one known well.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

import fsrs
import networkx as nx
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kg import nearby
from tutor.config import DEFAULT_LEARNER
from tutor.errors import BadInput
from tutor.study.exam import LETTERS, Question, Score, score
from tutor.study.progress_db import (
    SCHEMA,
    CheckRow,
    LearnerRow,
    ProgressDamaged,
    ProgressError,
    ReviewRow,
    SittingRow,
    StateRow,
    learner_id_of,
    open_database,
    progress_url,
    store_url,
    utc,
)
from tutor.study.quiz import TRUE_FALSE, Card, Grade, Quiz, exam_card_id, legacy_ids

HORIZON = timedelta(days=7)
SITTING_KEPT = timedelta(days=1)  # an exam left unfinished this long is dropped
WEAK = 0.8  # an item studied but below this mastery is weak
MASTERED = 0.9  # a neighbour at or above this is not worth suggesting
T = TypeVar("T")
_NAME = re.compile(r"^[\w .@'-]{1,80}$")


# --- records ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Review:
    """What one answer did: the grade's feedback and, if it was recorded, the card's next due."""

    card_id: str
    recorded: bool
    correct: bool | None
    rating: str | None
    feedback: str
    due: datetime | None = None


@dataclass(frozen=True)
class Logged:
    """One recorded review, as the log keeps it (for an export: ``tutor.study.anki``)."""

    card_id: str
    reviewed: datetime
    rating: fsrs.Rating
    duration_ms: int | None = None


@dataclass(frozen=True)
class Answered:
    """One review of one learner, as a class view reads it."""

    learner: str
    card_id: str
    reviewed: datetime
    correct: bool | None


@dataclass(frozen=True)
class Sitting:
    """A practice exam in progress: its questions, the answers given so far (the chosen
    options' positions) and when it started."""

    id: str
    learner: str
    questions: tuple[Question, ...]
    answers: tuple[tuple[int, ...], ...]
    started: datetime

    @property
    def done(self) -> bool:
        return len(self.answers) == len(self.questions)

    @property
    def current(self) -> Question:
        return self.questions[len(self.answers)]


@dataclass(frozen=True)
class Checked:
    """One checked claim of one learner that took a side of a pair, as a class view reads it."""

    learner: str
    pair_id: str
    checked: datetime
    held_wrong: bool


@dataclass(frozen=True)
class Mastery:
    """How well one item (or section) is known: ``recall`` is the mean predicted recall a week
    from now over the cards studied (None before any), ``coverage`` the share studied."""

    name: str
    section: str
    node: str
    cards: int
    seen: int
    reviews: int
    correct: int
    recall: float | None

    @property
    def coverage(self) -> float:
        return self.seen / self.cards

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.reviews if self.reviews else None


@dataclass(frozen=True)
class MasteryReport:
    """Items and sections, weakest first: studied ones by recall, then the ones not yet studied."""

    items: tuple[Mastery, ...]
    sections: tuple[Mastery, ...]


@dataclass(frozen=True)
class Day:
    """One UTC day of reviews. ``retention`` is the share recalled among repeat reviews (cards seen
    before that day's review) and ``predicted`` what FSRS expected for them; None without any."""

    day: date
    reviews: int
    correct: int
    new: int
    retention: float | None
    predicted: float | None


@dataclass(frozen=True)
class Suggestion:
    """An item or worked scenario to study next, and the weak items it neighbours in the graph."""

    name: str
    section: str
    node: str
    because: tuple[str, ...]
    score: float


# --- the store --------------------------------------------------------------------------------


class ProgressStore:
    """Learners' FSRS card states and review log for one quiz.

    >>> store = ProgressStore(progress_url(tmp), quiz=quiz)
    >>> card = quiz.cards[1]  # the Wrong statement of the first pair
    >>> store.review("ana", card.id, "false").correct
    True
    """

    def __init__(
        self,
        url: str,
        *,
        quiz: Quiz,
        scheduler: fsrs.Scheduler | None = None,
        upload: str | None = None,
    ):
        """``upload``: the key of an uploaded guide, whose progress is kept in the same database
        as the built-in guides', apart from it; None for the guide the database is for."""
        self.quiz = quiz
        self._new_rank = _new_rank(quiz)  # the order new cards are dealt in, made once
        self.scheduler = scheduler or default_scheduler()
        self.upload = upload
        self._guide = upload or ""
        if upload is None:
            title, parts = quiz.guide.title, quiz.guide.parts
            self._engine, self._writer = open_database(url, guide=title, parts=parts)
            self._adopt_legacy_ids()
        else:
            self._engine, self._writer = open_database(url, guide=None)

    def _adopt_legacy_ids(self) -> None:
        """Rename the cards of a database written before ids stopped naming the answer
        (``quiz.legacy_ids``), in one transaction; a database without them is left alone."""
        renames = legacy_ids(self.quiz)
        mine = (StateRow.guide == "", ReviewRow.guide == "")
        with Session(self._writer) as session, session.begin():
            found = (
                session.scalars(
                    select(StateRow.card_id).where(mine[0], StateRow.card_id.in_(renames)).limit(1)
                ).first()
                or session.scalars(
                    select(ReviewRow.card_id)
                    .where(mine[1], ReviewRow.card_id.in_(renames))
                    .limit(1)
                ).first()
            )
            if found is None:
                return
            for old, new in renames.items():
                for column, where in ((StateRow.card_id, mine[0]), (ReviewRow.card_id, mine[1])):
                    session.execute(
                        update(column.class_).where(where, column == old).values(card_id=new)
                    )

    def close(self) -> None:
        self._engine.dispose()

    def learners(self) -> list[str]:
        with Session(self._engine) as session:
            return list(session.scalars(select(LearnerRow.name).order_by(LearnerRow.name)))

    def review(
        self,
        learner: str,
        card_id: str,
        answer: str | Grade | fsrs.Rating,
        now: datetime | None = None,
        *,
        duration_ms: int | None = None,
    ) -> Review:
        """Grade ``answer`` (text, a ``Grade``, or an FSRS rating given directly), schedule the
        card and commit the review. An answer that cannot be judged is not recorded, and a card
        is answered only while it is due (``BadInput`` once answered: no second try for credit,
        and a double click counts once)."""
        learner = learner_name(learner)
        now = _now(now)
        card = self.quiz.card(card_id)
        rating: fsrs.Rating | None
        if isinstance(answer, fsrs.Rating):
            grade = Grade(card.id, "", answer != fsrs.Rating.Again, f"Rated {answer.name}.")
            rating = answer
        else:
            grade = answer if isinstance(answer, Grade) else self.quiz.grade(card.id, answer)
            rating = grade.rating
        if rating is None:
            return Review(card.id, False, None, None, grade.feedback)
        due = self._write(
            learner,
            now,
            lambda session, learner_id: self._add_review(
                session, learner_id, card, rating, grade, now, duration_ms, only_due=True
            ),
        )
        return Review(card.id, True, grade.correct, rating.name, grade.feedback, due)

    def rate(self, learner: str, card_id: str, rating: str | fsrs.Rating) -> Review:
        """Re-rate the learner's last answer, as Anki asks after showing the answer: Again,
        Hard, Good or Easy for a right answer (Again: "I guessed"), Again only for a wrong one.
        The card is scheduled again from its whole review log with the new rating.
        ``BadInput`` when the card is not the learner's last answer."""
        learner = learner_name(learner)
        wanted = _rating(rating)
        card = self.quiz.card(card_id)

        def rerate(session: Session, learner_id: int) -> datetime:
            rows = list(
                session.scalars(
                    select(ReviewRow)
                    .where(ReviewRow.learner_id == learner_id, ReviewRow.guide == self._guide)
                    .order_by(ReviewRow.reviewed, ReviewRow.id)
                )
            )
            if not rows or rows[-1].card_id != card.id:
                raise BadInput("rate a card right after answering it")
            last = rows[-1]
            if not last.correct and wanted != fsrs.Rating.Again:
                raise BadInput("a wrong answer is rated Again")
            last.rating = int(wanted)
            history = [_logged(review) for review in rows if review.card_id == card.id]
            *_, (_, state) = replay(self.scheduler, history)
            kept = session.get(StateRow, (learner_id, self._guide, card.id), with_for_update=True)
            if kept is None:  # a review always has its state
                raise ProgressDamaged(f"no schedule for {card.id!r}")
            kept.card, kept.due = state.to_json(), state.due
            return state.due

        due = self._write(learner, _now(None), rerate)
        return Review(
            card.id, True, wanted != fsrs.Rating.Again, wanted.name, f"Rated {wanted.name}.", due
        )

    def _write(self, learner: str, now: datetime, work: Callable[[Session, int], T]) -> T:
        """``work(session, learner_id)`` in one transaction, committed when it returns; tried
        again when a concurrent first review of the same learner or card got in first."""
        for attempt in range(3):
            try:
                with Session(self._writer) as session, session.begin():
                    return work(session, learner_id_of(session, learner, now))
            except IntegrityError:  # a concurrent first review on a shared server: try again
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _add_review(
        self,
        session: Session,
        learner_id: int,
        card: Card,
        rating: fsrs.Rating,
        grade: Grade,
        now: datetime,
        duration_ms: int | None,
        *,
        only_due: bool = False,
    ) -> datetime:
        """Schedule ``card`` and log the review, in the caller's transaction; ``only_due``
        refuses a card that is not due (a quiz answer). An exam reviews a scene's card whenever
        the scene comes up: a second exam the same day is scored and saved as well."""
        state = session.get(StateRow, (learner_id, self._guide, card.id), with_for_update=True)
        if only_due and state is not None and state.due > now:
            raise BadInput("this card was answered already: press Next card for the next one")
        before = fsrs.Card.from_json(state.card) if state else fsrs.Card(card_id=0, due=now)
        recall = self.scheduler.get_card_retrievability(before, now) if state else None
        after, _ = self.scheduler.review_card(before, rating, now, duration_ms)
        if state is None:
            state = StateRow(learner_id=learner_id, guide=self._guide, card_id=card.id)
            session.add(state)
        state.card, state.due = after.to_json(), after.due
        session.add(
            ReviewRow(
                learner_id=learner_id,
                guide=self._guide,
                card_id=card.id,
                reviewed=now,
                rating=int(rating),
                correct=grade.correct,
                answer=grade.answer,
                recall=recall,
                duration_ms=duration_ms,
            )
        )
        return after.due

    def due_cards(
        self, learner: str, now: datetime | None = None, *, limit: int | None = None
    ) -> list[Card]:
        """Cards to study now: those due, most overdue first, then new cards in guide order.

        The two drills of one pair state the same fact from either side, so one gives the other
        away: a drill waits for another day (UTC) when its sibling was reviewed today and it was
        not, or when its sibling comes earlier in the list."""
        learner, now = learner_name(learner), _now(now)
        today = set(self._reviews_since(learner, _start_of_day(now)))
        return self._deal(self._states(learner), today, now)[:limit]

    def _deal(self, states: dict[str, fsrs.Card], today: set[str], now: datetime) -> list[Card]:
        """``due_cards`` from the learner's card states and the cards reviewed today."""
        due = sorted(
            (c for c in self.quiz.cards if c.id in states and states[c.id].due <= now),
            key=lambda c: states[c.id].due,
        )
        new = sorted(
            (c for c in self.quiz.cards if c.id not in states), key=lambda c: self._new_rank[c.id]
        )
        pairs_today = {self.quiz.card(i).pair_id for i in today if i in self.quiz}
        chosen: list[Card] = []
        listed: set[str] = set()
        for card in due + new:
            if card.kind == TRUE_FALSE and card.id not in today:
                if card.pair_id in pairs_today or card.pair_id in listed:
                    continue
            chosen.append(card)
            listed.add(card.pair_id)
        return chosen

    def round_counts(self, learner: str, now: datetime | None = None) -> tuple[int, int, int]:
        """``(due, new, done)`` for a study round: cards due now (seen before), new cards that
        can be dealt now, and reviews given today (UTC)."""
        learner, now = learner_name(learner), _now(now)
        states = self._states(learner)
        today = self._reviews_since(learner, _start_of_day(now))
        cards = self._deal(states, set(today), now)
        due = sum(1 for c in cards if c.id in states)
        return due, len(cards) - due, len(today)

    def exam(
        self, learner: str, *, seed: int, count: int, now: datetime | None = None
    ) -> list[Question]:
        """A practice exam of ``count`` scenario questions for the learner, spread over the
        sections, a weak item's scene the likelier to come (``exam_weight``)."""
        report = self.mastery(learner, now)
        weights = {m.node: exam_weight(m.recall) for m in report.items}
        return self.quiz.exam(seed=seed, count=count, weights=weights)

    def record_exam(
        self,
        learner: str,
        answers: list[tuple[Question, tuple[int, ...]]],
        *,
        seconds: float,
        now: datetime | None = None,
    ) -> Score:
        """Save an exam's answers in one transaction, one review per scene (Good when every
        question set in it was answered exactly right, Again otherwise), and give its score.
        Nothing is saved if anything fails."""
        learner, now = learner_name(learner), _now(now)

        def save(session: Session, learner_id: int) -> None:
            self._save_exam(session, learner_id, answers, now)

        if answers:
            self._write(learner, now, save)
        return score(answers, seconds=seconds)

    def _save_exam(
        self,
        session: Session,
        learner_id: int,
        answers: list[tuple[Question, tuple[int, ...]]],
        now: datetime,
    ) -> None:
        """An exam's reviews, one per scene, in the caller's transaction (``record_exam``)."""
        by_scene: dict[str, list[tuple[Question, tuple[int, ...]]]] = {}
        for question, chosen in answers:
            by_scene.setdefault(question.node, []).append((question, chosen))
        for node, given in by_scene.items():
            card = self.quiz.card(exam_card_id(node))
            correct = all(q.is_right(chosen) for q, chosen in given)
            letters = " / ".join("".join(LETTERS[n] for n in chosen) for _, chosen in given)
            grade = Grade(card.id, letters, correct, "Right." if correct else "Not quite.")
            rating = fsrs.Rating.Good if correct else fsrs.Rating.Again
            self._add_review(session, learner_id, card, rating, grade, now, None)

    def start_sitting(
        self, learner: str, questions: list[Question], now: datetime | None = None
    ) -> Sitting:
        """A practice exam of ``questions`` begun for the learner, kept in the database (so it
        carries on on another replica) under a random id; sittings a day old are dropped."""
        learner, now = learner_name(learner), _now(now)
        sitting = Sitting(secrets.token_hex(16), learner, tuple(questions), (), now)

        def keep(session: Session, learner_id: int) -> None:
            session.execute(delete(SittingRow).where(SittingRow.started < now - SITTING_KEPT))
            session.add(
                SittingRow(
                    id=sitting.id,
                    learner_id=learner_id,
                    guide=self._guide,
                    questions=json.dumps([q.to_dict() for q in questions]),
                    answers="[]",
                    started=now,
                )
            )

        self._write(learner, now, keep)
        return sitting

    def sitting(self, sitting_id: str, learner: str | None = None) -> Sitting:
        """The exam in progress ``sitting_id`` over this guide (``learner``'s, when given);
        ``BadInput`` when there is none."""
        with Session(self._engine) as session:
            found = session.execute(
                select(SittingRow, LearnerRow.name)
                .join(LearnerRow, LearnerRow.id == SittingRow.learner_id)
                .where(SittingRow.id == str(sitting_id or ""), SittingRow.guide == self._guide)
            ).first()
        if found is None or (learner is not None and found[1] != learner_name(learner)):
            raise BadInput("no exam is running: press Start exam first")
        row, name = found
        questions = tuple(Question.from_dict(q) for q in json.loads(row.questions))
        answers = tuple(tuple(chosen) for chosen in json.loads(row.answers))
        return Sitting(row.id, name, questions, answers, row.started)

    def answer_sitting(
        self, sitting: Sitting, chosen: tuple[int, ...], now: datetime | None = None
    ) -> tuple[Sitting, Score | None]:
        """The sitting with the answer to its current question added; when that was the last,
        its answers are saved to the learner's progress and the sitting ends, in one
        transaction, and the score comes too. ``BadInput`` when the question was answered
        meanwhile (a second click, another tab)."""
        now = _now(now)
        answered = (*sitting.answers, tuple(chosen))
        after = Sitting(sitting.id, sitting.learner, sitting.questions, answered, sitting.started)

        def add(session: Session, learner_id: int) -> None:
            row = session.get(SittingRow, sitting.id, with_for_update=True)
            if row is None or len(json.loads(row.answers)) != len(sitting.answers):
                raise BadInput("that question was answered already: press Start exam again")
            if not after.done:
                row.answers = json.dumps(answered)
                return
            session.delete(row)
            self._save_exam(
                session, learner_id, list(zip(after.questions, answered, strict=True)), now
            )

        self._write(sitting.learner, now, add)
        if not after.done:
            return after, None
        seconds = (now - sitting.started).total_seconds()
        return after, score(list(zip(after.questions, answered, strict=True)), seconds=seconds)

    def mastery(self, learner: str, now: datetime | None = None) -> MasteryReport:
        """Mastery per item and per section, weakest first (see ``MasteryReport``)."""
        learner = learner_name(learner)
        states, now = self._states(learner), _now(now)
        tallies = self._tallies(learner)
        at = now + HORIZON
        recall = {cid: self.scheduler.get_card_retrievability(c, at) for cid, c in states.items()}
        items: dict[str, list[Card]] = {}
        sections: dict[str, list[Card]] = {}
        for card in self.quiz.every_card:  # an exam's answers count towards the item too
            items.setdefault(card.node, []).append(card)
            sections.setdefault(card.section, []).append(card)

        def measure(name: str, section: str, node: str, cards: list[Card]) -> Mastery:
            reviews = sum(tallies.get(c.id, (0, 0))[0] for c in cards)
            correct = sum(tallies.get(c.id, (0, 0))[1] for c in cards)
            studied = [recall[c.id] for c in cards if c.id in recall]
            mean = _mean(studied)
            return Mastery(name, section, node, len(cards), len(studied), reviews, correct, mean)

        def weakest_first(m: Mastery) -> tuple:
            return (m.recall is None, m.recall or 0.0, m.accuracy or 0.0, m.name)

        item_rows = [measure(cs[0].item, cs[0].section, n, cs) for n, cs in items.items()]
        section_rows = [measure(s, s, "", cs) for s, cs in sections.items()]
        return MasteryReport(
            tuple(sorted(item_rows, key=weakest_first)),
            tuple(sorted(section_rows, key=weakest_first)),
        )

    def history(self, learner: str) -> tuple[Day, ...]:
        """Reviews per UTC day, oldest first, with observed and predicted retention (for a plot)."""
        days: dict[date, list[ReviewRow]] = {}
        with Session(self._engine) as session:
            for row in session.scalars(_reviews_of(learner, self._guide)):
                days.setdefault(row.reviewed.date(), []).append(row)
        out = []
        for day, rows in days.items():
            # Repeat reviews, as (rating, the recall FSRS predicted for it).
            repeat = [(r.rating, r.recall) for r in rows if r.recall is not None]
            out.append(
                Day(
                    day=day,
                    reviews=len(rows),
                    correct=sum(r.rating != fsrs.Rating.Again for r in rows),
                    new=len(rows) - len(repeat),
                    retention=_mean([float(rating != fsrs.Rating.Again) for rating, _ in repeat]),
                    predicted=_mean([recall for _, recall in repeat]),
                )
            )
        return tuple(out)

    def study_next(
        self, learner: str, graph: nx.DiGraph, now: datetime | None = None, *, k: int = 5
    ) -> list[Suggestion]:
        """Items and worked scenarios next to the learner's weak items in the graph, not yet
        mastered, best first. A neighbour gains ``1 - recall`` of each weak item it touches:
        fully through ``related_to``, shared among a service's mentions, least through a section.
        With nothing weak yet, the first items not yet studied."""
        report = self.mastery(learner, now)
        known = {m.node: m for m in report.items}
        weak = {  # the weak items in the graph, with their recall
            m: m.recall
            for m in report.items
            if m.recall is not None and m.recall < WEAK and m.node in graph
        }
        scores: dict[str, float] = {}
        because: dict[str, list[str]] = {}
        for item, recall in weak.items():
            for neighbour, weight in nearby(graph, item.node):
                other = known.get(neighbour)
                if other is None or other in weak or (other.recall or 0.0) >= MASTERED:
                    continue
                scores[neighbour] = scores.get(neighbour, 0.0) + weight * (1 - recall)
                if item.name not in because.setdefault(neighbour, []):
                    because[neighbour].append(item.name)
        if not weak:
            fresh = [m for m in report.items if not m.seen]
            order = {card.node: n for n, card in reversed(list(enumerate(self.quiz.cards)))}
            fresh.sort(key=lambda m: order[m.node])
            return [Suggestion(m.name, m.section, m.node, (), 0.0) for m in fresh[:k]]
        ranked = sorted(scores, key=lambda n: (-scores[n], known[n].name))[:k]
        return [
            Suggestion(known[n].name, known[n].section, n, tuple(because[n]), round(scores[n], 4))
            for n in ranked
        ]

    def review_log(self, learner: str) -> list[Logged]:
        """Every review of the learner, oldest first."""
        with Session(self._engine) as session:
            return [_logged(row) for row in session.scalars(_reviews_of(learner, self._guide))]

    def record_check(
        self, learner: str, *, item: str, wrong: str, held_wrong: bool, now: datetime | None = None
    ) -> str | None:
        """Keep which side of a pair (named by its ``item`` and ``wrong`` statement) a learner's
        checked claim took, for the class view: the pair's id, or None when this quiz has no
        such pair (nothing is kept)."""
        pair = next(
            (
                card.pair_id
                for card in self.quiz.cards
                if card.kind == TRUE_FALSE and card.item == item and card.wrong == wrong
            ),
            None,
        )
        if pair is None:
            return None
        learner, now = learner_name(learner), _now(now)

        def keep(session: Session, learner_id: int) -> None:
            session.add(
                CheckRow(
                    learner_id=learner_id,
                    guide=self._guide,
                    pair_id=pair,
                    held_wrong=held_wrong,
                    checked=now,
                )
            )

        self._write(learner, now, keep)
        return pair

    def checks(self) -> list[Checked]:
        """Every learner's kept checks of this guide, oldest first (``record_check``)."""
        query = (
            select(LearnerRow.name, CheckRow.pair_id, CheckRow.checked, CheckRow.held_wrong)
            .join(LearnerRow, LearnerRow.id == CheckRow.learner_id)
            .where(CheckRow.guide == self._guide)
            .order_by(CheckRow.checked, CheckRow.id)
        )
        with Session(self._engine) as session:
            return [Checked(*row) for row in session.execute(query)]

    def answers(self, since: datetime | None = None) -> list[Answered]:
        """Every learner's reviews (from ``since`` on, if given), oldest first: for a teacher's
        view of the class (``tutor.study.classview``)."""
        query = (
            select(LearnerRow.name, ReviewRow.card_id, ReviewRow.reviewed, ReviewRow.correct)
            .join(LearnerRow, LearnerRow.id == ReviewRow.learner_id)
            .where(ReviewRow.guide == self._guide)
            .order_by(ReviewRow.reviewed, ReviewRow.id)
        )
        if since is not None:
            query = query.where(ReviewRow.reviewed >= since)
        with Session(self._engine) as session:
            return [Answered(*row) for row in session.execute(query)]

    def _states(self, learner: str) -> dict[str, fsrs.Card]:
        with Session(self._engine) as session:
            rows = session.execute(
                select(StateRow.card_id, StateRow.card)
                .join(LearnerRow, LearnerRow.id == StateRow.learner_id)
                .where(LearnerRow.name == learner, StateRow.guide == self._guide)
            )
            return {card_id: fsrs.Card.from_json(card) for card_id, card in rows}

    def _reviews_since(self, learner: str, moment: datetime) -> list[str]:
        """The card ids of the learner's reviews from ``moment`` on, one per review."""
        with Session(self._engine) as session:
            return list(
                session.scalars(
                    select(ReviewRow.card_id)
                    .join(LearnerRow, LearnerRow.id == ReviewRow.learner_id)
                    .where(
                        LearnerRow.name == learner,
                        ReviewRow.guide == self._guide,
                        ReviewRow.reviewed >= moment,
                    )
                )
            )

    def _tallies(self, learner: str) -> dict[str, tuple[int, int]]:
        """card id -> (reviews, reviews not rated Again)."""
        tallies: dict[str, tuple[int, int]] = {}
        with Session(self._engine) as session:
            rows = session.execute(
                select(ReviewRow.card_id, ReviewRow.rating)
                .join(LearnerRow, LearnerRow.id == ReviewRow.learner_id)
                .where(LearnerRow.name == learner, ReviewRow.guide == self._guide)
            )
            for card_id, rating in rows:
                reviews, correct = tallies.get(card_id, (0, 0))
                tallies[card_id] = (reviews + 1, correct + (rating != fsrs.Rating.Again))
        return tallies


# --- helpers ----------------------------------------------------------------------------------


def default_scheduler() -> fsrs.Scheduler:
    """FSRS's default parameters, without fuzz. py-fsrs draws its fuzz afresh on every call,
    so with it Easy could come due sooner than Good, and re-rating an answer (which replays
    the card's whole log) moved the card's other intervals too."""
    return fsrs.Scheduler(enable_fuzzing=False)


def replay(
    scheduler: fsrs.Scheduler, reviews: list[Logged]
) -> list[tuple[fsrs.Card | None, fsrs.Card]]:
    """Schedule one card through its ``reviews`` (oldest first): the card's state before (None
    when new) and after each review."""
    states: list[tuple[fsrs.Card | None, fsrs.Card]] = []
    before: fsrs.Card | None = None
    for review in reviews:
        start = before or fsrs.Card(card_id=0, due=review.reviewed)
        after, _ = scheduler.review_card(start, review.rating, review.reviewed, review.duration_ms)
        states.append((before, after))
        before = after
    return states


def _reviews_of(learner: str, guide: str):
    """The query for a learner's reviews of a guide ("" the built-in ones), oldest first."""
    return (
        select(ReviewRow)
        .join(LearnerRow, LearnerRow.id == ReviewRow.learner_id)
        .where(LearnerRow.name == learner_name(learner), ReviewRow.guide == guide)
        .order_by(ReviewRow.reviewed, ReviewRow.id)
    )


def _logged(row: ReviewRow) -> Logged:
    return Logged(row.card_id, row.reviewed, fsrs.Rating(row.rating), row.duration_ms)


def learner_name(name: str) -> str:
    cleaned = " ".join(str(name).split())
    if not _NAME.match(cleaned):
        raise BadInput(f"a learner's name is 1 to 80 letters, digits, spaces or .@'-: {name!r}")
    return cleaned


RATINGS = ("Again", "Hard", "Good", "Easy")


def _rating(rating: str | fsrs.Rating) -> fsrs.Rating:
    if isinstance(rating, fsrs.Rating):
        return rating
    name = str(rating).strip().capitalize()
    if name not in RATINGS:
        raise BadInput(f"rate it {', '.join(RATINGS[:-1])} or {RATINGS[-1]}, not {rating!r}")
    return fsrs.Rating[name]


def exam_weight(recall: float | None) -> float:
    """How strongly a practice exam draws an item's scene: 1 for one not studied yet, from 0.2
    (recalled for sure) to 4 (forgotten) for one studied."""
    return 1.0 if recall is None else 0.2 + 3.8 * (1.0 - recall)


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def _start_of_day(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def _new_rank(quiz: Quiz) -> dict[str, int]:
    """Each card's place among new cards: guide order, and of a pair's two drills the one
    ``_lead`` names first."""
    first: dict[str, int] = {}  # each pair's (or question's) place in the guide
    for n, card in enumerate(quiz.cards):
        first.setdefault(card.pair_id, n)
    ranked = sorted(
        quiz.cards,
        key=lambda c: (first[c.pair_id], c.kind == TRUE_FALSE and c.answer != _lead(c)),
    )
    return {card.id: rank for rank, card in enumerate(ranked)}


def _lead(drill: Card) -> str:
    """Which of a pair's two drills a new learner meets first: "True" (its Right statement) for
    some pairs, "False" for others, by a hash of the pair. Always the Right one first, a learner
    answering "True" to every new drill scored 100 %."""
    return "False" if hashlib.sha256(drill.pair_id.encode()).digest()[0] % 2 else "True"


def _now(now: datetime | None) -> datetime:
    return datetime.now(UTC) if now is None else utc(now)


__all__ = [
    "DEFAULT_LEARNER",
    "Answered",
    "HORIZON",
    "RATINGS",
    "SCHEMA",
    "Day",
    "Mastery",
    "MasteryReport",
    "ProgressDamaged",
    "ProgressError",
    "ProgressStore",
    "Review",
    "Suggestion",
    "default_scheduler",
    "exam_weight",
    "progress_url",
    "store_url",
]
