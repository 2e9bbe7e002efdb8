"""The Quiz and Progress tabs, served on loopback with a progress store on a temporary SQLite file
and driven through gradio_client like any API user."""

import sqlite3
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import endpoints, served_app
from gradio_client import Client
from gradio_client.exceptions import AppError

import app
from ingest import load_catalog
from tutor import Settings
from tutor.study.progress import ProgressStore
from tutor.study.quiz import Quiz
from tutor.web.render import MEASURES, NO_REVIEWS

# Gradio's queue and plot code trip pandas deprecation warnings; they are not ours to fix.
pytestmark = [
    pytest.mark.filterwarnings("ignore:::gradio.queueing"),
    pytest.mark.filterwarnings("ignore:::gradio.components.native_plot"),
]


@pytest.fixture(scope="module")
def store(tutor, module_database):
    quiz = Quiz(tutor.guide, load_catalog(), check=tutor.check)
    store = ProgressStore(module_database, quiz=quiz)
    yield store
    store.close()


@pytest.fixture(scope="module")
def client(tutor, store):
    with served_app(tutor, store) as (_, url):
        client = Client(url, verbose=False)
        yield client
        client.close()


def test_next_card_shows_the_first_due_card_for_a_new_learner(client, store):
    card_id, shown, reply, feedback, due, counts, rating = client.predict(
        "ana", api_name="/next_card"
    )
    first = store.due_cards("ana", limit=1)[0]
    assert card_id == first.id and first.item == store.quiz.cards[0].item  # the guide's first
    assert shown.startswith(f"**{first.item}** · *")
    assert first.prompt in shown
    assert (reply, feedback, due) == ("", "", "")
    due_now, new, done = store.round_counts("ana")
    assert (due_now, done) == (0, 0) and new > 0
    assert counts == f"*0 due · {new} new · 0 done today*"


def test_answering_a_card_names_the_item_and_reschedules_it(client, store):
    card_id, *_ = client.predict("bo", api_name="/next_card")
    card = store.quiz.card(card_id)
    before = datetime.now(UTC).replace(second=0, microsecond=0)
    feedback, due, counts, rating = client.predict("bo", card_id, card.answer, api_name="/answer")
    assert counts.endswith("· 1 done today*")
    assert feedback.startswith("### ✅ Correct\n\n> ")
    assert f"**{card.item}**" in feedback
    shown = datetime.strptime(due[:16], "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    assert shown > before
    assert due[16:].startswith(" UTC (in ")
    assert rating["visible"] and rating["value"] == "Good"  # to change, as in Anki
    # Rated Easy instead: due later than Good's ten minutes.
    (easy_due,) = [client.predict("bo", card_id, "Easy", api_name="/rate")]
    assert easy_due > due and "(in " in easy_due and "day" in easy_due
    # The card is no longer due: the next one is a different card.
    assert client.predict("bo", api_name="/next_card")[0] != card_id


def test_a_wrong_answer_is_recorded_as_not_quite(client, store):
    card = next(c for c in store.quiz.cards if c.kind == "true_false")
    wrong = "False" if card.answer == "True" else "True"
    feedback, due, _, rating = client.predict("cy", card.id, wrong, api_name="/answer")
    assert feedback.startswith(f"### ❌ Not quite\n\n> {wrong}\n\n")
    assert "UTC (in " in due
    assert not rating["visible"]  # a wrong answer stays Again
    with pytest.raises(AppError, match="a wrong answer is rated Again"):
        client.predict("cy", card.id, "Good", api_name="/rate")


def test_progress_lists_the_reviewed_item_first_and_what_to_study_next(client, store):
    card = store.quiz.cards[0]
    client.predict("dee", card.id, card.answer, api_name="/answer")
    shown = client.predict("dee", api_name="/progress")
    sections, items, study, reviews, retention, summary, mastery = shown
    assert items["headers"] == ["Item", "Section", *MEASURES]
    assert items["data"][0][:2] == [card.item, card.section]
    cards = [c for c in store.quiz.every_card if c.node == card.node]  # exam's scene card too
    assert items["data"][0][3:] == [f"1/{len(cards)}", 1, 1] and len(cards) == 3
    assert sections["data"][0][0] == card.section
    assert study.startswith("### Study next\n\n- **")
    assert summary == "*1 review over 1 day.*"
    assert reviews["data"][0][1:] == [1, "first time"]
    assert retention is None  # no repeat review yet: nothing to draw
    (studied,) = mastery["data"]  # one section studied: its recall in 7 days, in %
    assert studied[0] == card.section.rsplit(" > ", 1)[-1] and 0 < studied[1] <= 100


def test_progress_says_in_words_that_there_are_no_reviews_yet(client):
    _, _, _, reviews, retention, summary, mastery = client.predict("zoe", api_name="/progress")
    assert summary == NO_REVIEWS
    assert reviews is retention is mastery is None  # nothing to draw


def test_a_learner_downloads_their_anki_deck_with_their_reviews(client, store, tmp_path):
    drill = next(c for c in store.quiz.cards if c.kind == "true_false")
    client.predict("gil", drill.id, drill.answer, api_name="/answer")
    downloaded = Path(client.predict("gil", api_name="/export_anki"))
    assert downloaded.name == "ecs-tutor-gil.apkg"
    with zipfile.ZipFile(downloaded) as archive:
        archive.extract("collection.anki2", tmp_path)
    with sqlite3.connect(tmp_path / "collection.anki2") as db:
        ((reviews,),) = db.execute("SELECT COUNT(*) FROM revlog")
        ((notes,),) = db.execute("SELECT COUNT(*) FROM notes")
    assert reviews == len(store.review_log("gil")) == 1
    assert notes > len(store.quiz.guide.pairs)


def test_answer_echo_is_escaped(client, store):
    card = next(c for c in store.quiz.cards if c.kind == "true_false")
    typed = "<b>True</b> is my answer"  # a sentence: a word or two is asked again
    feedback, *_ = client.predict("eve", card.id, typed, api_name="/answer")
    assert "<b>" not in feedback
    assert "&lt;b&gt;True&lt;/b&gt;" in feedback


@pytest.mark.parametrize(
    ("endpoint", "args", "message"),
    [
        ("/answer", ("ana", "", "True"), "no card yet: press Next card first"),
        ("/answer", ("ana", "pair:Nope#1:true", "True"), "no quiz card 'pair:Nope#1:true' in"),
        ("/next_card", ("<b>",), "a learner's name is 1 to 80 letters"),
        ("/progress", ("",), "a learner's name is 1 to 80 letters"),
        ("/export_anki", ("../x",), "a learner's name is 1 to 80 letters"),
    ],
)
def test_bad_input_is_one_clear_message(client, endpoint, args, message):
    with pytest.raises(AppError) as raised:
        client.predict(*args, api_name=endpoint)
    assert str(raised.value).startswith(message)
    assert "Traceback" not in str(raised.value)


def test_without_a_store_the_default_database_keeps_the_progress(tutor, tmp_path):
    settings = Settings(data_dir=tmp_path / "data", cache_dir=tmp_path / "cache")
    demo = app.build_app(tutor, settings=settings)
    fns = endpoints(demo)
    card_id = fns["next_card"]("ana")[0]
    assert (tmp_path / "data" / "progress.db").is_file()
    fns["answer"]("ana", card_id, "true")
    assert fns["next_card"]("ana")[0] != card_id  # the same store: the answer was kept


def _exam_choices(one, two) -> tuple[list, bool]:
    """The shown question's choices ``[label, letter]`` and whether it asks for two."""
    return (two["choices"], True) if two["visible"] else (one["choices"], False)


def test_a_practice_exam_asks_one_question_at_a_time_and_scores_it_at_the_end(client, store, tutor):
    rights = {d["right"] for _, d in tutor.graph.nodes(data=True) if d["type"] == "misconception"}
    sitting, shown, one, two, results = client.predict("fay", 3, api_name="/start_exam")
    assert len(sitting) == 32  # the exam's random id: its questions stay on the server
    answered_right = []
    for number in range(1, 4):
        assert shown.startswith(f"**Question {number} of 3**") and results == ""
        choices, double = _exam_choices(one, two)
        texts = [label.split(") ", 1)[1] for label, _ in choices]
        assert "Right:" not in shown and not any("Right:" in t or "Wrong:" in t for t in texts)
        keyed = [letter for (_, letter), text in zip(choices, texts, strict=True) if text in rights]
        assert len(keyed) == (2 if double else 1)
        if number == 2:  # one answer wrong on purpose
            keyed = [
                letter for (_, letter), t in zip(choices, texts, strict=True) if t not in rights
            ][: len(keyed)]
        answered_right.append(number != 2)
        single, pair = (None, keyed) if double else (keyed[0], [])
        after, shown, one, two, results = client.predict(
            sitting, single, pair, api_name="/answer_exam"
        )
        assert after == (sitting if number < 3 else "")
    assert results.startswith("### Score: 2 of 3\n\nTime taken: 0 min ")
    assert "| Section | Right |" in results and results.count("(your choice)") >= 3
    assert results.count("#### ✅") == 2 and results.count("#### ❌") == 1
    assert not one["visible"] and not two["visible"]
    # The answers went to fay's progress: three reviews of exam cards, two of them right.
    exam_rows = [m for m in store.mastery("fay").items if m.reviews]
    assert sum(m.reviews for m in exam_rows) == 3
    assert sum(m.correct for m in exam_rows) == 2


def test_an_exam_needs_a_start_and_a_sensible_count(client):
    with pytest.raises(AppError, match="no exam is running"):
        client.predict("", None, [], api_name="/answer_exam")
    with pytest.raises(AppError, match="no exam is running"):
        client.predict("0" * 32, None, [], api_name="/answer_exam")
    with pytest.raises(AppError, match="less than minimum value 1"):  # Gradio's own check
        client.predict("gus", 0, api_name="/start_exam")
    with pytest.raises(AppError, match="greater than maximum value 40"):
        client.predict("gus", 41, api_name="/start_exam")
    for wanted in (None, 2.5):
        with pytest.raises(AppError, match="choose a whole number of questions, from 1 to 40"):
            client.predict("gus", wanted, api_name="/start_exam")
    sitting, shown, *_ = client.predict("gus", 1, api_name="/start_exam")
    with pytest.raises(AppError, match="choose an answer first"):
        client.predict(sitting, None, [], api_name="/answer_exam")
