"""Comparatives read from what they assert: a claim turned to its scale's direction first."""

import pytest

from tutor.check.comparatives import Comparatives, shipped
from tutor.config import resource
from tutor.errors import TutorError


@pytest.mark.parametrize(
    ("claim", "read"),
    [
        ("Fargate is never cheaper than EC2", "EC2 is always cheaper than Fargate"),
        (
            "Fargate is pricier than EC2 for spiky traffic",
            "EC2 is cheaper than Fargate for spiky traffic",
        ),
        ("Fargate is not cheaper than EC2", "EC2 is cheaper than Fargate"),
        ("EC2 isn't cheaper than Fargate.", "Fargate is cheaper than EC2."),
        ("Fargate is never more expensive than EC2", "Fargate is always cheaper than EC2"),
        ("I think tasks are less secure than pods", "I think pods are more secure than tasks"),
        ("EC2 is always cheaper than Fargate", "EC2 is always cheaper than Fargate"),
    ],
)
def test_a_comparative_is_turned_to_its_scales_direction(claim, read):
    assert shipped().rewrite(claim) == read


@pytest.mark.parametrize(
    "claim",
    [
        "Running a big fleet of containers on Fargate is cheaper than EC2",  # subject too long
        "Fargate costs money",  # no comparative
        "Clusters can host many applications",
        "Fargate isn't always cheaper than EC2",  # denies the quantifier, not the comparison
        "I doubt Fargate is pricier than EC2",
        "Nothing is more expensive than Fargate",
        "Fargate is pricier than EC2 but simpler",
    ],
)
def test_a_claim_the_rule_cannot_read_is_left_as_written(claim):
    assert shipped().rewrite(claim) == claim


def test_a_converse_of_a_known_misconception_is_judged_a_misconception(tutor):
    said = tutor.check("Fargate is never cheaper than EC2")  # says EC2's Wrong from Fargate's side
    assert (said.verdict, said.title) == ("misconception", "EC2")
    assert said.claim == "Fargate is never cheaper than EC2"


def test_the_lexicon_is_data_and_a_broken_one_is_one_line(tmp_path):
    assert shipped().words["pricier"] == ("cheaper", True)
    assert Comparatives.load(resource("comparatives.json")) == shipped()
    broken = tmp_path / "comparatives.json"
    broken.write_text('{"version": 2}')
    with pytest.raises(TutorError, match=r"^comparatives\.json: not a comparatives lexicon"):
        Comparatives.load(broken)
