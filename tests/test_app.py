"""The web app, served for real on loopback and called through gradio_client like any API user."""

import html
import inspect
import re
import urllib.request
from types import SimpleNamespace
from urllib.parse import urlparse

import gradio as gr
import networkx as nx
import pytest
from conftest import served_app
from gradio_client import Client
from gradio_client.exceptions import AppError

import app
from kg import ConceptNotFound
from tutor.study.library import MAX_GUIDE_BYTES
from tutor.web import render
from tutor.web.friendly import UNEXPECTED, no_paths
from tutor.web.guard import RequestGuard

# Gradio's own queue code trips a pandas deprecation warning; it is not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:::gradio.queueing")


@pytest.fixture(scope="module")
def served(tutor):
    with served_app(tutor) as (demo, url):
        client = Client(url, verbose=False)
        yield demo, client, url
        client.close()


@pytest.fixture(scope="module")
def client(served):
    return served[1]


def _text(message: dict) -> str:
    """A chat message's text, whether its content is a string or a list of blocks."""
    content = message["content"]
    if isinstance(content, str):
        return content
    return "".join(block.get("text", "") for block in content)


def _md(text: str) -> str:
    return html.escape(text, quote=False)


def test_ask_answers_with_a_collapsed_sources_block(client, tutor):
    question = "What does Fargate take off my hands?"
    history, textbox = client.predict(question, [], api_name="/ask")
    assert textbox == ""
    assert [m["role"] for m in history] == ["user", "assistant", "assistant"]
    user, answer, sources = history
    assert _text(user) == question
    assert "Fargate" in _text(answer)
    assert sources["metadata"] == {"title": "Sources", "status": "done"}
    expected = tutor.ask(question)
    assert _text(answer) == _md(expected.text)
    titles = re.findall(r"^\d+\. \*\*(.+?)\*\* — ", _text(sources), flags=re.M)
    assert titles == [_md(hit.title) for hit in expected.sources]
    assert titles[0] == "Fargate"


def test_ask_continues_the_conversation(client):
    first, _ = client.predict("What does Fargate take off my hands?", [], api_name="/ask")
    history, _ = client.predict("How do tasks get IAM permissions?", first, api_name="/ask")
    assert len(history) == 6
    assert _text(history[3]) == "How do tasks get IAM permissions?"


def test_ask_escapes_the_echoed_question(client):
    history, _ = client.predict("<b>Fargate</b> pricing?", [], api_name="/ask")
    assert _text(history[0]) == "&lt;b&gt;Fargate&lt;/b&gt; pricing?"


@pytest.mark.parametrize(
    "claim", ["Only EC2 instances can have IAM roles.", "X-Ray is of no use with microservices"]
)
def test_check_shows_the_tutors_verdict_pair_and_explanation(client, tutor, claim):
    verdict, confidence, pair, explanation = client.predict(claim, api_name="/check")
    expected = tutor.check(claim)
    assert verdict == render.verdict(expected)  # render's own forms are tested in test_render
    assert verdict.startswith(f"### {render.VERDICT_HEADINGS[expected.verdict]}\n\n> {claim}")
    assert confidence == pytest.approx(expected.confidence, abs=0.0051)  # shown to 2 places
    assert f"**Wrong:** {_md(expected.wrong)}" in pair
    assert f"**Right:** {_md(expected.right)}" in pair
    assert explanation == _md(expected.explanation)


def test_check_names_a_known_misconception_and_the_right_statement(client):
    verdict, _, pair, _ = client.predict(
        "Only EC2 instances can have IAM roles.", api_name="/check"
    )
    assert verdict.startswith("### 🔴 Misconception")
    assert "**Right:** ECS tasks can be assigned IAM roles for granular access control." in pair


def test_check_says_when_the_guide_does_not_cover_a_claim(client):
    verdict, _, pair, explanation = client.predict(
        "Knitting patterns for winter scarves need thick wool", api_name="/check"
    )
    assert verdict.startswith("### ⚪ Not covered by the guide")
    assert pair == "*No misconception in the guide is close enough to compare.*"
    assert explanation.startswith("The guide does not cover this claim")


def test_check_escapes_the_claim_it_echoes(client):
    outputs = client.predict("<script>alert(1)</script> Fargate needs servers", api_name="/check")
    shown = "\n".join(str(output) for output in outputs)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert "<script>" not in shown


@pytest.mark.parametrize(
    ("endpoint", "args", "message"),
    [
        ("/ask", ("", []), "the question is empty: type a few words"),
        ("/check", ("",), "the claim is empty: type a few words"),
        ("/check", ("  \t ?! ",), "the claim is empty: type a few words"),
        ("/explore", ("",), "the concept is empty: type a few words"),
        ("/explore", ("zzzz",), "no concept named 'zzzz' in the guide"),
        ("/relate", ("Fargate", ""), "the concept is empty: type a few words"),
        ("/find_concepts", ("",), "the concept is empty: type a few words"),
    ],
)
def test_bad_input_is_one_clear_message_without_a_traceback(client, endpoint, args, message):
    with pytest.raises(AppError) as raised:
        client.predict(*args, api_name=endpoint)
    assert str(raised.value) == message
    assert "Traceback" not in str(raised.value)


def test_explore_focuses_the_map_and_lists_misconceptions(client, tutor):
    chosen, details = client.predict("Fargate", api_name="/explore")
    found = tutor.explore("Fargate")
    assert chosen == {"focus": found.node, "path": []}
    assert details.startswith("## Fargate\n")
    assert "### Misconceptions" in details
    for wrong, right in found.misconceptions:
        assert f"**Wrong:** {_md(wrong)}" in details
        assert f"**Right:** {_md(right)}" in details
    assert "- **part of:** ECS Modes (section)" in details


def test_relate_draws_the_path_on_the_map_and_lists_its_steps(client, tutor):
    chosen, steps = client.predict("Fargate", "IAM Roles for Tasks", api_name="/relate")
    found = tutor.relate("Fargate", "IAM Roles for Tasks")
    assert chosen == {"focus": None, "path": list(found.nodes)}
    assert steps.startswith("## How Fargate and IAM Roles for Tasks relate\n")
    assert steps.count("\n1. ") == 1 and f"\n{len(found.links)}. " in steps
    assert (
        f"→ **IAM Roles for Tasks** (item)  \n   {render.raw(found.links[-1].explanation)}" in steps
    )


def test_relate_says_a_name_is_no_concept_and_offers_the_closest(client):
    chosen, said = client.predict("Fargat", "Tasks", api_name="/relate")
    assert chosen == {"focus": None, "path": []}  # nothing drawn between stand-ins
    assert said.startswith("*Fargat* is not a concept of the guides, so no path is drawn.")
    assert "\n- Fargate\n" in said + "\n"


def test_find_lists_concepts_by_name_alias_spelling_and_meaning(client):
    matches = client.predict("alb", api_name="/find_concepts")
    assert matches["choices"][0] == [
        "Application Load Balancer (service) — by another name of the service",
        "service:Application Load Balancer",
    ]


def test_the_page_loads_nothing_from_another_host(served):
    _, _, url = served
    page = urllib.request.urlopen(url, timeout=10).read().decode()
    refs = re.findall(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", page)
    refs += re.findall(r"<link\b[^>]*\bhref=\"([^\"]+)\"", page)
    assert refs, "expected the page to load its own bundle"
    for ref in refs:
        assert "cdn" not in ref.lower()
        assert urlparse(ref).hostname in (None, "127.0.0.1"), ref


def test_the_app_binds_loopback_by_default(served):
    demo, _, _ = served
    assert demo.server_name == "127.0.0.1"
    assert inspect.signature(app.serve).parameters["host"].default == "127.0.0.1"


def test_serve_queues_and_launches_without_share_or_tracebacks(monkeypatch, tutor, capsys):
    calls = []  # Blocks may queue itself with defaults first: the last call is the one that counts

    def launch(self, **kw):
        calls.append(("launch", kw))
        return None, "http://127.0.0.1:7999/", None

    monkeypatch.setattr(gr.Blocks, "queue", lambda self, **kw: calls.append(("queue", kw)))
    monkeypatch.setattr(gr.Blocks, "launch", launch)
    monkeypatch.setattr(gr.Blocks, "block_thread", lambda self: calls.append(("block", {})))
    app.serve(tutor, port=7999)
    assert calls[-3] == ("queue", {"default_concurrency_limit": 4, "max_size": app.QUEUE_SIZE})
    assert calls[-2][0] == "launch"
    assert calls[-1] == ("block", {})  # up, and served until interrupted
    assert capsys.readouterr().out == "ECS Tutor is served on http://127.0.0.1:7999\n"
    launched = dict(calls[-2][1])
    (guard,) = launched.pop("app_kwargs")["middleware"]  # tests/test_guard.py: what it refuses
    assert guard.cls is RequestGuard
    assert launched == {
        "server_name": "127.0.0.1",
        "server_port": 7999,
        "show_error": False,
        "share": False,
        "max_file_size": MAX_GUIDE_BYTES,  # an upload bigger than a guide may be is refused
        "prevent_thread_lock": True,  # so that it can say where it is served, once it is up
        "quiet": True,  # and only that: not Gradio's banner
    }


class _FailingTutor:
    """Raises what a broken or confused tutor could raise, so the error mapping can be seen."""

    graph = nx.DiGraph()
    guide = SimpleNamespace(title="Broken", items=(), pairs=())
    retriever = SimpleNamespace(embedder=None)

    def concepts(self):
        return ["Fargate"]

    def ask(self, question):
        raise RuntimeError("internal detail that must not reach the user")

    def check(self, claim):
        raise ValueError("another internal detail")

    def explore(self, concept):
        raise ConceptNotFound("<b>Fargat</b>", ["Fargate", "EC2"])


@pytest.fixture(scope="module")
def failing_client():
    with served_app(_FailingTutor()) as (_, url):
        client = Client(url, verbose=False)
        yield client
        client.close()


def test_concept_not_found_shows_its_suggestions_escaped(failing_client):
    with pytest.raises(AppError) as raised:
        failing_client.predict("<b>Fargat</b>", api_name="/explore")
    assert str(raised.value) == (
        "no concept named '&lt;b&gt;Fargat&lt;/b&gt;' in the guide (did you mean: Fargate, EC2?)"
    )


@pytest.mark.parametrize(("endpoint", "args"), [("/ask", ("hello", [])), ("/check", ("hi",))])
def test_unexpected_errors_are_logged_and_shown_generically(failing_client, endpoint, args):
    with pytest.raises(AppError) as raised:
        failing_client.predict(*args, api_name=endpoint)
    assert str(raised.value) == UNEXPECTED


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        ("/srv/data/progress.db: damaged", "progress.db: damaged"),
        ("cannot read /home/ana/notes/ecs.md now", "cannot read ecs.md now"),
        ("see /tmp/gradio/ for uploads", "see (a folder) for uploads"),
        ("EFS/EBS and 1/2 of tasks", "EFS/EBS and 1/2 of tasks"),
    ],
)
def test_error_messages_name_no_server_folder(message, shown):
    assert no_paths(message) == shown


def test_an_answer_is_echoed_without_its_control_characters(client):
    client.predict("learner", api_name="/next_card")
    card_id = client.predict("learner", api_name="/next_card")[0]
    typed = "true\x1b[31m\x07 indeed it is"  # a sentence: a word or two is asked again
    feedback, *_ = client.predict("learner", card_id, typed, api_name="/answer")
    assert "\x1b" not in feedback and "\x07" not in feedback
    assert "true [31m  indeed" in feedback.replace("\\[", "[")
