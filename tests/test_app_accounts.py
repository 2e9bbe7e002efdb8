"""A class server: the real app behind its accounts' sign-in, on loopback, driven through
gradio_client as signed-in learners and a teacher, on SQLite and on PostgreSQL. Each learner
reaches only their own progress, whatever name they send."""

import json
import time
from pathlib import Path

import httpx
import pytest
from conftest import served_app
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from sqlalchemy import create_engine, text

from ingest import load_catalog
from tutor.study.accounts import TEACHER, Accounts
from tutor.study.progress import ProgressStore
from tutor.study.quiz import Quiz
from tutor.web.signin import COOKIE

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
    with served_app(tutor, store, accounts=accounts, progress_db=module_database) as (_, url):
        yield url, store
    accounts.close()
    store.close()


def _cookie(url: str, name: str, password: str | None = None) -> httpx.Response:
    """The sign-in form posted: its response (303 and the session cookie, or 400)."""
    form = {"username": name, "password": password or PASSWORDS[name]}
    return httpx.post(url + "signin", data=form, follow_redirects=False)


def _as(url: str, name: str) -> Client:
    signed = _cookie(url, name)
    return Client(url, headers={"Cookie": f"{COOKIE}={signed.cookies[COOKIE]}"}, verbose=False)


def test_nothing_is_reachable_without_signing_in(server):
    url, _ = server
    page = httpx.get(url, follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (303, "/signin")
    assert httpx.get(url + "gradio_api/info").status_code == 401
    assert httpx.get(url + "config").status_code == 401
    refused = _cookie(url, "ana", "not ana's password")
    assert refused.status_code == 400 and COOKIE not in refused.cookies
    assert "Wrong name or password." in refused.text
    forged = httpx.get(url + "config", cookies={COOKIE: "ana.AAAAAA.forged"})
    assert forged.status_code == 401


def test_a_session_is_a_signed_cookie_any_replica_reads_and_signing_out_ends(server):
    url, _ = server
    signed = _cookie(url, "ana")
    assert (signed.status_code, signed.headers["location"]) == (303, "/")
    cookie = signed.cookies[COOKIE]
    assert httpx.get(url + "config", cookies={COOKIE: cookie}).status_code == 200
    tampered = cookie.replace("ana", "tess", 1)
    assert httpx.get(url + "config", cookies={COOKIE: tampered}).status_code == 401
    time.sleep(1.0)  # cookies carry whole seconds: one signed in the second of signing out counts
    # A sign-out another site sent (a link elsewhere) only removes the cookie from the browser.
    forged = {"Sec-Fetch-Site": "cross-site"}
    out = httpx.get(url + "signout", cookies={COOKIE: cookie}, headers=forged)
    assert "Max-Age=0" in out.headers["set-cookie"]
    assert httpx.get(url + "config", cookies={COOKIE: cookie}).status_code == 200
    out = httpx.get(url + "signout", cookies={COOKIE: cookie}, follow_redirects=False)
    assert out.headers["location"] == "/signin" and "Max-Age=0" in out.headers["set-cookie"]
    # A copy of the cookie taken before signing out opens nothing after it ...
    assert httpx.get(url + "config", cookies={COOKIE: cookie}).status_code == 401
    # ... and signing in again opens a new session.
    again = _cookie(url, "ana").cookies[COOKIE]
    assert httpx.get(url + "config", cookies={COOKIE: again}).status_code == 200


def _due_drill(store, learner: str):
    """A true/false card the learner may answer now (a card is answered once until due again)."""
    return next(c for c in store.due_cards(learner) if c.kind == "true_false")


def test_a_learner_reaches_only_their_own_progress_whatever_name_is_sent(server):
    url, store = server
    ana, bo = _as(url, "ana"), _as(url, "bo")
    card = _due_drill(store, "ana")
    ana.predict("ana", card.id, card.answer, api_name="/answer")
    # bo sends ana's name: he answers, and reads, as himself (two of his own due cards).
    for card in store.due_cards("bo", limit=2):
        bo.predict("ana", card.id, card.answer, api_name="/answer")
    assert [d.reviews for d in store.history("ana")] == [1]
    assert [d.reviews for d in store.history("bo")] == [2]
    *_, summary, _ = bo.predict("ana", api_name="/progress")
    assert summary.startswith("*2 reviews")  # his own, not ana's one
    deck = bo.predict("ana", api_name="/export_anki")
    assert deck.endswith("ecs-tutor-bo.apkg")


def test_a_teacher_views_any_learners_progress(server):
    url, store = server
    card = _due_drill(store, "ana")
    _as(url, "ana").predict("whoever", card.id, card.answer, api_name="/answer")
    reviews = sum(d.reviews for d in store.history("ana"))
    *_, summary, _ = _as(url, "tess").predict("ana", api_name="/progress")
    assert summary.startswith(f"*{reviews} review")


def test_the_class_view_is_a_teachers(server):
    url, store = server
    drill = _due_drill(store, "bo")
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


def test_a_session_made_on_one_replica_is_good_on_another(server, tutor, module_database):
    url, store = server
    other_accounts = Accounts(module_database)  # a second server on the same database
    with served_app(tutor, store, accounts=other_accounts, progress_db=module_database) as (
        _,
        other,
    ):
        cookie = _cookie(url, "bo").cookies[COOKIE]
        assert httpx.get(other + "config", cookies={COOKIE: cookie}).status_code == 200
        bo = Client(other, headers={"Cookie": f"{COOKIE}={cookie}"}, verbose=False)
        card = _due_drill(store, "bo")
        before = sum(d.reviews for d in store.history("bo"))
        bo.predict("bo", card.id, card.answer, api_name="/answer")
        assert sum(d.reviews for d in store.history("bo")) == before + 1
    other_accounts.close()


def _file_of(url: str, name: str, api: str, data: list) -> tuple[httpx.Client, str]:
    """A signed-in client of ``name``, and the file URL the endpoint ``api`` returned."""
    client = httpx.Client(base_url=url, cookies={COOKIE: _cookie(url, name).cookies[COOKIE]})
    event = client.post(f"gradio_api/call/{api}", json={"data": data}).json()["event_id"]
    stream = client.get(f"gradio_api/call/{api}/{event}").text
    (result,) = [line for line in stream.splitlines() if line.startswith("data:")][-1:]
    return client, json.loads(result[5:])[0]["url"]


def test_a_file_made_for_one_learner_is_not_anothers(server):
    url, _ = server
    ana, deck = _file_of(url, "ana", "export_anki", ["ana", "builtin"])
    tess, table = _file_of(url, "tess", "class_csv", ["builtin"])
    bo = httpx.Client(cookies={COOKIE: _cookie(url, "bo").cookies[COOKIE]})
    assert deck.endswith("/ecs-tutor-ana.apkg") and table.endswith("/class-misconceptions.csv")
    assert ana.get(deck).status_code == 200 and tess.get(deck).status_code == 200
    assert bo.get(deck).status_code == 403  # another learner's deck
    assert bo.get(table).status_code == 403 and ana.get(table).status_code == 403
    assert tess.get(table).status_code == 200
    assert httpx.get(deck).status_code in (401, 403)  # not signed in


def test_a_teacher_manages_the_class_accounts_in_the_app(server):
    url, _ = server
    tess = _as(url, "tess")
    roster, said, cleared = tess.predict(
        "dee", "dee's long password", "learner", api_name="/add_account"
    )
    assert ["dee", "learner"] in roster["data"] and said == "Added dee (learner)."
    assert cleared == ""  # the password box is emptied
    assert _cookie(url, "dee", "dee's long password").status_code == 303
    tess.predict("dee", "a new long phrase", "learner", api_name="/reset_account")
    assert _cookie(url, "dee", "a new long phrase").status_code == 303
    tess.predict("dee", "", "learner", api_name="/remove_account")
    assert _cookie(url, "dee", "a new long phrase").status_code == 400
    with pytest.raises(AppError, match="cannot remove their own account"):
        tess.predict("tess", "", "learner", api_name="/remove_account")
    with pytest.raises(AppError, match="the class view is for teachers"):
        _as(url, "ana").predict("eve", "eve's long password", "teacher", api_name="/add_account")


EKS = Path(__file__).parent / "fixtures" / "eks-mini.md"


def test_a_learners_uploads_are_theirs_alone(server, module_database):
    url, store = server
    ana, bo = _as(url, "ana"), _as(url, "bo")
    status, picker, *_ = ana.predict(handle_file(EKS), api_name="/add_guide")
    key = picker["value"]
    assert status.startswith("Added **AWS EKS**") and key.startswith("aws-eks-")
    # bo neither sees, studies, quizzes on nor removes ana's upload, whatever key he sends
    refused = "no guide 'aws-eks-[0-9a-f]{12}' in the library: upload it again"
    for endpoint, args in [
        ("/choose_guide", ()),
        ("/remove_guide", ()),
        ("/ask", ("How does a pod get its own IAM permissions?", [])),
        ("/check", ("Pods always run on Fargate",)),
        ("/next_card", ("bo",)),
        ("/progress", ("bo",)),
    ]:
        with pytest.raises(AppError, match=refused):
            bo.predict(*args, key, api_name=endpoint)
    # ana studies it, with progress kept in the class's database under its key
    ana.predict(key, api_name="/choose_guide")
    question = "How does a pod get its own IAM permissions?"
    history, _ = ana.predict(question, [], key, api_name="/ask")
    assert "IAM Roles for Service Accounts" in str(history[-1]["content"])
    engine = create_engine(module_database)
    with engine.connect() as connection:
        owners = connection.execute(text("SELECT owner FROM uploads WHERE key = :k"), {"k": key})
        assert [row[0] for row in owners] == ["ana"]
    engine.dispose()
    status, picker, *_ = ana.predict(key, api_name="/remove_guide")
    assert status.startswith("Removed **AWS EKS**")
    assert [k for _, k in picker["choices"]] == ["builtin"]


def test_a_learners_checked_claim_reaches_the_class_view(server, tutor):
    url, store = server
    pair = tutor.guide.pairs[2]
    _as(url, "ana").predict(pair.wrong, api_name="/check")
    _, held, _ = _as(url, "tess").predict(api_name="/class_view")
    row = next(r for r in held["data"] if r[1] == pair.wrong)
    assert "ana" in row[5].split(", ")
    _as(url, "tess").predict(pair.wrong, api_name="/check")  # a teacher's own: left out
    assert store.checks()[-1].learner == "tess"
    _, held, _ = _as(url, "tess").predict(api_name="/class_view")
    row = next(r for r in held["data"] if r[1] == pair.wrong)
    assert "tess" not in row[5]


def test_a_learner_studying_an_upload_carries_on_on_another_replica(server, tutor, module_database):
    url, store = server
    ana = _as(url, "ana")
    _, picker, *_ = ana.predict(handle_file(EKS), api_name="/add_guide")
    key = picker["value"]
    card_id, *_ = ana.predict("ana", key, api_name="/next_card")
    other_accounts = Accounts(module_database)  # the first replica's process is gone for ana
    with served_app(tutor, store, accounts=other_accounts, progress_db=module_database) as (
        _,
        other,
    ):
        cookie = _cookie(url, "ana").cookies[COOKIE]
        again = Client(other, headers={"Cookie": f"{COOKIE}={cookie}"}, verbose=False)
        # The page sends the guide it studies; this replica builds its index from the database.
        question = "How does a pod get its own IAM permissions?"
        history, _ = again.predict(question, [], key, api_name="/ask")
        assert "IAM Roles for Service Accounts" in str(history[-1]["content"])
        feedback, *_ = again.predict("ana", card_id, "1", key, api_name="/answer")
        assert feedback.startswith("### ")
        *_, summary, _ = again.predict("ana", key, api_name="/progress")
        assert summary.startswith("*1 review")
    other_accounts.close()
    ana.predict(key, api_name="/remove_guide")
