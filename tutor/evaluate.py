"""Measure ask and check on evaluation sets written for that purpose (data/eval/).

questions.jsonl: {"id", "question", "titles": [item titles that answer it], "style"}
claims.jsonl:    {"id", "claim", "verdict", "title" | null, "kind", "group"}
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .config import PROJECT_DIR
from .core import Tutor
from .errors import TutorError

DEFAULT_EVAL_DIR = PROJECT_DIR / "data" / "eval"


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
    questions: int = 0
    recall_at_1: float = 0.0
    recall_at_3: float = 0.0
    mrr: float = 0.0
    ask_by_style: dict[str, Slice] = field(default_factory=dict)
    claims: int = 0
    accuracy: float = 0.0
    check_by_kind: dict[str, Slice] = field(default_factory=dict)
    check_by_verdict: dict[str, Slice] = field(default_factory=dict)
    paired_accuracy: float = 0.0
    pair_title_accuracy: float = 0.0
    ask_misses: list[dict] = field(default_factory=list)
    check_misses: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        def slices(table: dict[str, Slice]) -> dict:
            return {
                k: {"accuracy": round(s.rate, 4), "n": s.total} for k, s in sorted(table.items())
            }

        return {
            "ask": {
                "questions": self.questions,
                "recall@1": round(self.recall_at_1, 4),
                "recall@3": round(self.recall_at_3, 4),
                "mrr": round(self.mrr, 4),
                "recall@3_by_style": slices(self.ask_by_style),
                "misses": self.ask_misses,
            },
            "check": {
                "claims": self.claims,
                "accuracy": round(self.accuracy, 4),
                "by_kind": slices(self.check_by_kind),
                "by_verdict": slices(self.check_by_verdict),
                "paired_accuracy": round(self.paired_accuracy, 4),
                "pair_title_accuracy": round(self.pair_title_accuracy, 4),
                "misses": self.check_misses,
            },
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


def evaluate(tutor: Tutor, folder: Path | str = DEFAULT_EVAL_DIR) -> Report:
    """Run every set found in ``folder``: questions.jsonl for ask, claims.jsonl for check."""
    folder = Path(folder)
    sets = {name: folder / f"{name}.jsonl" for name in ("questions", "claims")}
    if not any(path.is_file() for path in sets.values()):
        raise TutorError(f"{folder}: no questions.jsonl or claims.jsonl to evaluate")
    report = Report()
    if sets["questions"].is_file():
        _evaluate_ask(tutor, load_jsonl(sets["questions"]), report)
    if sets["claims"].is_file():
        _evaluate_check(tutor, load_jsonl(sets["claims"]), report)
    return report


def _evaluate_ask(tutor: Tutor, rows: list[dict], report: Report) -> None:
    hits1 = hits3 = 0
    reciprocal = 0.0
    for row in rows:
        titles = [hit.title for hit in tutor.search(row["question"], k=10)]
        gold = set(row["titles"])
        rank = next((i for i, title in enumerate(titles, start=1) if title in gold), None)
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
    report.questions = len(rows)
    if rows:
        report.recall_at_1, report.recall_at_3 = hits1 / len(rows), hits3 / len(rows)
        report.mrr = reciprocal / len(rows)


def _evaluate_check(tutor: Tutor, rows: list[dict], report: Report) -> None:
    overall, titled = Slice(), Slice()
    groups: dict[str, bool] = defaultdict(lambda: True)
    for row in rows:
        verdict = tutor.check(row["claim"])
        ok = verdict.verdict == row["verdict"]
        overall.add(ok)
        report.check_by_kind.setdefault(row["kind"], Slice()).add(ok)
        report.check_by_verdict.setdefault(row["verdict"], Slice()).add(ok)
        groups[row.get("group") or row["id"]] &= ok
        if row.get("title"):
            titled.add(verdict.title == row["title"])
        if not ok:
            report.check_misses.append(
                {
                    "id": row["id"],
                    "claim": row["claim"],
                    "kind": row["kind"],
                    "expected": row["verdict"],
                    "got": verdict.verdict,
                    "title": verdict.title,
                    "similarity": round(verdict.similarity, 3),
                }
            )
    report.claims = overall.total
    report.accuracy = overall.rate
    report.pair_title_accuracy = titled.rate
    report.paired_accuracy = sum(groups.values()) / len(groups) if groups else 0.0


def format_report(report: Report) -> str:
    """The report as a small plain-text table."""
    lines = [
        f"ask   ({report.questions} questions): recall@1 {report.recall_at_1:.3f}  "
        f"recall@3 {report.recall_at_3:.3f}  MRR {report.mrr:.3f}",
    ]
    for style, part in sorted(report.ask_by_style.items()):
        lines.append(f"        {style:<22} recall@3 {part.rate:.3f}  (n={part.total})")
    lines.append(
        f"check ({report.claims} claims): accuracy {report.accuracy:.3f}  "
        f"paired {report.paired_accuracy:.3f}  pair title {report.pair_title_accuracy:.3f}"
    )
    for kind, part in sorted(report.check_by_kind.items()):
        lines.append(f"        {kind:<22} accuracy {part.rate:.3f}  (n={part.total})")
    for verdict, part in sorted(report.check_by_verdict.items()):
        lines.append(f"        verdict={verdict:<14} accuracy {part.rate:.3f}  (n={part.total})")
    return "\n".join(lines)
