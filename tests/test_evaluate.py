"""The evaluation sets are sound, and the tutor's figures on them do not fall below the targets."""

import re
from collections import defaultdict

import pytest

from tutor.baseline import NaiveBaseline
from tutor.evaluate import (
    DEFAULT_EVAL_DIR,
    accuracy_at_coverage,
    evaluate,
    load_jsonl,
    macro_f1,
)

KINDS = {"paraphrase", "negation", "double_negation", "quantifier", "near_topic", "off_topic"}
VERDICTS = {"misconception", "correct", "not_covered"}


FRESH_DIR = DEFAULT_EVAL_DIR.parent / "fresh"  # written after the checker's rules, never tuned on


@pytest.fixture(scope="module", params=[DEFAULT_EVAL_DIR, FRESH_DIR], ids=["eval", "fresh"])
def folder(request):
    return request.param


@pytest.fixture(scope="module")
def questions(folder):
    return load_jsonl(folder / "questions.jsonl")


@pytest.fixture(scope="module")
def claims(folder):
    return load_jsonl(folder / "claims.jsonl")


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
ASK_RECALL_AT_3 = 0.94
CHECK_ACCURACY = 0.84
CHECK_NEGATION = 0.82
CHECK_DOUBLE_NEGATION = 0.75


def test_ask_finds_the_answering_item_in_the_top_three(report):
    assert report.recall_at_3 >= ASK_RECALL_AT_3, report.ask_misses


def test_check_accuracy_holds_overall_and_on_negations(report):
    by_kind = report.check_by_kind
    assert report.accuracy >= CHECK_ACCURACY, report.check_misses
    assert by_kind["negation"].rate >= CHECK_NEGATION, report.check_misses
    assert by_kind["double_negation"].rate >= CHECK_DOUBLE_NEGATION, report.check_misses


def test_no_off_topic_claim_gets_a_verdict(report):
    assert report.check_by_kind["off_topic"].rate == 1.0, report.check_misses


# The fresh set's floors, set as above from its first measurement (data/fresh/README.md).
FRESH_ASK_RECALL_AT_3 = 0.92
FRESH_CHECK_ACCURACY = 0.87


@pytest.fixture(scope="module")
def fresh_report(tutor):
    return evaluate(tutor, FRESH_DIR)


def test_the_fresh_set_holds_its_floors(fresh_report):
    assert fresh_report.recall_at_3 >= FRESH_ASK_RECALL_AT_3, fresh_report.ask_misses
    assert fresh_report.accuracy >= FRESH_CHECK_ACCURACY, fresh_report.check_misses
    assert fresh_report.check_by_kind["off_topic"].rate == 1.0, fresh_report.check_misses


def test_macro_f1_averages_over_the_gold_verdicts():
    pairs = [("correct", "correct"), ("correct", "not_covered"), ("misconception", "misconception")]
    # correct: tp 1, fn 1 -> 2/3; misconception: tp 1 -> 1.0
    assert macro_f1(pairs) == pytest.approx((2 / 3 + 1.0) / 2)
    assert macro_f1([("not_covered", "correct")]) == 0.0


def test_accuracy_at_coverage_keeps_the_most_confident_share():
    scored = [(0.9, True), (0.8, True), (0.7, False), (0.6, True), (0.5, False)]
    curve = accuracy_at_coverage(scored)
    assert curve[0.2] == 1.0 and curve[0.4] == 1.0
    assert curve[0.6] == pytest.approx(2 / 3) and curve[1.0] == pytest.approx(3 / 5)


@pytest.fixture(scope="module")
def baseline_report(tutor):
    return evaluate(NaiveBaseline(tutor.guide, tutor.retriever.embedder))


def test_the_baseline_answers_from_chunks_of_the_raw_guide(tutor):
    baseline = NaiveBaseline(tutor.guide, tutor.retriever.embedder)
    assert "Secrets Management" in baseline.rank_titles("secrets manager parameter store", k=3)
    verdict, title, confidence = baseline.judge("Clusters can only host a single application.")
    assert (verdict, title) == ("misconception", "Clusters") and 0.5 <= confidence <= 1.0
    assert baseline.judge("The Danube flows into the Black Sea")[0] == "not_covered"


def test_the_tutor_beats_the_naive_baseline(report, baseline_report):
    assert report.recall_at_3 > baseline_report.recall_at_3
    assert report.accuracy > baseline_report.accuracy
    for kind in ("negation", "double_negation", "quantifier"):
        assert report.check_by_kind[kind].rate > baseline_report.check_by_kind[kind].rate, kind
