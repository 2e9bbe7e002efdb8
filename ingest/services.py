"""Find the AWS services a text mentions, through an alias table kept as data."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from .errors import IngestError

# The alias table ships as package data: data/ installed as the package ecs_tutor_data
# (pyproject.toml). ingest looks it up itself: tutor, whose config.resource() finds the other
# shipped files, comes after ingest and re-exports this path.
DEFAULT_ALIASES = Path(str(files("ecs_tutor_data") / "services.json"))
_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class ServiceCatalog:
    """Canonical service names and one compiled pattern per alias, longest alias first."""

    patterns: tuple[tuple[re.Pattern[str], str], ...]

    def of_item(self, title: str, description: str, example: str) -> tuple[str, ...]:
        """The services an item names: in its title, description and example scenario."""
        return self.mentions(f"{title}. {description} {example}")

    def mentions(self, text: str) -> tuple[str, ...]:
        """Canonical names mentioned in ``text``, in order of first mention, each once.

        "Use an ALB in front of Fargate tasks" -> ("Application Load Balancer", "AWS Fargate")
        """
        # One flag per character, so a text with thousands of mentions costs no more than its
        # length (a list of spans checked against each match was quadratic in the mentions).
        taken = bytearray(len(text))
        found: list[tuple[int, str]] = []
        for pattern, name in self.patterns:
            for match in pattern.finditer(text):
                start, end = match.span()
                if any(taken[start:end]):
                    continue  # a longer alias already covers this span ("EC2 Spot Instances")
                taken[start:end] = b"\x01" * (end - start)
                found.append((start, name))
        ordered: list[str] = []
        for _, name in sorted(found):
            if name not in ordered:
                ordered.append(name)
        return tuple(ordered)


def _pattern(alias: str) -> re.Pattern[str]:
    flags = 0 if alias.isupper() or any(c.isdigit() for c in alias) else re.IGNORECASE
    return re.compile(rf"(?<!\w){re.escape(alias)}(?!\w)", flags)


def load_catalog(path: Path | str = DEFAULT_ALIASES) -> ServiceCatalog:
    """Read the alias table; raise ``IngestError`` if it is missing or malformed."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IngestError(f"{path}: cannot read the service alias table: {exc}") from exc
    if data.get("version") != _SCHEMA_VERSION or not isinstance(data.get("services"), dict):
        raise IngestError(f"{path}: expected version {_SCHEMA_VERSION} with a 'services' object")
    entries = [
        (alias, name)
        for name, aliases in data["services"].items()
        for alias in aliases
        if isinstance(alias, str) and alias.strip()
    ]
    entries.sort(key=lambda entry: len(entry[0]), reverse=True)
    return ServiceCatalog(tuple((_pattern(alias), name) for alias, name in entries))
