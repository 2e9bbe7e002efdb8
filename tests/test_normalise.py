"""Learner writing read as meant: contractions without apostrophes and misspelt guide words."""

import pytest

from tutor.normalise import CONTRACTIONS, Normaliser

GUIDE_WORDS = ["Fargate tasks need no servers", "CloudWatch watches ECS", "Amazon Kinesis streams"]


@pytest.fixture(scope="module")
def normalise():
    return Normaliser(GUIDE_WORDS)


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("EFS cant be used with Fargate", "EFS can't be used with Fargate"),
        ("Dont use fargate", "Don't use fargate"),
        ("fargte tasks isnt cheap", "Fargate tasks isn't cheap"),
        ("cloudwach only watches EC2", "CloudWatch only watches EC2"),
        ("kinesys feeds tasks", "Kinesis feeds tasks"),
    ],
)
def test_contractions_and_misspelt_guide_words_are_read_as_meant(normalise, typed, read):
    assert normalise(typed) == read


@pytest.mark.parametrize(
    "typed",
    [
        "Tasks shouldn't get unlimited resources",  # a contraction as written
        "Running containers serverlessly",  # another form of a guide word, not a typo
        "The manger is full",  # an English word, even if not the guide's
        "ALB and NLB in a VPC",  # short words and acronyms
        "Zzyzx qwertyuiop",  # nothing near enough in the guide
    ],
)
def test_words_that_are_not_typos_are_left_as_typed(normalise, typed):
    assert normalise(typed) == typed


def test_every_contraction_is_an_apostrophe_away():
    for typed, meant in CONTRACTIONS.items():
        assert meant.replace("'", "") in (typed, "isnt"), typed


def test_a_claim_without_its_apostrophe_gets_the_same_verdict(tutor):
    typed, meant = (
        tutor.check("EFS cant be used with Fargate"),
        tutor.check("EFS can't be used with Fargate"),
    )
    assert (typed.verdict, typed.title, typed.confidence) == (
        meant.verdict,
        meant.title,
        meant.confidence,
    )
    assert typed.claim == "EFS cant be used with Fargate"  # shown as the learner typed it


def test_a_misspelt_question_finds_what_the_spelt_one_finds(tutor):
    assert [h.title for h in tutor.search("what does fargte take off my hands")][:3] == [
        h.title for h in tutor.search("what does Fargate take off my hands")
    ][:3]


@pytest.mark.parametrize("typed", ["S3 ACLs are not needed", "we analyze the logs"])
def test_names_and_other_spellings_of_english_words_are_not_corrected(typed):
    assert Normaliser(["Access control lists acts", "an analyst reads logs"])(typed) == typed


def test_a_correction_that_keeps_the_typed_first_letter_comes_first():
    """A typed "farget" is one edit from "target" and two from "Fargate": a typo keeps its first
    letter far more often than not. With no guide word of that letter, the nearest is taken."""
    normalise = Normaliser(["Fargate tasks behind a target group"])
    assert normalise("farget tasks") == "Fargate tasks"
    assert normalise("targte group") == "target group"
    assert Normaliser(["a target group"])("farget group") == "target group"
