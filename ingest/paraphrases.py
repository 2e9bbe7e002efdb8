"""Extra phrasings of a guide's Wrong/Right statements, kept as data beside the guide.

``data/guides/ecs.paraphrases.json`` holds, per owning item title, more ways to say each side;
the tutor indexes them with the guide's own statements so that claims worded far from the guide
still find their pair. A second pair on one item is keyed "Title#2".
"""

from __future__ import annotations

import json
from pathlib import Path

from .errors import IngestError
from .records import Guide

_VERSION = 1

Paraphrases = dict[tuple[str, int], dict[str, tuple[str, ...]]]


def paraphrases_path(guide_path: Path | str) -> Path:
    """Where a guide's paraphrases live: ``ecs.md`` -> ``ecs.paraphrases.json``."""
    path = Path(guide_path)
    return path.with_name(f"{path.stem}.paraphrases.json")


def load_paraphrases(path: Path | str, guide: Guide) -> Paraphrases:
    """``{(owner title, pair number): {"wrong": (...), "right": (...)}}``, empty if no file.

    A key that names no pair of the guide is an error: the file belongs to another guide.
    """
    path = Path(path)
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IngestError(f"{path}: cannot read paraphrases: {exc}") from exc
    if data.get("version") != _VERSION or not isinstance(data.get("pairs"), dict):
        raise IngestError(f"{path}: expected version {_VERSION} with a 'pairs' object")
    counts: dict[str, int] = {}
    for pair in guide.pairs:
        counts[pair.owner] = counts.get(pair.owner, 0) + 1
    found: Paraphrases = {}
    for key, sides in data["pairs"].items():
        title, _, number = key.partition("#")
        position = int(number) if number.isdigit() else 1
        if counts.get(title, 0) < position:
            raise IngestError(f"{path}: {key!r} names no misconception pair of {guide.source}")
        found[(title, position)] = {
            side: tuple(t.strip() for t in sides.get(side, []) if isinstance(t, str) and t.strip())
            for side in ("wrong", "right")
        }
    return found
