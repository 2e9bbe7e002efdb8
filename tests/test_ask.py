"""ask(): a grounded answer with its sources, from the guide's own text."""

import pytest

from tutor import MAX_INPUT_CHARS, BadInput
from tutor.compose import UNSURE_ANSWER


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "Can containers on Fargate share a network file system?",
            {"EFS Integration", "Amazon EFS"},
        ),
        ("Where should my app keep its database password?", {"Secrets Management"}),
        (
            "How do I spread incoming requests over several copies of my container?",
            {"Load Balancing", "Elastic Load Balancing (ELB)"},
        ),
        ("Which launch option means I never patch a host?", {"Fargate"}),
        (
            "What keeps a fixed number of my containers alive and replaces crashed ones?",
            {"Services"},
        ),
    ],
)
def test_the_answering_item_is_among_the_top_three_sources(tutor, question, expected):
    answer = tutor.ask(question)
    assert expected & {hit.title for hit in answer.sources[:3]}


def test_answer_gives_the_direct_answer_the_trap_and_an_example(tutor, guide):
    answer = tutor.ask("Can containers on Fargate share a network file system?")
    top = answer.sources[0]
    item = next(i for i in guide.items if i.title == top.title)
    (pair,) = guide.pairs_of(item.title)
    assert item.description in answer.text
    assert pair.wrong in answer.text and pair.right in answer.text
    assert item.example in answer.text
    assert answer.covered


def test_sources_come_in_order_of_relevance_with_section_and_kind(tutor):
    answer = tutor.ask("rolling deployments without downtime")
    scores = [hit.score for hit in answer.sources]
    assert scores == sorted(scores, reverse=True)
    assert answer.sources[0].title == "Service Updates"
    assert (
        answer.sources[0].section == "AWS ECS > Configuration and Management > Service Management"
    )
    assert answer.sources[0].kind == "concept"
    assert answer.to_dict()["sources"][0] == {
        "title": "Service Updates",
        "section": "AWS ECS > Configuration and Management > Service Management",
        "kind": "concept",
        "score": round(answer.sources[0].score, 4),
        "guide": "AWS ECS",
        "source": None,  # the seed guide names no pages
    }


def test_a_worked_scenario_answer_lists_its_steps(tutor):
    answer = tutor.ask("design for transcoding a large pile of videos without servers")
    assert answer.sources[0].title == "Batch Processing with Fargate"
    assert answer.sources[0].kind == "worked scenario"
    assert "3. S3 Integration:" in answer.text


def test_an_off_topic_question_is_not_answered_from_the_guide(tutor):
    answer = tutor.ask("What is a good recipe for sourdough bread?")
    assert not answer.covered
    assert "does not cover" in answer.text


@pytest.mark.parametrize("bad", ["", "   \n\t ", "?!?", "\x00\x01", "x" * (MAX_INPUT_CHARS + 1)])
def test_unusable_questions_get_a_clear_error(tutor, bad):
    with pytest.raises(BadInput):
        tutor.ask(bad)


def test_control_characters_are_dropped_not_fatal(tutor):
    answer = tutor.ask("what\x00 is\x1b a cluster")
    assert answer.question == "what is a cluster"
    assert answer.sources[0].title == "Clusters"


@pytest.mark.parametrize(
    ("question", "title"),
    [
        ("what is fargate", "Fargate"),
        ("What are IAM roles for tasks?", "IAM Roles for Tasks"),
        ("whats a capacity provider", "Capacity Providers"),
        ("Tell me about ENI trunking.", "ENI Trunking"),
    ],
)
def test_a_question_asking_what_an_item_is_is_answered_by_it_without_a_caution(
    tutor, question, title
):
    answer = tutor.ask(question)
    assert answer.sources[0].title == title
    assert answer.covered and answer.certainty == "sure"
    assert answer.confidence >= tutor.answer_model.sure
    assert not answer.text.startswith(UNSURE_ANSWER)


@pytest.mark.parametrize(
    "question",
    [
        "What is the Fargate Spot discount?",  # more than a title: the model decides
        "whats ECS anywhere",  # less than a title
        "How does Fargate work?",  # no definition question
    ],
)
def test_only_a_whole_title_makes_a_definition_question(tutor, question):
    assert tutor.retriever.defined(question) is None


def test_a_question_that_asks_an_items_trap_is_answered_by_its_right_statement_first(tutor):
    """A learner probe: "which role pulls private ECR images on fargate?" was answered, sure,
    under the Application Task Role heading and its description, with the answer (the
    execution role) only in the trap below it. The question is closest to that item's pair, so
    the pair's Right statement now leads."""
    answer = tutor.ask("which role pulls private ECR images on fargate?")
    top = answer.sources[0]
    assert (top.title, top.matched) == ("Application Task Role", "wrong")
    assert answer.text.startswith("**In short.** “Image pulls on Fargate are performed with")
    assert "task execution role" in answer.text.split("\n\n")[0]


def test_a_cautioned_answer_never_leads_with_a_right_statement(tutor):
    """A learner probe: a question on lazy-loading a large image got the caution that the guides
    may not answer it, and then "In short" with the ephemeral storage item's Right statement, as
    if that were the answer."""
    answer = tutor.ask(
        "Our Fargate tasks pull a 5 GB image and start slowly when scaling out. What cuts the "
        "start time by lazy loading the image without touching the application?"
    )
    assert answer.certainty == "unsure", answer.text  # the guides do not say it
    assert "**In short.**" not in answer.text


def test_a_corrected_items_right_statement_never_leads_an_answer(tutor):
    answer = tutor.ask("Are EBS volumes only for EC2-backed ECS tasks?")
    assert answer.sources[0].title == "EBS Volumes"
    assert "**In short.**" not in answer.text and "**Correction.**" in answer.text
