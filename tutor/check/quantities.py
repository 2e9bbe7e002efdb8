"""The quantities a text states ("4 vCPU", "two-minute warning", "up to 200 GiB"), read so that a
claim's numbers can be held against the guides' own.

The embedding hardly tells 4 from 16: "a Fargate task can have at most 4 vCPU" sits as close to the
guide's Right statement ("up to 16 vCPU") as to its Wrong one ("tops out at 4 vCPU"). A number is
the one part of a claim that can be compared exactly, so the checker reads them itself.

A quantity is a value with its unit, the unit being what follows the number: a known unit is
brought to one scale (minutes to seconds, MiB to GB; "GiB" and "GB" are read alike, as learners
write them), any other word is kept as it is ("5000 services"). A number with no word after it
has no unit and matches any quantity of the same value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tutor.check.cues import clauses, normalise, polarity

# Number words a learner writes instead of digits; "one" is left out, being also a pronoun ("no
# one", "the one that fails").
_WORD_VALUES = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "ninety": 90,
    "hundred": 100,
    "thousand": 1000,
}

# unit word -> (unit, factor to the unit's scale)
_UNITS = {
    "vcpu": ("vcpu", 1.0),
    "vcpus": ("vcpu", 1.0),
    "cpu": ("vcpu", 1.0),
    "cpus": ("vcpu", 1.0),
    "core": ("vcpu", 1.0),
    "cores": ("vcpu", 1.0),
    "gb": ("gb", 1.0),
    "gib": ("gb", 1.0),
    "gigabyte": ("gb", 1.0),
    "gigabytes": ("gb", 1.0),
    "mb": ("gb", 1 / 1024),
    "mib": ("gb", 1 / 1024),
    "megabyte": ("gb", 1 / 1024),
    "megabytes": ("gb", 1 / 1024),
    "tb": ("gb", 1024.0),
    "tib": ("gb", 1024.0),
    "s": ("second", 1.0),
    "sec": ("second", 1.0),
    "secs": ("second", 1.0),
    "second": ("second", 1.0),
    "seconds": ("second", 1.0),
    "min": ("second", 60.0),
    "mins": ("second", 60.0),
    "minute": ("second", 60.0),
    "minutes": ("second", 60.0),
    "hour": ("second", 3600.0),
    "hours": ("second", 3600.0),
    "hr": ("second", 3600.0),
    "hrs": ("second", 3600.0),
    "day": ("second", 86400.0),
    "days": ("second", 86400.0),
    "%": ("percent", 1.0),
    "percent": ("percent", 1.0),
    "per cent": ("percent", 1.0),
}

_WORD = "|".join(sorted(_WORD_VALUES, key=len, reverse=True))
# A version ("1.4.0") is one token; a number may be written with thousands separators ("5,000").
_QUANTITY = re.compile(
    rf"(?<![\w.])(?P<value>\d+(?:\.\d+)+|\d{{1,3}}(?:,\d{{3}})+|\d+|(?:{_WORD})\b)"
    r"(?:[\s-]*(?P<unit>%|per cent\b|[a-z]+\b))?",
    re.IGNORECASE,
)
# Words after a number that are no unit: "2 of them", "4 or 16", "16 to 120".
_NOT_UNITS = frozenset(
    "a an and are as at by for from in is it of on or than the to up vs was were with".split()
)


@dataclass(frozen=True)
class Quantity:
    """A value on its unit's scale; ``unit`` is None for a bare number, and ``version`` keeps a
    dotted version as written."""

    value: float
    unit: str | None = None
    version: str | None = None
    text: str = field(default="", compare=False)  # as written: "5,000 services"

    def matches(self, other: Quantity) -> bool:
        """The same value, and the same unit unless one of them has none."""
        if self.version or other.version:
            return self.version == other.version
        units = self.unit is None or other.unit is None or self.unit == other.unit
        return units and abs(self.value - other.value) <= 1e-9 * max(1.0, abs(self.value))


def quantities(text: str) -> tuple[Quantity, ...]:
    """The quantities ``text`` states, in order."""
    found = []
    for match in _QUANTITY.finditer(text):
        raw, unit_word = match["value"].lower(), (match["unit"] or "").lower()
        written = match.group(0)
        if raw.count(".") > 1:
            found.append(Quantity(0.0, "version", raw, match["value"]))
            continue
        value = float(_WORD_VALUES.get(raw) or raw.replace(",", ""))
        if unit_word in _UNITS:
            unit, factor = _UNITS[unit_word]
            found.append(Quantity(value * factor, unit, text=written))
        elif unit_word and unit_word not in _NOT_UNITS:
            found.append(Quantity(value, unit_word.removesuffix("s"), text=written))
        else:
            found.append(Quantity(value, text=match["value"]))
    return tuple(found)


def unstated(claim: tuple[Quantity, ...], stated: tuple[Quantity, ...]) -> tuple[Quantity, ...]:
    """The claim's quantities that none of ``stated`` matches."""
    return tuple(q for q in claim if not any(q.matches(s) for s in stated))


# What a bound says of a quantity: "at most 4 vCPU" (the most is 4), "more than 4 vCPU" (the most
# is above 4), "at least 20 GiB" (the least is 20).
MOST, ABOVE, LEAST = "most", "above", "least"
_FLIPPED = {MOST: ABOVE, ABOVE: MOST}  # "can't go past 4 vCPU" is "at most 4 vCPU"

_BOUND_WORDS = {
    MOST: re.compile(
        r"\b(?:at most|(?<!round )(?<!rounds )(?<!rounded )up to|tops? out at|max(?:es)? out at"
        r"|max(?:imum)?(?: of| is)?|limited to|capped at|a (?:cap|limit|ceiling) of"
        r"|as (?:much|many|long|large|big|high) as)\s*$",
        re.I,
    ),
    ABOVE: re.compile(
        r"\b(?:more than|over|beyond|past|above|exceeds?|exceeding|(?:larger|greater|bigger"
        r"|longer|higher) than)\s*$",
        re.I,
    ),
    LEAST: re.compile(r"\b(?:at least|a minimum of|minimum(?: of| is)?)\s*$", re.I),
}
# "the 200 GiB maximum", "20 GiB minimum": the bound word after the quantity
_BOUND_AFTER = {
    MOST: re.compile(r"^\s*(?:maximum|max|limit|cap|ceiling)\b", re.I),
    LEAST: re.compile(r"^\s*(?:minimum|min)\b", re.I),
}
_JOINED = re.compile(r"^\s*(?:,|and|with|/|or)\s*(?:and\s+)?$", re.I)  # "4 vCPU and 30 GB"


@dataclass(frozen=True)
class Bound:
    kind: str  # MOST, ABOVE or LEAST
    quantity: Quantity

    def agrees(self, other: Bound) -> bool | None:
        """Whether this bound, claimed, holds where ``other`` is stated; None when the two
        cannot be compared (other units, or bounds of kinds that do not meet)."""
        mine, theirs = self.quantity, other.quantity
        if (
            mine.version
            or theirs.version
            or mine.unit != theirs.unit
            and None
            not in (
                mine.unit,
                theirs.unit,
            )
        ):
            return None
        kinds = (self.kind, other.kind)
        if kinds in ((MOST, MOST), (LEAST, LEAST)):
            return mine.matches(theirs)
        if kinds == (ABOVE, MOST):
            return theirs.value > mine.value
        if kinds == (MOST, ABOVE):
            return mine.value > theirs.value
        return None


def bounds(text: str, negated: bool = False) -> tuple[Bound, ...]:
    """The bounds ``text`` states; ``negated``: the text is said to be false, which turns "at
    most" into "more than" and back (a negated "at least" says nothing usable)."""
    found: list[Bound] = []
    last_end, last_kind = None, None
    for match in _QUANTITY.finditer(text):
        before = text[max(0, match.start() - 24) : match.start()]  # the longest bound words
        after = text[match.end() : match.end() + 12]
        kind = next((k for k, pattern in _BOUND_WORDS.items() if pattern.search(before)), None)
        kind = kind or next(
            (k for k, pattern in _BOUND_AFTER.items() if pattern.match(after)), None
        )
        if kind is None and last_kind and _JOINED.match(text[last_end : match.start()]):
            kind = last_kind  # "tops out at 4 vCPU and 30 GB": 30 GB is bounded too
        last_end, last_kind = match.end(), kind
        if kind is None:
            continue
        if negated:
            if kind not in _FLIPPED:
                continue
            kind = _FLIPPED[kind]
        found.extend(Bound(kind, q) for q in quantities(match.group(0))[:1])
    return tuple(found)


def bound_side(claim: tuple[Bound, ...], statements: dict[str, tuple[Bound, ...]]) -> str | None:
    """The one statement (of ``statements``, side -> its bounds) that the claim's bounds agree
    with while they contradict the other; None unless that is clear."""
    sides = set()
    for bound in claim:
        held = {}
        for side, stated in statements.items():
            said = [bound.agrees(other) for other in stated]
            said = [s for s in said if s is not None]
            held[side] = any(said) if said else None
        agreeing = [side for side, ok in held.items() if ok]
        if len(agreeing) == 1 and all(ok is False for side, ok in held.items() if ok is not True):
            sides.add(agreeing[0])
    return sides.pop() if len(sides) == 1 else None


def stated_bounds(text: str) -> tuple[Bound, ...]:
    """The bounds a claim or statement asserts, clause by clause, each clause's negations
    applied ("no task can go past 4 vCPU" asserts at most 4 vCPU)."""
    return tuple(
        bound
        for part in clauses(text)
        for bound in bounds(normalise(part), negated=polarity(part)[0] % 2 == 1)
    )
