"""The trust layer: what reading a learner's claim shows (``Signals``), the shipped trust model,
and how the checker reads tag questions and "only ..., never ..." on the way."""

import json

import numpy as np
import pytest

from tutor.check.comparatives import shipped as comparatives
from tutor.check.cues import as_statement, polarity, tokens
from tutor.check.pairs import lexical_vote
from tutor.check.trust import (
    ABSTAINED_FEATURES,
    DEFAULT_PATH,
    JUDGED_FEATURES,
    load_trust_model,
    shipped,
)
from tutor.errors import TutorError
from tutor.normalise import spelling_fixes


def test_reading_a_claim_counts_spelling_fixes_but_not_restored_contractions(tutor):
    read, signals = tutor.read_claim("Fargte tasks dont need servers")
    assert read == "Fargate tasks don't need servers"
    assert signals.fixes == 1 and signals.comparative == "none"
    assert spelling_fixes("tasks dont stop", "tasks don't stop") == 0


def test_reading_a_claim_says_whether_a_comparative_was_read_or_left_as_written(tutor):
    assert tutor.read_claim("Fargate is never cheaper than EC2")[1].comparative == "read"
    # "I doubt" is no plain subject: the rewrite leaves it, and the checker knows it is unread
    assert tutor.read_claim("I doubt Fargate is cheaper than EC2")[1].comparative == "unread"
    assert comparatives().mentions("EC2 is pricier than Fargate")
    assert not comparatives().mentions("EC2 needs more care")


def test_words_the_guide_never_uses_are_counted(tutor):
    assert tutor.read_claim("Fargate zeppelins juggle marmalade")[1].unknown == 0.75
    assert tutor.read_claim("Fargate runs containers")[1].unknown == 0.0


def test_a_word_set_sees_the_negation_an_embedding_misses():
    assert tokens("Tasks can't stop") == {"task", "can", "not", "stop"}
    phrasings = (("wrong", tokens("tasks can stop")), ("right", tokens("tasks can not stop")))
    assert lexical_vote(tokens("Tasks can't stop"), phrasings, "right") == 1.0
    assert lexical_vote(tokens("Tasks can't stop"), phrasings, "wrong") == -1.0


@pytest.mark.parametrize(
    ("question", "statement"),
    [
        ("Task definitions can be revised, can't they?", "Task definitions can be revised"),
        ("Tasks don't need servers, do they?", "Tasks don't need servers"),
        ("Fargate is serverless, is it?", "Fargate is serverless"),
        ("Is Fargate serverless?", None),
    ],
)
def test_a_tag_question_puts_its_statement_forward(question, statement):
    assert as_statement(question) == statement


@pytest.mark.parametrize(
    "claim",
    [
        "ECS runs tasks only on EC2 never on Fargate",
        "Scaling only adds tasks, not removes",
        "Service scaling doesn't remove tasks, only adds them",
        "Tasks never run on Fargate, only on EC2",
    ],
)
def test_a_negation_that_only_denies_the_other_choice_does_not_turn_the_claim(claim):
    assert polarity(claim)[0] == 0


def test_the_shipped_trust_model_weighs_what_the_checker_computes():
    model = shipped()
    assert model is not None
    assert model.judged.features == JUDGED_FEATURES
    assert model.abstained.features == ABSTAINED_FEATURES
    assert 0 < model.levels["likely"] <= model.levels["sure"] < 1
    held = model.fitted["held_out"]
    assert held["ece"] <= 0.05  # the fit's own held-out figure, recorded with the model


def test_a_clearer_side_is_trusted_more():
    model = shipped()
    means = model.judged.mean.copy()
    weak, strong = means.copy(), means.copy()
    i = JUDGED_FEATURES.index("side")
    weak[i], strong[i] = 0.6, 0.99
    assert model.probability(True, strong) > model.probability(True, weak)


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        json.dumps({"format": "ecs-tutor trust model", "version": 99}),
        json.dumps({"format": "ecs-tutor trust model", "version": 1, "levels": {"sure": 0.5}}),
    ],
)
def test_a_damaged_trust_model_is_one_line(tmp_path, content):
    path = tmp_path / "trust.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TutorError) as raised:
        load_trust_model(path)
    assert str(raised.value).startswith("trust.json: not a usable trust model")
    assert "\n" not in str(raised.value)


def test_levels_out_of_order_are_refused(tmp_path):
    data = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    data["levels"] = {"sure": 0.6, "likely": 0.8}
    path = tmp_path / "trust.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(TutorError, match="likely <= sure"):
        load_trust_model(path)
    assert np.isfinite(shipped().judged.weights).all()


@pytest.mark.slow  # a refit: every fitting claim is checked by a tutor that never saw it
def test_refitting_reproduces_the_stored_trust_model(embedder, tmp_path):
    """The shipped file is what today's code fits: a change to the cues, the normaliser or the
    check model that moves the features fails here until the model is refitted (`make fit`)."""
    from tutor import Settings
    from tutor.dev.fit_trust import fit

    fit(tmp_path / "trust.json", settings=Settings(cache_dir=tmp_path / "cache"), embedder=embedder)
    mine, theirs = load_trust_model(tmp_path / "trust.json"), shipped()
    for part in ("judged", "abstained"):
        for key in ("mean", "scale", "weights"):
            np.testing.assert_allclose(
                getattr(getattr(mine, part), key), getattr(getattr(theirs, part), key), atol=1e-5
            )
    assert mine.levels == pytest.approx(theirs.levels, abs=1e-5)
