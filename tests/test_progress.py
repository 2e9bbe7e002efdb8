"""The progress store: FSRS wiring, persistence, mastery, history, study-next, and a process killed
mid-session that loses no committed review."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import fsrs
import pytest
from conftest import card_id

from ingest import load_catalog
from tutor import BadInput
from tutor.config import PROJECT_DIR
from tutor.study.progress import HORIZON, ProgressError, ProgressStore, progress_url
from tutor.study.quiz import Grade, Quiz

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CLUSTERS_TRUE, CLUSTERS_FALSE = card_id("pair:Clusters#1:true"), card_id("pair:Clusters#1:false")


@pytest.fixture(scope="module")
def quiz(guide):
    return Quiz(guide, load_catalog())


@pytest.fixture
def scheduler():
    return fsrs.Scheduler(enable_fuzzing=False)  # intervals exact, so values can be asserted


@pytest.fixture
def store(database, quiz, scheduler):
    store = ProgressStore(database, quiz=quiz, scheduler=scheduler)
    yield store
    store.close()


def test_the_default_store_is_a_sqlite_file_in_the_data_dir(tmp_path):
    url = progress_url(tmp_path / "new" / "dir")
    assert url == f"sqlite:///{tmp_path / 'new' / 'dir' / 'progress.db'}"
    assert (tmp_path / "new" / "dir").is_dir()


def test_a_new_learner_gets_new_cards_in_guide_order(store, quiz):
    # In guide order, one drill per pair: a card's sibling waits while it is in the round.
    dealt = store.due_cards("ana", NOW)
    places = {pair: n for n, pair in reversed(list(enumerate(c.pair_id for c in quiz.cards)))}
    assert [places[c.pair_id] for c in dealt] == sorted(places.values())
    assert store.learners() == []  # looking does not create a learner


def test_new_drills_do_not_all_state_the_right_side(store):
    """Of a pair's two drills, a new learner meets the Wrong statement first for some pairs:
    answering "True" to every new drill is no way through a round."""
    drills = [c for c in store.due_cards("ana", NOW) if c.kind == "true_false"]
    answers = [c.answer for c in drills]
    assert 0.25 < answers.count("False") / len(answers) < 0.75
    assert store.due_cards("bo", NOW) == store.due_cards("ana", NOW)  # the same for everyone


def test_a_review_is_scheduled_exactly_as_fsrs_does(store, scheduler):
    expected, _ = scheduler.review_card(fsrs.Card(card_id=0, due=NOW), fsrs.Rating.Good, NOW)
    review = store.review("ana", CLUSTERS_FALSE, "false", NOW)
    assert (review.recorded, review.correct, review.rating) == (True, True, "Good")
    assert review.due == expected.due == NOW + timedelta(minutes=10)
    again = store.review("ana", CLUSTERS_TRUE, "false", NOW)
    assert (again.correct, again.rating, again.due) == (False, "Again", NOW + timedelta(minutes=1))
    assert store.learners() == ["ana"]


def test_due_cards_come_first_most_overdue_first_then_new_ones(store, quiz):
    next_pair = store.due_cards("bo", NOW, limit=2)[1].id  # the first new card after Clusters
    store.review("ana", CLUSTERS_FALSE, "false", NOW)  # Good: due in 10 minutes
    store.review("ana", CLUSTERS_TRUE, "false", NOW)  # Again: due in 1 minute
    later = [c.id for c in store.due_cards("ana", NOW + timedelta(minutes=30), limit=3)]
    assert later == [CLUSTERS_TRUE, CLUSTERS_FALSE, next_pair]
    soon = [c.id for c in store.due_cards("ana", NOW + timedelta(seconds=30), limit=1)]
    assert soon == [next_pair]
    # The new cards after them: one drill of each pair (the other waits), and the questions.
    dealt = store.due_cards("ana", NOW + timedelta(seconds=30))
    pairs = {c.pair_id for c in quiz.cards if c.kind == "true_false"} - {quiz.cards[0].pair_id}
    questions = [c for c in quiz.cards if c.kind != "true_false"]
    assert len(dealt) == len(pairs) + len(questions)


def test_a_drill_waits_a_day_once_its_sibling_was_seen(store, quiz):
    store.review("ana", CLUSTERS_TRUE, fsrs.Rating.Easy, NOW)  # not due again for days
    today = [c.id for c in store.due_cards("ana", NOW + timedelta(hours=1))]
    assert CLUSTERS_FALSE not in today  # it would give the answer just seen away
    assert len({c.pair_id for c in store.due_cards("ana", NOW)}) == len(store.due_cards("ana", NOW))
    tomorrow = [c.id for c in store.due_cards("ana", NOW + timedelta(days=1))]
    assert CLUSTERS_FALSE in tomorrow


def test_a_card_is_answered_once_until_it_is_due_again(store):
    """A second try at the card just answered (a learner fixing a wrong answer, a double click)
    is refused and saves nothing; once due again, the card is answered as usual."""
    first = store.review("ana", CLUSTERS_TRUE, "false", NOW)  # wrong: Again, due in a minute
    with pytest.raises(BadInput, match="answered already"):
        store.review("ana", CLUSTERS_TRUE, "true", NOW + timedelta(seconds=5))
    assert [d.reviews for d in store.history("ana")] == [1]
    assert store.review("ana", CLUSTERS_TRUE, "true", first.due).rating == "Good"
    assert [d.reviews for d in store.history("ana")] == [2]


def test_the_default_schedule_is_the_same_each_time_and_easy_is_never_sooner(database, quiz):
    """The store as shipped: re-rating an answer replays the card's log, so any random fuzz in
    the scheduler would move its due date each time, and could put Easy before Good."""
    store = ProgressStore(database, quiz=quiz)
    when = NOW
    for _ in range(4):  # a short history, so the last answer has intervals to stretch
        when = store.review("bo", CLUSTERS_TRUE, fsrs.Rating.Good, when).due
    store.review("bo", CLUSTERS_TRUE, "true", when)
    easy = [store.rate("bo", CLUSTERS_TRUE, "Easy").due for _ in range(3)]
    good = [store.rate("bo", CLUSTERS_TRUE, "Good").due for _ in range(3)]
    store.close()
    assert len(set(easy)) == 1 and len(set(good)) == 1
    assert easy[0] > good[0]


def test_a_rating_or_a_grade_can_be_given_directly(store):
    assert store.review("ana", CLUSTERS_TRUE, fsrs.Rating.Easy, NOW).rating == "Easy"
    grade = Grade(CLUSTERS_FALSE, "my words", True, "fine")
    review = store.review("ana", CLUSTERS_FALSE, grade, NOW)
    assert (review.rating, review.feedback) == ("Good", "fine")


def test_an_answer_that_cannot_be_judged_is_not_recorded(store):
    review = store.review("ana", CLUSTERS_TRUE, Grade(CLUSTERS_TRUE, "?", None, "say more"), NOW)
    assert (review.recorded, review.rating, review.due) == (False, None, None)
    assert store.history("ana") == ()


@pytest.mark.parametrize("name", ["", "   ", "a" * 81, "x\x00y", "<script>"])
def test_a_learner_needs_a_plain_name(store, name):
    with pytest.raises(BadInput):
        store.review(name, CLUSTERS_TRUE, "true", NOW)


def test_naive_datetimes_are_refused(store):
    with pytest.raises(ValueError, match="naive"):
        store.review("ana", CLUSTERS_TRUE, "true", datetime(2026, 3, 2, 9))


def test_learners_progress_apart(store, quiz):
    first, second = store.due_cards("ana", NOW, limit=2)
    store.review("ana", first.id, first.answer, NOW)
    assert store.due_cards("bo", NOW, limit=1) == [first]
    assert store.due_cards("ana", NOW, limit=1) == [second]  # not first's sibling


def test_progress_is_there_when_the_store_is_opened_again(database, quiz, scheduler):
    first = ProgressStore(database, quiz=quiz, scheduler=scheduler)
    clusters, definitions = first.due_cards("ana", NOW, limit=2)
    first.review("ana", clusters.id, clusters.answer, NOW)
    first.close()
    again = ProgressStore(database, quiz=quiz, scheduler=scheduler)
    assert [d.reviews for d in again.history("ana")] == [1]
    assert again.due_cards("ana", NOW, limit=1) == [definitions]  # Clusters seen


def test_another_schema_version_is_refused(database, quiz):
    ProgressStore(database, quiz=quiz).close()
    _sql(database, "UPDATE meta SET value = 'ecs-tutor progress v0' WHERE key = 'schema'")
    with pytest.raises(ProgressError, match="progress v0"):
        ProgressStore(database, quiz=quiz)


def test_a_database_holds_one_guides_progress_and_refuses_another_guides(database, quiz):
    from dataclasses import replace

    first = ProgressStore(database, quiz=quiz)
    first.review("ana", CLUSTERS_TRUE, "true", NOW)
    first.close()
    other = Quiz(replace(quiz.guide, title="AWS EKS"), load_catalog())
    with pytest.raises(ProgressError, match=r"for the guide 'AWS ECS', not 'AWS EKS'.*--db"):
        ProgressStore(database, quiz=other)
    again = ProgressStore(database, quiz=quiz)  # nothing was lost or changed
    assert [d.reviews for d in again.history("ana")] == [1]


def test_a_database_from_before_guides_were_recorded_is_adopted(database, quiz):
    ProgressStore(database, quiz=quiz).close()
    _sql(database, "DELETE FROM meta WHERE key = 'guide'")
    ProgressStore(database, quiz=quiz).close()
    assert _sql(database, "SELECT value FROM meta WHERE key = 'guide'") == [("AWS ECS",)]


def test_an_unusable_url_is_a_clear_error(quiz):
    with pytest.raises(ProgressError):
        ProgressStore("nosuchdb://x", quiz=quiz)


def test_mastery_is_fsrs_recall_a_week_out_weakest_first(store, scheduler):
    store.review("ana", card_id("pair:Tasks#1:true"), fsrs.Rating.Easy, NOW)
    store.review("ana", card_id("pair:Tasks#1:false"), fsrs.Rating.Easy, NOW)
    store.review("ana", CLUSTERS_TRUE, fsrs.Rating.Again, NOW)
    report = store.mastery("ana", NOW)
    first, second = report.items[:2]
    # Clusters has two drills and the card of its scene in a practice exam.
    assert (first.name, first.cards, first.seen, first.reviews, first.correct) == (
        "Clusters",
        3,
        1,
        1,
        0,
    )
    failed, _ = scheduler.review_card(fsrs.Card(card_id=0, due=NOW), fsrs.Rating.Again, NOW)
    assert first.recall == round(scheduler.get_card_retrievability(failed, NOW + HORIZON), 4)
    assert (second.name, second.seen, second.accuracy) == ("Tasks", 2, 1.0)
    assert second.recall > 0.9 > first.recall
    assert all(m.recall is None and m.seen == 0 for m in report.items[2:])
    assert [s.name for s in report.sections[:1]] == ["Key Concepts > ECS Components"]
    components = [c for c in store.quiz.every_card if c.section == report.sections[0].name]
    assert report.sections[0].seen == 3 and report.sections[0].coverage == 3 / len(components)
    assert len(components) == 8 + 4  # four items: two drills and an exam card each


def test_history_counts_reviews_per_day_with_retention(store, scheduler):
    store.review("ana", CLUSTERS_TRUE, "true", NOW)
    store.review("ana", CLUSTERS_FALSE, "true", NOW)
    later = NOW + timedelta(days=2)
    store.review("ana", CLUSTERS_TRUE, "true", later)
    store.review("ana", CLUSTERS_FALSE, "false", later)
    first, second = store.history("ana")
    assert (first.day, first.reviews, first.correct, first.new) == (date(2026, 3, 2), 2, 1, 2)
    assert (first.retention, first.predicted) == (None, None)
    assert (second.day, second.reviews, second.correct, second.new) == (date(2026, 3, 4), 2, 2, 0)
    assert second.retention == 1.0
    good, _ = scheduler.review_card(fsrs.Card(card_id=0, due=NOW), fsrs.Rating.Good, NOW)
    bad, _ = scheduler.review_card(fsrs.Card(card_id=0, due=NOW), fsrs.Rating.Again, NOW)
    expected = [scheduler.get_card_retrievability(c, later) for c in (good, bad)]
    assert second.predicted == round(sum(expected) / 2, 4)


def test_study_next_suggests_unmastered_graph_neighbours_of_weak_items(store, graph):
    store.review("ana", card_id("pair:Fargate#1:true"), fsrs.Rating.Again, NOW)
    store.review("ana", card_id("pair:Fargate#1:false"), fsrs.Rating.Again, NOW)
    suggestions = store.study_next("ana", graph, NOW, k=3)
    assert suggestions[0].name == "Batch Processing with Fargate"
    assert suggestions[0].because == ("Fargate",)
    assert all("Fargate" in s.because for s in suggestions)
    assert "Fargate" not in [s.name for s in suggestions]
    assert [s.score for s in suggestions] == sorted((s.score for s in suggestions), reverse=True)


def test_study_next_with_nothing_weak_starts_at_the_top(store, graph):
    assert [s.name for s in store.study_next("new", graph, NOW, k=2)] == [
        "Clusters",
        "Task Definitions",
    ]


def test_concurrent_reviews_are_all_kept(store, quiz):
    cards = [c.id for c in quiz.cards[:20]]

    def answer(learner: str) -> None:
        for card in cards:
            store.review(learner, card, fsrs.Rating.Good, NOW)

    threads = [threading.Thread(target=answer, args=(name,)) for name in ("ana", "bo", "cy")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [[d.reviews for d in store.history(n)] for n in ("ana", "bo", "cy")] == [[20]] * 3


_CHILD = """
import sys
from datetime import UTC, datetime, timedelta
import fsrs
from ingest import load_catalog, read_guide
from tutor.config import DEFAULT_GUIDE
from tutor.study.progress import ProgressStore, progress_url
from tutor.study.quiz import Quiz

quiz = Quiz(read_guide(DEFAULT_GUIDE), load_catalog())
store = ProgressStore(progress_url(sys.argv[1]), quiz=quiz)
cards = [c.id for c in store.quiz.cards]
start = datetime(2026, 3, 2, 9, tzinfo=UTC)
n = 0
while True:
    card = cards[n % len(cards)]
    # each round ten years on, when every card is due again (a card is answered only when due)
    now = start + timedelta(days=3650 * (n // len(cards)), seconds=n)
    store.review("ana", card, fsrs.Rating.Good, now)
    print(n, card, flush=True)  # printed only once the review is committed
    n += 1
"""


def test_a_killed_session_loses_no_committed_review(tmp_path, quiz):
    script = tmp_path / "child.py"
    script.write_text(_CHILD, encoding="utf-8")
    child = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path)],
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)},
    )
    committed = []
    try:
        for line in child.stdout:
            committed.append(line.split(" ", 1)[1].strip())
            if len(committed) == 120:  # past a full round of the 90 cards
                break
        child.send_signal(signal.SIGKILL)  # mid-session, most likely mid-transaction
    finally:
        child.kill()
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert len(committed) == 120

    with sqlite3.connect(tmp_path / "progress.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        reviewed = dict(db.execute("SELECT card_id, MAX(reviewed) FROM reviews GROUP BY card_id"))
        states = {
            cid: json.loads(card)
            for cid, card in db.execute("SELECT card_id, card FROM card_states")
        }
        total = db.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
    assert total >= len(committed)  # every review printed as committed is there
    assert set(committed) <= set(states)
    for card, state in states.items():  # each state moved with its review, never apart
        assert datetime.fromisoformat(state["last_review"]) == datetime.fromisoformat(
            reviewed[card]
        ).replace(tzinfo=UTC)

    fresh = ProgressStore(progress_url(tmp_path), quiz=quiz)
    assert sum(d.reviews for d in fresh.history("ana")) == total
    later = datetime(2046, 3, 2, 10, tzinfo=UTC)  # past the second round (2036)
    assert fresh.review("ana", committed[-1], fsrs.Rating.Good, later).recorded
    fresh.close()


def test_the_data_dir_can_be_set_by_environment(tmp_path):
    from tutor.config import settings_from_env

    assert settings_from_env({"ECS_TUTOR_DATA": str(tmp_path)}).data_dir == Path(tmp_path)


def test_a_guides_progress_carries_over_when_it_is_studied_with_others(database, guide):
    """A learner's progress on the seed guide alone is theirs still once the built-in guides
    are studied together: the database becomes the whole's, and its cards keep their names."""
    from ingest import read_studied_guides
    from tutor.config import BUILTIN_GUIDES

    url = database
    alone = ProgressStore(url, quiz=Quiz(guide, load_catalog()))
    card = alone.due_cards("ana")[0]
    alone.review("ana", card.id, fsrs.Rating.Good)
    together = ProgressStore(url, quiz=Quiz(read_studied_guides(BUILTIN_GUIDES), load_catalog()))
    assert [d.reviews for d in together.history("ana")] == [1]
    assert card.id not in {c.id for c in together.due_cards("ana")}
    with pytest.raises(ProgressError, match="holds progress for the guide"):
        ProgressStore(url, quiz=Quiz(guide, load_catalog()))  # the whole's now, not one guide's


def test_progress_kept_under_the_old_ids_that_named_the_answer_is_adopted(database, quiz):
    from tutor.study.quiz import legacy_ids

    store = ProgressStore(database, quiz=quiz)
    store.review("ana", CLUSTERS_TRUE, "true", NOW)
    store.review("ana", CLUSTERS_FALSE, "false", NOW)
    before = store.mastery("ana", NOW)
    store.close()
    old = {new: legacy for legacy, new in legacy_ids(quiz).items()}
    for table in ("card_states", "reviews"):  # as a database from before
        for new in (CLUSTERS_TRUE, CLUSTERS_FALSE):
            _sql(
                database,
                f"UPDATE {table} SET card_id = :old WHERE card_id = :new",
                old=old[new],
                new=new,
            )
    assert _sql(database, "SELECT count(*) FROM reviews WHERE card_id LIKE :end", end="%:true")[0][
        0
    ]
    again = ProgressStore(database, quiz=quiz)
    assert again.mastery("ana", NOW) == before
    assert CLUSTERS_TRUE not in {c.id for c in again.due_cards("ana", NOW)}  # scheduled, not new
    ids = {row[0] for row in _sql(database, "SELECT card_id FROM reviews")}
    assert ids == {CLUSTERS_TRUE, CLUSTERS_FALSE}
    again.close()


def test_the_last_answer_can_be_rated_as_in_anki(database, quiz, scheduler):
    store = ProgressStore(database, quiz=quiz, scheduler=scheduler)
    store.review("ana", CLUSTERS_TRUE, "true", NOW)  # right: Good, due in 10 minutes
    rated = store.rate("ana", CLUSTERS_TRUE, "easy")
    easy, _ = scheduler.review_card(fsrs.Card(card_id=0, due=NOW), fsrs.Rating.Easy, NOW)
    assert (rated.rating, rated.due) == ("Easy", easy.due)  # as if Easy had been given
    assert store.due_cards("ana", easy.due - timedelta(minutes=1), limit=1)[0].id != CLUSTERS_TRUE
    assert store.rate("ana", CLUSTERS_TRUE, fsrs.Rating.Again).rating == "Again"  # "I guessed"
    assert [d.reviews for d in store.history("ana")] == [1]  # a rating is no second review
    store.review("ana", quiz.cards[2].id, "false", NOW + timedelta(minutes=1))  # wrong
    with pytest.raises(BadInput, match="a wrong answer is rated Again"):
        store.rate("ana", quiz.cards[2].id, "Good")
    with pytest.raises(BadInput, match="right after answering it"):
        store.rate("ana", CLUSTERS_TRUE, "Good")  # no longer the last answer
    with pytest.raises(BadInput, match="rate it Again, Hard, Good or Easy"):
        store.rate("ana", quiz.cards[2].id, "perfect")
    store.close()


def _sql(url: str, statement: str, **params) -> list[tuple]:
    """One statement on the database at ``url``, committed; the rows it returns, if any."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            result = connection.execute(text(statement), params)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def test_the_migrations_make_exactly_the_tables_the_code_uses(database, quiz):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    from tutor.study.progress_db import Base

    ProgressStore(database, quiz=quiz).close()
    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


def _at_revision(url: str, revision: str) -> None:
    """The database at ``url`` made as the migrations up to ``revision`` left it."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from tutor.study.progress_db import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def _old_reviews(url: str, count: int) -> None:
    """``count`` reviews of ana, and their card states, written as an older version did."""
    _sql(url, "INSERT INTO learners (id, name, created) VALUES (1, 'ana', '2026-01-05 09:00')")
    for n in range(count):
        _sql(
            url,
            "INSERT INTO card_states (learner_id, card_id, card, due) VALUES "
            f"(1, 'c{n}', '{{}}', '2026-01-06 09:00')",
        )
        _sql(
            url,
            "INSERT INTO reviews (learner_id, card_id, reviewed, rating, correct, answer) "
            f"VALUES (1, 'c{n}', '2026-01-05 09:0{n}', 3, true, 'false')",
        )


@pytest.mark.parametrize("revision", ["0001", "0002"])
def test_a_database_of_an_older_schema_keeps_every_review(database, quiz, revision):
    _at_revision(database, revision)
    _old_reviews(database, 3)
    if revision == "0001":  # as made before migrations existed: no alembic_version
        _sql(database, "DROP TABLE alembic_version")
    again = ProgressStore(database, quiz=quiz)
    assert [d.reviews for d in again.history("ana")] == [3]
    again.close()
    (version,) = _sql(database, "SELECT version_num FROM alembic_version")
    assert version == (_head(),)
    assert _sql(database, "SELECT DISTINCT guide FROM card_states") == [("",)]


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from tutor.study.progress_db import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def test_a_progress_db_copied_into_another_database_keeps_every_review(
    tmp_path, database, quiz, scheduler
):
    from tutor.cli import main
    from tutor.study.accounts import Accounts

    source = progress_url(tmp_path / "laptop")
    store = ProgressStore(source, quiz=quiz, scheduler=scheduler)
    for n, card in enumerate(quiz.cards[:6]):
        store.review("ana" if n % 2 else "bo", card.id, fsrs.Rating.Good, NOW + timedelta(hours=n))
    before = {name: (store.history(name), store.mastery(name, NOW)) for name in ("ana", "bo")}
    store.close()
    accounts = Accounts(source)
    accounts.add("ana", "ana's long password")
    accounts.close()
    assert main(["db", "copy", str(tmp_path / "laptop" / "progress.db"), database]) == 0
    copied = ProgressStore(database, quiz=quiz, scheduler=scheduler)
    assert {n: (copied.history(n), copied.mastery(n, NOW)) for n in ("ana", "bo")} == before
    copied.review("cy", quiz.cards[0].id, fsrs.Rating.Good, NOW)  # new ids follow the copied
    copied.close()
    accounts = Accounts(database)
    assert accounts.verify("ana", "ana's long password")
    accounts.close()
    assert main(["db", "copy", str(tmp_path / "laptop" / "progress.db"), database]) == 1
