"""A teacher's view of the class, on SQLite and PostgreSQL: the misconceptions still held, by
whom, their trend by week, mastery per learner and section, and the CSV."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from ingest import load_catalog
from tutor.study.classview import WEEKS, class_view
from tutor.study.progress import ProgressStore
from tutor.study.quiz import TRUE_FALSE, Quiz

NOW = datetime(2026, 3, 30, 9, tzinfo=UTC)


@pytest.fixture
def store(database, guide):
    store = ProgressStore(database, quiz=Quiz(guide, load_catalog()))
    yield store
    store.close()


def _drills(store, n):
    """The two drills of the ``n``-th pair: (the Right statement's, the Wrong statement's)."""
    pairs = {}
    for card in store.quiz.cards:
        if card.kind == TRUE_FALSE:
            pairs.setdefault(card.pair_id, []).append(card)
    right, wrong = sorted(list(pairs.values())[n], key=lambda c: c.answer != "True")
    return right, wrong


def test_who_still_holds_a_misconception_and_its_trend(store):
    right, wrong = _drills(store, 0)
    other_right, _ = _drills(store, 1)
    three_weeks_ago = NOW - timedelta(weeks=3, days=2)
    store.review("ana", wrong.id, "true", three_weeks_ago)  # took the Wrong one for true
    store.review("ana", right.id, "true", NOW - timedelta(days=1))  # since put right
    store.review("bo", wrong.id, "true", NOW - timedelta(days=2))  # holds it
    store.review("cy", other_right.id, "true", NOW - timedelta(days=2))  # another pair, right
    view = class_view(store, NOW)
    held, other = view.pairs  # the most held first
    assert (held.pair, held.answered, held.holding, held.share) == (
        wrong.pair_id,
        ("ana", "bo"),
        ("bo",),
        0.5,
    )
    assert (held.wrong, held.right) == (wrong.wrong, wrong.right)
    assert len(held.weekly) == WEEKS
    assert held.weekly[WEEKS - 4] == 1.0  # three weeks ago: ana's one wrong answer
    assert held.weekly[-1] == 0.5  # this week: ana right, bo wrong
    assert [w for n, w in enumerate(held.weekly) if n not in (WEEKS - 4, WEEKS - 1)] == [None] * 4
    assert (other.holding, other.share) == ((), 0.0)
    assert view.learners == ("ana", "bo", "cy")
    assert set(view.mastery["ana"]) == set(view.sections)
    assert view.mastery["cy"][other_right.section] > 0


def test_the_csv_has_a_row_per_pair(store):
    _, wrong = _drills(store, 0)
    store.review("bo", wrong.id, "true", NOW)
    rows = list(csv.reader(io.StringIO(class_view(store, NOW).csv())))
    assert rows[0][:7] == ["item", "section", "wrong", "right", "answered", "holding", "share"]
    assert rows[1][:2] == [wrong.item, wrong.section]
    assert rows[1][4:7] == ["1", "bo", "1.00"]


def test_an_empty_class_has_no_pairs(store):
    view = class_view(store, NOW)
    assert view.pairs == () and view.learners == ()


def test_a_teachers_own_answers_are_left_out(store):
    _, wrong = _drills(store, 0)
    store.review("tess", wrong.id, "true", NOW)
    view = class_view(store, NOW, teachers=frozenset({"tess"}))
    assert view.pairs == () and view.learners == ()


def test_a_checked_claims_side_counts_as_the_learners_latest_word(store):
    right, wrong = _drills(store, 0)
    store.review("ana", right.id, "true", NOW - timedelta(days=3))  # right in the quiz...
    said = dict(item=wrong.item, wrong=wrong.wrong)
    assert store.record_check("ana", **said, held_wrong=True, now=NOW - timedelta(days=1))
    store.review("bo", wrong.id, "true", NOW - timedelta(days=3))  # wrong in the quiz...
    store.record_check("bo", **said, held_wrong=False, now=NOW - timedelta(days=1))
    (held,) = class_view(store, NOW).pairs
    assert (held.pair, held.answered, held.holding) == (wrong.pair_id, ("ana", "bo"), ("ana",))
    assert held.weekly[-1] == 0.5  # this week: two right, two wrong
    # A pair this guide does not have is not kept.
    assert store.record_check("ana", item=wrong.item, wrong="no such", held_wrong=True) is None
    assert len(store.checks()) == 2


def test_only_a_verdict_the_checker_is_fairly_sure_of_takes_a_side(tutor):
    from tutor.study.classview import side_taken

    pair = tutor.guide.pairs[0]
    for claim, side in ((pair.wrong, True), (pair.right, False)):
        verdict = tutor.check(claim)
        assert verdict.certainty in ("sure", "likely") and side_taken(verdict) is side
    assert side_taken(tutor.check("The S3 Glacier archive tier needs a vault lock")) is None
