"""The markdown the app shows and the CLI prints (``tutor/web/render.py``), on hand-made records
and on the real tutor's: headings, pairs and steps as a learner reads them, raw text escaped."""

from datetime import UTC, datetime, timedelta

import pytest

from tutor import Answer, Hit, Verdict
from tutor.commands.shared import print_markdown
from tutor.explore import Exploration, Link, Neighbour, Relation
from tutor.study.progress import Mastery, Review, Suggestion
from tutor.study.quiz import Card
from tutor.web import render

HOSTILE = "<b>EC2</b> is *always* [cheaper](http://evil.example)"
SHOWN = r"&lt;b&gt;EC2&lt;/b&gt; is \*always\* \[cheaper\](http\://evil.example)"


def _verdict(**fields) -> Verdict:
    base = {
        "claim": HOSTILE,
        "verdict": "misconception",
        "confidence": 0.987,
        "title": "EC2",
        "section": "Key Concepts > ECS Modes",
        "wrong": "EC2 is always cheaper than Fargate.",
        "right": "EC2 can be cost-effective for steady workloads.",
        "explanation": "That is a known misconception, from **EC2**. A < B.",
    }
    return Verdict(**{**base, **fields})


def test_a_verdict_has_its_heading_and_the_claim_quoted_and_escaped():
    assert render.verdict(_verdict()) == f"### 🔴 Misconception\n\n> {SHOWN}"


def test_a_verdicts_pair_names_the_item_and_both_statements():
    assert render.verdict_pair(_verdict()) == (
        "**EC2** (Key Concepts &gt; ECS Modes)\n\n"
        "❌ **Wrong:** EC2 is always cheaper than Fargate.\n\n"
        "✅ **Right:** EC2 can be cost-effective for steady workloads."
    )


def test_a_likely_verdict_says_so_under_its_heading():
    shown = render.verdict(_verdict(certainty="likely"))
    assert shown == f"### 🔴 Misconception\n\n> {SHOWN}\n\n{render.CERTAINTY_NOTES['likely']}"


def test_an_unsure_verdict_is_no_verdict_but_an_unsure_not_covered_stays_one():
    assert render.verdict(_verdict(certainty="unsure")) == f"### {render.CANT_TELL}\n\n> {SHOWN}"
    silent = _verdict(verdict="not_covered", certainty="unsure", title=None)
    assert render.verdict(silent).startswith("### ⚪ Not covered by the guide\n\n> ")
    # No pair is shown below it, so the note does not point at statements.
    assert render.verdict(silent).endswith(render.UNPAIRED_NOTES["unsure"])
    assert "statements" not in " ".join(render.UNPAIRED_NOTES.values())
    likely = render.verdict(_verdict(verdict="not_covered", certainty="likely", title=None))
    assert likely.endswith(render.UNPAIRED_NOTES["likely"])


def test_a_question_is_no_verdict_and_shows_no_confidence_or_pair():
    asked = _verdict(
        verdict="not_covered", certainty="unsure", confidence=0.0, title=None, question=True
    )
    assert render.verdict(asked) == f"### {render.NOT_A_CLAIM}\n\n> {SHOWN}"
    assert render.verdict_pair(asked) == ""
    page = render.verdict_document(asked)
    assert "Confidence" not in page and render.NO_PAIR not in page
    assert page.endswith("A &lt; B.")  # the explanation says why


def test_a_verdict_without_an_item_says_there_is_nothing_to_compare():
    found = _verdict(verdict="not_covered", title=None, section=None, wrong=None, right=None)
    assert render.verdict(found).startswith("### ⚪ Not covered by the guide\n\n> ")
    assert render.verdict_pair(found) == render.NO_PAIR


def test_the_whole_verdict_keeps_the_tutors_markdown_and_shows_the_confidence():
    page = render.verdict_document(_verdict())
    assert page.split("\n\n")[2] == "*Confidence 0.99 (sure)*"
    assert page.endswith("That is a known misconception, from **EC2**. A &lt; B.")


def test_an_answers_sources_are_numbered_with_their_scores():
    hits = (
        Hit("item:Fargate", "Fargate", "Key Concepts", "concept", 0.7412),
        Hit("item:x", "<i>x</i>", "A > B", "concept", 0.5),
    )
    answer = Answer("q", "**Fargate**: serverless.", hits)
    assert render.sources(answer) == (
        "1. **Fargate** — Key Concepts — 0.74\n2. **&lt;i&gt;x&lt;/i&gt;** — A &gt; B — 0.50"
    )
    assert render.answer_document(answer).startswith("**Fargate**: serverless.\n\n#### Sources\n")
    assert render.sources(Answer("q", "Not covered.", ())) == "No sources."


def test_an_exploration_lists_neighbours_misconceptions_and_scenarios(tutor):
    found = tutor.explore("Fargate")
    page = render.exploration(found)
    assert page.startswith("## Fargate\n*item in AWS ECS &gt; Key Concepts &gt; ECS Modes*\n")
    assert "- **part of:** ECS Modes (section)" in page
    wrong, right = found.misconceptions[0]
    assert f"- ❌ **Wrong:** {wrong}  \n  ✅ **Right:** {right}" in page
    assert "\n### Scenarios\n- " in page


def test_a_guides_words_in_an_exploration_make_no_markup():
    found = Exploration(
        node="item:x",
        title="# Title",
        type="item",
        section="",
        text=HOSTILE,
        neighbours={"related_to": (Neighbour("item:y", "![img](http://h/x.png)", "item"),)},
        matched_by_meaning=True,
    )
    page = render.exploration(found)
    assert page.startswith("## \\# Title\n*item in the guide* — *the closest concept by meaning*")
    assert f"\n{SHOWN}\n" in page
    assert r"- **related to:** \!\[img\](http\://h/x.png) (item)" in page


def test_a_path_is_told_as_numbered_steps():
    fargate, role = Neighbour("a", "Fargate", "item"), Neighbour("b", "Task Role", "item")
    path = Relation(fargate, role, (Link(fargate, "related_to", role),))
    assert render.relation(path) == (
        "## How Fargate and Task Role relate\n\n1. Fargate — *related to* → **Task Role** (item)"
    )
    same = Relation(fargate, fargate, ())
    assert render.relation(same).endswith("\n\n*They are the same concept.*")


def _card(options: tuple[str, ...]) -> Card:
    return Card(
        id="c", kind="k", prompt="Pick <one>", answer="A", options=options,
        item="Clusters", section="Key Concepts", node="item:Clusters", right="r",
    )  # fmt: skip


def test_a_card_with_options_numbers_them_and_a_drill_asks_true_or_false():
    # A question is headed by its section only: its item is often the service it asks for.
    assert render.card(_card(("A", "B", "C"))) == (
        "*Key Concepts*\n\nPick &lt;one&gt;\n\n1. A\n2. B\n3. C\n\n"
        "*Answer with an option's number, letter or name.*"
    )
    drill = render.card(_card(("True", "False")))
    assert drill.startswith("**Clusters** · *Key Concepts*\n\n")
    assert drill.endswith("\n\n*True or False? Or say what is true in a sentence.*")


def test_a_rounds_counts_read_in_words():
    assert render.round_counts(3, 12, 5) == "*3 due · 12 new · 5 done today*"


@pytest.mark.parametrize(
    ("correct", "heading"), [(True, "✅ Correct"), (False, "❌ Not quite"), (None, "⚪ Not graded")]
)
def test_feedback_has_the_grade_the_answer_on_one_line_and_the_feedback(correct, heading):
    done = Review("c", correct is not None, correct, None, "The guide says **so**.")
    assert render.review(done, "  <b>true</b>\n  indeed ") == (
        f"### {heading}\n\n> &lt;b&gt;true&lt;/b&gt; indeed\n\nThe guide says **so**."
    )


NOW = datetime(2026, 11, 25, 10, 38, tzinfo=UTC)


@pytest.mark.parametrize(
    ("later", "said"),
    [
        (timedelta(minutes=10), "2026-11-25 10:48 UTC (in 10 minutes)"),
        (timedelta(minutes=1), "2026-11-25 10:39 UTC (in 1 minute)"),
        (timedelta(hours=5), "2026-11-25 15:38 UTC (in 5 hours)"),
        (timedelta(days=3), "2026-11-28 10:38 UTC (in 3 days)"),
        (timedelta(minutes=-5), "2026-11-25 10:33 UTC (in 0 minutes)"),
    ],
)
def test_when_gives_the_moment_and_how_far_off_it_is(later, said):
    assert render.when(NOW + later, NOW) == said


def test_mastery_rows_and_what_to_study_next():
    rows = (
        Mastery("Clusters", "Key Concepts", "item:Clusters", 4, 2, 3, 2, 0.834),
        Mastery("Tasks", "Key Concepts", "item:Tasks", 2, 0, 0, 0, None),
    )
    assert render.mastery_rows(rows) == [
        ["Clusters", "Key Concepts", "83%", "2/4", 3, 2],
        ["Tasks", "Key Concepts", "—", "0/2", 0, 0],
    ]
    assert render.mastery_rows(rows[:1], sections=True) == [["Clusters", "83%", "2/4", 3, 2]]
    next_up = (Suggestion("Tasks", "Key Concepts", "item:Tasks", ("Clusters",), 1.0),)
    assert render.study_next(next_up) == (
        "### Study next\n\n- **Tasks** (Key Concepts) — next to Clusters"
    )
    assert render.study_next(()) == "### Study next\n\n*Everything is mastered.*"


def test_the_terminal_shows_the_markdown_styled_not_raw(capsys):
    print_markdown(render.verdict_document(_verdict()))
    out = capsys.readouterr().out
    assert "**" not in out and "###" not in out and "&lt;" not in out and "\\" not in out
    lines = out.splitlines()
    assert lines[0] == "🔴 Misconception"
    assert "<b>EC2</b> is *always* [cheaper](http://evil.example)" in out  # as it was typed
    assert "❌ Wrong: EC2 is always cheaper than Fargate." in lines
    assert all(line == line.rstrip() for line in lines)
