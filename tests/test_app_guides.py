"""The Guides tab through the real app on loopback: upload a guide, study it in this session
(every tab, the quiz with its own progress), remove it."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import gradio as gr
import pytest
from conftest import endpoints, served_app
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from tutor.study.library import BUILTIN_KEY
from tutor.web.tabs import exam as exam_tab
from tutor.web.tabs import quiz as quiz_tab

EKS = Path(__file__).parent / "fixtures" / "eks-mini.md"
pytestmark = [
    pytest.mark.filterwarnings("ignore:::gradio.queueing"),
    pytest.mark.filterwarnings("ignore:::gradio.components.native_plot"),
]


@pytest.fixture(scope="module")
def served(tutor):
    with served_app(tutor) as (demo, url):
        yield url


@pytest.fixture
def client(served):
    client = Client(served, verbose=False)  # a new client: a new session on the built-in guide
    yield client
    client.close()


def _sources(history: list) -> str:
    return str(history[-1]["content"])


def test_an_uploaded_guide_answers_in_the_session_that_chose_it(client, served, tutor):
    status, picker, _, _, _, concepts, *_ = client.predict(handle_file(EKS), api_name="/add_guide")
    assert status.startswith("Added **AWS EKS**: 10 items, 8 misconceptions.")
    assert picker["value"].startswith("aws-eks-")
    assert [key for _, key in picker["choices"]] == [BUILTIN_KEY, picker["value"]]
    assert ["Worker Nodes", "Worker Nodes"] in concepts["choices"]
    # The page sends the Studying list's value with every request; so does an API client.
    key = picker["value"]
    question = "How does a pod get its own IAM permissions?"
    history, _ = client.predict(question, [], key, api_name="/ask")
    assert "IAM Roles for Service Accounts" in _sources(history)
    chosen, details = client.predict("Worker Nodes", key, api_name="/explore")
    assert chosen["focus"].startswith("item:") and details.startswith("## Worker Nodes")

    other = Client(served, verbose=False)  # another learner still studies the built-in guide
    try:
        history, _ = other.predict("What does Fargate take off my hands?", [], api_name="/ask")
        assert tutor.ask("What does Fargate take off my hands?").sources[0].title in _sources(
            history
        )
        _, details = other.predict("Worker Nodes", api_name="/explore")  # by meaning, in ECS
        assert not details.startswith("## Worker Nodes")
    finally:
        other.close()

    client.predict(BUILTIN_KEY, api_name="/choose_guide")  # and back to the built-in guide
    chosen, details = client.predict("Fargate", BUILTIN_KEY, api_name="/explore")
    assert details.startswith("## Fargate")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.pdf", b"%PDF-1.4", "Invalid file type."),  # Gradio refuses it on upload
        (
            "notes.txt",
            b"\x00\x01binary",
            "notes.txt:1: binary content (NUL byte): a guide is a text file",
        ),
        ("empty.md", b"", "empty.md: the file is empty"),
        (
            "broken.md",
            b"# G\n\n#### Key Concepts\n\n1. **A**: text.\n   * **Misconceptions**:\n"
            b"     * **Wrong**: a claim.\n",
            "broken.md:7:",
        ),
    ],
)
def test_a_bad_upload_is_one_clear_message_and_changes_nothing(
    client, tmp_path, name, content, message
):
    bad = tmp_path / name
    bad.write_bytes(content)
    with pytest.raises(AppError) as raised:
        client.predict(handle_file(bad), api_name="/add_guide")
    assert str(raised.value).startswith(message)
    assert "Traceback" not in str(raised.value)
    history, _ = client.predict("What does Fargate take off my hands?", [], api_name="/ask")
    assert "Fargate" in _sources(history)  # still the built-in guide


def test_adding_with_no_file_says_what_to_do(client):
    with pytest.raises(AppError, match="choose a guide file"):
        client.predict(None, api_name="/add_guide")


@pytest.mark.parametrize("endpoint", ["/choose_guide", "/explore", "/next_card"])
def test_an_unknown_guide_key_is_refused_cleanly(client, endpoint):
    args = {"/choose_guide": (), "/explore": ("Fargate",), "/next_card": ("ana",)}[endpoint]
    with pytest.raises(AppError) as raised:
        client.predict(*args, "../../etc", api_name=endpoint)
    assert str(raised.value) == "no guide '../../etc' in the library: upload it again"


def test_a_removed_guide_is_gone_for_every_session_and_this_one_is_back_on_the_builtin(
    client, served, tmp_path
):
    own = tmp_path / "queues.md"
    own.write_text(
        "# Queue Notes\n\n#### Queues\n\n"
        "1. **Visibility Timeout**: How long a received message stays hidden from others.\n"
        "   * **Misconceptions**:\n"
        "     * **Wrong**: A received message is deleted from the queue at once.\n"
        "     * **Right**: A received message stays queued until the consumer deletes it.\n",
        encoding="utf-8",
    )
    _, picker, *_ = client.predict(handle_file(own), api_name="/add_guide")
    key = picker["value"]
    other = Client(served, verbose=False)
    try:
        # A second learner studies it too (the same bytes: the same stored guide).
        assert other.predict(handle_file(own), api_name="/add_guide")[1]["value"] == key

        status, picker, _, _, _, concepts, *_ = client.predict(key, api_name="/remove_guide")
        assert status.startswith("Removed **Queue Notes** and its index")
        assert picker["value"] == BUILTIN_KEY
        assert key not in [choice for _, choice in picker["choices"]]
        assert ["Fargate", "Fargate"] in concepts["choices"]  # back on the built-in guide
        _, details = client.predict("Fargate", api_name="/explore")
        assert details.startswith("## Fargate")

        with pytest.raises(AppError, match="upload it again") as raised:
            other.predict("What hides a received message?", [], key, api_name="/ask")
        assert "Traceback" not in str(raised.value)
    finally:
        other.close()


def test_the_builtin_guide_cannot_be_removed_from_the_app(client):
    with pytest.raises(AppError, match="the built-in one stays"):
        client.predict(BUILTIN_KEY, api_name="/remove_guide")
    history, _ = client.predict("What does Fargate take off my hands?", [], api_name="/ask")
    assert "Fargate" in _sources(history)


QUEUES = """\
# Queue Notes

#### Queues

1. **Visibility Timeout**: How long a received message stays hidden from other readers.
   * **Misconceptions**:
     * **Wrong**: A received message is deleted from the queue at once.
     * **Right**: A received message stays queued until the consumer deletes it.
2. **Retention Period**: How long an unread message is kept before it expires.
   * **Misconceptions**:
     * **Wrong**: An unread message is kept for ever.
     * **Right**: An unread message expires when the retention period runs out.
"""


def test_quiz_and_progress_follow_the_guide_and_keep_its_progress_apart(client, served, tmp_path):
    notes = tmp_path / "queue-notes.md"
    notes.write_text(QUEUES, encoding="utf-8")
    shown = client.predict(handle_file(notes), api_name="/add_guide")
    # A fresh start on this guide: no card in the Quiz tab, no exam running in Practice exam.
    at = shown.index(quiz_tab.START)
    assert shown[at - 1] == "" and exam_tab.START in shown[at:]
    key = shown[1]["value"]

    card_id, card, *_ = client.predict("ana", key, api_name="/next_card")
    assert card_id.startswith("pair:Visibility Timeout#") and "Visibility Timeout" in card
    feedback, *_ = client.predict("ana", card_id, "False", key, api_name="/answer")
    assert feedback.startswith("### ")
    sections, items, *_ = client.predict("ana", key, api_name="/progress")
    assert [row[0] for row in sections["data"]] == ["Queues"]
    assert {row[0] for row in items["data"]} == {"Visibility Timeout", "Retention Period"}
    studied = {row[0]: row[4] for row in items["data"]}  # reviews per item
    assert studied["Visibility Timeout"] == 1 and studied["Retention Period"] == 0

    other = Client(served, verbose=False)  # another session, on the built-in guide
    try:
        other_card, *_ = other.predict("ana", api_name="/next_card")
        assert not other_card.startswith("pair:Visibility Timeout#")
        sections, *_ = other.predict("ana", api_name="/progress")
        assert "Queues" not in [row[0] for row in sections["data"]]
    finally:
        other.close()

    client.predict(key, api_name="/remove_guide")
    client.predict(handle_file(notes), api_name="/add_guide")  # the same guide again
    _, items, *_ = client.predict("ana", key, api_name="/progress")
    assert {row[0]: row[4] for row in items["data"]}["Visibility Timeout"] == 1  # kept
    client.predict(key, api_name="/remove_guide")


def test_a_quiz_does_not_keep_its_guides_tutor_open(tutor, embedder, tmp_path):
    """The library's limit of open tutors holds with quizzes running on several uploads: a
    drill's sentence is judged by a tutor the library opens again when it has let it go."""
    import gc
    import weakref

    import app
    from tutor import Settings
    from tutor.study.library import GuideLibrary

    settings = Settings(data_dir=tmp_path / "data", cache_dir=tmp_path / "cache")
    library = GuideLibrary(settings, embedder, builtin=tutor, max_open=1)
    demo = app.build_app(tutor, library=library, settings=settings)
    fns = endpoints(demo)
    queues = library.add("queue-notes.md", QUEUES.encode()).key
    card_id = fns["next_card"]("ana", queues)[0]
    assert card_id.startswith("pair:Visibility Timeout#")

    first = weakref.ref(library.tutor(queues))
    library.add("eks-mini.md", EKS.read_bytes())  # opens EKS's tutor, lets the queues' go
    assert queues not in library.open_keys and len(library.open_keys) == 1
    gc.collect()
    assert first() is None  # the quiz's store did not keep it alive
    sentence = "A received message stays queued until the consumer deletes it."
    feedback, *_ = fns["answer"]("ana", card_id, sentence, queues)
    assert not feedback.startswith("### ⚪ Not graded")  # judged by check, on the queues guide
    assert len(library.open_keys) == 1


# --- the page follows the guide: its heading, its examples, and a Studying list that tells ------
# --- uploads apart ------------------------------------------------------------------------------

BUILTIN_HEADING = "# ECS Tutor\nStudy Amazon ECS from the guide, offline."
BUILTIN_QUESTIONS = [
    ["What does Fargate take off my hands?"],
    ["How do tasks get their own IAM permissions?"],
    ["How do I keep secrets out of container images?"],
]
BUILTIN_CLAIMS = [
    ["Fargate is more expensive than EC2 for all workloads"],
    ["It's wrong to say CloudWatch only watches EC2 instances"],
    ["Aurora supports up to 15 read replicas"],
]


def _text(message: dict) -> str:
    """A chat message's text, whether its content is a string or a list of blocks."""
    content = message["content"]
    return content if isinstance(content, str) else "".join(b.get("text", "") for b in content)


def _page(shown: list) -> tuple:
    """What a guide switch shows at the top of the page and in Chat and Check: the heading, the
    example questions, the example claims (the outputs after the status and the list)."""
    heading, questions, claims = shown[2:5]
    return heading, questions["samples"], claims["samples"]


def test_an_uploaded_guides_heading_and_examples_come_from_it(client):
    shown = client.predict(handle_file(EKS), api_name="/add_guide")
    key = shown[1]["value"]
    heading, questions, claims = _page(shown)
    assert heading == "# ECS Tutor\nStudy **AWS EKS** from your uploaded guide, offline."
    assert questions == [
        ["What should I know about Control Plane?"],
        ["What should I know about Worker Nodes?"],
        ["What should I know about Pods?"],
    ]
    assert claims == [
        ["You have to patch the Kubernetes API servers yourself."],  # the first pair's Wrong
        ["A cluster can mix node groups with different instance types and CPU architectures."],
        ["Honey never spoils"],
    ]
    # Each example works on the guide: a question it answers, and the three verdicts.
    history, _ = client.predict(questions[0][0], [], key, api_name="/ask")
    assert _text(history[-1]).startswith("1. **Control Plane** — ")  # the first source
    verdicts = [client.predict(claim, key, api_name="/check")[0] for (claim,) in claims]
    assert [verdict.split("\n")[0] for verdict in verdicts] == [
        "### 🔴 Misconception",
        "### 🟢 Correct",
        "### ⚪ Not covered by the guide",
    ]

    back = client.predict(BUILTIN_KEY, api_name="/choose_guide")
    assert _page(back) == (BUILTIN_HEADING, BUILTIN_QUESTIONS, BUILTIN_CLAIMS)


def test_the_builtin_guides_keep_their_hand_written_heading_and_examples(tutor, tmp_path):
    import app
    from tutor import Settings

    settings = Settings(data_dir=tmp_path / "data", cache_dir=tmp_path / "cache")
    demo = app.build_app(tutor, settings=settings)
    texts = [block.value for block in demo.blocks.values() if isinstance(block, gr.Markdown)]
    assert texts[0] == BUILTIN_HEADING
    shown = [block.samples for block in demo.blocks.values() if isinstance(block, gr.Dataset)]
    assert shown == [BUILTIN_QUESTIONS, BUILTIN_CLAIMS]


def test_a_server_started_on_another_guide_shows_that_guides_heading_and_examples(
    embedder, tmp_path
):
    """``ECS_TUTOR_GUIDE`` names a guide that is not a built-in one: the page named Amazon ECS
    and offered ECS questions and claims the guide could not answer."""
    import app
    from tutor import Settings, Tutor

    settings = Settings(guides=(EKS,), data_dir=tmp_path / "data", cache_dir=tmp_path / "cache")
    demo = app.build_app(Tutor.open(settings, embedder=embedder), settings=settings)
    texts = [block.value for block in demo.blocks.values() if isinstance(block, gr.Markdown)]
    assert texts[0] == "# ECS Tutor\nStudy **AWS EKS** from the guide, offline."
    questions, claims = [
        [text for (text,) in block.samples]
        for block in demo.blocks.values()
        if isinstance(block, gr.Dataset)
    ]
    assert questions and all(q.startswith("What should I know about ") for q in questions)
    assert claims[-1] == "Honey never spoils" and "Fargate" not in " ".join(questions + claims)


def test_an_uploads_title_is_shown_as_text_in_the_heading(client, tmp_path):
    from tutor.web.render import raw

    title = "<b>Queue</b> [Notes](http://x.example)"
    own = tmp_path / "tricky.md"
    own.write_text(QUEUES.replace("# Queue Notes", f"# {title}"), encoding="utf-8")
    shown = client.predict(handle_file(own), api_name="/add_guide")
    heading, _, _ = _page(shown)
    assert heading == f"# ECS Tutor\nStudy **{raw(title)}** from your uploaded guide, offline."
    assert "<b>" not in heading and "\\[Notes\\]" in heading  # no tag, no link
    client.predict(shown[1]["value"], api_name="/remove_guide")


@pytest.mark.parametrize(
    ("guide", "questions", "claims"),
    [
        (  # a title twice is asked about once; a pair's one Right is shown when it has no other
            "# One Pair\n\n#### Basics\n\n1. **Leases**: A lease times out.\n"
            "   * **Misconceptions**:\n     * **Wrong**: Leases never end.\n"
            "     * **Right**: Leases end when they time out.\n"
            "#### Renewals\n\n1. **Leases**: Leases are renewed.\n",
            ["What should I know about Leases?"],
            ["Leases never end.", "Leases end when they time out.", "Honey never spoils"],
        ),
        (  # a statement too long to read at a glance is passed over
            "# Long\n\n#### Basics\n\n1. **Locks**: A lock is held by one writer.\n"
            "   * **Misconceptions**:\n     * **Wrong**: " + "Locks are free. " * 20 + "\n"
            "     * **Right**: Locks are held by one writer at a time.\n"
            "2. **Latches**: A latch opens once.\n   * **Misconceptions**:\n"
            "     * **Wrong**: A latch can close again.\n"
            "     * **Right**: A latch stays open once it opens.\n",
            ["What should I know about Locks?", "What should I know about Latches?"],
            [
                "A latch can close again.",
                "Locks are held by one writer at a time.",
                "Honey never spoils",
            ],
        ),
    ],
)
def test_an_uploads_examples_are_its_first_titles_and_statements(guide, questions, claims):
    from ingest import parse_guide
    from tutor.web.tabs.chat import example_questions
    from tutor.web.tabs.check import example_claims

    parsed = parse_guide(guide, source="notes.md")
    assert example_questions(False, parsed) == questions
    assert example_claims(False, parsed) == claims


class _Clock(datetime):
    """The library's clock, giving the times in ``times`` one after the other."""

    times: list[datetime] = []

    @classmethod
    def now(cls, tz=None):
        return cls.times.pop(0)


@pytest.mark.parametrize(
    ("minutes", "tail"),
    [(5, ""), (0, " #{sha}")],  # apart by their times; in one minute, by their keys' hashes
)
def test_two_uploads_with_one_title_have_different_labels(
    tutor, embedder, tmp_path, monkeypatch, minutes, tail
):
    from tutor import Settings
    from tutor.study import library as library_module
    from tutor.study.library import GuideLibrary
    from tutor.web.tabs.guides import studying_list

    first = datetime(2026, 3, 1, 9, 30, 5, tzinfo=UTC)
    second = first + timedelta(minutes=minutes, seconds=20)
    monkeypatch.setattr(library_module, "datetime", _Clock)
    _Clock.times = [first, second]
    settings = Settings(data_dir=tmp_path / "data", cache_dir=tmp_path / "cache")
    library = GuideLibrary(settings, embedder, builtin=tutor)
    old = library.add("queue-notes.md", QUEUES.encode())
    new = library.add("queue-notes-v2.md", QUEUES.replace("for ever", "forever").encode())
    assert old.title == new.title == "Queue Notes" and old.key != new.key

    labels = dict(studying_list(library, signed_in=False).choices)
    counts = f"{len(tutor.guide.items)} items, {len(tutor.guide.pairs)} misconceptions"
    assert list(labels.values()) == [BUILTIN_KEY, old.key, new.key]  # oldest first
    assert (
        list(labels)
        == [
            f"{tutor.guide.title} ({counts})",  # the built-in guides' label, as it was
            "Queue Notes (2 items, 2 misconceptions, uploaded 2026-03-01 09:30 UTC)"
            + tail.format(sha=old.key[-12:]),
            f"Queue Notes (2 items, 2 misconceptions, uploaded {second:%Y-%m-%d %H:%M} UTC)"
            + tail.format(sha=new.key[-12:]),
        ]
    )
    library.close()


def test_two_uploads_with_one_title_are_told_apart_in_the_app(client, tmp_path):
    first, second = tmp_path / "queue-notes.md", tmp_path / "queue-notes-v2.md"
    first.write_text(QUEUES, encoding="utf-8")
    second.write_text(QUEUES.replace("for ever", "forever"), encoding="utf-8")
    one = client.predict(handle_file(first), api_name="/add_guide")[1]["value"]
    picker = client.predict(handle_file(second), api_name="/add_guide")[1]
    two = picker["value"]
    labels = {key: label for label, key in picker["choices"]}
    assert labels[one].startswith("Queue Notes (2 items, 2 misconceptions, uploaded ")
    assert labels[two].startswith("Queue Notes (2 items, 2 misconceptions, uploaded ")
    assert labels[one] != labels[two]
    for key in (one, two):
        client.predict(key, api_name="/remove_guide")
