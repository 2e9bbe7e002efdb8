"""Measure ask and check on evaluation sets written for that purpose (data/eval/), for the tutor
and for the naive baseline, by the same code.

questions.jsonl: {"id", "question", "titles": [item titles that answer it], "style"}
claims.jsonl:    {"id", "claim", "verdict", "title" | null, "kind", "group"}
"""

from __future__ import annotations

import json
import tempfile
import zlib
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from ingest import Guide, as_studied
from tutor.check.claims import NOT_COVERED, VERDICTS
from tutor.check.trust import CERTAINTIES, UNSURE
from tutor.config import PROJECT_DIR, Settings
from tutor.core import Tutor
from tutor.errors import TutorError

DEFAULT_EVAL_DIR = PROJECT_DIR / "data" / "eval"
COVERAGE_LEVELS = (0.2, 0.4, 0.6, 0.8, 1.0)
DECLINED, CAUTIONED, PLAIN = "declined", "cautioned", "plain"  # how ask answers (``reply``)
NO_GUIDE = "no guide"  # the guide of a claim labelled not_covered


class System(Protocol):
    """What the evaluation asks of a system: ranked titles, ranked pairs, and a verdict."""

    name: str

    def rank_titles(self, question: str, k: int = 10) -> list[str]: ...

    def rank_pairs(self, claim: str, k: int = 10) -> list[str]: ...

    def judge(self, claim: str) -> tuple[str, str | None, float, str | None]: ...


class TutorSystem:
    """The tutor, seen through ``System``."""

    name = "tutor"

    def __init__(self, tutor: Tutor):
        self.tutor = tutor

    def rank_titles(self, question: str, k: int = 10) -> list[str]:
        return [hit.title for hit in self.tutor.search(question, k=k)]

    def rank_pairs(self, claim: str, k: int = 10) -> list[str]:
        graph = self.tutor.graph
        return [graph.nodes[hit.node]["owner"] for hit in self.tutor.checker.candidates(claim, k)]

    def judge(self, claim: str) -> tuple[str, str | None, float, str | None]:
        verdict = self.tutor.check(claim)
        return verdict.verdict, verdict.title, verdict.confidence, verdict.certainty

    def reply(self, question: str) -> str:
        """How ask answers the question: ``declined`` (the guide does not cover it),
        ``cautioned`` (answered with a caution) or ``plain``."""
        answer = self.tutor.ask(question)
        if not answer.covered:
            return DECLINED
        return CAUTIONED if answer.certainty == "unsure" else PLAIN


@dataclass
class Slice:
    """Correct out of total, for one slice of a set."""

    correct: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.correct += int(ok)
        self.total += 1

    @property
    def rate(self) -> float:
        return self.correct / self.total if self.total else 0.0


@dataclass
class Report:
    system: str = "tutor"
    questions: int = 0
    recall_at_1: float = 0.0
    recall_at_3: float = 0.0
    mrr: float = 0.0
    ask_by_style: dict[str, Slice] = field(default_factory=dict)
    # Figures by the guide of the labelled title (guides studied together; ``NO_GUIDE`` for a
    # claim no guide covers), when ``evaluate`` is told each title's guide.
    ask_by_guide: dict[str, Slice] = field(default_factory=dict)
    check_by_guide: dict[str, Slice] = field(default_factory=dict)
    claims: int = 0
    accuracy: float = 0.0
    check_by_kind: dict[str, Slice] = field(default_factory=dict)
    macro_f1_by_kind: dict[str, float] = field(default_factory=dict)
    check_by_verdict: dict[str, Slice] = field(default_factory=dict)
    paired_accuracy: float = 0.0
    pair_title_accuracy: float = 0.0
    pair_recall_at_1: float = 0.0
    pair_recall_at_3: float = 0.0
    pair_mrr: float = 0.0
    accuracy_at_coverage: dict[float, float] = field(default_factory=dict)
    # Is the confidence what it says (expected calibration error), and how right the verdicts
    # are by the certainty the tutor stated (a system without certainty words has none).
    ece: float = 0.0
    check_by_certainty: dict[str, Slice] = field(default_factory=dict)
    sure_wrong_judged: int = 0  # misconception or correct verdicts stated as sure and wrong
    # Verdicts the tutor states (sure or likely); below, it says it cannot tell and shows the pair.
    check_stated: Slice = field(default_factory=Slice)
    ask_misses: list[dict] = field(default_factory=list)
    check_misses: list[dict] = field(default_factory=list)
    # Questions the guide does not answer (titles []), in sets that have them: how many, and the
    # share ask declines; and the share of answerable ones answered with a right item in its top 3.
    unanswerable: int = 0
    declined: float = 0.0
    answered_plainly: float = 0.0  # ... and the share it answers without a caution
    declined_by_style: dict[str, Slice] = field(default_factory=dict)  # by the rows' style
    answered_right_at_3: float = 0.0
    answered_plainly_right: float = 0.0  # answerable ones answered right@3 without a caution

    def to_dict(self) -> dict:
        return {
            "system": self.system,
            "ask": {
                "questions": self.questions,
                "recall@1": round(self.recall_at_1, 4),
                "recall@3": round(self.recall_at_3, 4),
                "mrr": round(self.mrr, 4),
                "recall@3_by_style": _slices(self.ask_by_style),
                "recall@3_by_guide": _slices(self.ask_by_guide),
                **self._answerability(),
                "misses": self.ask_misses,
            },
            "check": {
                "claims": self.claims,
                "accuracy": round(self.accuracy, 4),
                "by_kind": _slices(self.check_by_kind),
                "by_guide": _slices(self.check_by_guide),
                "macro_f1_by_kind": {
                    k: round(v, 4) for k, v in sorted(self.macro_f1_by_kind.items())
                },
                "by_verdict": _slices(self.check_by_verdict),
                "paired_accuracy": round(self.paired_accuracy, 4),
                "pair_title_accuracy": round(self.pair_title_accuracy, 4),
                "pair_recall@1": round(self.pair_recall_at_1, 4),
                "pair_recall@3": round(self.pair_recall_at_3, 4),
                "pair_mrr": round(self.pair_mrr, 4),
                "accuracy_at_coverage": {
                    str(c): round(a, 4) for c, a in self.accuracy_at_coverage.items()
                },
                "ece": round(self.ece, 4),
                "by_certainty": _slices(self.check_by_certainty),
                "sure_wrong_judged": self.sure_wrong_judged,
                "stated": {
                    "share": round(self.stated_share, 4),
                    "accuracy": round(self.check_stated.rate, 4),
                },
                "misses": self.check_misses,
            },
        }

    @property
    def stated_share(self) -> float:
        """The share of claims given a stated verdict (sure or likely)."""
        return self.check_stated.total / self.claims if self.claims else 0.0

    def _answerability(self) -> dict:
        answered = {
            "answered_right@3": round(self.answered_right_at_3, 4),
            "answered_plainly_right@3": round(self.answered_plainly_right, 4),
        }
        if not self.unanswerable:
            return answered
        return {
            "unanswerable": self.unanswerable,
            "declined": round(self.declined, 4),
            "declined_by_style": _slices(self.declined_by_style, "declined"),
            "unanswerable_answered_plainly": round(self.answered_plainly, 4),
            **answered,
        }


def _slices(table: dict[str, Slice], rate: str = "accuracy") -> dict:
    """Each slice's rate (under the key ``rate``) and size, by name."""
    return {
        name: {rate: round(part.rate, 4), "n": part.total} for name, part in sorted(table.items())
    }


def load_jsonl(path: Path) -> list[dict]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise TutorError(f"{path}:{number}: not JSON ({exc.msg})") from exc
    return rows


def evaluate(
    system: System | Tutor,
    folder: Path | str = DEFAULT_EVAL_DIR,
    *,
    guide_of: Mapping[str, str] | None = None,
    studied: Collection[str] | None = None,
) -> Report:
    """Run every set found in ``folder``: questions.jsonl for ask, claims.jsonl for check.
    ``guide_of``: each item's and worked scenario's guide, by title (``guides_by_title``), to
    report the figures by guide as well. ``studied``: the titles of the items and worked
    scenarios studied (for a tutor, by default its guides'): a row relabelled for a guide not
    studied counts with its earlier label (``ingest.as_studied``)."""
    if isinstance(system, Tutor):
        studied = guides_by_title(system.guide) if studied is None else studied
        system = TutorSystem(system)
    known = None if studied is None else set(studied)
    folder = Path(folder)
    sets = {name: folder / f"{name}.jsonl" for name in ("questions", "claims")}
    if not any(path.is_file() for path in sets.values()):
        raise TutorError(f"{folder}: no questions.jsonl or claims.jsonl to evaluate")
    report = Report(system=system.name)
    for name, run in (("questions", _evaluate_ask), ("claims", _evaluate_check)):
        if sets[name].is_file():
            rows = load_jsonl(sets[name])
            if known is not None:
                rows = [as_studied(row, known) for row in rows]
            if isinstance(system, HeldOutSystem):
                system.route(rows)
            run(system, rows, report)
            if guide_of:
                _by_guide(system.name, rows, report, guide_of)
    return report


def guides_by_title(guide: Guide) -> dict[str, str]:
    """Title -> the title of its guide, for items and worked scenarios (``evaluate``'s
    ``guide_of``)."""
    found = {item.title: item.guide or guide.title for item in guide.items}
    found.update({s.title: s.guide or guide.title for s in guide.scenarios})
    return found


def _by_guide(name: str, rows: list[dict], report: Report, guide_of: Mapping[str, str]) -> None:
    """Slice what ``_evaluate_ask`` or ``_evaluate_check`` just measured by the rows' guides:
    a row is right unless it is among the misses."""
    if "question" in rows[0]:
        missed = {miss["id"] for miss in report.ask_misses}
        for row in rows:
            if row["titles"]:
                guide = guide_of.get(row["titles"][0], NO_GUIDE)
                report.ask_by_guide.setdefault(guide, Slice()).add(row["id"] not in missed)
    else:
        missed = {miss["id"] for miss in report.check_misses}
        for row in rows:
            guide = guide_of.get(row.get("title") or "", NO_GUIDE)
            report.check_by_guide.setdefault(guide, Slice()).add(row["id"] not in missed)


def _rank(ranked: list[str], gold: set[str]) -> int | None:
    return next((i for i, title in enumerate(ranked, start=1) if title in gold), None)


def _evaluate_ask(system: System, rows: list[dict], report: Report) -> None:
    """Recall over the questions a guide item answers, and the share of them ask answers (does
    not decline) with a right item in its top 3, with and without a caution (a system that never
    declines answers them all); for a set that also has questions no item answers (titles []),
    the share ask declines and the share it answers plainly."""
    reply = getattr(system, "reply", lambda question: PLAIN)  # a system that never declines
    outside = [row for row in rows if not row["titles"]]
    rows = [row for row in rows if row["titles"]]
    answered_right = plain_right = 0
    hits1 = hits3 = 0
    reciprocal = 0.0
    for row in rows:
        titles = system.rank_titles(row["question"], k=10)
        rank = _rank(titles, set(row["titles"]))
        hits1 += rank == 1
        hits3 += rank is not None and rank <= 3
        reciprocal += 1.0 / rank if rank else 0.0
        report.ask_by_style.setdefault(row.get("style", "all"), Slice()).add(
            bool(rank and rank <= 3)
        )
        if not rank or rank > 3:
            report.ask_misses.append(
                {"id": row["id"], "question": row["question"], "got": titles[:3]}
            )
        if rank and rank <= 3:
            said = reply(row["question"])
            answered_right += said != DECLINED
            plain_right += said == PLAIN
    if outside:
        replies = [reply(row["question"]) for row in outside]
        for row, said in zip(outside, replies, strict=True):
            style = report.declined_by_style.setdefault(row.get("style", "all"), Slice())
            style.add(said == DECLINED)
        report.unanswerable = len(outside)
        report.declined = replies.count(DECLINED) / len(outside)
        report.answered_plainly = replies.count(PLAIN) / len(outside)
    report.answered_right_at_3 = answered_right / len(rows) if rows else 0.0
    report.answered_plainly_right = plain_right / len(rows) if rows else 0.0
    report.questions = len(rows)
    if rows:
        report.recall_at_1, report.recall_at_3 = hits1 / len(rows), hits3 / len(rows)
        report.mrr = reciprocal / len(rows)


def _evaluate_check(system: System, rows: list[dict], report: Report) -> None:
    overall, titled = Slice(), Slice()
    groups: dict[str, bool] = defaultdict(lambda: True)
    by_kind: dict[str, list[tuple[str, str]]] = defaultdict(list)
    scored: list[tuple[float, bool]] = []
    ranks: list[int | None] = []
    for row in rows:
        verdict, title, confidence, certainty = system.judge(row["claim"])
        ok = verdict == row["verdict"]
        overall.add(ok)
        if certainty is not None:
            report.check_by_certainty.setdefault(certainty, Slice()).add(ok)
            report.sure_wrong_judged += certainty == "sure" and not ok and verdict != NOT_COVERED
            if certainty != UNSURE:
                report.check_stated.add(ok)
        scored.append((confidence, ok))
        by_kind[row["kind"]].append((row["verdict"], verdict))
        report.check_by_kind.setdefault(row["kind"], Slice()).add(ok)
        report.check_by_verdict.setdefault(row["verdict"], Slice()).add(ok)
        groups[row.get("group") or row["id"]] &= ok
        if row.get("title"):
            titled.add(title == row["title"])
            ranks.append(_rank(system.rank_pairs(row["claim"], k=10), {row["title"]}))
        if not ok:
            report.check_misses.append(
                {
                    "id": row["id"],
                    "claim": row["claim"],
                    "kind": row["kind"],
                    "expected": row["verdict"],
                    "got": verdict,
                    "title": title,
                    "confidence": round(confidence, 3),
                }
            )
    report.claims = overall.total
    report.accuracy = overall.rate
    report.pair_title_accuracy = titled.rate
    report.paired_accuracy = sum(groups.values()) / len(groups) if groups else 0.0
    report.macro_f1_by_kind = {kind: macro_f1(pairs) for kind, pairs in by_kind.items()}
    if ranks:
        report.pair_recall_at_1 = sum(r == 1 for r in ranks) / len(ranks)
        report.pair_recall_at_3 = sum(r is not None and r <= 3 for r in ranks) / len(ranks)
        report.pair_mrr = sum(1.0 / r for r in ranks if r) / len(ranks)
    report.accuracy_at_coverage = accuracy_at_coverage(scored)
    if scored:
        said, right = zip(*scored, strict=True)
        report.ece = expected_calibration_error(np.array(said), np.array(right))


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    """Macro-F1 over the gold verdicts of (gold, predicted) pairs; a prediction of a verdict that
    is not among them counts as a miss of the gold one."""
    labels = [v for v in VERDICTS if any(gold == v for gold, _ in pairs)]
    scores = []
    for label in labels:
        tp = sum(g == p == label for g, p in pairs)
        fp = sum(p == label != g for g, p in pairs)
        fn = sum(g == label != p for g, p in pairs)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def accuracy_at_coverage(scored: list[tuple[float, bool]]) -> dict[float, float]:
    """Accuracy over the most confident share of the claims, for each share in COVERAGE_LEVELS:
    the points of a risk-coverage curve."""
    ordered = [ok for _, ok in sorted(scored, key=lambda row: -row[0])]
    out = {}
    for level in COVERAGE_LEVELS:
        kept = ordered[: max(1, round(level * len(ordered)))] if ordered else []
        out[level] = sum(kept) / len(kept) if kept else 0.0
    return out


def expected_calibration_error(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    """The weighted mean gap between predicted and observed rates over equal-width bins."""
    edges = np.minimum((p * bins).astype(int), bins - 1)
    gaps = [
        abs(p[edges == b].mean() - y[edges == b].mean()) * (edges == b).sum()
        for b in range(bins)
        if (edges == b).any()
    ]
    return float(sum(gaps) / len(p))


_LABEL = 44  # the width of the label column: a guide's title fits in it


def format_report(*reports: Report) -> str:
    """One or more reports side by side as a plain-text table."""
    names = [r.system for r in reports]
    lines = [f"{'':{_LABEL}}" + "".join(f"{name:>12}" for name in names)]

    def row(label: str, values: list[float | str]) -> None:
        cells = "".join(f"{v:>12.3f}" if isinstance(v, float) else f"{v:>12}" for v in values)
        lines.append(f"{label:{_LABEL}}{cells}")

    first = reports[0]
    if first.questions:
        lines.append(f"ask ({first.questions} questions)")
        row("  recall@1", [r.recall_at_1 for r in reports])
        row("  recall@3", [r.recall_at_3 for r in reports])
        row("  MRR", [r.mrr for r in reports])
        row("  answered (not declined), right@3", [r.answered_right_at_3 for r in reports])
        row("  ... of them without a caution", [r.answered_plainly_right for r in reports])
        if first.unanswerable:
            row(f"  declined ({first.unanswerable} unanswerable)", [r.declined for r in reports])
            row("  unanswerable answered plainly", [r.answered_plainly for r in reports])
            for style, part in sorted(first.declined_by_style.items()):
                row(
                    f"  declined {style} (n={part.total})",
                    [r.declined_by_style[style].rate for r in reports],
                )
        for style in sorted(first.ask_by_style):
            n = first.ask_by_style[style].total
            row(f"  recall@3 {style} (n={n})", [r.ask_by_style[style].rate for r in reports])
        _guide_rows(row, reports, "recall@3", lambda r: r.ask_by_guide)
    if first.claims:
        lines.append(f"check ({first.claims} claims)")
        row("  accuracy", [r.accuracy for r in reports])
        row("  paired accuracy", [r.paired_accuracy for r in reports])
        row("  pair recall@1", [r.pair_recall_at_1 for r in reports])
        row("  pair recall@3", [r.pair_recall_at_3 for r in reports])
        row("  pair MRR", [r.pair_mrr for r in reports])
        for kind in sorted(first.check_by_kind):
            n = first.check_by_kind[kind].total
            row(f"  accuracy {kind} (n={n})", [r.check_by_kind[kind].rate for r in reports])
        for kind in sorted(first.macro_f1_by_kind):
            row(f"  macro-F1 {kind}", [r.macro_f1_by_kind[kind] for r in reports])
        _guide_rows(row, reports, "accuracy", lambda r: r.check_by_guide)
        for verdict in sorted(first.check_by_verdict):
            n = first.check_by_verdict[verdict].total
            row(
                f"  accuracy {verdict} (n={n})", [r.check_by_verdict[verdict].rate for r in reports]
            )
        for level in COVERAGE_LEVELS:
            row(
                f"  accuracy at {level:.0%} coverage",
                [r.accuracy_at_coverage[level] for r in reports],
            )
        row("  calibration error (ECE)", [r.ece for r in reports])
        for certainty in CERTAINTIES:
            if slices := [r.check_by_certainty.get(certainty) for r in reports]:
                row(
                    f"  {certainty}: share / accuracy",
                    [
                        f"{s.total / r.claims:.2f} / {s.rate:.2f}" if s else "-"
                        for s, r in zip(slices, reports, strict=True)
                    ],
                )
        row("  sure and wrong (judged)", [str(r.sure_wrong_judged) for r in reports])
        if any(r.check_stated.total for r in reports):
            stated: list[float | str] = [
                f"{r.stated_share:.2f} / {r.check_stated.rate:.2f}" for r in reports
            ]
            row("  stated (sure or likely): share / accuracy", stated)
    return "\n".join(lines)


def _guide_rows(
    row: Callable, reports: tuple[Report, ...], label: str, table: Callable[[Report], dict]
) -> None:
    """The rows of a figure by guide, guides in the first report's order of sight."""
    for guide, first in table(reports[0]).items():
        cells = [table(r)[guide].rate if guide in table(r) else "-" for r in reports]
        row(f"  {label} {guide} (n={first.total})", cells)


class HeldOutSystem:
    """The tutor fitted ``folds`` times, each time without the labelled claims and questions of
    one fold of the guide's titles; a question or claim is answered by the tutor that never saw
    its title's. Whole items are thereby held out of fitting."""

    name = "items out"

    def __init__(
        self, settings: Settings, examples: Sequence[Path], *, folds: int = 5, embedder=None
    ):
        labelled: dict[str, list[dict]] = {"claims.jsonl": [], "questions.jsonl": []}
        for claims in examples:  # each guide's labelled claims, and the questions beside them
            labelled["claims.jsonl"] += load_jsonl(claims)
            if (questions := claims.with_name("questions.jsonl")).is_file():
                labelled["questions.jsonl"] += load_jsonl(questions)
        titles = sorted(
            {row["title"] for row in labelled["claims.jsonl"] if row.get("title")}
            | {row["titles"][0] for row in labelled.get("questions.jsonl", ()) if row["titles"]}
        )
        self.fold_of = {title: i % folds for i, title in enumerate(titles)}
        self.folds = folds
        self.tutors = []
        with tempfile.TemporaryDirectory() as scratch:
            for fold in range(folds):
                kept = Path(scratch) / f"fold{fold}"
                kept.mkdir()
                for name, rows in labelled.items():
                    (kept / name).write_text(
                        "".join(json.dumps(row) + "\n" for row in rows if self._fold(row) != fold),
                        encoding="utf-8",
                    )
                fold_settings = replace(
                    settings,
                    examples=str(kept / "claims.jsonl"),
                    cache_dir=Path(scratch) / f"cache{fold}",
                )
                self.tutors.append(TutorSystem(Tutor.open(fold_settings, embedder=embedder)))
        self._route: dict[str, int] = {}

    def route(self, rows: list[dict]) -> None:
        """Say which fold's tutor answers each text of the coming set (see ``_fold``)."""
        for row in rows:
            if text := row.get("question") or row.get("claim"):  # a row without is never asked
                self._route[text] = self._fold(row)

    def _fold(self, row: dict) -> int:
        """The fold of a labelled row: its (first) title's; without one (a ``not_covered`` claim),
        its group's, so that a claim and its minimal-pair twin are held out together."""
        titles = row.get("titles") or [row.get("title")]
        fold = self.fold_of.get(titles[0])
        if fold is None:
            key = row.get("group") or row.get("question") or row.get("claim") or ""
            fold = zlib.crc32(key.encode("utf-8")) % self.folds
        return fold

    def fold_for(self, text: str) -> int:
        """The fold of a routed text: its tutor never saw the labelled claims of its item."""
        return self._route.get(text, 0)

    def tutor_for(self, text: str) -> Tutor:
        return self.tutors[self.fold_for(text)].tutor

    def _tutor(self, text: str) -> TutorSystem:
        return self.tutors[self.fold_for(text)]

    def rank_titles(self, question: str, k: int = 10) -> list[str]:
        return self._tutor(question).rank_titles(question, k)

    def rank_pairs(self, claim: str, k: int = 10) -> list[str]:
        return self._tutor(claim).rank_pairs(claim, k)

    def judge(self, claim: str) -> tuple[str, str | None, float, str | None]:
        return self._tutor(claim).judge(claim)
