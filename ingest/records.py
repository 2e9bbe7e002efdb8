"""Typed records that a parsed study guide is made of.

Everything here is a frozen dataclass: records cross module boundaries (parser -> graph -> tutor)
and must not change on the way.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

PATH_SEP = " > "


@dataclass(frozen=True)
class Section:
    """A heading; ``path`` holds the headings from the top: ("Key Concepts", "Storage")."""

    path: tuple[str, ...]
    line: int
    text: str = ""

    @property
    def name(self) -> str:
        return PATH_SEP.join(self.path)

    @property
    def title(self) -> str:
        return self.path[-1]


@dataclass(frozen=True)
class MisconceptionPair:
    """A Wrong/Right pair, owned by an item or a worked scenario (``owner`` is its title)."""

    wrong: str
    right: str
    owner: str
    section: str
    line: int
    services: tuple[str, ...] = ()
    disputed: str = ""  # why a careful reader could argue the pair either way (``ingest.errata``)


@dataclass(frozen=True)
class Item:
    """A numbered or bulleted concept with a description, e.g. "EFS Integration".

    ``kind`` says which layout it came from: "concept" (numbered item) or "practice" (bulleted
    sub-item under a numbered group).
    """

    title: str
    description: str
    kind: str
    section: str
    line: int
    example: str = ""
    services: tuple[str, ...] = ()
    source: str = ""  # where its facts come from, as the guide wrote it: "Title (https://...)"
    correction: str = ""  # what has changed since the guide was written (``ingest.errata``)
    guide: str = ""  # the title of its guide, in guides studied together (``ingest.merge``)


@dataclass(frozen=True)
class Step:
    """One numbered step of a worked scenario's solution."""

    number: int
    title: str
    text: str
    line: int
    services: tuple[str, ...] = ()
    correction: str = ""  # what has changed since the guide was written (``ingest.errata``)


@dataclass(frozen=True)
class Scenario:
    """A worked scenario: the problem, the solution steps, and what it mentions."""

    title: str
    problem: str
    section: str
    line: int
    steps: tuple[Step, ...] = ()
    services: tuple[str, ...] = ()
    source: str = ""
    correction: str = ""
    guide: str = ""


@dataclass(frozen=True)
class Guide:
    """A whole parsed guide, or several studied together (``ingest.merge``): then ``parts``
    holds their titles, in order."""

    title: str
    source: str
    sections: tuple[Section, ...]
    items: tuple[Item, ...]
    scenarios: tuple[Scenario, ...]
    pairs: tuple[MisconceptionPair, ...]
    services: tuple[str, ...] = field(default=())
    parts: tuple[str, ...] = ()

    def items_in(self, section: str) -> list[Item]:
        return [item for item in self.items if item.section == section]

    def pairs_of(self, owner: str) -> list[MisconceptionPair]:
        return [pair for pair in self.pairs if pair.owner == owner]


GUIDE_FORMAT = "ecs-tutor guide records v1"


def guide_to_dict(guide: Guide) -> dict:
    """The guide as plain JSON-ready data (``guide_from_dict`` reads it back), with its format."""
    return {"format": GUIDE_FORMAT, **asdict(guide)}


def guide_from_dict(data: dict) -> Guide:
    """The ``Guide`` that ``guide_to_dict`` wrote; ``ValueError`` for anything else."""
    if not isinstance(data, dict) or data.get("format") != GUIDE_FORMAT:
        raise ValueError(f"not {GUIDE_FORMAT!r} data")
    try:
        return Guide(
            title=data["title"],
            source=data["source"],
            sections=tuple(
                Section(tuple(s["path"]), s["line"], s["text"]) for s in data["sections"]
            ),
            items=tuple(Item(**_tupled(i)) for i in data["items"]),
            scenarios=tuple(
                Scenario(**_tupled(s, steps=tuple(Step(**_tupled(t)) for t in s["steps"])))
                for s in data["scenarios"]
            ),
            pairs=tuple(MisconceptionPair(**_tupled(p)) for p in data["pairs"]),
            services=tuple(data["services"]),
            parts=tuple(data.get("parts", ())),
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"not {GUIDE_FORMAT!r} data: {exc}") from None


def _tupled(record: dict, **replaced) -> dict:
    """A record's fields with its ``services`` list made a tuple again (JSON has no tuples)."""
    return {**record, "services": tuple(record["services"]), **replaced}
