"""The Guides tab through the real app on loopback: upload a guide, study it in this session
(every tab, the quiz with its own progress), remove it."""

from pathlib import Path

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
    status, picker, concepts, *_ = client.predict(handle_file(EKS), api_name="/add_guide")
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

        status, picker, concepts, *_ = client.predict(key, api_name="/remove_guide")
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
