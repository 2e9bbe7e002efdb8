"""Reading a claim that keeps a statement's words but swaps one for its opposite."""

import json

import pytest

from tutor.check.opposites import Opposites, shipped
from tutor.errors import TutorError

# A pair in the guides' style, written here so that the test does not move with the guides.
STATEMENTS = {
    "wrong": "The lower bound is rounded down, so an old copy may stop first.",
    "right": "The lower bound is rounded up, so new copies start before old ones stop.",
}
ITEM = "Retries: a retry policy is off by default and is turned on per container."


@pytest.mark.parametrize(
    ("claim", "side"),
    [
        ("the lower bound gets rounded down", "wrong"),  # turns the Right's "rounded up"
        ("the lower bound gets rounded up", "right"),  # turns the Wrong's "rounded down"
        ("retry policies are on by default", "wrong"),  # turns the item's own words
        ("retry policies are off by default", None),  # says what the item says
        ("the lower bound isn't rounded down", None),  # a negation: not read here
        ("copies come up and go down", None),  # no word the statements have near either
    ],
)
def test_a_swapped_opposite_speaks_for_the_other_side(claim, side):
    assert shipped().side(claim, STATEMENTS, (ITEM,)) == side


def test_a_statement_that_says_both_opposites_together_is_turned_by_neither():
    both = "Hard and soft memory limits: memory is the hard one."
    assert not shipped().turns("the soft memory value kills it", both)


def test_words_too_common_to_anchor_an_opposite_are_no_evidence():
    """ "on the same host" shares only "on" with "on a different instance"."""
    lexicon = Opposites({"same": frozenset({"different"}), "different": frozenset({"same"})})
    assert not lexicon.turns(
        "it keeps two tasks off the same host", "each lands on a different node"
    )


def test_a_damaged_lexicon_is_a_clear_error(tmp_path):
    path = tmp_path / "opposites.json"
    path.write_text(json.dumps({"version": 1, "pairs": [["up"]]}), encoding="utf-8")
    with pytest.raises(TutorError, match="not a lexicon of opposites"):
        Opposites.load(path)
