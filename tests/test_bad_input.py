"""Bad input everywhere: the Python API, the CLI and the app each give one clear message, or an
answer of the usual shape; the app escapes what it echoes. One table of inputs serves all three."""

import json
import subprocess
import sys
import unicodedata
from html.parser import HTMLParser

import pytest
from conftest import served_app
from contract import ASK_KEYS, CHECK_KEYS, MATCH_KEYS, SOURCE_KEYS
from gradio_client import Client
from gradio_client.exceptions import AppError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from tutor import MAX_INPUT_CHARS, VERDICTS, BadInput, Tutor
from tutor.cli import main
from tutor.core import clean_input
from tutor.web import render

pytestmark = pytest.mark.filterwarnings("ignore:::gradio.queueing")

EMPTY = "is empty: type a few words"
FILLER = "has only words like 'what' and 'is': say what it is about"
ANSWERED = None

# (name, input, the end of the message after "the question"/"the claim", or ANSWERED)
BAD_INPUTS = [
    ("empty", "", EMPTY),
    ("whitespace only", " \t\r\n\u00a0\u2003\u3000 ", EMPTY),
    # A bigger request is refused whole by the app's guard (tests/test_guard.py).
    ("200 kilobytes", "a" * 200_000, "is 200000 characters long; the limit is 2000"),
    (
        "one over the limit",
        "x" * (MAX_INPUT_CHARS + 1),
        "is 2001 characters long; the limit is 2000",
    ),
    ("at the limit", ("Fargate " * 300)[:MAX_INPUT_CHARS], ANSWERED),
    ("control characters only", "\x00\x01\x07\x1b\x7f\x9b\u200b\u202e\ufeff", EMPTY),
    ("control characters in words", "what\x00 is\x1b[2J a\x07 cluster\u200b?", ANSWERED),
    ("every byte value", bytes(range(256)).decode("latin-1"), ANSWERED),
    ("private use and unassigned", "\ue000\U000f0000\u0378", EMPTY),
    ("emoji only", "🚀🐳📦👍🏽", EMPTY),
    ("emoji with words", "What does 🐳 Fargate take off my hands? 🚀", ANSWERED),
    ("Chinese", "Fargate 是什么？", ANSWERED),
    ("Arabic, right to left", "ما هو فارجيت؟", ANSWERED),
    ("full-width letters", "ＦＡＲＧＡＴＥ ＴＡＳＫＳ", ANSWERED),
    ("combining marks", "F̸̢a̷r̶g̵a̴t̶e̵ " + "e\u0301" * 300, ANSWERED),
    ("punctuation only", "?!... --- ***", EMPTY),
    ("html", '<img src=x onerror="alert(1)"> <b>Fargate</b>', ANSWERED),
    ("script", "<script>alert(document.cookie)</script>", ANSWERED),
    (
        "markdown",
        "# Big [click](javascript:alert(1)) ![x](http://198.51.100.7/x.png) **EFS**",
        ANSWERED,
    ),
    ("markdown list", "1. Fargate | `code` | ~~EC2~~ _task_role_", ANSWERED),
    ("entities", "&lt;script&gt; &amp; Fargate", ANSWERED),
    ("sql", "'; DROP TABLE items; -- EFS", ANSWERED),
    ("stop words", "the of and is it", FILLER),
    ("question words", "What is it? How?", FILLER),
    ("contractions", "what's it? where's that?", FILLER),
    ("one letter", "a", FILLER),
]
IDS = [name for name, _, _ in BAD_INPUTS]


def _message(what: str, end: str) -> str:
    return f"the {what} {end}"


def _valid_answer(answer, question: str) -> None:
    assert answer.question == clean_input(question)
    data = answer.to_dict()
    assert set(data) == ASK_KEYS
    assert data["answer"]
    for source in data["sources"]:
        assert set(source) == SOURCE_KEYS


def _valid_verdict(verdict, claim: str) -> None:
    assert verdict.claim == clean_input(claim, what="claim")
    data = verdict.to_dict()
    assert set(data) == CHECK_KEYS
    assert data["verdict"] in VERDICTS
    assert 0.0 <= data["confidence"] <= 1.0
    assert data["explanation"]
    if data["match"] is None:
        assert data["verdict"] == "not_covered"
        return
    assert set(data["match"]) == MATCH_KEYS
    if data["verdict"] == "not_covered":  # not sure the guides are silent: the nearest pair
        assert data["certainty"] == "unsure"


# The Python API


@pytest.mark.parametrize(("name", "text", "end"), BAD_INPUTS, ids=IDS)
def test_the_api_answers_or_refuses_with_one_clear_message(tutor, name, text, end):
    if end is ANSWERED:
        _valid_answer(tutor.ask(text), text)
        _valid_verdict(tutor.check(text), text)
        return
    for what, call in (("question", tutor.ask), ("claim", tutor.check)):
        with pytest.raises(BadInput) as raised:
            call(text)
        assert str(raised.value) == _message(what, end)


def test_full_width_letters_are_read_as_plain_ones(tutor):
    answer = tutor.ask("ＷＨＡＴ ＩＳ ＦＡＲＧＡＴＥ?")
    assert answer.question == "WHAT IS FARGATE?"
    assert answer.sources[0].title == "Fargate"


def test_a_question_of_common_words_is_refused_not_answered_from_the_guide(tutor):
    with pytest.raises(BadInput, match="say what it is about"):
        tutor.ask("a")  # once answered from "Tasks", as if the letter were a topic
    with pytest.raises(BadInput, match="say what it is about"):
        tutor.explore("what is it")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_cleaned_input_is_plain_folded_and_stable(text):
    try:
        cleaned = clean_input(text)
    except BadInput as refused:
        assert str(refused).startswith("the question ")
        return
    assert cleaned == cleaned.strip() and "  " not in cleaned
    assert not any(unicodedata.category(ch).startswith("C") for ch in cleaned)
    assert any(ch.isalnum() for ch in cleaned)
    assert clean_input(cleaned) == cleaned


_GUIDE_WORDS = ["Fargate", "EC2", "EFS", "not", "never", "only", "can't", "tasks", "IAM", "is"]
_ODD_WORDS = ["", "\x00", "🐳", "<b>", "[x](y)", "是", "\u202e", "ＥＣＳ", "'", "\ud800", "a" * 50]
_PHRASES = st.lists(st.sampled_from(_GUIDE_WORDS + _ODD_WORDS), max_size=25).map(" ".join)
_INPUTS = st.one_of(st.text(max_size=120), _PHRASES)
_FEW = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_FEW
@given(question=_INPUTS)
def test_ask_never_raises_anything_but_bad_input(tutor, question):
    try:
        answer = tutor.ask(question)
    except BadInput:
        return
    _valid_answer(answer, question)


@_FEW
@given(claim=_INPUTS)
def test_check_always_returns_a_complete_verdict_or_bad_input(tutor, claim):
    try:
        verdict = tutor.check(claim)
    except BadInput:
        return
    _valid_verdict(verdict, claim)


# The command line


def _batch_line(text: str) -> str:
    """The input as one line of a --batch file (a line cannot hold a line break)."""
    return text.replace("\r", " ").replace("\n", " ")


def test_the_cli_batch_answers_every_line_in_order_and_refuses_the_bad_ones(
    tutor, cache_dir, tmp_path
):
    lines = [_batch_line(text) for _, text, _ in BAD_INPUTS]
    batch = tmp_path / "bad.txt"
    batch.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    command = [sys.executable, "-m", "tutor", "--cache-dir", str(cache_dir), "ask"]
    done = subprocess.run(
        [*command, "--batch", str(batch)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 1  # some lines were refused
    assert "Traceback" not in done.stderr
    rows = [json.loads(row) for row in done.stdout.splitlines()]
    assert len(rows) == len(BAD_INPUTS)
    for row, line, (name, _, end) in zip(rows, lines, BAD_INPUTS, strict=True):
        if end is ANSWERED:
            assert row == tutor.ask(line).to_dict(), name
        else:
            assert row == {"question": line, "error": _message("question", end)}, name


@pytest.fixture
def cli(tutor, monkeypatch, capsys):
    """``ecs-tutor`` run in this process on the session's tutor (no second model load)."""
    monkeypatch.setattr(Tutor, "open", classmethod(lambda cls, *a, **kw: tutor))

    def run(*args: str) -> tuple[int, str, str]:
        status = main(list(args))
        out, err = capsys.readouterr()
        return status, out, err

    return run


def test_the_cli_check_batch_refuses_bad_claims_line_by_line(cli, tmp_path):
    batch = tmp_path / "claims.txt"
    lines = [_batch_line(text) for _, text, _ in BAD_INPUTS]
    batch.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    status, out, err = cli("check", "--batch", str(batch))
    assert (status, err) == (1, "")
    rows = [json.loads(row) for row in out.splitlines()]
    for row, line, (name, _, end) in zip(rows, lines, BAD_INPUTS, strict=True):
        if end is ANSWERED:
            assert set(row) == {
                "claim",
                "verdict",
                "confidence",
                "certainty",
                "match",
                "explanation",
            }, name
        else:
            assert row == {"claim": line, "error": _message("claim", end)}, name


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ask", "what", "is", "it?"), _message("question", FILLER)),
        (("check", "\x1b\x07\u200b"), _message("claim", EMPTY)),
        (("explore", "🐳"), _message("concept", EMPTY)),
        (("ask", "y" * 5000), _message("question", "is 5000 characters long; the limit is 2000")),
    ],
)
def test_the_cli_refuses_a_bad_argument_in_one_line(cli, args, message):
    status, out, err = cli(*args)
    assert (status, out, err) == (1, "", f"ecs-tutor: error: {message}\n")


@pytest.mark.parametrize("fault", ["not utf-8", "missing", "a directory"])
def test_an_unreadable_batch_file_is_one_clear_line(cli, tmp_path, fault):
    batch = tmp_path / "batch.txt"
    if fault == "not utf-8":
        batch.write_bytes(b"what is Fargate\n\xff\xfe\x00 latin-1 caf\xe9\n")
    elif fault == "a directory":
        batch.mkdir()
    status, _, err = cli("ask", "--batch", str(batch))
    assert status == 1
    assert err.startswith("ecs-tutor: error: ") and err.count("\n") == 1


# The app, served for real on loopback


class _Tags(HTMLParser):
    """The tags and the text of an HTML fragment."""

    def __init__(self, fragment: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []
        self.feed(fragment)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


_MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])


@pytest.fixture(scope="module")
def client(tutor):
    with served_app(tutor) as (_, url):
        client = Client(url, verbose=False)
        yield client
        client.close()


def _rendered(markdown: str) -> _Tags:
    return _Tags(_MARKDOWN.render(markdown))


@pytest.mark.parametrize(("name", "text", "end"), BAD_INPUTS, ids=IDS)
def test_the_app_answers_or_shows_one_escaped_line(client, name, text, end):
    if end is not ANSWERED:
        for endpoint, args, what in (
            ("/ask", (text, []), "question"),
            ("/check", (text,), "claim"),
        ):
            with pytest.raises(AppError) as raised:
                client.predict(*args, api_name=endpoint)
            assert str(raised.value) == _message(what, end)
        return
    history, _ = client.predict(text, [], api_name="/ask")
    echoed = history[0]["content"]
    echoed = echoed if isinstance(echoed, str) else echoed[0]["text"]
    shown = _rendered(echoed)
    assert shown.tags == ["p"]  # no link, image, heading, list or script: the text as typed
    assert "".join(shown.text).strip() == clean_input(text)
    verdict, _, _, _ = client.predict(text, api_name="/check")
    notes = [*render.CERTAINTY_NOTES.values(), *render.UNPAIRED_NOTES.values()]
    for note in filter(None, notes):  # how sure, in the tutor's words
        verdict = verdict.removesuffix(f"\n\n{note}")
    shown = _rendered(verdict)
    assert shown.tags == ["h3", "blockquote", "p"]
    assert "".join(shown.text).strip().endswith(clean_input(text, what="claim"))


@pytest.mark.parametrize(
    ("concept", "message"),
    [
        ("", _message("concept", EMPTY)),
        ("x" * 3000, _message("concept", "is 3000 characters long; the limit is 2000")),
        ("what is it", _message("concept", FILLER)),
        ("<img src=x>", "no concept named '&lt;img src=x&gt;' in the guide"),
    ],
)
def test_the_app_explore_shows_one_escaped_line(client, concept, message):
    with pytest.raises(AppError) as raised:
        client.predict(concept, api_name="/explore")
    assert str(raised.value) == message
