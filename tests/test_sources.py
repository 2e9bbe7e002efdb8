"""Every fact of the in-depth guide names its AWS documentation page, wherever it is shown."""

import pytest

from ingest import load_catalog
from tutor import Settings, Tutor
from tutor.config import resource
from tutor.study.anki import build_deck
from tutor.study.quiz import Quiz

pytestmark = pytest.mark.slow  # indexes a second guide
DOCS = "https://docs.aws.amazon.com/"


def shown(markdown: str) -> str:
    """Markdown's text as a reader sees it: the tutor backslashes a guide's punctuation."""
    return markdown.replace("\\", "")


@pytest.fixture(scope="module")
def depth(embedder, tmp_path_factory):
    settings = Settings(
        guides=(resource("guides/ecs-in-depth.md"),),
        cache_dir=tmp_path_factory.mktemp("depth"),
        examples="none",
    )
    return Tutor.open(settings, embedder=embedder)


def test_an_answer_names_the_page_its_facts_come_from(depth):
    answer = depth.ask("Does Fargate Spot warn a task before it is stopped?")
    assert answer.sources[0].title == "Fargate Spot Interruptions"
    assert "*Source: " in answer.text and DOCS in shown(answer.text)
    # The JSON names the page and the guide as plain text, with no markdown backslash in the URL.
    source = answer.to_dict()["sources"][0]
    assert source["source"].endswith(".html)") and f"({DOCS}" in source["source"]
    assert source["guide"] == "Amazon ECS in Depth"


def test_a_verdict_names_the_page_of_its_pair(depth):
    verdict = depth.check("When Spot capacity is reclaimed, Fargate reruns the task on demand")
    assert verdict.title == "Fargate Spot Interruptions"
    assert "Source: " in verdict.explanation and DOCS in shown(verdict.explanation)
    match = verdict.to_dict()["match"]
    assert f"({DOCS}" in match["source"] and match["guide"] == "Amazon ECS in Depth"
    assert match["correction"] is None  # the in-depth guide's errata leave this item alone


def test_the_map_panel_and_its_json_name_the_page(depth):
    found = depth.explore("ENI Trunking")
    assert found.source and DOCS in found.to_dict()["source"]


def test_quiz_feedback_and_anki_notes_name_the_page(depth):
    quiz = Quiz(depth.guide, load_catalog(), check=depth.check)
    assert all(card.reference for card in quiz.cards)
    drill = next(card for card in quiz.cards if card.answer == "True")
    assert DOCS in shown(quiz.grade(drill.id, "true").feedback)
    deck, _ = build_deck(quiz)
    for note in deck.notes:  # a pair's or cloze's explanation, a scenario question's source
        names = [field["name"] for field in note.model.fields]
        named = "Explanation" if "Explanation" in names else "Source"
        assert DOCS in note.fields[names.index(named)], note.model.name


def test_the_in_depth_guides_errata_say_app_mesh_support_has_ended(depth):
    """A date the guide gave as still to come has passed: the correction beside the guide says
    so wherever the item appears, and its Right statement and example say it in the past too (a
    probe found one answer using both tenses)."""
    answer = depth.ask("Is App Mesh still supported for ECS service meshes?")
    assert answer.sources[0].title == "App Mesh End of Support"
    assert "**Correction.** True now (changed 2026-09): That date has passed" in answer.text
    assert (
        "support ends on" not in answer.text and "well before the end-of-support" not in answer.text
    )
    assert "AWS ended support for App Mesh on 30 September 2026" in answer.text
    verdict = depth.check("App Mesh is the mesh AWS recommends for new ECS services")
    assert verdict.title == "App Mesh End of Support" and verdict.verdict == "misconception"
    assert verdict.to_dict()["match"]["correction"].startswith("True now (changed 2026-09)")
