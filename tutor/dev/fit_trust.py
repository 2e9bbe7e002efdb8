"""Fit the trust model (``tutor.check.trust``) on verdicts given to held-out claims, and choose the
levels at which a verdict is called ``sure`` or ``likely``.

1. Verdicts. Every claim of the fitting sets is checked through ``Tutor.check`` (the path a
   learner's claim takes: normalised, comparatives read, then judged), by a tutor that never saw it:
   the claims it learns from (``HELD_OUT_SETS``) by the held-out tutor of their item's fold
   (``evaluate.HeldOutSystem``: the tutor indexes training claims as phrasings, so otherwise a
   claim would find itself); the other sets (``data/dev``, ``data/learner``: never indexed) by
   the tutor as shipped. Each verdict records the numbers the trust model weighs
   (``Verdict.features``) and whether it was right.
2. Held out. Five folds by item (a not_covered claim by its group); the judged and the abstained
   regressions are fitted on four folds and predict the fifth.
3. Levels, on the held-out probabilities of judged verdicts ranked by it: ``sure`` is the lowest
   probability above which at most ``SURE_RISK`` of the verdicts are wrong; ``likely`` the lowest
   above which at least ``LIKELY_ACCURACY`` are right. Below ``likely`` the tutor says it cannot
   tell.
4. Both regressions refitted on all verdicts and saved with the levels and the held-out figures
   (``data/models/trust.json``); ``--plot`` draws the reliability diagram and the risk curve.

``python -m tutor.dev.fit_trust [--out PATH] [--plot PNG]``
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tutor.check.trust import ABSTAINED_FEATURES, JUDGED_FEATURES, LIKELY, SURE, TrustModel
from tutor.check.verdict import NOT_COVERED
from tutor.config import PROJECT_DIR, Settings
from tutor.core import Tutor
from tutor.dev.evaluate import HeldOutSystem, expected_calibration_error, load_jsonl
from tutor.dev.fit import fit_logistic, fit_main
from tutor.dev.fit_answer import FOLDS, fold_of
from tutor.files import atomic_write

SURE_RISK = 0.03  # at most this share of "sure" verdicts wrong, held out
LIKELY_ACCURACY = 0.90  # at least this share of stated ("sure" or "likely") verdicts right
MIN_SURE = 30  # "sure" must cover at least this many held-out verdicts to be measured at all
_DATA = PROJECT_DIR / "data"
# Indexed by the shipped tutor (each guide's labelled claims): checked by fold tutors instead.
HELD_OUT_SETS = ("train", "depth-train", "swap-train", "near-train")
SHIPPED_SETS = ("dev", "learner")  # checked by the shipped tutor: never indexed, never fitted on


@dataclass(frozen=True)
class Verdicts:
    """Checked claims: the set each came from, its fold, verdict features and rightness."""

    source: np.ndarray
    judged: np.ndarray  # the verdict is misconception or correct
    right: np.ndarray
    fold: np.ndarray
    features: list[tuple[float, ...]]


def _fold(row: dict) -> int:
    return fold_of(row.get("title") or row.get("group") or row["id"])


def check_all(data: Path = _DATA, settings: Settings | None = None, embedder=None) -> Verdicts:
    """Step 1: every fitting claim checked by a tutor that never saw it."""
    settings = settings or Settings()
    trains = [data / name / "claims.jsonl" for name in HELD_OUT_SETS]
    held_out = HeldOutSystem(settings, trains, folds=FOLDS, embedder=embedder)
    shipped = Tutor.open(settings, embedder=embedder)
    checked: list[tuple[str, dict, Tutor]] = []
    for train in trains:
        rows = load_jsonl(train)
        held_out.route(rows)
        checked += [(train.parent.name, row, held_out.tutor_for(row["claim"])) for row in rows]
    for name in SHIPPED_SETS:
        path = data / name / "claims.jsonl"
        if path.is_file():
            checked += [(name, row, shipped) for row in load_jsonl(path)]
    for tutor in {id(t): t for _, _, t in checked}.values():
        tutor.checker.trust = None  # the features do not depend on it; the old file may not fit
    source, judged, right, fold, features = [], [], [], [], []
    for name, row, tutor in checked:
        verdict = tutor.check(row["claim"])
        if not verdict.features:  # a question, not a claim: nothing was weighed
            continue
        source.append(name)
        judged.append(verdict.verdict != NOT_COVERED)
        right.append(verdict.verdict == row["verdict"])
        fold.append(_fold(row))
        features.append(verdict.features)
    return Verdicts(np.array(source), np.array(judged), np.array(right), np.array(fold), features)


def held_out_probabilities(verdicts: Verdicts) -> np.ndarray:
    """Step 2: each verdict's probability of being right, from regressions fitted on the other
    folds (the judged and the abstained regression each on its own verdicts)."""
    p = np.zeros(len(verdicts.right))
    for judged, names in ((True, JUDGED_FEATURES), (False, ABSTAINED_FEATURES)):
        rows = np.flatnonzero(verdicts.judged == judged)
        x = np.array([verdicts.features[i] for i in rows])
        y, fold = verdicts.right[rows], verdicts.fold[rows]
        for k in range(FOLDS):
            test = fold == k
            model = fit_logistic(x[~test], y[~test], names)
            p[rows[test]] = [model.probability(row) for row in x[test]]
    return p


def choose_levels(p: np.ndarray, right: np.ndarray) -> dict[str, float]:
    """Step 3, on judged verdicts: the lowest probability above which the verdicts meet each
    level's bar (ranked by probability, best first)."""
    order = np.argsort(-p)
    wrong_so_far = np.cumsum(~right[order])
    counted = np.arange(1, len(order) + 1)
    risk = wrong_so_far / counted

    def lowest(meets: np.ndarray, floor: int = 1) -> float:
        ok = np.flatnonzero(meets & (counted >= floor))
        return float(p[order][ok.max()]) if ok.size else 1.0

    sure = lowest(risk <= SURE_RISK, MIN_SURE)
    likely = min(sure, lowest(1 - risk >= LIKELY_ACCURACY))
    return {SURE: sure, LIKELY: likely}


def figures(verdicts: Verdicts, p: np.ndarray, levels: dict[str, float]) -> dict:
    """Held-out figures: calibration overall and by set, and what each level says."""
    out: dict = {
        "verdicts": int(len(p)),
        "ece": round(expected_calibration_error(p, verdicts.right), 4),
        "ece_judged": round(
            expected_calibration_error(p[verdicts.judged], verdicts.right[verdicts.judged]), 4
        ),
        "by_set": {},
    }
    for name in np.unique(verdicts.source):
        mine = verdicts.source == name
        out["by_set"][str(name)] = {
            "verdicts": int(mine.sum()),
            "ece": round(expected_calibration_error(p[mine], verdicts.right[mine]), 4),
        }
    judged, right = p[verdicts.judged], verdicts.right[verdicts.judged]
    sure = judged >= levels[SURE]
    likely = (judged >= levels[LIKELY]) & ~sure
    out["judged"] = {
        "verdicts": int(len(judged)),
        "sure": int(sure.sum()),
        "sure_wrong": int((sure & ~right).sum()),
        "likely": int(likely.sum()),
        "likely_wrong": int((likely & ~right).sum()),
        "unsure": int((~sure & ~likely).sum()),
        "unsure_wrong": int((~sure & ~likely & ~right).sum()),
    }
    return out


def fit(
    out: Path, plot: Path | None = None, data: Path = _DATA, settings=None, embedder=None
) -> dict:
    verdicts = check_all(data, settings, embedder)
    p = held_out_probabilities(verdicts)
    levels = choose_levels(p[verdicts.judged], verdicts.right[verdicts.judged])
    held = figures(verdicts, p, levels)
    models = {}
    for judged, names in ((True, JUDGED_FEATURES), (False, ABSTAINED_FEATURES)):
        rows = np.flatnonzero(verdicts.judged == judged)
        x = np.array([verdicts.features[i] for i in rows])
        models[judged] = fit_logistic(x, verdicts.right[rows], names)
    fitted = {
        "sets": sorted({str(s) for s in verdicts.source}),
        "sure_risk": SURE_RISK,
        "likely_accuracy": LIKELY_ACCURACY,
        "held_out": held,
    }
    model = TrustModel(models[True], models[False], levels, fitted)
    atomic_write(out, json.dumps(model.to_dict(), indent=1) + "\n")
    if plot:
        _plot(p, verdicts, levels, held, plot)
    return {"levels": levels, **held}


def _plot(p: np.ndarray, verdicts: Verdicts, levels: dict, held: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (reliability, curve) = plt.subplots(1, 2, figsize=(10, 4))
    reliability.plot([0, 1], [0, 1], color="grey", linestyle="--")
    for label, mask in (("all verdicts", np.ones(len(p), bool)), ("judged", verdicts.judged)):
        q, y = p[mask], verdicts.right[mask]
        bins = np.minimum((q * 10).astype(int), 9)
        shown = [b for b in range(10) if (bins == b).any()]
        reliability.plot(
            [q[bins == b].mean() for b in shown],
            [y[bins == b].mean() for b in shown],
            marker="o",
            label=label,
        )
    reliability.set(
        xlabel="confidence (held out)",
        ylabel="share of verdicts right",
        title=f"Reliability of check's confidence (ECE {held['ece']:.3f})",
    )
    reliability.legend(fontsize=8)
    judged, right = p[verdicts.judged], verdicts.right[verdicts.judged]
    order = np.argsort(-judged)
    counted = np.arange(1, len(order) + 1)
    curve.plot(counted / len(order), np.cumsum(~right[order]) / counted)
    for name, style in ((SURE, ":"), (LIKELY, "--")):
        share = (judged >= levels[name]).mean()
        curve.axvline(
            share, color="grey", linestyle=style, label=f"{name} (p ≥ {levels[name]:.2f})"
        )
    curve.set(
        xlabel="share of judged verdicts stated (most confident first)",
        ylabel="share of those wrong",
        title="Held-out risk-coverage of judged verdicts",
    )
    curve.legend(fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main(argv: list[str] | None = None) -> None:
    fit_main(fit, _DATA / "models/trust.json", __doc__ or "", argv)


if __name__ == "__main__":
    main()
