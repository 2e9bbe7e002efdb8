"""Corrections to a guide, kept as data beside it: where AWS has changed since it was written.

``data/guides/ecs.errata.json`` holds, per item or worked scenario, what the guide says, what is
true now, since when, and the AWS documentation page that says so; where the item's Right or
Wrong statement itself is stale, the statement to use instead; and, where the guide states the
mistake outside its pairs (a worked scenario's step), an optional ``pair`` that names it, added
to the item's pairs so that check judges a claim by what is true now, and ``steps``, the numbers
of the steps whose text is stale: they carry the correction themselves, and no quiz card is made
of them (a card would drill the stale sentence); and ``example``, an item's example scenario as it
is true now, where the guide's own would show the stale fact at work. ``corrected(guide,
corrections)`` gives the guide as the tutor teaches it: every statement replaced, every added
pair in place, and each corrected item carrying its correction in words, so that answers,
verdicts, the map, quiz cards and Anki notes all say what changed. An optional ``disputed`` list
names pairs that are not wrong enough to correct but that a careful reader could argue either
way: they stay in the guide and are never made options of a practice exam.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import IngestError
from .parser import read_guide
from .records import Guide, Item, MisconceptionPair, Scenario
from .services import ServiceCatalog

FORMAT = "ecs-tutor errata v1"


@dataclass(frozen=True)
class Correction:
    """One correction: ``item`` is the title of the item or worked scenario it corrects."""

    item: str
    says: str
    now: str
    since: str | None
    source_title: str
    source_url: str
    right: str | None = None
    wrong: str | None = None
    pair: tuple[str, str] | None = None  # (wrong, right): a pair the guide lacks, to add
    steps: tuple[int, ...] = ()  # the worked scenario's steps whose text is stale
    example: str | None = None  # the item's example scenario as it is true now

    @property
    def text(self) -> str:
        """The correction in one paragraph, as every front end shows it."""
        when = f" (changed {self.since})" if self.since else ""
        return (
            f"True now{when}: {self.now} The guide says: {self.says} "
            f"Source: {self.source_title} ({self.source_url})"
        )


def errata_path(guide_path: Path | str) -> Path:
    """Where a guide's corrections live: ``ecs.md`` -> ``ecs.errata.json``."""
    path = Path(guide_path)
    return path.with_name(f"{path.stem}.errata.json")


def load_errata(path: Path | str, guide: Guide) -> tuple[Correction, ...]:
    """The corrections in ``path`` (none if there is no such file); ``IngestError`` naming the
    file for one that is not errata or names an item the guide does not have."""
    path = Path(path)
    if not path.is_file():
        return ()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"format is not {FORMAT!r}")
        found = tuple(_correction(entry) for entry in data["corrections"])
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise IngestError(f"{path.name}: not a guide's errata ({exc})") from None
    items = {item.title for item in guide.items}
    steps = {s.title: {step.number for step in s.steps} for s in guide.scenarios}
    for correction in found:
        if correction.item not in items | set(steps):
            raise IngestError(f"{path.name}: no item {correction.item!r} in the guide to correct")
        if correction.example and correction.item not in items:
            raise IngestError(
                f"{path.name}: {correction.item!r} is a worked scenario: correct its steps, "
                "not an example"
            )
        if missing := set(correction.steps) - steps.get(correction.item, set()):
            raise IngestError(
                f"{path.name}: {correction.item!r} has no step {min(missing)} to correct"
            )
    return found


def _correction(entry: dict) -> Correction:
    texts = [entry[key] for key in ("item", "says", "now")]
    if not all(isinstance(text, str) and text.strip() for text in texts):
        raise ValueError("item, says and now must be text")
    item, says, now = texts
    return Correction(
        item,
        says,
        now,
        since=entry.get("since"),
        source_title=entry["source"]["title"],
        source_url=entry["source"]["url"],
        right=entry.get("right"),
        wrong=entry.get("wrong"),
        pair=_added_pair(entry.get("pair")),
        steps=_steps(entry.get("steps", [])),
        example=_text_or_none(entry.get("example"), "example"),
    )


def _text_or_none(entry: object, key: str) -> str | None:
    """An optional text field of a correction, stripped; None where it is not given."""
    if entry is None:
        return None
    if not isinstance(entry, str) or not entry.strip():
        raise ValueError(f"a correction's {key} must be text")
    return entry.strip()


def _steps(entry: object) -> tuple[int, ...]:
    """A correction's ``steps`` (a list of step numbers) as a tuple."""
    if not isinstance(entry, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in entry
    ):
        raise ValueError("a correction's steps must be a list of step numbers")
    return tuple(entry)


def _added_pair(entry: object) -> tuple[str, str] | None:
    """A correction's ``pair`` ({"wrong": ..., "right": ...}) as (wrong, right), or None."""
    if entry is None:
        return None
    if not isinstance(entry, dict):
        raise ValueError("a correction's pair must be an object with wrong and right")
    wrong, right = entry.get("wrong"), entry.get("right")
    if not (isinstance(wrong, str) and isinstance(right, str) and wrong.strip() and right.strip()):
        raise ValueError("a correction's pair needs a wrong and a right statement, as text")
    return wrong.strip(), right.strip()


def corrected(
    guide: Guide, corrections: tuple[Correction, ...], catalog: ServiceCatalog | None = None
) -> Guide:
    """``guide`` as it is true now: each corrected item's pair statements and example replaced,
    each added pair after the item's own (the services of both read with ``catalog``), and its
    correction's words kept on the item (``Item.correction``, ``Scenario.correction``) and on
    each stale step."""
    if not corrections:
        return guide
    by_item = {correction.item: correction for correction in corrections}

    def pair(p):
        fix = by_item.get(p.owner)
        if fix is None:
            return p
        return replace(p, right=fix.right or p.right, wrong=fix.wrong or p.wrong)

    added = _added_pairs(guide, corrections, catalog)
    return replace(
        guide,
        items=tuple(
            _corrected_item(i, by_item[i.title], catalog) if i.title in by_item else i
            for i in guide.items
        ),
        scenarios=tuple(
            _corrected_scenario(s, by_item[s.title]) if s.title in by_item else s
            for s in guide.scenarios
        ),
        pairs=tuple(pair(p) for p in guide.pairs) + added,
        services=tuple(dict.fromkeys([*guide.services, *(s for p in added for s in p.services)])),
    )


def _corrected_item(item: Item, correction: Correction, catalog: ServiceCatalog | None) -> Item:
    if not correction.example:
        return replace(item, correction=correction.text)
    example = correction.example
    services = catalog.of_item(item.title, item.description, example) if catalog else item.services
    return replace(item, correction=correction.text, example=example, services=services)


def _corrected_scenario(scenario: Scenario, correction: Correction) -> Scenario:
    steps = tuple(
        replace(step, correction=correction.text) if step.number in correction.steps else step
        for step in scenario.steps
    )
    return replace(scenario, correction=correction.text, steps=steps)


def _added_pairs(
    guide: Guide, corrections: tuple[Correction, ...], catalog: ServiceCatalog | None
) -> tuple[MisconceptionPair, ...]:
    """The pairs the corrections add, each owned by the item or worked scenario it corrects
    and placed at its line."""
    owners = {item.title: (item.section, item.line) for item in guide.items}
    owners.update({s.title: (s.section, s.line) for s in guide.scenarios})
    added = []
    for correction in corrections:
        if correction.pair is None:
            continue
        wrong, right = correction.pair
        section, line = owners[correction.item]
        services = catalog.mentions(f"{wrong} {right}") if catalog else ()
        added.append(MisconceptionPair(wrong, right, correction.item, section, line, services))
    return tuple(added)


def load_disputes(path: Path | str, guide: Guide) -> dict[str, str]:
    """The pairs a careful reader could argue either way, from the errata's optional
    ``disputed`` list: owner title -> why. Not wrong enough to correct, too open to make an exam
    option of. ``IngestError`` as for ``load_errata``."""
    path = Path(path)
    if not path.is_file():
        return {}
    try:
        entries = json.loads(path.read_text(encoding="utf-8")).get("disputed", [])
        found = {entry["item"]: entry["why"] for entry in entries}
        if not all(isinstance(v, str) and v.strip() for v in [*found, *found.values()]):
            raise ValueError("a dispute's item and why must be text")
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise IngestError(f"{path.name}: not a guide's errata ({exc})") from None
    owners = {pair.owner for pair in guide.pairs}
    for item in found:
        if item not in owners:
            raise IngestError(f"{path.name}: no pair of {item!r} in the guide to dispute")
    return found


def disputed(guide: Guide, disputes: dict[str, str], written: Guide) -> Guide:
    """``guide`` with each disputed pair saying why (``MisconceptionPair.disputed``): the pairs
    of a disputed owner that ``written`` (the guide as written) has, never a pair the corrections
    added to it (the Batch scenario's S3 pair says what is true now; its Fargate pair is what can
    be argued). A guide's own pairs come first among an owner's pairs, the added ones after, so
    they are found by position: a correction may rewrite a disputed pair's Wrong."""
    if not disputes:
        return guide
    own = {owner: len(written.pairs_of(owner)) for owner in disputes}
    seen: dict[str, int] = {}
    pairs = []
    for pair in guide.pairs:
        position = seen[pair.owner] = seen.get(pair.owner, 0) + 1
        if pair.owner in disputes and position <= own[pair.owner]:
            pair = replace(pair, disputed=disputes[pair.owner])
        pairs.append(pair)
    return replace(guide, pairs=tuple(pairs))


def read_studied_guide(path: Path | str, *, catalog: ServiceCatalog | None = None) -> Guide:
    """The guide at ``path`` with the corrections kept beside it applied: what the tutor teaches."""
    guide = read_guide(path, catalog=catalog)
    errata = errata_path(path)
    fixed = corrected(guide, load_errata(errata, guide), catalog)
    return disputed(fixed, load_disputes(errata, guide), guide)
