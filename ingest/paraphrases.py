"""Extra phrasings written for a guide by its teachers, kept as data beside the guide.

``data/guides/ecs.paraphrases.json`` holds, per owning item title, more ways to say each side of
its Wrong/Right pair (``pairs``; a second pair on one item is keyed "Title#2"), and, per item or
worked scenario, plain-words descriptions of what it is about (``items``). The tutor indexes them
with the guide's own text, so that a claim or question worded far from the guide still finds its
concept.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from .errors import IngestError
from .records import Guide

_VERSION = 1
T = TypeVar("T")
_SIDE_OF_VERDICT = {"misconception": "wrong", "correct": "right"}


@dataclass(frozen=True)
class Paraphrases:
    """``pairs[(owner title, pair number)] = {"wrong": (...), "right": (...)}``;
    ``items[title] = (...)`` for items and worked scenarios; ``uncovered``: claims labelled as
    outside the guide (from labelled examples), which the claim checker compares claims with."""

    pairs: dict[tuple[str, int], dict[str, tuple[str, ...]]] = field(default_factory=dict)
    items: dict[str, tuple[str, ...]] = field(default_factory=dict)
    uncovered: tuple[str, ...] = ()

    def merged(self, other: Paraphrases) -> Paraphrases:
        """These phrasings followed by ``other``'s."""
        pairs = {key: dict(sides) for key, sides in self.pairs.items()}
        for key, sides in other.pairs.items():
            mine = pairs.setdefault(key, {"wrong": (), "right": ()})
            for side, texts in sides.items():
                mine[side] = mine.get(side, ()) + texts
        items = dict(self.items)
        for title, texts in other.items.items():
            items[title] = items.get(title, ()) + texts
        return Paraphrases(pairs, items, self.uncovered + other.uncovered)

    def count(self) -> int:
        """How many phrasings there are in all."""
        sides = sum(len(texts) for pair in self.pairs.values() for texts in pair.values())
        return sides + sum(len(texts) for texts in self.items.values())


def paraphrases_path(guide_path: Path | str) -> Path:
    """Where a guide's paraphrases live: ``ecs.md`` -> ``ecs.paraphrases.json``."""
    path = Path(guide_path)
    return path.with_name(f"{path.stem}.paraphrases.json")


def load_paraphrases(path: Path | str, guide: Guide) -> Paraphrases:
    """The phrasings in ``path``; none if there is no such file.

    A key that names no pair, item or worked scenario of the guide is an error: the file belongs to
    another guide.
    """
    path = Path(path)
    if not path.is_file():
        return Paraphrases()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IngestError(f"{path}: cannot read paraphrases: {exc}") from exc
    if (
        not isinstance(data, dict)
        or data.get("version") != _VERSION
        or not isinstance(data.get("pairs", {}), dict)
        or not isinstance(data.get("items", {}), dict)
    ):
        raise IngestError(f"{path}: expected version {_VERSION} with 'pairs' and 'items' objects")
    counts: dict[str, int] = {}
    for pair in guide.pairs:
        counts[pair.owner] = counts.get(pair.owner, 0) + 1
    pairs = {}
    for key, sides in data.get("pairs", {}).items():
        title, _, number = key.partition("#")
        position = int(number) if number.isdigit() else 1
        if counts.get(title, 0) < position or not isinstance(sides, dict):
            raise IngestError(f"{path}: {key!r} names no misconception pair of {guide.source}")
        pairs[(title, position)] = {
            side: _texts(sides.get(side, [])) for side in ("wrong", "right")
        }
    concepts = {item.title for item in guide.items} | {s.title for s in guide.scenarios}
    items = {}
    for title, texts in data.get("items", {}).items():
        if title not in concepts:
            raise IngestError(
                f"{path}: {title!r} names no item or worked scenario of {guide.source}"
            )
        items[title] = _texts(texts)
    return Paraphrases(pairs, items)


def _texts(values: object) -> tuple[str, ...]:
    if not isinstance(values, list):
        return ()
    return tuple(text.strip() for text in values if isinstance(text, str) and text.strip())


def load_examples(path: Path | str, guide: Guide) -> Paraphrases:
    """Labelled claims (JSON Lines: {"claim", "verdict", "title"}) as phrasings of their pairs: a
    ``misconception`` claim says the Wrong side of its title's pair, a ``correct`` one the Right
    side; ``not_covered`` claims name no pair and are kept apart, as ``uncovered``."""
    path = Path(path)
    owners = {pair.owner for pair in guide.pairs}
    sides: dict[tuple[str, int], dict[str, list[str]]] = {}
    uncovered: list[str] = []
    for number, (claim, verdict, title) in _labelled(
        path, "claim", lambda row: (row["claim"], *_claim_label(row, owners))
    ):
        if verdict == "not_covered":
            uncovered.append(str(claim).strip())
            continue
        if verdict not in _SIDE_OF_VERDICT or title not in owners:
            raise IngestError(
                f"{path}:{number}: expected a verdict and the title of a pair of {guide.source}"
            )
        pair = sides.setdefault((title, 1), {"wrong": [], "right": []})
        pair[_SIDE_OF_VERDICT[verdict]].append(str(claim).strip())
    return Paraphrases(
        {key: {side: tuple(texts) for side, texts in pair.items()} for key, pair in sides.items()},
        uncovered=tuple(uncovered),
    )


def load_questions(path: Path | str, guide: Guide) -> Paraphrases:
    """Labelled questions (JSON Lines: {"question", "titles"}) as phrasings of the items and
    worked scenarios that answer them: a learner's way of asking finds its concept again. A
    question labelled as answered by nothing (``titles`` []) is the phrasing of nothing."""
    path = Path(path)
    concepts = {item.title for item in guide.items} | {s.title for s in guide.scenarios}
    items: dict[str, list[str]] = {}
    for number, (question, titles) in _labelled(
        path, "question", lambda row: (str(row["question"]).strip(), _titles(row, concepts))
    ):
        if not titles:
            continue  # a question no studied guide answers (or only one not studied here)
        if not set(titles) <= concepts:
            raise IngestError(
                f"{path}:{number}: expected the titles of items or worked scenarios of "
                f"{guide.source}"
            )
        for title in titles:
            items.setdefault(title, []).append(question)
    return Paraphrases(items={title: tuple(texts) for title, texts in items.items()})


def _earlier(row: dict, known: set[str], titles: list) -> object:
    """A row relabelled when a later guide came to answer it (``"relabelled": {"from": ...}``)
    keeps its earlier label for a study without that guide: ``from`` when none of the row's
    titles is known here, else ``None`` (the row stands as labelled)."""
    earlier = row.get("relabelled")
    if isinstance(earlier, dict) and "from" in earlier and not set(titles) & known:
        return earlier["from"]
    return None


def as_studied(row: dict, known: set[str]) -> dict:
    """A labelled claim or question as a study of the guides whose item and worked-scenario
    titles are ``known`` reads it: a row relabelled for a guide not studied takes its earlier
    label back (a claim becomes ``not_covered``, a question one that nothing answers)."""
    if "claim" in row:
        verdict, title = _claim_label(row, known)
        if (verdict, title) == (row["verdict"], row.get("title")):
            return row
        return {**row, "verdict": verdict, "title": title}
    return row if _titles(row, known) is not None else {**row, "titles": []}


def _claim_label(row: dict, known: set[str]) -> tuple[str, str | None]:
    """A labelled claim's verdict and title, as the guide studied here reads it."""
    verdict, title = row["verdict"], row.get("title")
    if _earlier(row, known, [title]) == "not_covered":
        return "not_covered", None
    return verdict, title


def _titles(row: dict, known: set[str]) -> list[str] | None:
    """A labelled question's titles, or ``None`` for one only a guide not studied answers."""
    titles = list(row["titles"])
    return None if _earlier(row, known, titles) == [] else titles


def _labelled(path: Path, what: str, read: Callable[[dict], T]) -> Iterator[tuple[int, T]]:
    """Each non-blank line of a JSON Lines file of labelled ``what``s, as ``read`` takes it
    apart, with its line number; an ``IngestError`` naming the line when it cannot."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise IngestError(f"{path}: cannot read labelled {what}s: {exc}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = read(json.loads(line))
        except (json.JSONDecodeError, TypeError, KeyError) as exc:
            raise IngestError(f"{path}:{number}: not a labelled {what} ({exc})") from exc
        yield number, row
