"""The Anki export: a .apkg (a zip holding a SQLite collection) with misconception, cloze and
scenario notes tagged by guide and section, and a learner's reviews as Anki's review log."""

from __future__ import annotations

import html
import json
import re
import sqlite3
import zipfile
from datetime import UTC, datetime, timedelta

import fsrs
import pytest
from conftest import card_id

from ingest import load_catalog, read_studied_guides
from tutor.cli import main
from tutor.config import BUILTIN_GUIDES
from tutor.study.anki import (
    CLOZE_MODEL_ID,
    COLLECTION_START,
    DAY,
    EXAM_SEED,
    MODEL_ID,
    SCENARIO_MODEL_ID,
    deck_id,
    guide_tag,
    section_tag,
    write_apkg,
)
from tutor.study.exam import LETTERS
from tutor.study.progress import Logged, ProgressStore, progress_url
from tutor.study.quiz import BLANK, SERVICE, Quiz

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CLOZE = re.compile(r"\{\{c1::(.+?)\}\}")


@pytest.fixture(scope="module")
def quiz(guide):
    return Quiz(guide, load_catalog())


@pytest.fixture
def store(tmp_path, quiz):
    store = ProgressStore(
        progress_url(tmp_path), quiz=quiz, scheduler=fsrs.Scheduler(enable_fuzzing=False)
    )
    yield store
    store.close()


def _collection(apkg, folder):
    """The collection inside an .apkg, opened with sqlite3."""
    with zipfile.ZipFile(apkg) as archive:
        assert "collection.anki2" in archive.namelist()
        archive.extract("collection.anki2", folder)
    return sqlite3.connect(folder / "collection.anki2")


def _notes(db, model_id):
    rows = db.execute("SELECT guid, tags, flds FROM notes WHERE mid = ? ORDER BY id", (model_id,))
    return [(guid, tags.split(), fields.split("\x1f")) for guid, tags, fields in rows]


def _card(db, note_guid):
    """(card id, type, queue, due, ivl, reps, lapses) of a note's card."""
    return db.execute(
        "SELECT cards.id, type, queue, due, ivl, reps, lapses FROM cards "
        "JOIN notes ON notes.id = cards.nid WHERE notes.guid = ?",
        (note_guid,),
    ).fetchone()


@pytest.mark.parametrize(
    "section, tag",
    [
        ("Key Concepts > ECS Components", "Key_Concepts::ECS_Components"),
        ("Security", "Security"),
        ("Integration with Other AWS Services", "Integration_with_Other_AWS_Services"),
    ],
)
def test_section_paths_become_hierarchical_tags(section, tag):
    assert section_tag(section) == tag


def test_a_guide_title_becomes_a_guide_tag():
    assert guide_tag("Amazon ECS in Depth") == "guide::Amazon_ECS_in_Depth"


def test_the_deck_has_one_note_per_pair_tagged_by_guide_and_section(quiz, guide, tmp_path):
    export = write_apkg(quiz, tmp_path / "deck.apkg")
    db = _collection(export.path, tmp_path)
    notes = _notes(db, MODEL_ID)
    assert len(notes) == len(guide.pairs) == 31
    decks = json.loads(db.execute("SELECT decks FROM col").fetchone()[0])
    assert str(deck_id(guide.title)) in decks
    for (_, tags, fields), pair in zip(notes, guide.pairs, strict=True):
        assert tags == ["ecs-tutor", "guide::AWS_ECS", section_tag(pair.section)]
        wrong, right, explanation, item, section = fields
        assert (wrong, right, item) == (pair.wrong, pair.right, pair.owner)
        assert section == pair.section.replace(">", "&gt;")
        assert explanation.startswith(f"{pair.owner}: ")


def test_each_service_question_is_a_cloze_of_the_guides_sentence(quiz, tmp_path):
    export = write_apkg(quiz, tmp_path / "deck.apkg")
    notes = _notes(_collection(export.path, tmp_path), CLOZE_MODEL_ID)
    questions = [card for card in quiz.cards if card.kind == SERVICE]
    assert len(notes) == len(questions) > 10
    catalog = load_catalog()
    for (_, tags, (text, _, item, _)), card in zip(notes, questions, strict=True):
        assert tags[:2] == ["ecs-tutor", "guide::AWS_ECS"] and item == card.item
        hidden = CLOZE.findall(text)
        assert hidden and all(catalog.mentions(part) == (card.answer,) for part in hidden)
        # The note shows what the quiz card shows, the blanks filled by clozes.
        assert html.escape(card.prompt).startswith(CLOZE.sub(BLANK, text) + " Which service")


def test_each_scenario_note_keys_exactly_its_questions_right_options(quiz, tmp_path):
    export = write_apkg(quiz, tmp_path / "deck.apkg")
    notes = _notes(_collection(export.path, tmp_path), SCENARIO_MODEL_ID)
    questions = quiz.exam(seed=EXAM_SEED, count=None)
    assert len(notes) == len(questions) > 20
    for (_, tags, fields), question in zip(notes, questions, strict=True):
        front, options, answer, explanations, item, section, _ = fields
        assert tags == ["ecs-tutor", "guide::AWS_ECS", section_tag(question.section)]
        shown = [html.unescape(text) for text in re.findall(r"<li>(.*?)</li>", options)]
        assert shown == [option.text for option in question.options]
        assert answer == ", ".join(LETTERS[n] for n in question.keys)
        assert html.escape(question.stem) in front and "Wrong:" not in front + options
        assert explanations.count("<li>") == len(question.options)
        assert (html.unescape(item), html.unescape(section)) == (question.item, question.section)


def test_a_new_export_keeps_the_ids_so_anki_updates_instead_of_duplicating(quiz, tmp_path):
    guids = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        path = write_apkg(quiz, tmp_path / name / "deck.apkg").path
        db = _collection(path, tmp_path / name)
        guids.append([guid for (guid,) in db.execute("SELECT guid FROM notes ORDER BY id")])
    assert guids[0] == guids[1]
    assert len(set(guids[0])) == len(guids[0])


def test_an_export_without_history_has_only_new_cards(quiz, tmp_path):
    export = write_apkg(quiz, tmp_path / "deck.apkg")
    db = _collection(export.path, tmp_path)
    assert export.reviews == 0
    assert db.execute("SELECT COUNT(*) FROM revlog").fetchone() == (0,)
    assert db.execute("SELECT DISTINCT type, queue FROM cards").fetchall() == [(0, 0)]


def test_a_learners_reviews_become_anki_review_log_rows(quiz, store, tmp_path):
    true_drill, false_drill = card_id("pair:Clusters#1:true"), card_id("pair:Clusters#1:false")
    service = next(card for card in quiz.cards if card.kind == SERVICE)
    store.review("ana", true_drill, "true", NOW, duration_ms=4000)
    after_drill = store.review("ana", false_drill, "true", NOW + timedelta(days=2))  # wrong
    store.review("ana", service.id, fsrs.Rating.Easy, NOW, duration_ms=90_000)
    lapse_at = NOW + timedelta(days=30)
    after_service = store.review("ana", service.id, fsrs.Rating.Again, lapse_at)
    store.review("bea", true_drill, "true", NOW)  # someone else's: not in ana's deck

    export = write_apkg(
        quiz, tmp_path / "ana.apkg", history=store.review_log("ana"), scheduler=store.scheduler
    )
    db = _collection(export.path, tmp_path)
    assert export.reviews == 4
    log = db.execute("SELECT id, cid, ease, time, type FROM revlog ORDER BY cid, id").fetchall()
    assert len(log) == 4

    pair_guid = next(guid for guid, _, fields in _notes(db, MODEL_ID) if fields[3] == "Clusters")
    pair_card = _card(db, pair_guid)
    # Both drills of the pair are reviews of its one note: first the true one, then the false.
    drill_log = [row for row in log if row[1] == pair_card[0]]
    stamp = int(NOW.timestamp() * 1000)
    assert drill_log == [
        (stamp, pair_card[0], 3, 4000, 0),
        (stamp + 2 * DAY * 1000, pair_card[0], 1, 0, 0),
    ]
    # Wrong while learning: back to the first learning step, due in minutes (a timestamp).
    assert pair_card[1:3] == (1, 1) and pair_card[3] == int(after_drill.due.timestamp())

    cloze_guid = _notes(db, CLOZE_MODEL_ID)[0][0]  # the first service question's note
    service_card = _card(db, cloze_guid)
    service_log = [row for row in log if row[1] == service_card[0]]
    # Easy on a new card goes straight to review; Again from review is a lapse and relearning.
    assert [(ease, time, kind) for _, _, ease, time, kind in service_log] == [
        (4, 60_000, 0),
        (1, 0, 1),
    ]
    kind, queue, due, _, reps, lapses = service_card[1:]
    assert (kind, reps, lapses) == (3, 2, 1)
    assert (queue, due) == (1, int(after_service.due.timestamp()))


def test_a_card_in_review_is_due_on_the_day_fsrs_set(quiz, store, tmp_path):
    service = next(card for card in quiz.cards if card.kind == SERVICE)
    review = store.review("ana", service.id, fsrs.Rating.Easy, NOW)
    export = write_apkg(
        quiz, tmp_path / "ana.apkg", history=store.review_log("ana"), scheduler=store.scheduler
    )
    db = _collection(export.path, tmp_path)
    (cid, kind, queue, due, interval, reps, lapses) = db.execute(
        "SELECT id, type, queue, due, ivl, reps, lapses FROM cards WHERE type != 0"
    ).fetchone()
    assert (kind, queue, reps, lapses) == (2, 2, 1, 0)
    assert due == (int(review.due.timestamp()) - COLLECTION_START) // DAY
    assert interval == round((review.due - NOW).total_seconds() / DAY) >= 1
    assert db.execute("SELECT ivl, lastIvl FROM revlog WHERE cid = ?", (cid,)).fetchone() == (
        interval,
        0,
    )


def test_reviews_of_cards_the_guide_no_longer_has_are_left_out(quiz, tmp_path):
    gone = Logged("pair:Gone#1:0123456789ab", NOW, fsrs.Rating.Good)
    export = write_apkg(quiz, tmp_path / "deck.apkg", history=[gone])
    assert export.reviews == 0
    assert _collection(export.path, tmp_path).execute("SELECT COUNT(*) FROM revlog").fetchone() == (
        0,
    )


def test_an_export_that_cannot_be_put_in_place_leaves_no_temp_file(quiz, tmp_path):
    taken = tmp_path / "deck.apkg"
    taken.mkdir()  # a folder where the deck should go: the rename fails after the write
    (taken / "keep.txt").write_text("mine")
    with pytest.raises(OSError):
        write_apkg(quiz, taken)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deck.apkg"]
    assert (taken / "keep.txt").read_text() == "mine"


def test_the_cli_exports_anki_and_still_the_graph(tmp_path, capsys):
    deck = tmp_path / "ecs.apkg"
    assert main(["export", "--format", "anki", "--out", str(deck)]) == 0
    guide = read_studied_guides(BUILTIN_GUIDES)
    quiz = Quiz(guide, load_catalog())
    notes = (
        len(guide.pairs)
        + sum(card.kind == SERVICE for card in quiz.cards)
        + len(quiz.exam(seed=EXAM_SEED, count=None))
    )
    assert (
        len(guide.pairs) > 90 and capsys.readouterr().out.strip() == f"wrote {deck} ({notes} notes)"
    )
    with zipfile.ZipFile(deck) as archive:
        assert "collection.anki2" in archive.namelist()
    graph = tmp_path / "g.graphml"
    assert main(["export", "--format", "graphml", "--out", str(graph)]) == 0
    assert graph.read_text(encoding="utf-8").startswith("<?xml")


def test_the_cli_exports_a_learners_deck_with_their_reviews(tmp_path, capsys):
    data = tmp_path / "data"
    guide = read_studied_guides(BUILTIN_GUIDES)
    quiz = Quiz(guide, load_catalog())
    store = ProgressStore(progress_url(data), quiz=quiz)
    try:
        first = next(card for card in quiz.cards if card.kind == SERVICE)
        store.review("cy", first.id, fsrs.Rating.Good, NOW)
        store.review("cy", first.id, fsrs.Rating.Good, NOW + timedelta(minutes=20))
    finally:
        store.close()
    deck = tmp_path / "cy.apkg"
    argv = ["export", "--format", "anki", "--out", str(deck), "--learner", "cy"]
    assert main([*argv, "--data-dir", str(data)]) == 0
    assert capsys.readouterr().out.strip().endswith("notes, 2 reviews of cy)")
    assert _collection(deck, tmp_path).execute("SELECT COUNT(*) FROM revlog").fetchone() == (2,)


def test_the_cli_refuses_a_learner_it_has_no_progress_for(tmp_path, capsys):
    """A misspelt name would export a deck with none of the reviews the learner expects."""
    data = tmp_path / "data"
    quiz = Quiz(read_studied_guides(BUILTIN_GUIDES), load_catalog())
    store = ProgressStore(progress_url(data), quiz=quiz)
    try:
        store.review("cy", quiz.cards[0].id, fsrs.Rating.Good, NOW)
    finally:
        store.close()
    deck = tmp_path / "deck.apkg"
    argv = ["export", "--format", "anki", "--out", str(deck), "--learner", "ci"]
    assert main([*argv, "--data-dir", str(data)]) == 1
    err = capsys.readouterr().err
    assert "--learner ci: no progress under that name; learners here: cy" in err
    assert not deck.exists()


def test_anki_itself_imports_the_deck_with_the_learners_schedule(quiz, store, tmp_path):
    """The deck read by Anki's own library (the ``anki`` package, a test dependency): every note,
    every review, the reviewed card due when FSRS said, and a cloze that hides its answer."""
    from anki import collection

    service = next(card for card in quiz.cards if card.kind == SERVICE)
    now = datetime.now(UTC)
    review = store.review("ana", service.id, fsrs.Rating.Easy, now - timedelta(days=1))
    store.review("ana", card_id("pair:Clusters#1:true"), "true", now - timedelta(hours=1))
    export = write_apkg(
        quiz, tmp_path / "ana.apkg", history=store.review_log("ana"), scheduler=store.scheduler
    )

    col = collection.Collection(str(tmp_path / "collection-in-anki.anki2"))
    try:
        options = collection.ImportAnkiPackageOptions(with_scheduling=True, merge_notetypes=True)
        request = collection.ImportAnkiPackageRequest(
            package_path=str(export.path), options=options
        )
        log = col.import_anki_package(request).log
        assert len(log.new) == export.notes == col.note_count()
        assert col.db.scalar("SELECT COUNT(*) FROM revlog") == export.reviews == 2
        assert any(tag.startswith(guide_tag(quiz.guide.title)) for tag in col.tags.all())

        (reviewed,) = col.find_cards("prop:reps=1 is:review")
        card = col.get_card(reviewed)
        days_left = (review.due - now).total_seconds() / DAY
        assert abs((card.due - col.sched.today) - days_left) <= 1  # Anki's day starts at 4 am
        (learning,) = col.find_cards("is:learn")
        assert col.get_card(learning).note()["Item"] == "Clusters"

        question, answer = card.question(), card.answer()
        (blanked,) = CLOZE.findall(card.note()["Text"])
        assert blanked not in _visible(question) and blanked in _visible(answer)
    finally:
        col.close()


def _visible(card_html: str) -> str:
    """A card's text as shown: no style sheet, no tags."""
    return re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", card_html, flags=re.S))
