"""Fit ask's answerability model (``tutor.answerable``) and choose its threshold, items held out.

1. Questions. Answerable: ``data/train/questions.jsonl``, ``data/depth-train/questions.jsonl`` and
   ``data/answerability/answerable.jsonl``
   (each with the items that answer it). Both kinds: ``data/answerability/questions.jsonl``
   (written as beyond the seed guide; the rows the second guide answers carry its titles, the
   rest have titles [] and ``near`` names the item each is easiest to confuse with),
   ``data/learner/questions.jsonl`` (typed as learners type), ``data/near-train/questions.jsonl``
   (about ECS and its neighbours, outside both built-in guides) and
   ``data/ask-train/questions.jsonl`` (typed as learners type, about both guides and beyond them).
2. Features. Each question is read by a tutor that indexes none of the labelled questions or
   claims but knows the claims labelled as outside the guides (``reading_tutor``), through the
   same path ``Tutor.ask`` takes (``answer_features``); ``outside`` is measured without the
   claims of the question's own set, written with it on the same topics (``_apart``).
3. Held out. The questions are split into five folds by item (an answerable question by its first
   title, an unanswerable one by its ``near`` item, or by itself), a logistic regression is fitted
   on four folds and predicts the fifth, so every probability comes from a model that never saw
   that question's item.
4. Threshold. On the held-out probabilities, the highest threshold that still answers, with a
   right item in the top three, all but ``ANSWER_SLACK`` of the answerable questions that the
   retrieval gets right at all: declining is cheap, a wrong answer is not, but a tutor that
   declines what it knows is no tutor.
   The sure level, above which answers are given without a caution: the one with the least
   held-out cost, counting ``WRONG_COST`` for each question answered plainly but wrongly (not
   answerable, or without a right item in the top three) and 1 for each right answer given
   with the caution; of levels that cost the same, the most cautious.
5. The model is refitted on every question and saved with the held-out figures
   (``data/models/answer.json``); ``--plot`` draws the risk-coverage and reliability curves.

``python -m tutor.dev.fit_answer [--out PATH] [--plot PNG]``
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

import numpy as np

from tutor.answerable import FEATURES, AnswerModel, model_features
from tutor.check.model import Logistic
from tutor.config import PROJECT_DIR, Settings
from tutor.core import Tutor
from tutor.dev.evaluate import expected_calibration_error, load_jsonl
from tutor.dev.fit import fit_main
from tutor.files import atomic_write

ANSWER_SLACK = 0.02  # the share of retrievable answerable questions it may decline
# What a plain wrong answer costs against a right answer given with a caution. The brief: one
# confident wrong answer costs more than ten abstentions, and a caution costs less than an
# abstention. 10 (until 2026-12-08) was the least that allows; 20 counts an abstention as two
# cautions. With data/ask-train learnt from, 10 set the sure level at 0.930, and 6 of the
# earlier questions' plain answers were wrong held out; 20 sets it at 0.963, with 1
# (data/models/README.md, session 25).
# Until 2026-12-06 the sure level was the lowest at which 90 % of plain answers were right and
# 5 % of unanswerable questions were answered plainly.
WRONG_COST = 20
FOLDS = 5
# Inverse L2 strength (the measured features centred, the unit-length embedding as it is). With
# four measured features it was chosen from 0.3, 1 and 3 on the held-out figures (declined 0.53,
# 0.59, 0.61 at the same answer rate; calibration error 0.10, 0.08, 0.04). With ``outside``
# (2026-12-06, measured apart from its own set's claims), from 1, 3, 10 and 30: declined 0.668,
# 0.697, 0.676, 0.630; calibration error 0.081, 0.048, 0.019, 0.038; plain wrong answers 7, 6,
# 3, 0. 10 keeps the plain wrong answers of the model without ``outside`` (3, declining 0.662,
# error 0.039) and is the best calibrated. Standardising the embedding's dimensions overfitted.
ANSWER_C = 10.0
_DATA = PROJECT_DIR / "data"


def answer_features(tutor: Tutor, question: str) -> tuple[np.ndarray, list[str]]:
    """The features ``Tutor.ask`` computes for ``question``, and its top three titles."""
    read = tutor.normalise(question)
    hits = tutor.retriever.search(read, k=5)
    return tutor.answer_features(read, hits), [hit.title for hit in hits[:3]]


def fold_of(group: str) -> int:
    """The fold of everything held out together under ``group`` (an item's title, say)."""
    return int(hashlib.sha256(group.encode()).hexdigest(), 16) % FOLDS


def labelled(data: Path = _DATA) -> list[dict]:
    """Every labelled question with ``answerable``, the group it is held out with and the
    ``set`` (folder) it comes from."""
    rows = []
    answerable = ("train", "depth-train")  # each built-in guide's labelled questions
    for path in (
        *(data / name / "questions.jsonl" for name in answerable),
        data / "answerability/answerable.jsonl",
    ):
        rows += [
            {**r, "answerable": True, "group": r["titles"][0], "set": path.parent.name}
            for r in load_jsonl(path)
        ]
    # Both kinds in one file: the questions written as beyond the seed guide (some of which the
    # second guide now answers: those carry titles) and the questions typed as learners type.
    for name in ("answerability", "learner", "near-train", "ask-train"):
        for r in load_jsonl(data / name / "questions.jsonl"):
            group = r["titles"][0] if r["titles"] else r.get("near") or r["id"]
            rows.append({**r, "answerable": bool(r["titles"]), "group": group, "set": name})
    return rows


def fit_raw(x: np.ndarray, y: np.ndarray) -> Logistic:
    """An L2 logistic regression on the features as they are, the measured ones centred on their
    means (stored, so that one the tutor cannot measure, NaN, counts as average); lbfgs."""
    from sklearn.linear_model import LogisticRegression

    mean = np.zeros(x.shape[1])
    mean[: len(FEATURES)] = np.nan_to_num(np.nanmean(x[:, : len(FEATURES)], axis=0))
    fitted = LogisticRegression(C=ANSWER_C, solver="lbfgs", max_iter=2000)
    fitted.fit(np.nan_to_num(x - mean), y.astype(int))
    names = model_features(x.shape[1] - len(FEATURES))
    ones = np.ones(x.shape[1])
    return Logistic(names, mean, ones, fitted.coef_[0].copy(), float(fitted.intercept_[0]))


def held_out(x: np.ndarray, y: np.ndarray, folds: np.ndarray) -> np.ndarray:
    """Each row's probability from a model fitted on the other folds."""
    p = np.zeros(len(y))
    for fold in range(FOLDS):
        test = folds == fold
        model = fit_raw(x[~test], y[~test])
        p[test] = [model.probability(row) for row in x[test]]
    return p


def choose_threshold(p: np.ndarray, answerable: np.ndarray, right: np.ndarray) -> dict:
    """The threshold of step 4 and the held-out figures at it."""
    reachable = right[answerable].mean()
    best = 0.0
    for t in np.unique(np.concatenate([[0.0], p])):
        answered_right = ((p >= t) & right)[answerable].mean()
        if answered_right >= reachable - ANSWER_SLACK:
            best = max(best, float(t))
    sure = _least_cost_sure(p[p >= best], (answerable & right)[p >= best])
    said_sure = p >= sure
    return {
        "threshold": best,
        "sure": sure,
        "answered_sure": float(said_sure[answerable].mean()),
        "sure_but_unanswerable": float(said_sure[~answerable].mean()),
        "sure_but_wrong": int((said_sure & ~(answerable & right)).sum()),
        "declined": float((p[~answerable] < best).mean()),
        "answered_right@3": float(((p >= best) & right)[answerable].mean()),
        "right@3": float(reachable),
        "ece": expected_calibration_error(p, answerable),
    }


def _least_cost_sure(p: np.ndarray, good: np.ndarray) -> float:
    """Of the answered questions' probabilities ``p`` (``good``: answerable and answered right),
    the sure level with the least cost (step 4); of levels that cost the same, the most cautious
    (1.0, nothing plain, when no level costs less)."""
    costs = {1.0: float(good.sum())}  # nothing plain: every right answer cautioned
    for level in np.unique(p):
        plain = p >= level
        wrong, cautioned = float((plain & ~good).sum()), float((~plain & good).sum())
        costs[float(level)] = WRONG_COST * wrong + cautioned
    least = min(costs.values())
    return max(level for level, cost in costs.items() if cost == least)


def outside_claims() -> list[tuple[str, str]]:
    """The claims labelled as outside the guides that the shipped tutor knows (the built-in
    guides' labelled claims, ``not_covered`` as labelled for both), with the set each is from."""
    return [
        (row["claim"], path.parent.name)
        for path in Settings().examples_paths()
        for row in load_jsonl(path)
        if row["verdict"] == "not_covered"
    ]


def reading_tutor(scratch: Path, outside: list[tuple[str, str]]) -> Tutor:
    """The tutor that reads the fitting questions (step 2): it indexes none of the labelled
    claims and questions, but knows the ``outside`` claims, as the shipped tutor does
    (``outside`` is measured against them); its index is built in ``scratch``."""
    rows = [{"claim": claim, "verdict": "not_covered", "title": None} for claim, _ in outside]
    claims = scratch / "claims.jsonl"
    claims.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return Tutor.open(Settings(examples=str(claims), cache_dir=scratch / "cache"))


def fit(out: Path, plot: Path | None = None) -> dict:
    outside = outside_claims()
    with tempfile.TemporaryDirectory() as scratch:
        return _fit(reading_tutor(Path(scratch), outside), outside, out, plot)


def _apart(
    tutor: Tutor, rows: list[dict], vectors: np.ndarray, outside: list[tuple[str, str]]
) -> np.ndarray:
    """``outside`` for each question (``vectors``: their embeddings, as read), measured without
    the claims of its own set: the questions and claims of one set were written together, on the
    same topics (a question of ``data/near-train`` has a near twin among its claims), which a
    learner's question has not."""
    sets = np.array([name for _, name in outside])
    found = np.full(len(rows), np.nan)
    for i, (row, vector) in enumerate(zip(rows, vectors, strict=True)):
        others = tutor.checker.uncovered_cosines(vector)[sets != row["set"]]
        found[i] = others.max() if len(others) else np.nan
    return found


def _fit(tutor: Tutor, outside: list[tuple[str, str]], out: Path, plot: Path | None) -> dict:
    rows = labelled()
    read = [answer_features(tutor, row["question"]) for row in rows]
    x = np.array([features for features, _ in read])
    # The question's embedding follows the measured features (``question_features``), as the
    # float32 the embedder gave.
    vectors = x[:, len(FEATURES) :].astype(np.float32)
    x[:, FEATURES.index("outside")] = _apart(tutor, rows, vectors, outside)
    y = np.array([row["answerable"] for row in rows])
    tops = [top for _, top in read]
    right = np.array([bool(set(top) & set(r["titles"])) for top, r in zip(tops, rows, strict=True)])
    folds = np.array([fold_of(row["group"]) for row in rows])
    p = held_out(x, y, folds)
    figures = choose_threshold(p, y, right)
    model = AnswerModel(
        fit_raw(x, y),
        figures["threshold"],
        {"questions": int(len(y)), "answerable": int(y.sum()), "held_out": figures},
        figures["sure"],
        tutor.retriever.embedder.name,
    )
    atomic_write(out, json.dumps(model.to_dict(), indent=1) + "\n")
    if plot:
        _plot(p, y, right, figures, plot)
    return figures


def _plot(p: np.ndarray, y: np.ndarray, right: np.ndarray, figures: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (curve, reliability) = plt.subplots(1, 2, figsize=(10, 4))
    ts = np.linspace(0, 1, 101)
    curve.plot(ts, [(p[~y] < t).mean() for t in ts], label="unanswerable declined")
    curve.plot(ts, [((p >= t) & right)[y].mean() for t in ts], label="answerable answered right@3")
    curve.axvline(figures["threshold"], color="grey", linestyle="--", label="chosen threshold")
    curve.set(xlabel="threshold on P(answerable)", ylabel="share", title="Held-out risk-coverage")
    curve.legend(fontsize=8)
    edges = np.minimum((p * 10).astype(int), 9)
    centres = [p[edges == b].mean() for b in range(10) if (edges == b).any()]
    observed = [y[edges == b].mean() for b in range(10) if (edges == b).any()]
    reliability.plot([0, 1], [0, 1], color="grey", linestyle="--")
    reliability.plot(centres, observed, marker="o")
    reliability.set(
        xlabel="predicted P(answerable)",
        ylabel="observed share answerable",
        title=f"Reliability (ECE {figures['ece']:.3f})",
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> None:
    fit_main(fit, _DATA / "models/answer.json", __doc__ or "", argv)


if __name__ == "__main__":
    main()
