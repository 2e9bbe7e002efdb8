"""A class server: the real app behind its accounts' sign-in, on loopback, driven through
gradio_client as signed-in learners and a teacher, on SQLite and on PostgreSQL. Each learner
reaches only their own progress, whatever name they send."""

import pytest
from conftest import served_app
from gradio_client import Client
from gradio_client.exceptions import AppError

from ingest import load_catalog
from tutor.study.accounts import TEACHER, Accounts
from tutor.study.progress import ProgressStore
from tutor.study.quiz import Quiz

pytestmark = [
    pytest.mark.filterwarnings("ignore:::gradio.queueing"),
    pytest.mark.filterwarnings("ignore:::gradio.components.native_plot"),
]
PASSWORDS = {"ana": "ana's long password", "bo": "bo's long password", "tess": "tess teaches"}


@pytest.fixture(scope="module")
def server(tutor, module_database):
    quiz = Quiz(tutor.guide, load_catalog(), check=tutor.check)
    store = ProgressStore(module_database, quiz=quiz)
    accounts = Accounts(module_database)
    for name, password in PASSWORDS.items():
        accounts.add(name, password, role=TEACHER if name == "tess" else "learner")
    with served_app(tutor, store, accounts=accounts) as (_, url):
        yield url, store
    accounts.close()
    store.close()


def _as(url: str, name: str) -> Client:
    return Client(url, auth=(name, PASSWORDS[name]), verbose=False)


def test_nothing_is_reachable_without_signing_in(server):
    url, _ = server
    with pytest.raises(Exception):  # noqa: B017 (gradio_client's own error for a login page)
        Client(url, verbose=False)
    with pytest.raises(Exception):  # noqa: B017
        Client(url, auth=("ana", "not ana's password"), verbose=False)


def test_a_learner_reaches_only_their_own_progress_whatever_name_is_sent(server):
    url, store = server
    ana, bo = _as(url, "ana"), _as(url, "bo")
    card = next(c for c in store.quiz.cards if c.kind == "true_false")
    ana.predict("ana", card.id, card.answer, api_name="/answer")
    # bo sends ana's name: he answers, and reads, as himself.
    bo.predict("ana", card.id, card.answer, api_name="/answer")
    bo.predict("ana", card.id, card.answer, api_name="/answer")
    assert [d.reviews for d in store.history("ana")] == [1]
    assert [d.reviews for d in store.history("bo")] == [2]
    *_, summary, _ = bo.predict("ana", api_name="/progress")
    assert summary.startswith("*2 reviews")  # his own, not ana's one
    deck = bo.predict("ana", api_name="/export_anki")
    assert deck.endswith("ecs-tutor-bo.apkg")


def test_a_teacher_views_any_learners_progress(server):
    url, store = server
    card = next(c for c in store.quiz.cards if c.kind == "true_false")
    _as(url, "ana").predict("whoever", card.id, card.answer, api_name="/answer")
    reviews = sum(d.reviews for d in store.history("ana"))
    *_, summary, _ = _as(url, "tess").predict("ana", api_name="/progress")
    assert summary.startswith(f"*{reviews} review")


def test_the_class_view_is_a_teachers(server):
    url, store = server
    drill = next(c for c in store.quiz.cards if c.kind == "true_false")
    wrong_answer = "False" if drill.answer == "True" else "True"
    _as(url, "bo").predict("bo", drill.id, wrong_answer, api_name="/answer")
    summary, held, heat = _as(url, "tess").predict(api_name="/class_view")
    assert summary.startswith(f"*{len(store.learners()) - 1} learners;")  # tess teaches
    row = next(r for r in held["data"] if r[1] == drill.wrong)
    assert "bo" in row[5].split(", ")
    assert heat["headers"][0] == "Section" and "bo" in heat["headers"]
    assert "tess" not in heat["headers"]
    table = _as(url, "tess").predict(api_name="/class_csv")
    assert open(table, encoding="utf-8").readline().startswith("item,section,wrong,right")
    for learner in ("ana", "bo"):
        for endpoint in ("/class_view", "/class_csv"):
            with pytest.raises(AppError, match="the class view is for teachers"):
                _as(url, learner).predict(api_name=endpoint)
