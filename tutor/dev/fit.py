"""Fit the check model (``check.model``) on the labelled training claims, whole items held out.

1. Features. Each training claim is read (``ClaimChecker.read``) by a tutor fitted without the
   labelled claims of its item's fold (``evaluate.HeldOutSystem``): the tutor indexes those claims
   as phrasings of their pairs, so otherwise a claim would find itself and its twins.
2. Held-out probabilities. For each fold, the cover and side regressions are fitted on the other
   folds' claims and applied to this fold's.
3. Threshold. For each way of deciding the side (the rules, or the side model), a risk-coverage
   curve over the held-out probability of cover: at each threshold, the share of claims judged
   (coverage), the share of judged claims given a wrong verdict (risk), and the 3-way accuracy
   when the rest are answered ``not_covered``. ``THRESHOLD_RULE`` chooses on it.
4. Side mode. The side model decides by default only if its held-out 3-way accuracy is at least
   the rules'.
5. The regressions are refitted on all claims and saved with the thresholds as JSON.

scikit-learn (fitting) and matplotlib (the figure) are needed here only, never when checking.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from tutor.check.claims import MISCONCEPTION, NOT_COVERED
from tutor.check.model import COVER_FEATURES, SIDE_FEATURES, SIDE_MODES, CheckModel, Logistic
from tutor.config import Settings
from tutor.core import clean_input
from tutor.dev.evaluate import HeldOutSystem, load_jsonl
from tutor.errors import TutorError

C = 1.0  # inverse L2 strength on standardised features: sklearn's default, not tuned
THRESHOLD_RULE = (
    "the highest threshold whose held-out 3-way accuracy is within one standard error of the best"
)


@dataclass(frozen=True)
class TrainingClaims:
    """The training claims as the checker reads them, each by the fold that never saw its item."""

    rows: list[dict]
    cover: np.ndarray  # one row of COVER_FEATURES per claim
    side: np.ndarray  # one row of SIDE_FEATURES per claim
    rule_wrong: np.ndarray  # the rules' side is Wrong
    fold: np.ndarray

    @property
    def covered(self) -> np.ndarray:
        return np.array([row["verdict"] != NOT_COVERED for row in self.rows])

    @property
    def wrong(self) -> np.ndarray:
        return np.array([row["verdict"] == MISCONCEPTION for row in self.rows])


@dataclass(frozen=True)
class Curve:
    """A risk-coverage curve: one point per candidate threshold on the probability of cover."""

    mode: str
    thresholds: np.ndarray
    coverage: np.ndarray
    risk: np.ndarray
    accuracy: np.ndarray
    chosen: int

    @property
    def threshold(self) -> float:
        return float(self.thresholds[self.chosen])

    def summary(self) -> dict:
        i = self.chosen
        return {
            "threshold": round(self.threshold, 6),
            "accuracy": round(float(self.accuracy[i]), 4),
            "coverage": round(float(self.coverage[i]), 4),
            "risk": round(float(self.risk[i]), 4),
        }


@dataclass(frozen=True)
class Fit:
    model: CheckModel
    curves: dict[str, Curve]
    side_accuracy: dict[str, float]  # held-out, on the covered claims: is the side right?
    uncovered_judged: dict[str, int]  # held-out not_covered claims judged at the threshold


def read_training_claims(
    settings: Settings, examples: Sequence[Path], *, folds: int = 5, embedder=None
) -> TrainingClaims:
    """Every claim of the ``examples`` files read by the held-out tutor of its fold."""
    rows = [row for path in examples for row in load_jsonl(path)]
    held_out = HeldOutSystem(settings, examples, folds=folds, embedder=embedder)
    held_out.route(rows)
    cover, side, rule_wrong, fold = [], [], [], []
    for row in rows:
        tutor = held_out.tutor_for(row["claim"])
        read, _ = tutor.read_claim(clean_input(row["claim"], what="claim"))  # as check reads it
        reading = tutor.checker.read(read)
        if reading is None:
            raise TutorError("the guides have no misconception pairs to fit against")
        cover.append(reading.cover)
        side.append(reading.side)
        rule_wrong.append(reading.rule_side == "wrong")
        fold.append(held_out.fold_for(row["claim"]))
    arrays = (np.array(values) for values in (cover, side, rule_wrong, fold))
    return TrainingClaims(rows, *arrays)


def fit_logistic(x: np.ndarray, y: np.ndarray, features: tuple[str, ...]) -> Logistic:
    """An L2 logistic regression on standardised features (lbfgs: deterministic)."""
    from sklearn.linear_model import LogisticRegression

    # A feature not measured for some claims (NaN) is filled with its mean over the others, as
    # ``Logistic.probability`` does when checking; never measured, it is constant (weight 0).
    missing = np.isnan(x)
    if missing.any():
        counts = (~missing).sum(axis=0)
        sums = np.where(missing, 0.0, x).sum(axis=0)
        x = np.where(missing, np.divide(sums, counts, out=np.zeros(len(sums)), where=counts > 0), x)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0  # a constant feature: leave it unscaled (its weight goes to 0)
    fitted = LogisticRegression(C=C, solver="lbfgs", max_iter=1000)
    fitted.fit((x - mean) / scale, y.astype(int))
    return Logistic(features, mean, scale, fitted.coef_[0].copy(), float(fitted.intercept_[0]))


def risk_coverage(
    mode: str, p_cover: np.ndarray, judged_right: np.ndarray, covered: np.ndarray
) -> Curve:
    """The curve as the threshold on ``p_cover`` moves, and the point ``THRESHOLD_RULE`` picks.

    ``judged_right``: the claim would get the right verdict if judged; ``covered``: its right
    verdict is not ``not_covered`` (so abstaining is right exactly when it is False). Candidate
    thresholds lie halfway between neighbouring probabilities, plus 0 (judge all) and 1.
    """
    values = np.unique(p_cover)
    thresholds = np.concatenate([[0.0], (values[:-1] + values[1:]) / 2, [1.0]])
    coverage, risk, accuracies = [], [], []
    for t in thresholds:
        judged = p_cover >= t
        right = judged_right[judged].sum() + (~covered[~judged]).sum()
        coverage.append(judged.mean())
        risk.append(1.0 - judged_right[judged].mean() if judged.any() else 0.0)
        accuracies.append(right / len(p_cover))
    accuracy = np.array(accuracies)
    # The one-standard-error rule: among thresholds as accurate as the best within the noise of
    # a sample this size, the most cautious one (a verdict on a claim the guide does not cover is
    # the worse mistake; abstaining on a covered one only costs the learner a rephrasing).
    best = accuracy.max()
    margin = np.sqrt(best * (1 - best) / len(p_cover))
    chosen = int(np.flatnonzero(accuracy >= best - margin - 1e-12).max())
    return Curve(mode, thresholds, np.array(coverage), np.array(risk), accuracy, chosen)


def fit_check_model(claims: TrainingClaims) -> Fit:
    """Held-out curves, thresholds and side mode, then both regressions refitted on all claims."""
    covered, wrong = claims.covered, claims.wrong
    p_cover = np.zeros(len(claims.rows))
    p_wrong = np.zeros(len(claims.rows))
    for fold in np.unique(claims.fold):
        test, train = claims.fold == fold, claims.fold != fold
        cover = fit_logistic(claims.cover[train], covered[train], COVER_FEATURES)
        side = fit_logistic(claims.side[train & covered], wrong[train & covered], SIDE_FEATURES)
        for i in np.flatnonzero(test):
            p_cover[i] = cover.probability(claims.cover[i])
            p_wrong[i] = side.probability(claims.side[i])
    says_wrong = {"rules": claims.rule_wrong, "model": p_wrong >= 0.5}
    curves, side_accuracy, uncovered_judged = {}, {}, {}
    for mode in SIDE_MODES:
        judged_right = covered & (says_wrong[mode] == wrong)
        curves[mode] = curve = risk_coverage(mode, p_cover, judged_right, covered)
        side_accuracy[mode] = float((says_wrong[mode] == wrong)[covered].mean())
        uncovered_judged[mode] = int((~covered & (p_cover >= curve.threshold)).sum())
    best = curves["model"].accuracy[curves["model"].chosen]
    side_mode = "model" if best >= curves["rules"].accuracy[curves["rules"].chosen] else "rules"
    model = CheckModel(
        cover=fit_logistic(claims.cover, covered, COVER_FEATURES),
        side=fit_logistic(claims.side[covered], wrong[covered], SIDE_FEATURES),
        threshold={mode: curve.threshold for mode, curve in curves.items()},
        side_mode=side_mode,
        fitted={
            "claims": len(claims.rows),
            "folds": int(len(np.unique(claims.fold))),
            "C": C,
            "threshold_rule": THRESHOLD_RULE,
            "held_out": {
                mode: {
                    **curves[mode].summary(),
                    "side_accuracy": round(side_accuracy[mode], 4),
                    "not_covered_judged": uncovered_judged[mode],
                }
                for mode in SIDE_MODES
            },
        },
    )
    return Fit(model, curves, side_accuracy, uncovered_judged)


def fit_from_settings(settings: Settings, *, folds: int = 5, embedder=None) -> Fit:
    """Read the settings' labelled claims with items held out and fit on them."""
    examples = settings.examples_paths()
    if not examples:
        raise TutorError("no labelled claims to fit on (set --examples FILE)")
    claims = read_training_claims(settings, examples, folds=folds, embedder=embedder)
    fit = fit_check_model(claims)
    named = [f"{path.parent.name}/{path.name}" for path in examples]
    fitted = {"examples": named, "embedding_model": settings.model, **fit.model.fitted}
    return replace(fit, model=replace(fit.model, fitted=fitted))


def plot_curves(fit: Fit, path: Path) -> bool:
    """Draw the held-out risk-coverage curves and the accuracy by threshold to ``path``; False
    if matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    for mode, curve in fit.curves.items():
        label = "side by rules" if mode == "rules" else "side by model"
        line = left.plot(curve.coverage, curve.risk, label=label)[0]
        i = curve.chosen
        left.plot(curve.coverage[i], curve.risk[i], "o", color=line.get_color())
        right.plot(curve.thresholds, curve.accuracy, label=label, color=line.get_color())
        right.axvline(curve.threshold, linestyle=":", color=line.get_color())
    left.set(xlabel="coverage (share of claims judged)", ylabel="risk (wrong verdicts / judged)")
    left.set_title("Risk-coverage, held-out training claims")
    right.set(xlabel="threshold on P(covered)", ylabel="3-way accuracy")
    right.set_title("Accuracy by threshold (dotted: chosen)")
    for axes in (left, right):
        axes.grid(alpha=0.3)
        axes.legend()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


def format_fit(fit: Fit) -> str:
    """The held-out figures of a fit, the rules beside the side model, as a plain-text table."""
    held_out = fit.model.fitted["held_out"]
    lines = [
        f"held out: {fit.model.fitted['claims']} training claims, "
        f"{fit.model.fitted['folds']} folds of whole items",
        f"{'':34}{'rules':>10}{'model':>10}",
    ]
    for label, key in (
        ("3-way accuracy", "accuracy"),
        ("side accuracy (covered claims)", "side_accuracy"),
        ("threshold on P(covered)", "threshold"),
        ("coverage (share judged)", "coverage"),
        ("risk (wrong / judged)", "risk"),
        ("not_covered claims judged", "not_covered_judged"),
    ):
        number = "" if key == "not_covered_judged" else ".3f"
        cells = "".join(f"{held_out[m][key]:>10{number}}" for m in SIDE_MODES)
        lines.append(f"  {label:32}{cells}")
    lines.append(f"threshold rule: {THRESHOLD_RULE}")
    lines.append(f"side decided by: {fit.model.side_mode}")
    return "\n".join(lines)


def fit_main(
    fit: Callable[[Path, Path | None], dict], out: Path, doc: str, argv: list[str] | None
) -> None:
    """The command line of a ``python -m tutor.dev.fit_*`` module: ``--out PATH`` (default
    ``out``) and ``--plot PNG``; prints the held-out figures ``fit`` returns as JSON."""
    parser = argparse.ArgumentParser(prog=f"fit_{out.stem}", description=doc.splitlines()[0])
    parser.add_argument("--out", type=Path, default=out)
    parser.add_argument("--plot", type=Path)
    args = parser.parse_args(argv)
    if args.plot and importlib.util.find_spec("matplotlib") is None:  # say so before fitting
        parser.error("--plot needs matplotlib: pip install -e '.[bench]' (make fit does)")
    print(json.dumps(fit(args.out, args.plot), indent=1))
