"""The fitted check model: stored as versioned JSON, reproducible from the training claims, its
threshold a point of its held-out risk-coverage curve, and a bad file a clear error."""

import json

import numpy as np
import pytest

from tutor import Settings, TutorError
from tutor.check import model as sidemodel_module
from tutor.check.claims import ClaimChecker
from tutor.check.model import (
    COVER_FEATURES,
    DEFAULT_MODEL_PATH,
    FORMAT,
    SIDE_FEATURES,
    SIDE_MODES,
    Logistic,
    load_model,
    save_model,
    shipped_model,
)
from tutor.check.nli import nli_side
from tutor.dev.fit import fit_check_model, read_training_claims, risk_coverage


@pytest.fixture(scope="module")
def stored():
    return load_model(DEFAULT_MODEL_PATH)


@pytest.fixture(scope="module")
def refit(embedder, tmp_path_factory):
    """The fit `ecs-tutor dev fit` makes, from scratch: five held-out tutors read the claims."""
    settings = Settings(cache_dir=tmp_path_factory.mktemp("fit-cache"))
    claims = read_training_claims(settings, settings.examples_paths(), folds=5, embedder=embedder)
    return fit_check_model(claims)


def test_the_shipped_model_weighs_the_checkers_features(stored):
    assert stored.cover.features == COVER_FEATURES
    assert stored.side.features == SIDE_FEATURES
    assert stored.cover.weights.shape == (len(COVER_FEATURES),)
    assert stored.side.weights.shape == (len(SIDE_FEATURES),)
    assert set(stored.threshold) == set(SIDE_MODES)
    assert all(0.0 < t < 1.0 for t in stored.threshold.values())
    assert stored.side_mode in SIDE_MODES
    labelled = [p.read_text(encoding="utf-8").split("\n") for p in Settings().examples_paths()]
    rows = sum(1 for lines in labelled for line in lines if line.strip())
    assert stored.fitted["claims"] == rows and stored.fitted["folds"] == 5


@pytest.mark.slow  # a refit
def test_refitting_from_the_training_claims_reproduces_the_stored_model(stored, refit):
    for part in ("cover", "side"):
        mine, theirs = getattr(refit.model, part), getattr(stored, part)
        for key in ("mean", "scale", "weights"):
            np.testing.assert_allclose(getattr(mine, key), getattr(theirs, key), atol=1e-5)
        assert mine.bias == pytest.approx(theirs.bias, abs=1e-5)
    assert refit.model.threshold == pytest.approx(stored.threshold, abs=1e-5)
    assert refit.model.side_mode == stored.side_mode
    # The held-out report is rounded to six places; a threshold a hair from a rounding boundary
    # may print one unit apart on another machine's floating point.
    mine, theirs = refit.model.fitted["held_out"], stored.fitted["held_out"]
    assert mine.keys() == theirs.keys()
    for mode in mine:
        assert mine[mode] == pytest.approx(theirs[mode], abs=2e-6), mode


@pytest.mark.slow  # a refit
def test_the_chosen_threshold_is_the_most_cautious_within_one_standard_error_of_the_best(refit):
    claims = refit.model.fitted["claims"]
    for mode, curve in refit.curves.items():
        best = curve.accuracy.max()
        bound = best - np.sqrt(best * (1 - best) / claims)
        assert curve.threshold in curve.thresholds, mode
        assert curve.accuracy[curve.chosen] >= bound - 1e-12, mode
        assert np.all(curve.accuracy[curve.chosen + 1 :] < bound), mode
        assert np.all(np.diff(curve.coverage) <= 0), mode  # a higher threshold judges fewer
        assert refit.model.threshold[mode] == curve.threshold


@pytest.mark.slow  # a refit
def test_the_side_model_decides_only_if_it_does_at_least_as_well_held_out(refit):
    held_out = refit.model.fitted["held_out"]
    better = held_out["model"]["accuracy"] >= held_out["rules"]["accuracy"]
    assert refit.model.side_mode == ("model" if better else "rules")


def test_risk_coverage_counts_abstaining_on_an_uncovered_claim_as_right():
    p_cover = np.array([0.9, 0.8, 0.3, 0.2])
    covered = np.array([True, True, False, True])
    judged_right = np.array([True, False, False, True])
    curve = risk_coverage("rules", p_cover, judged_right, covered)
    assert curve.thresholds.tolist() == pytest.approx([0.0, 0.25, 0.55, 0.85, 1.0])
    assert curve.coverage.tolist() == [1.0, 0.75, 0.5, 0.25, 0.0]
    # Judging all gets the two judged_right claims; from 0.25 up the uncovered third claim is
    # rightly not judged, but each covered claim left out is a miss.
    assert curve.accuracy.tolist() == [0.5, 0.25, 0.5, 0.5, 0.25]
    assert curve.risk.tolist() == pytest.approx([0.5, 2 / 3, 0.5, 0.0, 0.0])
    # With four claims the noise (one standard error, 0.25) spans every point: the most cautious
    # threshold, judging nothing, is as good as any the sample can tell apart.
    assert curve.threshold == 1.0


def test_the_threshold_rule_keeps_a_clearly_better_point():
    # 100 claims: 80 covered and judged right when judged, 20 uncovered; P(cover) separates them.
    p_cover = np.concatenate([np.linspace(0.6, 0.99, 80), np.linspace(0.01, 0.4, 20)])
    covered = np.arange(100) < 80
    curve = risk_coverage("rules", p_cover, covered.copy(), covered)
    assert curve.accuracy[curve.chosen] == 1.0 and curve.threshold == pytest.approx(0.5, abs=0.11)


def test_a_saved_model_loads_back_equal(stored, tmp_path):
    path = tmp_path / "side.json"
    save_model(stored, path)
    again = load_model(path)
    assert again.to_dict() == stored.to_dict()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no check model there"),
        ("{not json", "not a check model"),
        ('{"format": "something else"}', "not a check model"),
        (json.dumps({"format": FORMAT, "version": 99}), "version 99"),
        (json.dumps({"format": FORMAT, "version": 1, "cover": {}}), "damaged check model"),
    ],
)
def test_a_missing_or_damaged_model_file_is_a_clear_error(tmp_path, content, message):
    path = tmp_path / "side.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(TutorError, match=message):
        load_model(path)


def test_a_model_for_other_features_is_refused(stored, tmp_path):
    data = stored.to_dict()
    data["side"]["features"] = data["side"]["features"][:-1]
    path = tmp_path / "side.json"
    path.write_text(json.dumps(data))
    with pytest.raises(TutorError, match="damaged check model"):
        load_model(path)


def test_without_a_shipped_model_file_the_checker_falls_back_to_its_floors(
    tutor, tmp_path, monkeypatch
):
    monkeypatch.setattr(sidemodel_module, "DEFAULT_MODEL_PATH", tmp_path / "absent.json")
    shipped_model.cache_clear()
    try:
        checker = ClaimChecker(tutor.retriever, guide_services=tutor.guide.services)
        assert checker.model is None and checker.side_mode == "rules"
        result = checker.check("Only a single app fits in one ECS cluster")
        assert (result.verdict, result.title) == ("misconception", "Clusters")
        assert checker.check("Python dictionaries keep insertion order").verdict == "not_covered"
    finally:
        shipped_model.cache_clear()


def test_a_damaged_shipped_model_fails_the_check_clearly_but_not_the_reading(
    tutor, tmp_path, monkeypatch
):
    broken = tmp_path / "side.json"
    broken.write_text("{")
    monkeypatch.setattr(sidemodel_module, "DEFAULT_MODEL_PATH", broken)
    shipped_model.cache_clear()
    try:
        checker = ClaimChecker(tutor.retriever)
        assert checker.read("Only a single app fits in one ECS cluster") is not None  # fit works
        with pytest.raises(TutorError, match="not a check model"):
            checker.check("Only a single app fits in one ECS cluster")
    finally:
        shipped_model.cache_clear()


def test_side_model_mode_needs_a_model(tutor):
    with pytest.raises(TutorError, match="needs a fitted check model"):
        ClaimChecker(tutor.retriever, model=None, side="model").check("ECS runs containers")
    with pytest.raises(TutorError, match="side: expected"):
        ClaimChecker(tutor.retriever, side="coin")


def test_logistic_probability_is_the_sigmoid_of_the_standardised_score():
    model = Logistic(("a", "b"), np.array([1.0, 0.0]), np.array([2.0, 1.0]), np.ones(2), -0.5)
    # (3 - 1) / 2 + 0.5 - 0.5 = 1
    assert model.probability(np.array([3.0, 0.5])) == pytest.approx(1 / (1 + np.exp(-1.0)))


def test_both_side_modes_judge_a_plain_minimal_pair(tutor, stored):
    for side in SIDE_MODES:
        checker = ClaimChecker(tutor.retriever, model=stored, side=side)
        assert checker.check("Only a single app fits in one ECS cluster").verdict == (
            "misconception"
        )
        assert checker.check("One cluster can hold many different applications").verdict == (
            "correct"
        )


class FakeNli:
    """A stand-in NLI scorer that always has the claim entail one side and contradict the other.
    (Unit test of the wiring only: no real NLI model is installed or was ever tried.)"""

    def __init__(self, leaning: str):
        self.leaning, self.calls = leaning, []

    def __call__(self, pairs):
        self.calls.append(pairs)
        entails = {"wrong": (0.9, 0.05), "right": (0.05, 0.9)}[self.leaning]
        return np.array([entails, entails[::-1]])


def test_wiring_only_a_clear_nli_vote_overrules_the_side(tutor, stored):
    claim = "Only a single app fits in one ECS cluster"
    for leaning, verdict in (("right", "correct"), ("wrong", "misconception")):
        nli = FakeNli(leaning)
        checker = ClaimChecker(tutor.retriever, model=stored, nli=nli)
        result = checker.check(claim)
        assert result.verdict == verdict
        ((premise, wrong), (_, right)) = nli.calls[0]
        assert (premise, wrong, right) == (claim, result.wrong, result.right)


def test_wiring_only_an_unclear_nli_vote_is_ignored():
    def unsure(pairs):
        return np.array([[0.4, 0.3], [0.35, 0.3]])

    assert nli_side(unsure, "claim", "wrong", "right") is None


def test_an_nli_model_path_that_is_not_there_is_a_clear_error(tmp_path):
    from tutor import ModelNotFound
    from tutor.check.nli import CrossEncoderNli

    with pytest.raises(ModelNotFound, match="no NLI model directory"):
        CrossEncoderNli(tmp_path / "missing")


def test_the_side_setting_reaches_the_checker(embedder, cache_dir, monkeypatch):
    from tutor import Tutor
    from tutor.config import settings_from_env

    monkeypatch.setenv("ECS_TUTOR_SIDE", "rules")
    assert settings_from_env().side == "rules"
    tutor = Tutor.open(Settings(cache_dir=cache_dir, side="rules"), embedder=embedder)
    assert tutor.checker.side_mode == "rules"
    assert Tutor.open(Settings(cache_dir=cache_dir), embedder=embedder).checker.nli is None
    with pytest.raises(TutorError, match="side: expected one of"):
        Tutor.open(Settings(cache_dir=cache_dir, side="coin"), embedder=embedder)
