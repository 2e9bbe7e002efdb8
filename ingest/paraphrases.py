"""Extra phrasings written for a guide by its teachers, kept as data beside the guide.

``data/guides/ecs.paraphrases.json`` holds, per owning item title, more ways to say each side of
its Wrong/Right pair (``pairs``; a second pair on one item is keyed "Title#2"), and, per item or
worked scenario, plain-words descriptions of what it is about (``items``). The tutor indexes them
with the guide's own text, so that a claim or question worded far from the guide still finds its
concept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .errors import IngestError
from .records import Guide

_VERSION = 1


@dataclass(frozen=True)
class Paraphrases:
    """``pairs[(owner title, pair number)] = {"wrong": (...), "right": (...)}``;
    ``items[title] = (...)`` for items and worked scenarios."""

    pairs: dict[tuple[str, int], dict[str, tuple[str, ...]]] = field(default_factory=dict)
    items: dict[str, tuple[str, ...]] = field(default_factory=dict)

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
