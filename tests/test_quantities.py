"""Reading the quantities and bounds a claim states, and which statement its bounds side with."""

import pytest

from tutor.check.quantities import (
    ABOVE,
    CALENDAR_YEAR,
    DATE,
    DEFAULT,
    LEAST,
    MONTH,
    MOST,
    REACH,
    UNDER,
    Bound,
    Quantity,
    bound_side,
    quantities,
    stated_bounds,
)

_SEPTEMBER_30 = [
    Quantity(2026, CALENDAR_YEAR),
    Quantity(202609, MONTH),
    Quantity(20260930, DATE),
]

# A pair in the in-depth guide's style, written here so that the test does not move with the guide.
WRONG = "Fargate tops out at 4 vCPU and 30 GB of memory, so big jobs have to move to EC2."
RIGHT = "Linux Fargate tasks can use up to 16 vCPU and 120 GB of memory."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4 vCPU and 30 GB", [Quantity(4, "vcpu"), Quantity(30, "gb")]),
        ("30gb or 512 MiB", [Quantity(30, "gb"), Quantity(0.5, "gb")]),
        ("a two-minute warning", [Quantity(120, "second")]),
        ("at most 5,000 services", [Quantity(5000)]),  # a count: the word may be "old"
        ("ten thousand tasks or twenty-five", [Quantity(10_000), Quantity(25)]),
        ("400 ms", [Quantity(0.4, "second")]),
        ("platform version 1.4.0", [Quantity(0, "version", "1.4.0")]),
        ("1, 2 or 4 vCPU", [Quantity(1), Quantity(2), Quantity(4, "vcpu")]),
        ("50% healthy", [Quantity(50, "percent")]),
        # Not numbers: digits inside a name, a number word inside a longer word, "one".
        ("S3 and EC2 with thousands of tasks, no one else", []),
    ],
)
def test_quantities_are_read_with_their_units(text, expected):
    assert list(quantities(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("support ends in 2027", [Quantity(2027, CALENDAR_YEAR)]),
        ("until 2028, then", [Quantity(2028, CALENDAR_YEAR)]),
        ("ended in October 2026", [Quantity(2026, CALENDAR_YEAR), Quantity(202610, MONTH)]),
        (
            "on 30 September 2026",
            [Quantity(30), *_SEPTEMBER_30],
        ),
        ("on sept. 30th, 2026", [Quantity(30), *_SEPTEMBER_30]),
        ("on 2026-09-30", [*_SEPTEMBER_30, Quantity(9), Quantity(30)]),
        # Counts and sizes, not years: a word they count follows, or no time is put on them.
        ("a cluster can run 2000 services", [Quantity(2000)]),
        ("scale out by 2000 tasks, or in 2000 tasks", [Quantity(2000), Quantity(2000)]),
        ("a memory of 2048", [Quantity(2048)]),
        ("maybe 2000 tasks", [Quantity(2000)]),
        ("2048 MiB of memory", [Quantity(2, "gb")]),
    ],
)
def test_a_year_of_the_calendar_is_a_figure_and_a_count_is_not(text, expected):
    assert list(quantities(text)) == expected


def test_a_unit_written_another_way_is_the_same_quantity():
    assert Quantity(120, "second").matches(quantities("2 minutes")[0])
    assert quantities("20 GiB")[0].matches(quantities("20 GB")[0])
    assert not quantities("4 GB")[0].matches(quantities("4 vCPU")[0])
    assert Quantity(4).matches(Quantity(4, "vcpu"))  # a bare number fits any unit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fargate tops out at 4 vCPU and 30 GB", [(MOST, 4, "vcpu"), (MOST, 30, "gb")]),
        ("tasks can use more than 4 vCPU", [(ABOVE, 4, "vcpu")]),
        ("No Fargate task can ever go past 4 vCPU", [(MOST, 4, "vcpu")]),
        ("Fargate is not limited to 4 vCPU", [(ABOVE, 4, "vcpu")]),
        ("A task can't use more than 30 GB", [(MOST, 30, "gb")]),
        (
            "between the 20 GiB default and the 200 GiB maximum",
            [(DEFAULT, 20, "gb"), (MOST, 200, "gb")],
        ),
        ("tasks get at least 20 GiB", [(LEAST, 20, "gb")]),
        ("It is not true that Fargate tops out at 4 vCPU", [(ABOVE, 4, "vcpu")]),
        ("the desired count of 2 rounds up to 2 tasks", []),  # "rounds up to" is no bound
        ("tasks run 16 vCPU", []),  # a size, not a bound
        ("A Fargate task gets 4 vCPU at most", [(MOST, 4, "vcpu")]),
        ("Fargate supports 4 vCPU or less per task", [(MOST, 4, "vcpu")]),
        ("Fargate tops out at 4 vCPU, that is a myth", [(ABOVE, 4, "vcpu")]),
        # A negation that does not reach the bound: past a break, or too far back.
        ("Fargate never needs EC2 and maxes out at 4 vCPU", [(MOST, 4, "vcpu")]),
        ("Fargate tasks that don't run on EC2 instances top out at 4 vCPU", [(MOST, 4, "vcpu")]),
        # A range states both ends; a bare low end takes the high end's unit.
        (
            "It can be set from 1 minute to 48 hours",
            [(LEAST, 60, "second"), (MOST, 172800, "second")],
        ),
        ("from 1 up to 48 hours", [(LEAST, 3600, "second"), (MOST, 172800, "second")]),
        ("It can't be set from 1 minute to 48 hours", []),  # a negated range says nothing
        ("The service scales from 10 to 30 tasks", []),  # a scenario's figures, no unit
        ("A Fargate task can be as small as 0.25 vCPU", [(LEAST, 0.25, "vcpu")]),
        ("ephemeral storage starts at 20 GiB", [(LEAST, 20, "gb")]),
    ],
)
def test_bounds_are_read_with_the_clause_negations(text, expected):
    assert [(b.kind, b.quantity.value, b.quantity.unit) for b in stated_bounds(text)] == expected


@pytest.mark.parametrize(
    ("claim", "side"),
    [
        ("A Fargate task can have at most 4 vCPU", "wrong"),
        ("No Fargate task can go past 30 GB of memory", "wrong"),
        ("Fargate tasks can use more than 4 vCPU", "right"),
        ("A Linux Fargate task can have as much as 120 GB of memory", "right"),
        ("Fargate is not capped at 4 vCPU", "right"),
        ("A Fargate task can have at most 8 vCPU", "wrong"),  # the Right says 16
        # A bound that fits both statements, or neither states: no side.
        ("Fargate tasks can use more than 2 vCPU", None),
        ("A Fargate task needs at least 1 vCPU", None),
        ("Fargate tasks run on ARM64", None),
    ],
)
def test_a_claims_bounds_side_with_the_statement_that_states_them(claim, side):
    statements = {"wrong": stated_bounds(WRONG), "right": stated_bounds(RIGHT)}
    assert bound_side(stated_bounds(claim), statements) == side


def test_bounds_that_point_both_ways_decide_nothing():
    statements = {"wrong": stated_bounds(WRONG), "right": stated_bounds(RIGHT)}
    both = (Bound(MOST, Quantity(4, "vcpu")), Bound(MOST, Quantity(120, "gb")))
    assert bound_side(both, statements) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # What can be had reaches a figure; denied, the most is under it.
        ("a task can use 32 vCPU", [(REACH, 32, "vcpu")]),
        ("Fargate doesn't support 32 vCPU", [(UNDER, 32, "vcpu")]),
        ("tasks run 16 vCPU", []),  # said of what runs, not of what can
        ("the job can stop within 30 seconds", [(MOST, 30, "second")]),  # "within" bounds it
        # A count is read only with what it counts.
        ("a strategy can give a base to two providers", [(REACH, 2, None)]),
        ("the service can scale to 10", []),  # counts nothing named
        ("only one provider may set it", [(MOST, 1, None)]),
        ("several listeners can share it", [(REACH, 2, None)]),
        # Not in a text with a negation, which may reach further back than a clause's do.
        ("a service cannot have multiple listeners", []),
        ("there's no rule that it can only have one listener", []),
        ("it can use more than just one listener", []),  # not "only one"
        # Defaults, and bounds named before their subject.
        ("protection lasts 3 hours by default", [(DEFAULT, 10800, "second")]),
        ("it defaults to 3 hours", [(DEFAULT, 10800, "second")]),
        ("the longest you can keep it is 3 hours", [(MOST, 10800, "second")]),
        ("a one-year or a 3 year term", []),  # a plain figure: "one" counts before a unit
    ],
)
def test_reaches_counts_and_defaults_are_read(text, expected):
    assert [(b.kind, b.quantity.value, b.quantity.unit) for b in stated_bounds(text)] == expected


def test_one_is_a_number_only_before_a_unit_of_time_and_a_hedge_is_no_figure():
    assert quantities("a one-year term")[0] == Quantity(31_536_000, "second")
    assert quantities("no one else, one task, one core idea, one day") == ()
    assert quantities("I'm 100% sure it's 50% of them") == (Quantity(50, "percent"),)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("the default max protection is 2 hours", DEFAULT),  # the first word names it
        ("the max default protection is 2 hours", MOST),
        ("the longest it can be is 2 hours", MOST),
    ],
)
def test_a_bound_named_before_its_subject_takes_the_kind_of_its_first_word(text, kind):
    assert [b.kind for b in stated_bounds(text)] == [kind]


def test_a_reach_joined_by_and_reaches_too():
    found = stated_bounds("a task can use 4 vCPU and 30 GB")
    assert [(b.kind, b.quantity.unit) for b in found] == [(REACH, "vcpu"), (REACH, "gb")]


def test_another_figure_of_the_kind_the_wrong_gives_does_not_speak_for_the_right():
    """ "can start at 0.5 vCPU" is not the Wrong's "starts at 0.25 vCPU", but nothing says it is
    the Right: only a bound that contradicts the Wrong's speaks for the Right."""
    statements = {"wrong": stated_bounds("it starts at 0.25 vCPU"), "right": ()}
    assert bound_side(stated_bounds("it can start at 0.5 vCPU"), statements) is None
    assert bound_side(stated_bounds("it can use more than 0.25 vCPU"), statements) is None


@pytest.mark.parametrize(
    ("claim", "side"),
    [
        ("a node can run two copies", "right"),  # fails only where the Wrong says one
        ("a node can run only one copy", "wrong"),
        ("a node can run two listeners", None),  # a count of something else
        ("a task can use 32 vCPU", "wrong"),  # past the Right's 16
        ("a task can use 8 vCPU", "right"),  # within 16, past the Wrong's 4
        ("a task can use 2 vCPU", None),  # within both
    ],
)
def test_what_a_claim_says_can_be_had_is_held_against_the_statements(claim, side):
    statements = {
        "wrong": stated_bounds("A node can run only one copy, and a task tops out at 4 vCPU."),
        "right": stated_bounds("A task can use up to 16 vCPU."),
    }
    assert bound_side(stated_bounds(claim), statements) == side


def test_a_default_is_held_only_against_a_default():
    stated = {"wrong": (), "right": stated_bounds("it lasts 3 hours by default, 9 hours at most")}
    assert bound_side(stated_bounds("it defaults to 9 hours"), stated) == "wrong"
    assert bound_side(stated_bounds("it defaults to 3 hours"), stated) == "right"
