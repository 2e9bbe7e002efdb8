"""Corrections kept beside a guide: the tutor teaches what is true now, and says what changed."""

import json

import pytest

from ingest import IngestError, corrected, errata_path, load_catalog, load_errata, read_guide
from ingest.errata import disputed, load_disputes
from tutor.config import DEFAULT_GUIDE
from tutor.study.anki import build_deck
from tutor.study.quiz import Quiz

EBS_NOW = "EBS volumes can be attached to ECS tasks running on both EC2 and Fargate"


@pytest.fixture(scope="module")
def errata(guide):
    return load_errata(errata_path(DEFAULT_GUIDE), guide)


def test_the_seed_guides_corrections_name_items_it_has_and_their_sources(errata, guide):
    assert {c.item for c in errata} >= {"EBS Volumes", "Batch Processing with Fargate"}
    for correction in errata:
        assert correction.source_url.startswith("https://docs.aws.amazon.com/")
        assert correction.now and correction.says


def test_a_stale_right_statement_is_replaced_and_the_item_says_what_changed(errata, guide):
    studied = corrected(guide, errata)
    (pair,) = studied.pairs_of("EBS Volumes")
    assert pair.right.startswith(EBS_NOW) and pair.wrong == guide.pairs_of("EBS Volumes")[0].wrong
    (item,) = [i for i in studied.items if i.title == "EBS Volumes"]
    assert item.correction.startswith("True now (changed 2024-01): ")
    assert "Use Amazon EBS volumes with Amazon ECS" in item.correction
    (batch,) = [s for s in studied.scenarios if s.title == "Batch Processing with Fargate"]
    assert batch.correction.startswith("True now: ") and "EventBridge" in batch.correction


def test_a_verdict_follows_what_is_true_now_and_says_so(seed_tutor, tutor):
    claim = "EBS volumes can be attached to Fargate tasks too"
    verdict = seed_tutor.check(claim)  # the stale item is the only one that speaks to it
    assert verdict.verdict == "correct" and verdict.title == "EBS Volumes"
    assert verdict.right.startswith(EBS_NOW)
    assert "Correction: True now (changed 2024-01)" in verdict.explanation
    assert verdict.to_dict()["match"]["correction"].startswith("True now (changed 2024-01)")
    # With the in-depth guide beside it, its item on launch-time volumes agrees.
    assert tutor.check(claim).verdict == "correct"


def test_an_answer_and_the_map_say_what_changed(tutor):
    answer = tutor.ask("Can ECS tasks use EBS volumes for block storage?")
    assert answer.sources[0].title == "EBS Volumes"
    assert "**Correction.** True now (changed 2024-01)" in answer.text
    found = tutor.explore("EBS Volumes")
    assert found.correction.startswith("True now") and "correction" in found.to_dict()
    assert "correction" not in tutor.explore("Clusters").to_dict()


def test_quiz_cards_and_anki_notes_of_a_corrected_item_carry_the_correction(tutor):
    quiz = Quiz(tutor.guide, load_catalog(), check=tutor.check)
    ebs = [card for card in quiz.cards if card.item == "EBS Volumes"]
    assert ebs and all(card.correction.startswith("True now") for card in ebs)
    assert all(not card.correction for card in quiz.cards if card.item == "Clusters")
    grade = quiz.grade(next(c for c in ebs if c.answer == "True").id, "true")
    assert "**Correction.**" in grade.feedback
    deck, _ = build_deck(quiz)
    notes = [n for n in deck.notes if "EBS Volumes" in n.fields]
    assert notes  # the exam leaves corrected items out: these are the pair and cloze notes
    for note in notes:
        explanation = [field["name"] for field in note.model.fields].index("Explanation")
        assert "True now" in note.fields[explanation], note.model.name


def test_a_stale_example_is_replaced_wherever_the_item_is_taught(errata, guide, tutor):
    (stale,) = [i.example for i in guide.items if i.title == "EBS Volumes"]
    (fix,) = [c.example for c in errata if c.item == "EBS Volumes"]
    assert fix and fix != stale
    (item,) = [
        i for i in corrected(guide, errata, load_catalog()).items if i.title == "EBS Volumes"
    ]
    assert item.example == fix and "AWS Fargate" in item.services  # named only by the new one
    examples = {
        data["text"] for _, data in tutor.graph.nodes(data=True) if data.get("kind") == "example"
    }
    assert fix in examples and stale not in examples
    quiz = Quiz(tutor.guide, load_catalog(), check=tutor.check)
    examples = [card for card in quiz.cards if card.name == "example:EBS Volumes"]
    assert [card.right for card in examples] == [fix]
    answer = tutor.ask("Can ECS tasks use EBS volumes for block storage?").text
    assert stale not in answer and "containerised database" in answer  # as the correction says


def test_a_stale_step_is_marked_in_answers_and_the_map_and_drilled_by_no_card(tutor):
    step = "step:Batch Processing with Fargate#3"
    assert tutor.graph.nodes[step]["correction"].startswith("True now: S3 event notifications")
    assert "correction" not in tutor.graph.nodes["step:Batch Processing with Fargate#4"]
    answer = tutor.ask("design for transcoding a large pile of videos without servers")
    assert answer.sources[0].title == "Batch Processing with Fargate"
    stale = [line for line in answer.text.splitlines() if "(Out of date" in line]
    assert len(stale) == 1 and stale[0].startswith("3. ") and "S3 events" in stale[0]
    quiz = Quiz(tutor.guide, load_catalog(), check=tutor.check)
    prompts = [card.prompt for card in quiz.cards if card.item == "Batch Processing with Fargate"]
    assert not [p for p in prompts if "triggering ECS tasks via" in p]
    assert [p for p in prompts if "monitor task execution" in p]  # a sound step keeps its card
    deck, _ = build_deck(quiz)
    assert not [n for n in deck.notes if any("{{c1::S3}} events" in f for f in n.fields)]


def _errata(item: str, **fields) -> str:
    """An errata file's text with one correction of ``item``, ``fields`` added to it."""
    correction = {"item": item, "says": "a", "now": "b", "source": {"title": "t", "url": "u"}}
    return json.dumps({"format": "ecs-tutor errata v1", "corrections": [{**correction, **fields}]})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", r"^x\.errata\.json: not a guide's errata"),
        (json.dumps({"format": "other", "corrections": []}), "format is not"),
        (_errata("Nope"), r"no item 'Nope' in the guide to correct"),
        (
            _errata("Batch Processing with Fargate", steps=[9]),
            r"'Batch Processing with Fargate' has no step 9 to correct",
        ),
        (_errata("Clusters", steps="3"), r"steps must be a list of step numbers"),
        (
            _errata("Batch Processing with Fargate", example="c"),
            r"'Batch Processing with Fargate' is a worked scenario: correct its steps",
        ),
        (_errata("Clusters", example=" "), r"a correction's example must be text"),
    ],
)
def test_broken_errata_are_one_clear_line(tmp_path, guide, content, message):
    path = tmp_path / "x.errata.json"
    path.write_text(content)
    with pytest.raises(IngestError, match=message):
        load_errata(path, guide)


def test_a_correction_adds_the_pair_the_guide_lacks_to_the_item_it_corrects(errata, guide):
    studied = corrected(guide, errata, load_catalog())
    own, added = studied.pairs_of("Batch Processing with Fargate")
    assert own == guide.pairs_of("Batch Processing with Fargate")[0]  # the scenario's own, kept
    assert added.wrong.startswith("An S3 bucket's event notification can launch an ECS task")
    assert "EventBridge" in added.right
    (batch,) = [s for s in guide.scenarios if s.title == "Batch Processing with Fargate"]
    assert (added.section, added.line) == (batch.section, batch.line)
    assert {"Amazon S3", "Amazon EventBridge"} <= set(added.services) <= set(studied.services)
    # the S3 pair, and the ELB item's Classic Load Balancer pair (correction 3)
    assert (
        len(studied.pairs)
        == len(guide.pairs) + sum(c.pair is not None for c in errata)
        == len(guide.pairs) + 2
    )


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ("S3 starts tasks", "must be an object with wrong and right"),
        ({"wrong": "S3 starts tasks"}, "needs a wrong and a right statement"),
        ({"wrong": "S3 starts tasks", "right": " "}, "needs a wrong and a right statement"),
    ],
)
def test_a_broken_added_pair_is_one_clear_line(tmp_path, guide, pair, message):
    path = tmp_path / "x.errata.json"
    path.write_text(_errata("Clusters", pair=pair))
    with pytest.raises(IngestError, match=message):
        load_errata(path, guide)


def test_a_claim_the_added_pair_decides_is_judged_by_what_is_true_now(tutor):
    verdict = tutor.check("Uploading a file to S3 can fire off an ECS task straight from a bucket")
    assert (verdict.verdict, verdict.title) == ("misconception", "Batch Processing with Fargate")
    assert "EventBridge" in verdict.right and "Correction: True now" in verdict.explanation
    fixed = tutor.check("You need EventBridge between an S3 upload and the ECS task it starts")
    assert (fixed.verdict, fixed.title) == ("correct", "Batch Processing with Fargate")


def test_the_seed_guides_elb_item_no_longer_lets_a_classic_load_balancer_front_fargate(tutor):
    """The seed's "ELB can distribute traffic to ECS tasks, both EC2 and Fargate" made "a classic
    load balancer can front fargate tasks" correct, likely 0.87; awsvpc services take only ALB and
    NLB (correction 3 in ecs.errata.md), and the corrected item's pair says so."""
    verdict = tutor.check("a classic load balancer can front fargate tasks")
    assert (verdict.verdict, verdict.title) == ("misconception", "Elastic Load Balancing (ELB)")
    assert "Classic Load Balancer" in verdict.wrong
    assert "Correction: True now" in verdict.explanation
    answer = tutor.ask("Which load balancers can I put in front of a Fargate service?")
    assert "Classic Load Balancers are not supported" in answer.text


def test_a_guide_without_errata_is_taught_as_written(tmp_path):
    guide = read_guide(DEFAULT_GUIDE)
    assert load_errata(tmp_path / "none.errata.json", guide) == ()
    assert corrected(guide, ()) is guide


def test_disputed_pairs_stay_in_the_guide_and_say_why_on_the_graph(tutor):
    disputes = load_disputes(errata_path(DEFAULT_GUIDE), read_guide(DEFAULT_GUIDE))
    assert set(disputes) == {
        "Task Definitions",
        "Creating Task Definitions",
        "Service Discovery",
        "Batch Processing with Fargate",
    }
    written = read_guide(DEFAULT_GUIDE)
    for owner, why in disputes.items():
        (own,) = written.pairs_of(owner)  # the pair the guide wrote, not one the errata added
        (pair,) = [p for p in tutor.guide.pairs_of(owner) if p.wrong == own.wrong]
        assert pair.disputed == why
        (node,) = [
            n for n, d in tutor.graph.nodes(data=True) if d.get("wrong") == own.wrong
        ]  # its misconception node
        assert tutor.graph.nodes[node]["disputed"] == why
    undisputed = [p for p in tutor.guide.pairs if not p.disputed]
    assert len(undisputed) == len(tutor.guide.pairs) - len(disputes)
    # the Batch scenario's pair added by its correction (S3 events) says what is true now
    assert [p for p in undisputed if p.owner == "Batch Processing with Fargate"]


@pytest.mark.parametrize(
    ("disputed", "message"),
    [
        ([{"item": "Nope", "why": "w"}], r"no pair of 'Nope' in the guide to dispute"),
        ([{"item": "Clusters"}], r"not a guide's errata \('why'\)"),
        ([{"item": "Clusters", "why": " "}], "must be text"),
    ],
)
def test_a_broken_dispute_is_one_clear_line(tmp_path, guide, disputed, message):
    path = tmp_path / "x.errata.json"
    path.write_text(
        json.dumps({"format": "ecs-tutor errata v1", "corrections": [], "disputed": disputed})
    )
    with pytest.raises(IngestError, match=message):
        load_disputes(path, guide)


def test_an_answer_shows_a_disputed_pair_as_one_to_weigh_not_as_a_trap(tutor):
    answer = tutor.ask("Can Fargate handle heavy batch processing like video transcoding?")
    assert answer.sources[0].title == "Batch Processing with Fargate"
    assert "**A pair to weigh yourself.** “Fargate cannot handle" in answer.text
    assert "can be argued either way" in answer.text and "gpu" in answer.text
    assert "Wrong: “Fargate cannot handle" not in answer.text
    assert "**Trap to avoid.** Wrong: “An S3 bucket" in answer.text  # the added pair: a trap


def test_a_dispute_stays_on_a_pair_whose_wrong_a_correction_rewrites(tmp_path, guide):
    """A guide's own pairs come before those its corrections add, so a dispute finds its pair by
    position, not by a Wrong statement a correction may rewrite."""
    errata = [
        {
            "item": "Clusters",
            "says": "s",
            "now": "n",
            "source": {"title": "t", "url": "https://docs.aws.amazon.com/x"},
            "wrong": "A cluster is said to hold one app.",
            "pair": {"wrong": "Clusters are regional.", "right": "Clusters span Regions."},
        }
    ]
    path = tmp_path / "x.errata.json"
    path.write_text(
        json.dumps(
            {
                "format": "ecs-tutor errata v1",
                "corrections": errata,
                "disputed": [{"item": "Clusters", "why": "arguable"}],
            }
        )
    )
    fixed = corrected(guide, load_errata(path, guide))
    studied = disputed(fixed, load_disputes(path, guide), guide)
    own, added = studied.pairs_of("Clusters")
    assert own.wrong == "A cluster is said to hold one app." and own.disputed == "arguable"
    assert added.wrong == "Clusters are regional." and not added.disputed


def test_a_disputed_pairs_wrong_statement_is_not_drilled(tutor):
    """A careful reader can argue it either way ("task definitions cannot be updated" holds of a
    revision), so no drill marks a learner wrong on it; its Right statement is still drilled."""
    quiz = Quiz(tutor.guide, load_catalog())
    disputed = [pair for pair in tutor.guide.pairs if pair.disputed]
    assert len(disputed) == 4
    prompts = {card.prompt for card in quiz.cards if card.kind == "true_false"}
    for pair in disputed:
        assert f"True or false? {pair.wrong}" not in prompts
        assert f"True or false? {pair.right}" in prompts
