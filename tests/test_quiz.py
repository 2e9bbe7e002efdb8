"""Quiz cards from the guide, grading, feedback, and the terminal quiz."""

from __future__ import annotations

import io

import pytest
from conftest import card_id

from ingest import load_catalog, read_studied_guides
from tutor import BadInput
from tutor.cli import main
from tutor.config import BUILTIN_GUIDES
from tutor.study.progress import ProgressStore, progress_url
from tutor.study.quiz import BLANK, SERVICE, TRUE_FALSE, Quiz

CLUSTERS_TRUE, CLUSTERS_FALSE = card_id("pair:Clusters#1:true"), card_id("pair:Clusters#1:false")
ALB_STEP = card_id("scenario:Scalable Microservices Architecture#5")


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def quiz(guide, catalog):
    return Quiz(guide, catalog)


def test_every_pair_gives_a_true_and_a_false_drill(quiz, guide):
    drills = [c for c in quiz.cards if c.kind == TRUE_FALSE]
    assert len(drills) == 2 * len(guide.pairs) == 62
    assert {c.prompt for c in drills} == {
        f"True or false? {s}" for p in guide.pairs for s in (p.wrong, p.right)
    }
    assert len({c.id for c in quiz.cards}) == len(quiz.cards) == 90


def test_no_card_id_names_its_answer(quiz):
    for card in quiz.cards:
        assert not card.id.endswith((":true", ":false")), card.id
        assert card.answer.casefold() not in card.id.casefold(), card.id
        if card.kind == SERVICE:  # nor the item whose example names the service
            assert card.item not in card.id and card.id.startswith("question:")


def test_cards_and_ids_are_the_same_on_every_build(quiz, guide, catalog):
    assert Quiz(guide, catalog).cards == quiz.cards
    assert quiz.cards[0].id == CLUSTERS_TRUE
    assert quiz.card(CLUSTERS_FALSE).answer == "False"


def test_a_step_question_blanks_its_service(quiz):
    card = quiz.card(ALB_STEP)
    assert card.kind == SERVICE
    assert card.prompt == (
        "A financial services company needs to deploy a highly available microservices "
        "architecture. Step 5, Load Balancing: Use an ____ to distribute traffic across "
        "microservice tasks. Which service would you use?"
    )
    assert card.answer == "Application Load Balancer"
    assert card.item == "Scalable Microservices Architecture"
    assert card.node == "scenario:Scalable Microservices Architecture"


def test_service_questions_hide_the_answer_and_offer_four_distinct_options(quiz, catalog):
    questions = [c for c in quiz.cards if c.kind == SERVICE]
    assert len(questions) == 28
    for card in questions:
        assert BLANK in card.prompt
        assert card.answer not in catalog.mentions(card.prompt), card.id
        assert len(set(card.options)) == len(card.options) == 4
        assert card.answer in card.options
        # no distractor that the text names or that could also be right
        others = set(card.options) - {card.answer}
        assert not others & set(catalog.mentions(card.right)), card.id
        assert "Elastic Load Balancing" not in others or "Load" not in card.answer


@pytest.mark.parametrize(
    "answer, correct",
    [("true", True), ("T", True), ("Yes.", True), ("1", True), ("false", False), ("No", False)],
)
def test_true_false_answers(quiz, answer, correct):
    assert quiz.grade(CLUSTERS_TRUE, answer).correct is correct
    assert quiz.grade(CLUSTERS_FALSE, answer).correct is (not correct)


@pytest.mark.parametrize("answer", ["true", "false"])
def test_drill_feedback_quotes_both_statements_and_names_the_item(quiz, answer):
    grade = quiz.grade(CLUSTERS_FALSE, answer)
    assert "“Clusters can host multiple applications and services.”" in grade.feedback
    assert "“Clusters can only host a single application.”" in grade.feedback
    assert "**Clusters** (Key Concepts > ECS Components)" in grade.feedback
    assert grade.feedback.startswith("Correct" if answer == "false" else "Not quite")


@pytest.mark.parametrize(
    "answer", ["Application Load Balancer", "application load balancer", "I'd put an ALB there"]
)
def test_a_service_is_picked_by_name_or_alias(quiz, answer):
    assert quiz.grade(ALB_STEP, answer).correct is True


def test_a_service_is_picked_by_number_or_letter(quiz):
    card = quiz.card(ALB_STEP)
    place = card.options.index(card.answer)
    assert quiz.grade(ALB_STEP, str(place + 1)).correct is True
    assert quiz.grade(ALB_STEP, "abcd"[place]).correct is True
    assert quiz.grade(ALB_STEP, str((place + 1) % 4 + 1)).correct is False


def test_question_feedback_explains_the_right_and_the_chosen_wrong_option(quiz):
    card = quiz.card(card_id("example:EFS Integration"))
    assert card.options == (
        "AWS Secrets Manager",
        "Amazon EFS",
        "Amazon DynamoDB",
        "Amazon CloudWatch",
    )
    grade = quiz.grade(card.id, "Amazon CloudWatch")
    lines = grade.feedback.splitlines()
    assert grade.correct is False
    assert lines[0] == (
        "Not quite: not Amazon CloudWatch. The answer is **Amazon EFS**, as the guide says: “A "
        "content management system uses EFS to store and share files across multiple ECS tasks.”"
    )
    assert lines[1] == (
        "- Amazon CloudWatch is not it: the guide uses it for “CloudWatch Metrics and Logs: "
        "Monitor ECS tasks and services.”"
    )
    assert lines[-1] == "See **EFS Integration** (Key Concepts > Storage)."


@pytest.mark.parametrize("answer", ["", "   ", "7", "e", "Amazon Lightsail", "x" * 2001])
def test_an_unusable_answer_to_a_question_is_refused(quiz, answer):
    with pytest.raises(BadInput):
        quiz.grade(ALB_STEP, answer)


def test_a_sentence_needs_check_and_an_unknown_card_is_refused(quiz):
    with pytest.raises(BadInput, match="True or False"):
        quiz.grade(CLUSTERS_TRUE, "clusters host many apps")
    with pytest.raises(BadInput, match="no quiz card"):
        quiz.grade("pair:Nothing#1:true", "true")


@pytest.mark.parametrize(
    "sentence, correct",
    [
        ("A cluster can host many applications and services", True),
        ("A cluster can only ever run one application", False),
        ("Fargate is always more expensive than EC2", None),  # about another pair: not graded
    ],
)
def test_a_sentence_is_judged_by_check_against_the_cards_pair(
    tutor, guide, catalog, sentence, correct
):
    quiz = Quiz(guide, catalog, check=tutor.check)
    grade = quiz.grade(CLUSTERS_FALSE, sentence)
    assert grade.correct is correct
    assert grade.verdict is not None
    if correct is None:
        assert grade.rating is None
        # The Fargate and EC2 pairs state one fact from either side; comparatives read it as EC2's.
        assert grade.verdict.title in ("Fargate", "EC2")
        assert f"**{grade.verdict.title}**" in grade.feedback
    else:
        assert "“Clusters can only host a single application.”" in grade.feedback


def test_a_sentence_on_a_disputed_pair_is_not_graded(tutor, catalog):
    """The errata dispute the Batch scenario's pair (Fargate takes no GPU job): a sentence saying
    so must not be saved as a failure, though check leans to the misconception; True or False
    on its Right statement is still graded."""
    quiz = Quiz(tutor.guide, catalog, check=tutor.check)  # the guides as studied, errata in
    (card,) = [c for c in quiz.cards if c.disputed and c.item == "Batch Processing with Fargate"]
    assert card.kind == TRUE_FALSE and card.answer == "True"
    grade = quiz.grade(
        card.id, "fargate can't take on heavy batch processing like video transcoding"
    )
    assert grade.verdict is not None and grade.verdict.title == card.item
    assert grade.correct is None and grade.rating is None
    assert "can be argued either way" in grade.feedback and "gpu" in grade.feedback
    assert quiz.grade(card.id, "true").correct is True
    # the scenario's pair its correction added (S3 events) is no dispute: graded as ever
    added = [c for c in quiz.cards if c.item == card.item and c.kind == TRUE_FALSE and c != card]
    assert added and not any(c.disputed for c in added)


@pytest.mark.parametrize("typed", ["no idea", "I don't know", "idk", "?"])
def test_i_dont_know_is_a_wrong_answer_that_shows_the_answer(quiz, typed):
    drill = quiz.grade(CLUSTERS_FALSE, typed)
    assert drill.correct is False and drill.verdict is None  # no check ran
    assert drill.feedback.startswith("Here is the answer: the statement is false")
    efs = quiz.card(card_id("example:EFS Integration"))
    question = quiz.grade(efs.id, typed)
    assert question.correct is False
    assert question.feedback.startswith(f"Here is the answer. The answer is **{efs.answer}**")


@pytest.mark.parametrize("typed", ["g", "h e", "ok sure"])
def test_a_drill_answer_of_a_word_or_two_is_asked_again_not_checked(tutor, guide, catalog, typed):
    quiz = Quiz(guide, catalog, check=tutor.check)
    with pytest.raises(BadInput, match="say in a sentence what is true"):
        quiz.grade(CLUSTERS_FALSE, typed)


def test_a_service_question_is_not_headed_by_its_item(quiz):
    from tutor.web import render

    efs = quiz.card(card_id("example:EFS Integration"))
    assert efs.kind == SERVICE and not render.card(efs).startswith("**")
    assert render.card(quiz.cards[0]).startswith(f"**{quiz.cards[0].item}** · *")


def _first_dealt(folder, count: int) -> list:
    """The first ``count`` cards the terminal quiz deals a new learner (the built-in guides)."""
    studied = Quiz(read_studied_guides(BUILTIN_GUIDES), load_catalog())  # as the command does
    return ProgressStore(progress_url(folder), quiz=studied).due_cards("nobody")[:count]


def test_an_empty_line_asks_before_the_terminal_quiz_stops(tmp_path, monkeypatch, capsys):
    # Right, rated Easy; an empty line, not meant; right, Enter keeps Good; empty, stop.
    first, second = (card.answer.lower() for card in _first_dealt(tmp_path / "look", 2))
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{first}\ne\n\nn\n{second}\n\n\ny\n"))
    argv = ["quiz", "--no-check", "--learner", "bo", "--data-dir", str(tmp_path), "-n", "5"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("0 due, ") and " new, 0 done today." in out.splitlines()[0]
    assert out.count("Stop here? [y/N]") == 2
    assert out.count("How well did you know it?") == 2 and "Rated Easy: due " in out
    assert "2 answered, 2 correct; saved for bo." in out


def test_an_answer_typed_at_the_stop_prompt_is_kept(tmp_path, monkeypatch, capsys):
    # An empty line by mistake, then the answer typed at "Stop here?": it is graded, not lost.
    (first,) = (card.answer.lower() for card in _first_dealt(tmp_path / "look", 1))
    monkeypatch.setattr("sys.stdin", io.StringIO(f"\n{first}\n\n\ny\n"))
    argv = ["quiz", "--no-check", "--learner", "cy", "--data-dir", str(tmp_path), "-n", "2"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.count("Stop here? [y/N]") == 2
    assert "1 answered, 1 correct; saved for cy." in out


def test_the_terminal_quiz_saves_every_answer(tmp_path, monkeypatch, capsys, quiz):
    # Clusters (right; Enter keeps Good), "7" (neither True nor False), Task Definitions by the
    # number of its option.
    clusters, definitions, after = _first_dealt(tmp_path / "look", 3)
    number = definitions.options.index(definitions.answer) + 1
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{clusters.answer}\n\n7\n{number}\n\n"))
    argv = ["quiz", "--no-check", "--learner", "ana", "--data-dir", str(tmp_path), "-n", "3"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert f"[Clusters] {clusters.prompt}" in out
    assert "answer True or False" in out  # "7" is neither: asked again
    assert "2 answered, 2 correct; saved for ana." in out
    studied = Quiz(read_studied_guides(BUILTIN_GUIDES), load_catalog())  # as the command does
    store = ProgressStore(progress_url(tmp_path), quiz=studied)
    assert [d.reviews for d in store.history("ana")] == [2]
    # The siblings of both drills answered wait for another day.
    assert store.due_cards("ana")[0] == after
