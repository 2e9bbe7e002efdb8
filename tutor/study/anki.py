"""Export a guide as an Anki deck (``.apkg``), with a learner's review history if they want it.

Three kinds of note, each tagged ``ecs-tutor``, ``guide::<title>`` and with its section path
(``Key_Concepts::ECS_Components``):

- a misconception note per Wrong/Right pair: the Wrong statement in front, the Right one, the
  item's explanation and its source behind;
- a cloze note per "which service?" question: the guide's sentence with the service hidden;
- a scenario note per practice-exam question (``tutor.study.exam``, seed 0): the scene and its
  options in front, the keyed letters and why each option is right or wrong behind.

Model and deck ids are fixed and note GUIDs are made from names (``genanki.guid_for``), never
random, so importing a newer export updates the notes instead of duplicating them.

With ``history`` (``ProgressStore.review_log``) every review goes into the collection's review
log and each card is scheduled where FSRS left it (``fsrs`` replays the reviews: the pair note
stands for both true/false drills of its pair, the scenario note of a scene's single-answer
question for its exam answers). genanki writes notes and new cards only, so the review log rows
and the cards' schedule are added to the collection genanki has just written, in Anki's columns.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import fsrs
import genanki

from ingest.records import PATH_SEP
from tutor import files
from tutor.study.exam import LETTERS, ONE, Question
from tutor.study.progress import Logged, default_scheduler, replay
from tutor.study.quiz import SERVICE, TRUE_FALSE, Card, Quiz, exam_card_id

MODEL_ID = 1_607_392_319  # fixed forever: Anki matches note types by these ids
MODEL_NAME = "ECS Tutor misconception v1"
CLOZE_MODEL_ID = 1_607_392_320
SCENARIO_MODEL_ID = 1_607_392_321
EXAM_SEED = 0  # the scenario notes are the practice exam's questions for this seed
# genanki's collection was created at this moment (``col.crt`` in its ``APKG_COL``); Anki counts
# a review card's due day from it, and moves it to the importing collection's days on import.
COLLECTION_START = 1_411_124_400
DAY = 86_400
_MAX_TIME_MS = 60_000  # Anki keeps at most a minute per review
# Anki's card types and queues, and the kinds of review in its log
_LEARNING, _REVIEW, _RELEARNING = 1, 2, 3
_QUEUE_LEARNING, _QUEUE_REVIEW, _QUEUE_DAY_LEARNING = 1, 2, 3
_LOG_LEARN, _LOG_REVIEW, _LOG_RELEARN = 0, 1, 2
_SM2_EASE = 2500  # what Anki writes as a reviewed card's ease factor (permille)

_CSS = """.card { font-family: sans-serif; font-size: 20px; text-align: left; }
.wrong { color: #a40000; } .right { color: #006100; } .item { color: #555; font-size: 16px; }
.cloze { font-weight: bold; color: #0645ad; }"""
_MISCONCEPTION = genanki.Model(
    MODEL_ID,
    MODEL_NAME,
    fields=[{"name": n} for n in ("Wrong", "Right", "Explanation", "Item", "Section")],
    templates=[
        {
            "name": "Misconception",
            "qfmt": "What is wrong with this statement?<br><div class=wrong>{{Wrong}}</div>",
            "afmt": "{{FrontSide}}<hr id=answer><div class=right>{{Right}}</div>"
            "<p>{{Explanation}}</p><div class=item>{{Item}} — {{Section}}</div>",
        }
    ],
    css=_CSS,
)
_CLOZE = genanki.Model(
    CLOZE_MODEL_ID,
    "ECS Tutor service cloze v1",
    fields=[{"name": n} for n in ("Text", "Explanation", "Item", "Section")],
    templates=[
        {
            "name": "Which service",
            "qfmt": "Which service fills the blank?<br>{{cloze:Text}}",
            "afmt": "{{cloze:Text}}<hr id=answer><p>{{Explanation}}</p>"
            "<div class=item>{{Item}} — {{Section}}</div>",
        }
    ],
    css=_CSS,
    model_type=genanki.Model.CLOZE,
)
_SCENARIO = genanki.Model(
    SCENARIO_MODEL_ID,
    "ECS Tutor scenario question v1",
    fields=[
        {"name": n}
        for n in ("Question", "Options", "Answer", "Explanations", "Item", "Section", "Source")
    ],
    templates=[
        {
            "name": "Scenario",
            "qfmt": "{{Question}}{{Options}}",
            "afmt": "{{FrontSide}}<hr id=answer><div class=right>Answer: {{Answer}}</div>"
            "{{Explanations}}<div class=item>{{Item}} — {{Section}}. Source: {{Source}}</div>",
        }
    ],
    css=_CSS,
)


@dataclass(frozen=True)
class Export:
    """A written deck: where, how many notes, and how many of the learner's reviews it carries
    (reviews of cards the guide no longer has are left out)."""

    path: Path
    notes: int
    reviews: int = 0


def deck_id(title: str) -> int:
    """A stable Anki deck id for a guide title (Anki wants a positive 63-bit integer)."""
    digest = hashlib.sha256(f"ecs-tutor deck:{title}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 2 or 1


def section_tag(section: str) -> str:
    """An Anki hierarchical tag, spaces made underscores.

    "Key Concepts > ECS Components" -> "Key_Concepts::ECS_Components"
    """
    return "::".join(re.sub(r"\s+", "_", part.strip()) for part in section.split(PATH_SEP))


def guide_tag(title: str) -> str:
    """ "Amazon ECS in Depth" -> "guide::Amazon_ECS_in_Depth" """
    return f"guide::{section_tag(title)}"


def build_deck(quiz: Quiz) -> tuple[genanki.Deck, dict[str, str]]:
    """The deck of the quiz's guide, and for each quiz card the GUID of the note that stands for
    it: misconception notes in guide order, then cloze notes, then scenario notes."""
    title = quiz.guide.title
    deck = genanki.Deck(deck_id(title), f"ECS Tutor::{title}")
    stands_for: dict[str, str] = {}

    def add(model: genanki.Model, fields: list[str], card: Card | Question, *name: str) -> str:
        guid = genanki.guid_for("ecs-tutor", title, *name)
        tags = ["ecs-tutor", guide_tag(quiz.graph.nodes[card.node]["guide"])]
        deck.add_note(
            genanki.Note(
                model=model, fields=fields, tags=[*tags, section_tag(card.section)], guid=guid
            )
        )
        return guid

    # One note per pair, for its True and its False drill (a disputed pair has only the True
    # one: Anki's learner grades themself, so its note shows both sides, as the others do).
    pairs: dict[str, list[Card]] = {}
    for card in quiz.cards:
        if card.kind == TRUE_FALSE:
            pairs.setdefault(card.pair_id, []).append(card)
    for pair_id, drills in pairs.items():
        guid = add(_MISCONCEPTION, _misconception_fields(drills[0]), drills[0], pair_id)
        stands_for |= dict.fromkeys((c.id for c in drills), guid)
    for card in quiz.cards:
        if card.kind == SERVICE:
            stands_for[card.id] = add(_CLOZE, _cloze_fields(card), card, card.id)
    for question in quiz.exam(seed=EXAM_SEED, count=None):
        guid = add(
            _SCENARIO,
            _scenario_fields(question),
            question,
            "exam",
            question.node,
            question.question,
        )
        scene = exam_card_id(question.node)  # its answers go to the single-answer question
        if question.question == ONE or scene not in stands_for:
            stands_for[scene] = guid
    return deck, stands_for


def write_apkg(
    quiz: Quiz,
    path: Path | str,
    *,
    history: Iterable[Logged] = (),
    scheduler: fsrs.Scheduler | None = None,
) -> Export:
    """Write the deck to ``path`` whole (``tutor.files.replacing``: a temporary file and a
    rename, nothing half-written left whatever stops it), with ``history`` in its review log
    and its cards scheduled by ``scheduler`` (``default_scheduler`` when None)."""
    path = Path(path)
    deck, stands_for = build_deck(quiz)
    reviews: dict[str, list[Logged]] = {}
    for review in history:
        if review.card_id in stands_for:
            reviews.setdefault(stands_for[review.card_id], []).append(review)
    package = _Package(deck, reviews, scheduler or default_scheduler())
    with files.replacing(path) as tmp:
        package.write_to_file(str(tmp))
    return Export(path, len(deck.notes), sum(len(r) for r in reviews.values()))


# --- notes ------------------------------------------------------------------------------------


def _text(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def _source(card: Card) -> str:
    return f"Source: {card.reference}" if card.reference else ""


def _misconception_fields(card: Card) -> list[str]:
    explanation = _text(card.explanation, _source(card), card.correction)
    fields = [card.wrong, card.right, explanation, card.item, card.section]
    return [html.escape(field) for field in fields]


def _cloze_fields(card: Card) -> list[str]:
    explanation = _text(card.explanation, _source(card), card.correction)
    # The cloze marks survive escaping: html.escape leaves braces and colons alone.
    return [html.escape(field) for field in (card.cloze, explanation, card.item, card.section)]


def _scenario_fields(question: Question) -> list[str]:
    letters = LETTERS[: len(question.options)]
    options = "".join(f"<li>{html.escape(option.text)}</li>" for option in question.options)
    explanations = "".join(
        f"<li><b>{letter})</b> {html.escape(option.why)}</li>"
        for letter, option in zip(letters, question.options, strict=True)
    )
    return [
        f"<p>{html.escape(question.stem)}</p><p>{html.escape(question.question)}</p>",
        f"<ol type=a>{options}</ol>",
        ", ".join(letters[n] for n in question.keys),
        f"<ul>{explanations}</ul>",
        html.escape(question.item),
        html.escape(question.section),
        html.escape(question.source),
    ]


# --- the review log ---------------------------------------------------------------------------


class _Package(genanki.Package):
    """genanki's package, then each reviewed card's log and schedule (``reviews``: note GUID ->
    its reviews, oldest first)."""

    def __init__(
        self, deck: genanki.Deck, reviews: dict[str, list[Logged]], scheduler: fsrs.Scheduler
    ):
        super().__init__(deck)
        self.reviews = reviews
        self.scheduler = scheduler

    def write_to_db(self, cursor, timestamp: float, id_gen) -> None:
        super().write_to_db(cursor, timestamp, id_gen)
        taken: set[int] = set()
        for guid, reviews in self.reviews.items():
            row = cursor.execute(
                "SELECT cards.id FROM cards JOIN notes ON notes.id = cards.nid "
                "WHERE notes.guid = ? AND cards.ord = 0",
                (guid,),
            ).fetchone()
            reviews.sort(key=lambda review: review.reviewed)
            states = replay(self.scheduler, reviews)
            for log in _log_rows(row[0], reviews, states, taken):
                cursor.execute("INSERT INTO revlog VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", log)
            schedule = _schedule(reviews, states, self.scheduler)
            cursor.execute(
                "UPDATE cards SET type = ?, queue = ?, due = ?, ivl = ?, factor = ?, reps = ?, "
                "lapses = ?, left = ? WHERE id = ?",
                (*schedule, row[0]),
            )


def _log_rows(
    card_id: int,
    reviews: list[Logged],
    states: list[tuple[fsrs.Card | None, fsrs.Card]],
    taken: set[int],
) -> Iterator[tuple[int, ...]]:
    """Anki's review log rows for one card: (id: the review's epoch milliseconds, unique in the
    collection; card id; usn; ease 1-4; interval after it; the interval before it; ease factor;
    time taken in ms; kind: learn, review or relearn)."""
    last_interval = 0
    for review, (before, after) in zip(reviews, states, strict=True):
        log_id = int(review.reviewed.timestamp() * 1000)
        while log_id in taken:
            log_id += 1
        taken.add(log_id)
        interval = _interval(after.due - review.reviewed)
        kind = {fsrs.State.Review: _LOG_REVIEW, fsrs.State.Relearning: _LOG_RELEARN}.get(
            before.state if before else fsrs.State.Learning, _LOG_LEARN
        )
        factor = 0 if kind == _LOG_LEARN else _SM2_EASE
        spent = min(review.duration_ms or 0, _MAX_TIME_MS)
        yield (
            log_id,
            card_id,
            -1,
            int(review.rating),
            interval,
            last_interval,
            factor,
            spent,
            kind,
        )
        last_interval = interval


def _interval(length) -> int:
    """Anki's interval: whole days, or negative seconds under a day."""
    seconds = int(length.total_seconds())
    return round(seconds / DAY) if seconds >= DAY else -seconds


def _schedule(
    reviews: list[Logged],
    states: list[tuple[fsrs.Card | None, fsrs.Card]],
    scheduler: fsrs.Scheduler,
) -> tuple[int, ...]:
    """The card's (type, queue, due, interval, ease factor, reps, lapses, steps left) where its
    last review left it."""
    state = states[-1][1]
    last = reviews[-1].reviewed
    lapses = sum(
        1
        for review, (before, _) in zip(reviews, states, strict=True)
        if before is not None
        and before.state == fsrs.State.Review
        and review.rating == fsrs.Rating.Again
    )
    day = (int(state.due.timestamp()) - COLLECTION_START) // DAY
    if state.state == fsrs.State.Review:
        interval = max(1, round((state.due - last).total_seconds() / DAY))
        return (_REVIEW, _QUEUE_REVIEW, day, interval, _SM2_EASE, len(reviews), lapses, 0)
    learning = state.state == fsrs.State.Learning
    steps = scheduler.learning_steps if learning else scheduler.relearning_steps
    left = max(len(steps) - (state.step or 0), 1)
    within_a_day = (state.due - last).total_seconds() < DAY
    queue, due = (
        (_QUEUE_LEARNING, int(state.due.timestamp()))
        if within_a_day
        else (_QUEUE_DAY_LEARNING, day)
    )
    kind, factor = (_LEARNING, 0) if learning else (_RELEARNING, _SM2_EASE)
    return (kind, queue, due, 0, factor, len(reviews), lapses, left)
