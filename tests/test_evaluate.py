"""The evaluation sets are sound, and the tutor's figures on them do not fall below the targets."""

import re
from collections import defaultdict

import pytest

from tutor.evaluate import DEFAULT_EVAL_DIR, evaluate, load_jsonl

KINDS = {"paraphrase", "negation", "double_negation", "quantifier", "near_topic", "off_topic"}
VERDICTS = {"misconception", "correct", "not_covered"}


@pytest.fixture(scope="module")
def questions():
    return load_jsonl(DEFAULT_EVAL_DIR / "questions.jsonl")


@pytest.fixture(scope="module")
def claims():
    return load_jsonl(DEFAULT_EVAL_DIR / "claims.jsonl")


@pytest.fixture(scope="module")
def report(tutor):
    return evaluate(tutor)


def _shingles(text: str, n: int = 7) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def test_questions_name_real_titles_and_cover_every_concept(questions, tutor):
    titles = set(tutor.concepts())
    assert len({q["id"] for q in questions}) == len(questions)
    assert all(q["titles"] and set(q["titles"]) <= titles for q in questions)
    assert titles == {t for q in questions for t in q["titles"]}


def test_claims_are_well_formed_and_every_pair_is_covered(claims, guide):
    owners = {pair.owner for pair in guide.pairs}
    assert len({c["id"] for c in claims}) == len(claims)
    for claim in claims:
        assert claim["kind"] in KINDS and claim["verdict"] in VERDICTS, claim
        assert (claim["title"] is None) == (claim["verdict"] == "not_covered"), claim
        assert claim["title"] is None or claim["title"] in owners, claim
    assert owners == {c["title"] for c in claims if c["title"]}


def test_claim_groups_are_minimal_pairs_with_opposite_verdicts(claims):
    """Negation words carry no label signal on their own: a group that has a verdict has both."""
    groups = defaultdict(set)
    for claim in claims:
        groups[claim["group"]].add(claim["verdict"])
    judged = [verdicts for verdicts in groups.values() if verdicts != {"not_covered"}]
    assert judged and all(verdicts == {"misconception", "correct"} for verdicts in judged)


def test_sets_are_written_in_our_own_words(questions, claims, guide):
    """No question or claim shares a run of seven words with the guide."""
    guide_shingles = _shingles(open(guide.source, encoding="utf-8").read())
    copied = [
        row.get("claim") or row.get("question")
        for row in [*questions, *claims]
        if _shingles(row.get("claim") or row.get("question")) & guide_shingles
    ]
    assert copied == []


# Floors a little under the figures measured when they were set (README, Evaluation): a change
# that loses ground fails here. They rise as the figures do; the issues' targets are above them.
ASK_RECALL_AT_3 = 0.93
CHECK_ACCURACY = 0.80
CHECK_NEGATION = 0.78
CHECK_DOUBLE_NEGATION = 0.72


def test_ask_finds_the_answering_item_in_the_top_three(report):
    assert report.recall_at_3 >= ASK_RECALL_AT_3, report.ask_misses


def test_check_accuracy_holds_overall_and_on_negations(report):
    by_kind = report.check_by_kind
    assert report.accuracy >= CHECK_ACCURACY, report.check_misses
    assert by_kind["negation"].rate >= CHECK_NEGATION, report.check_misses
    assert by_kind["double_negation"].rate >= CHECK_DOUBLE_NEGATION, report.check_misses


def test_no_off_topic_claim_gets_a_verdict(report):
    assert report.check_by_kind["off_topic"].rate == 1.0, report.check_misses
