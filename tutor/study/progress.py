"""Each learner's progress through the quiz, scheduled by FSRS and kept in a SQL database.

``ProgressStore(url, quiz=...)`` works on any SQLAlchemy URL: by default a SQLite file
``<data_dir>/progress.db`` (``progress_url``), or a PostgreSQL URL where many learners share a
server. Three tables: learners, one FSRS card state per learner and card (``fsrs.Card.to_json()``),
and one row per review. Each review is one transaction, committed before ``review`` returns, so a
process killed mid-session loses nothing that was answered.

Mastery of a card is FSRS's predicted recall a week from now (``HORIZON``): right after a review
every card's recall is near 1, a week out it tells a card answered once from one known well.

An existing SQLite file is checked before SQLAlchemy opens it, read only: an empty or damaged one is
refused (``ProgressDamaged``) and left exactly as it is, never taken for a new database.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import NoReturn

import fsrs
import networkx as nx
from sqlalchemy import (
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    create_engine,
    event,
    select,
)
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DatabaseError, IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from kg import neighbourhood
from kg.build import ITEM
from tutor.config import Settings
from tutor.errors import BadInput, TutorError
from tutor.study.quiz import Card, Grade, Quiz

SCHEMA = "ecs-tutor progress v1"
HORIZON = timedelta(days=7)
WEAK = 0.8  # an item studied but below this mastery is weak
MASTERED = 0.9  # a neighbour at or above this is not worth suggesting
_HUB = 10  # a service or section linking more items than this is no neighbourhood
_GUIDE_CHARS = 200  # the meta table's value width
_NAME = re.compile(r"^[\w .@'-]{1,80}$")
_SQLITE_HEADER = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite database file


class ProgressError(TutorError):
    """The progress database cannot be used (another schema version, unreachable)."""


class ProgressDamaged(ProgressError):
    """The progress database file is empty or damaged; it is refused and left as it is."""


def progress_url(data_dir: Path | str, name: str = "progress.db") -> str:
    """A SQLite store in a folder: by default ``sqlite:///<data_dir>/progress.db`` (the folder is
    created)."""
    folder = Path(data_dir).expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / name}"


def store_url(settings: Settings) -> str:
    """The settings' guide's store: ``Settings.progress_db`` if set, else the default one."""
    return settings.progress_db or progress_url(settings.data_dir)


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


# --- tables -----------------------------------------------------------------------------------


class _UTC(TypeDecorator):
    """Timezone-aware UTC in and out, whatever the database keeps (SQLite keeps naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else _utc(value).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


class _Base(DeclarativeBase):
    pass


class _Meta(_Base):
    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class _Learner(_Base):
    __tablename__ = "learners"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    created: Mapped[datetime] = mapped_column(_UTC)


class _State(_Base):
    __tablename__ = "card_states"
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id"), primary_key=True)
    card_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    card: Mapped[str] = mapped_column(Text)  # fsrs.Card.to_json()
    due: Mapped[datetime] = mapped_column(_UTC, index=True)


class _Review(_Base):
    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id"), index=True)
    card_id: Mapped[str] = mapped_column(String(300))
    reviewed: Mapped[datetime] = mapped_column(_UTC)
    rating: Mapped[int] = mapped_column(Integer)
    correct: Mapped[bool | None]
    answer: Mapped[str] = mapped_column(Text, default="")
    recall: Mapped[float | None]  # FSRS's predicted recall just before this review; None if new
    duration_ms: Mapped[int | None]


# --- the store --------------------------------------------------------------------------------


class ProgressStore:
    """Learners' FSRS card states and review log for one quiz.

    >>> store = ProgressStore(progress_url(tmp), quiz=quiz)
    >>> store.review("ana", "pair:Clusters#1:false", "false").correct
    True
    """

    def __init__(self, url: str, *, quiz: Quiz, scheduler: fsrs.Scheduler | None = None):
        self.quiz = quiz
        self.scheduler = scheduler or fsrs.Scheduler()
        try:
            self._engine = create_engine(url)
        except (ArgumentError, ImportError) as exc:
            raise ProgressError(f"cannot use progress database {url!r}: {exc}") from None
        where = self._engine.url.render_as_string(hide_password=True)
        if self._engine.dialect.name == "sqlite":
            _ready_sqlite_file(self._engine.url)  # the engine connects lazily: not opened yet
            _sqlite_transactions(self._engine)
        # Writes lock up front on SQLite (BEGIN IMMEDIATE), so a read-then-write review never
        # fails half-way because another process wrote in between.
        self._writer = self._engine.execution_options(begin_immediate=True)
        try:
            _Base.metadata.create_all(self._writer)  # a writer: two first opens take turns
            with Session(self._writer) as session, session.begin():
                found = session.get(_Meta, "schema")
                if found is None:
                    session.add(_Meta(key="schema", value=SCHEMA))
                elif found.value != SCHEMA:
                    raise ProgressError(
                        f"{where}: progress saved as {found.value!r}, not {SCHEMA!r}"
                    )
                # Cards are named after their items, so two guides' progress in one database
                # would mix wherever their item titles meet: a database is for one guide.
                title = quiz.guide.title[:_GUIDE_CHARS]
                owner = session.get(_Meta, "guide")
                if owner is None:  # a new database, or one from before guides were recorded
                    session.add(_Meta(key="guide", value=title))
                elif owner.value != title:
                    raise ProgressError(
                        f"{where}: holds progress for the guide {owner.value!r}, not "
                        f"{title!r}; give each guide its own database (--db)"
                    )
        except DatabaseError as exc:
            raise ProgressError(f"{where}: cannot open the progress database: {exc.orig}") from None

    def close(self) -> None:
        self._engine.dispose()

    def learners(self) -> list[str]:
        with Session(self._engine) as session:
            return list(session.scalars(select(_Learner.name).order_by(_Learner.name)))

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
        card and commit the review. An answer that cannot be judged is not recorded."""
        learner = _learner_name(learner)
        now = _now(now)
        card = self.quiz.card(card_id)
        if isinstance(answer, fsrs.Rating):
            grade = Grade(card.id, "", answer != fsrs.Rating.Again, f"Rated {answer.name}.")
            rating = answer
        else:
            grade = answer if isinstance(answer, Grade) else self.quiz.grade(card.id, answer)
            rating = grade.rating
        if rating is None:
            return Review(card.id, False, None, None, grade.feedback)
        for attempt in range(3):
            try:
                due = self._record(learner, card, rating, grade, now, duration_ms)
                break
            except IntegrityError:  # a concurrent first review on a shared server: try again
                if attempt == 2:
                    raise
        return Review(card.id, True, grade.correct, rating.name, grade.feedback, due)

    def _record(
        self,
        learner: str,
        card: Card,
        rating: fsrs.Rating,
        grade: Grade,
        now: datetime,
        duration_ms: int | None,
    ) -> datetime:
        with Session(self._writer) as session, session.begin():
            learner_id = _learner_id(session, learner, now)
            state = session.get(_State, (learner_id, card.id), with_for_update=True)
            before = fsrs.Card.from_json(state.card) if state else fsrs.Card(card_id=0, due=now)
            recall = self.scheduler.get_card_retrievability(before, now) if state else None
            after, _ = self.scheduler.review_card(before, rating, now, duration_ms)
            if state is None:
                state = _State(learner_id=learner_id, card_id=card.id)
                session.add(state)
            state.card, state.due = after.to_json(), after.due
            session.add(
                _Review(
                    learner_id=learner_id,
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
        """Cards to study now: those due, most overdue first, then new cards in guide order."""
        states = self._states(_learner_name(learner))
        now = _now(now)
        due = sorted(
            (c for c in self.quiz.cards if c.id in states and states[c.id].due <= now),
            key=lambda c: states[c.id].due,
        )
        new = [c for c in self.quiz.cards if c.id not in states]
        return (due + new)[:limit]

    def mastery(self, learner: str, now: datetime | None = None) -> MasteryReport:
        """Mastery per item and per section, weakest first (see ``MasteryReport``)."""
        learner = _learner_name(learner)
        states, now = self._states(learner), _now(now)
        tallies = self._tallies(learner)
        at = now + HORIZON
        recall = {cid: self.scheduler.get_card_retrievability(c, at) for cid, c in states.items()}
        items: dict[str, list[Card]] = {}
        sections: dict[str, list[Card]] = {}
        for card in self.quiz.cards:
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
        days: dict[date, list[_Review]] = {}
        with Session(self._engine) as session:
            rows = session.scalars(
                select(_Review)
                .join(_Learner, _Learner.id == _Review.learner_id)
                .where(_Learner.name == _learner_name(learner))
                .order_by(_Review.reviewed, _Review.id)
            )
            for row in rows:
                days.setdefault(row.reviewed.date(), []).append(row)
        out = []
        for day, rows in days.items():
            repeat = [r for r in rows if r.recall is not None]
            out.append(
                Day(
                    day=day,
                    reviews=len(rows),
                    correct=sum(r.rating != fsrs.Rating.Again for r in rows),
                    new=len(rows) - len(repeat),
                    retention=_mean([float(r.rating != fsrs.Rating.Again) for r in repeat]),
                    predicted=_mean([r.recall for r in repeat]),
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
        weak = [m for m in report.items if m.recall is not None and m.recall < WEAK]
        weak = [m for m in weak if m.node in graph]
        scores: dict[str, float] = {}
        because: dict[str, list[str]] = {}
        for item in weak:
            for neighbour, weight in _neighbours(graph, item.node):
                other = known.get(neighbour)
                if other is None or other in weak or (other.recall or 0.0) >= MASTERED:
                    continue
                scores[neighbour] = scores.get(neighbour, 0.0) + weight * (1 - item.recall)
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

    def _states(self, learner: str) -> dict[str, fsrs.Card]:
        with Session(self._engine) as session:
            rows = session.execute(
                select(_State.card_id, _State.card)
                .join(_Learner, _Learner.id == _State.learner_id)
                .where(_Learner.name == learner)
            )
            return {card_id: fsrs.Card.from_json(card) for card_id, card in rows}

    def _tallies(self, learner: str) -> dict[str, tuple[int, int]]:
        """card id -> (reviews, reviews not rated Again)."""
        tallies: dict[str, tuple[int, int]] = {}
        with Session(self._engine) as session:
            rows = session.execute(
                select(_Review.card_id, _Review.rating)
                .join(_Learner, _Learner.id == _Review.learner_id)
                .where(_Learner.name == learner)
            )
            for card_id, rating in rows:
                reviews, correct = tallies.get(card_id, (0, 0))
                tallies[card_id] = (reviews + 1, correct + (rating != fsrs.Rating.Again))
        return tallies


# --- helpers ----------------------------------------------------------------------------------


def _sqlite_transactions(engine) -> None:
    """SQLAlchemy's recipe for SQLite: it, not the sqlite3 module, emits BEGIN; IMMEDIATE for
    writers. WAL lets the app read while a review is written; synchronous=FULL makes a commit
    durable before ``review`` returns."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")  # first: the others may wait for a lock
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        immediate = connection.get_execution_options().get("begin_immediate")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _ready_sqlite_file(url: URL) -> None:
    """Make the file ``url`` names if it is missing; ``ProgressDamaged`` if it is empty or not a
    sound SQLite database. SQLite itself takes an empty file for a new database and writes its
    tables into it, so a truncated store would start afresh without a word. An existing file is
    only read, never written."""
    if not url.database or url.database == ":memory:" or url.query.get("uri"):
        return  # in memory, or a URI whose options the caller chose: not a plain file to check
    path = Path(url.database)
    if not path.exists():
        _create_sqlite(path)
    if not path.is_file():
        return  # not made (an unwritable folder, a directory): opening it says what is wrong
    try:
        with open(path, "rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
    except OSError as exc:
        raise ProgressError(
            f"{path.name}: cannot read the progress database: {exc.strerror}"
        ) from None
    if not header:
        _refuse(path, "0 bytes")
    if header != _SQLITE_HEADER:
        _refuse(path, "not an SQLite file")
    # A read-only open of a WAL database makes its -wal and -shm files if they are missing;
    # without them no connection has the database open, and immutable reads it as it lies.
    busy = any(path.with_name(path.name + end).exists() for end in ("-wal", "-shm", "-journal"))
    uri = f"{path.resolve().as_uri()}?{'mode=ro' if busy else 'immutable=1'}"
    try:
        probe = sqlite3.connect(uri, uri=True, timeout=30)
        try:
            found = probe.execute("PRAGMA quick_check").fetchall()
        finally:
            probe.close()
    except sqlite3.OperationalError:
        return  # locked or unreadable, not damaged: opening it says what is wrong
    except sqlite3.DatabaseError as exc:  # SQLITE_CORRUPT, SQLITE_NOTADB
        _refuse(path, f"damaged: {exc}")
    if found != [("ok",)]:
        _refuse(path, "damaged: it fails SQLite's quick_check")


def _create_sqlite(path: Path) -> None:
    """A new, empty WAL database at ``path``, put there whole. SQLite would first leave an empty
    file there, which another session opening the store at that moment would refuse as truncated.
    """
    part = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.new")
    try:
        with closing(sqlite3.connect(part)) as db:
            db.execute("PRAGMA journal_mode=WAL")  # writes the header: the file is not empty
        os.link(part, path)  # unlike a rename, never replaces a store another session just made
    except (OSError, sqlite3.Error):
        pass  # made meanwhile by another session, or not here: SQLite's own open tells
    finally:
        part.unlink(missing_ok=True)


def _refuse(path: Path, why: str) -> NoReturn:
    # The file's name only: the message reaches the browser, the server's folders stay unsaid.
    raise ProgressDamaged(
        f"{path.name}: not a progress database ({why}); it was left untouched — "
        "move it away to start afresh"
    )


def _learner_id(session: Session, name: str, now: datetime) -> int:
    found = session.scalar(select(_Learner.id).where(_Learner.name == name))
    if found is not None:
        return found
    learner = _Learner(name=name, created=now)
    session.add(learner)
    session.flush()
    return learner.id


def _learner_name(name: str) -> str:
    cleaned = " ".join(str(name).split())
    if not _NAME.match(cleaned):
        raise BadInput(f"a learner's name is 1 to 80 letters, digits, spaces or .@'-: {name!r}")
    return cleaned


def _neighbours(graph: nx.DiGraph, node: str) -> Iterator[tuple[str, float]]:
    """Items and worked scenarios near ``node``, with how closely: related_to 1, a shared
    service 1/(how many mention it), the same section 1/(how many it holds)."""

    def studied(n: str) -> bool:
        data = graph.nodes[n]
        return n != node and (data["type"] == ITEM or data.get("kind") == "worked")

    groups = neighbourhood(graph, node)
    for other in groups.get("related_to", []):
        if studied(other):
            yield other, 1.0
    for via, back in (("mentions", "mentioned_by"), ("part_of", "has_part")):
        for hub in groups.get(via, []):
            others = [n for n in neighbourhood(graph, hub).get(back, []) if studied(n)]
            if len(others) > _HUB:  # "Amazon ECS" is mentioned everywhere: it tells nothing
                continue
            for other in others:
                yield other, (1.0 if via == "mentions" else 0.5) / (len(others) + 1)


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"a naive datetime ({moment}): progress keeps timezone-aware UTC")
    return moment.astimezone(UTC)


def _now(now: datetime | None) -> datetime:
    return datetime.now(UTC) if now is None else _utc(now)


__all__ = [
    "HORIZON",
    "SCHEMA",
    "Day",
    "Mastery",
    "MasteryReport",
    "ProgressDamaged",
    "ProgressError",
    "ProgressStore",
    "Review",
    "Suggestion",
    "progress_url",
]
