"""The quantities a text states ("4 vCPU", "two-minute warning", "up to 200 GiB"), read so that a
claim's numbers can be held against the guides' own.

The embedding hardly tells 4 from 16: "a Fargate task can have at most 4 vCPU" sits as close to the
guide's Right statement ("up to 16 vCPU") as to its Wrong one ("tops out at 4 vCPU"). A number is
the one part of a claim that can be compared exactly, so the checker reads them itself.

A quantity is a value with its unit, when the word after the number is a known unit, brought to
one scale (minutes to seconds, MiB to GB; "GiB" and "GB" are read alike, as learners write them).
A year of the calendar, a month or a date ("in 2027", "October 2026", "30 September 2026") is a
quantity of its own kind (``_calendar``). Any other number has no unit ("5000 services", "1 old
task": the word after a number is as often an adjective as what is counted) and matches any
quantity of the same value.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from functools import lru_cache

from tutor.check.cues import (
    FALSITY_FRAME,
    FUNCTION_WORDS,
    NOT_TRUE,
    clauses,
    normalise,
    polarity,
    singular,
    tokens,
)

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
_DIGIT_WORDS = {"one": 1, **{w: v for w, v in _WORD_VALUES.items() if v < 10}}
_TENS = {w: v for w, v in _WORD_VALUES.items() if v in (20, 30, 40, 50, 60, 90)}
_MULTIPLIERS = {"hundred": 100, "thousand": 1000, "million": 1_000_000}

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
    "ms": ("second", 0.001),
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
    "year": ("second", 31_536_000.0),
    "years": ("second", 31_536_000.0),
    "%": ("percent", 1.0),
    "percent": ("percent", 1.0),
    "per cent": ("percent", 1.0),
}

_WORD = "|".join(sorted(_WORD_VALUES, key=len, reverse=True))
_TEN = "|".join(_TENS)
_DIGIT = "|".join(_DIGIT_WORDS)
_MULTIPLIER = "|".join(_MULTIPLIERS)
# "one" is a number only before a unit of time: "a one-year commitment", "one minute" ("one day"
# and "one core idea" are no figures).
_ONE_UNITS = r"(?:year|hour|minute|second)s?"
# A version ("1.4.0") is one token; a number may be written with thousands separators ("5,000"),
# as a compound ("twenty-five") or with a multiplier ("ten thousand").
_QUANTITY = re.compile(
    rf"(?<![\w.])(?P<value>\d+(?:\.\d+)+|\d{{1,3}}(?:,\d{{3}})+|\d+"
    rf"|(?:{_TEN})[\s-](?:{_DIGIT})\b|(?:{_WORD})\b|one(?=[\s-]+{_ONE_UNITS}\b))"
    rf"(?:[\s-]+(?P<times>{_MULTIPLIER})\b)?"
    r"(?:[\s-]*(?P<unit>%|per cent\b|[a-z]+\b))?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Quantity:
    """A value on its unit's scale; ``unit`` is None for a bare number, and ``version`` keeps a
    dotted version as written."""

    value: float
    unit: str | None = None
    version: str | None = None
    text: str = field(default="", compare=False)  # as written: "5,000 services"
    # What a count read as one ("only one provider", "two capacity providers" after "can") counts:
    # the word after it and the next, singular; empty for any other number, whose next word is as
    # often an adjective as what is counted.
    counted: frozenset[str] = field(default=frozenset(), compare=False)
    # ... and the other words its text says of its topic ("base" in "a base for two providers").
    context: frozenset[str] = field(default=frozenset(), compare=False)

    def comparable(self, other: Quantity) -> bool:
        """Neither is a version, and both have the same unit or one has none; a count compares
        only with a count of the same thing said in a text of the same topic ("only one provider
        may set the base" is no limit on the providers a strategy lists)."""
        if self.version or other.version:
            return False
        if self.counted or other.counted:
            bare = self.unit is None and other.unit is None
            return bare and bool(self.counted & other.counted and self.context & other.context)
        return self.unit is None or other.unit is None or self.unit == other.unit

    def matches(self, other: Quantity) -> bool:
        """The same version, or the same value in comparable units."""
        if self.version or other.version:
            return self.version == other.version
        close = abs(self.value - other.value) <= 1e-9 * max(1.0, abs(self.value))
        return self.comparable(other) and close


_SURE = re.compile(r"\s*(?:sure|certain|confident|positive)\b", re.I)

# A year of the calendar ("in 2027", "until 2028", "30 September 2026") is a figure a claim can
# get wrong, unlike a bare count. A four-digit number from 1900 to 2099 is a year after a month
# ("September 2026", "30 Sep 2026", "September 30, 2026"), or after a word that puts a time on
# it ("since", "until", "in", "late" ...) when no word it could count follows ("ends in 2027."
# but not "in 2000 tasks"), or written as a date ("2026-09-30"). A month gives the month too
# (``MONTH``: 202609) and a day the date (``DATE``: 20260930), each held against its own kind.
CALENDAR_YEAR, MONTH, DATE = "calendar year", "month", "date"
_MONTH_NUMBERS = {
    name: number
    for number, name in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)
}
_MONTH_NAME = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
_BEFORE_YEAR = re.compile(
    r"(?:(?:\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?)?"  # "30 September", "30th of Sep"
    rf"\b{_MONTH_NAME}"
    r"(?:\s+(?P<day_after>\d{1,2})(?:st|nd|rd|th)?)?,?"  # "September 30,"
    r"|\b(?P<lead>in|since|until|till|before|after|during|early|late|mid"
    r"|(?:the\s+)?(?:end|start|beginning|middle)\s+of))"
    r"[\s-]+$",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?:19|20)\d\d")
_ISO_DATE = re.compile(r"\d{4}(?P<mark>[-/])(?P<month>\d\d)(?P=mark)(?P<day>\d\d)\b")
_BEFORE_YEAR_CHARS = 30  # "30th of September," and more
_AFTER_YEAR = re.compile(r"\s*(?P<word>[a-z]+)", re.IGNORECASE)


def _calendar(text: str, match: re.Match) -> tuple[Quantity, ...]:
    """The year, and the month and the date where they are given, that ``match`` (of
    ``_QUANTITY``, with no unit) states; none if it is no year of the calendar."""
    if not _YEAR.fullmatch(match["value"]):
        return ()
    year, written = int(match["value"]), match["value"]
    month = day = 0
    if iso := _ISO_DATE.match(text, match.start("value")):
        month, day, written = int(iso["month"]), int(iso["day"]), iso.group(0)
    elif before := _BEFORE_YEAR.search(
        text, max(0, match.start() - _BEFORE_YEAR_CHARS), match.start()
    ):
        if before["lead"]:  # "ends in 2027", not "in 2000 tasks"
            after = _AFTER_YEAR.match(text, match.end("value"))
            if after and after["word"].lower() not in FUNCTION_WORDS:
                return ()
        else:
            month = _MONTH_NUMBERS[before["month"][:3].lower()]
            day = int(before["day"] or before["day_after"] or 0)
            written = " ".join((before.group(0) + written).split())
    else:
        return ()
    found = [Quantity(year, CALENDAR_YEAR, text=written)]
    if 1 <= month <= 12:
        found.append(Quantity(year * 100 + month, MONTH, text=written))
        if 1 <= day <= 31:
            found.append(Quantity(year * 10_000 + month * 100 + day, DATE, text=written))
    return tuple(found)


def quantities(text: str) -> tuple[Quantity, ...]:
    """The quantities ``text`` states, in order."""
    found = []
    for match in _QUANTITY.finditer(text):
        raw, unit_word = match["value"].lower(), (match["unit"] or "").lower()
        if raw.count(".") > 1:
            found.append(Quantity(0.0, "version", raw, match["value"]))
            continue
        if unit_word == "%" and _SURE.match(text, match.end()):
            continue  # "100% sure" is no figure
        if unit_word not in _UNITS and (calendar := _calendar(text, match)):
            found.extend(calendar)
            continue
        value = _value(raw) * _MULTIPLIERS.get((match["times"] or "").lower(), 1)
        written = match.group(0)  # with the word after it, unit or not: "5000 services"
        if unit_word in _UNITS:
            unit, factor = _UNITS[unit_word]
            found.append(Quantity(value * factor, unit, text=written))
        else:
            found.append(Quantity(value, text=written))
    return tuple(found)


def _value(raw: str) -> float:
    """ "5,000" -> 5000, "twenty-five" -> 25, "two" -> 2."""
    words = re.split(r"[\s-]+", raw)
    if len(words) == 2:  # a compound of tens and a digit
        return float(_TENS[words[0]] + _DIGIT_WORDS[words[1]])
    return float(_WORD_VALUES.get(raw) or _DIGIT_WORDS.get(raw) or raw.replace(",", ""))


# What a bound says of a quantity: "at most 4 vCPU" (the most is 4), "more than 4 vCPU" (the most
# is above 4), "at least 20 GiB" (the least is 20), "can use 32 vCPU" (the most reaches 32) and
# "can't use 32 vCPU" (the most is under 32); and a default ("defaults to 2 hours"), which is held
# only against another default.
MOST, ABOVE, LEAST, REACH, UNDER = "most", "above", "least", "reach", "under"
DEFAULT = "default"
# "can't go past 4 vCPU" is "at most 4 vCPU"; "can't have two providers" is "under two"
_FLIPPED = {MOST: ABOVE, ABOVE: MOST, REACH: UNDER, UNDER: REACH}

_BOUND_WORDS = {
    MOST: re.compile(
        r"\b(?:at most|(?<!round )(?<!rounds )(?<!rounded )up to|tops? out at|max(?:es)? out at"
        r"|max(?:imum)?(?: of| is)?|limited to|capped at|a (?:cap|limit|ceiling) of"
        r"|as (?:much|many|long|large|big|high) as|within)\s*$",
        re.I,
    ),
    ABOVE: re.compile(
        r"\b(?:more than|over|beyond|past|above|exceeds?|exceeding|(?:larger|greater|bigger"
        r"|longer|higher) than)\s*$",
        re.I,
    ),
    LEAST: re.compile(
        r"\b(?:at least|a minimum of|minimum(?: of| is)?|as (?:little|few|low|small) as"
        r"|starts? (?:out )?at|starting (?:out )?at)\s*$",
        re.I,
    ),
    DEFAULT: re.compile(
        r"\b(?:defaults? to|(?:a|the) default (?:of|is)|by default(?: is)?)\s*$", re.I
    ),
}
# A range states both ends: "from 1 minute to 48 hours", "between 2 and 4 GB".
_RANGE_OPENS = re.compile(r"\b(?:from|between)\s*$", re.I)
_RANGE_JOINS = re.compile(r"^\s*(?:(?:up\s+)?to|and|-)\s*$", re.I)
# The bound words after the quantity: "the 200 GiB maximum", "4 vCPU at most", "2 or more"
_BOUND_AFTER = {
    MOST: re.compile(r"^\s*(?:maximum|max|limit|cap|ceiling|at most|or (?:less|fewer))\b", re.I),
    LEAST: re.compile(r"^\s*(?:minimum|at least|or more)\b", re.I),
    DEFAULT: re.compile(r"^\s*(?:by default|default)\b", re.I),
}
# A bound named before its subject and given after a verb: "the max you can set it to is 2 hours",
# "the default timeout on Fargate is 30 seconds".
_NAMED = r"\b[^,;:.]{0,50}?\s(?:is|are|was|will be|would be)\s*$"
_BOUND_NAMED = {
    MOST: re.compile(
        r"\b(?:max|maximum|longest|largest|highest|biggest|upper limit)" + _NAMED, re.I
    ),
    LEAST: re.compile(r"\b(?:min|minimum|shortest|smallest|lowest|lower limit)" + _NAMED, re.I),
    DEFAULT: re.compile(r"\bdefault" + _NAMED, re.I),
}
_JOINED = re.compile(r"^\s*(?:,|and|with|/|or)\s*(?:and\s+)?$", re.I)  # "4 vCPU and 30 GB"
# Where a negation stops reaching a bound after it: "Fargate never needs EC2 and maxes out at
# 4 vCPU" bounds nothing negated.
_REACH_ENDS = re.compile(r"[,;:]|\b(?:and|but|while|whereas|because|so|which|who)\b", re.I)
_REACH_WORDS = 4  # "can't ever be given more than": the negation's verb group
_NEGATED_SUBJECT = re.compile(r"^\s*(?:no|none of the|not a single|not one)\b", re.I)
# What a quantity with no bound word means after "can" or "supports": that the most reaches it
# ("a task can use 32 vCPU"); not after a word that gives it another sense ("can stop within
# 30 seconds"). "support" is a verb only after "not", "to" and the like ("App Mesh support ends").
_MODAL = re.compile(
    r"(?:\b(?:can|could|able to|supports|allows|lets|accepts)"
    r"|(?:n't|\bnot|\bto|\bwill|\bwould|\bdoes|\bdo)\s+(?:support|allow|let|accept))\b",
    re.I,
)
_OTHER_SENSE = re.compile(
    r"\b(?:within|in|after|before|every|each|per|by|at|for|of|under|below|than|about|around"
    r"|exactly|only|just)\s*$",
    re.I,
)
_MODAL_WORDS = 5  # "can give a base to two providers"
# Counts written without a number: "only one provider" is at most one, "multiple providers" reaches
# two. What is counted is the word after.
_COUNTED = r"\s+(?P<counted>[a-z][a-z-]+(?:\s+[a-z][a-z-]+)?)"
_ONLY_ONE = re.compile(
    r"(?<!more than )(?<!other than )"
    r"\b(?:(?:only|just)(?:\s+[a-z]+){0,3}?|exactly|at most|no more than)\s+(?:one|a single)"
    + _COUNTED,
    re.I,
)
_MANY = re.compile(r"\b(?:multiple|several|more than one|two or more)" + _COUNTED, re.I)
_NOT_COUNTED = FUNCTION_WORDS | {"time", "times"}


@dataclass(frozen=True)
class Bound:
    """What a text asserts of a quantity: its most (``MOST``), that its most is above it
    (``ABOVE``), reaches it (``REACH``) or is under it (``UNDER``), its least (``LEAST``), or its
    default (``DEFAULT``)."""

    kind: str
    quantity: Quantity

    def agrees(self, other: Bound) -> bool | None:
        """Whether this bound, claimed, holds where ``other`` is stated; None when the two
        cannot be compared (other units, or bounds of kinds that do not meet)."""
        mine, theirs = self.quantity, other.quantity
        if not mine.comparable(theirs):
            return None
        if self.kind == other.kind and self.kind in (MOST, LEAST, DEFAULT):
            return mine.matches(theirs)
        rule = _AGREES.get((self.kind, other.kind))
        return rule(mine.value, theirs.value) if rule else None


# Whether a claimed bound on the most (first kind, its value a) holds where a statement gives
# another (second kind, value b): True, False, or None when the two leave it open ("can use
# 8 vCPU" against "more than 4 vCPU").
_AGREES = {
    (ABOVE, MOST): lambda a, b: b > a,
    (MOST, ABOVE): lambda a, b: a > b,
    (MOST, REACH): lambda a, b: a >= b,
    (MOST, UNDER): lambda a, b: a < b,
    (REACH, MOST): lambda a, b: b >= a,
    (REACH, ABOVE): lambda a, b: True if a <= b else None,
    (REACH, REACH): lambda a, b: True if a <= b else None,
    (REACH, UNDER): lambda a, b: False if a >= b else None,
    (UNDER, MOST): lambda a, b: b < a,
    (UNDER, ABOVE): lambda a, b: False if b >= a else None,
    (UNDER, REACH): lambda a, b: False if b >= a else None,
    (UNDER, UNDER): lambda a, b: True if a >= b else None,
    (ABOVE, UNDER): lambda a, b: False if a >= b else None,
    (ABOVE, ABOVE): lambda a, b: True if a <= b else None,
    (ABOVE, REACH): lambda a, b: True if a < b else None,
}


def stated_bounds(text: str) -> tuple[Bound, ...]:
    """The bounds a claim or statement asserts, clause by clause, each turned by the negations
    that reach it: a falsity frame over the clause ("it's not true that Fargate tops out at
    4 vCPU"), a negated subject ("no task can go past 4 vCPU") or a negation in the few words
    before the bound ("can't be given more than"). "At most" turns into "more than" and back; a
    negated "at least" says nothing usable."""
    found: list[Bound] = []
    # Counts are read only in a text with no negation: "there's no rule saying a service can't
    # have several load balancers" turns them further back than a clause's negations reach.
    topic = None if polarity(text)[0] else tokens(text) - _NOT_COUNTED
    for part in clauses(text):
        part = normalise(part)
        matches = list(_QUANTITY.finditer(part))
        ends = _range_ends(part, matches)
        last_end, last_kind = None, None
        for n, match in enumerate(matches):
            if n in ends:  # a range is negated whole, or not at all: a negated one says nothing
                end, opened = ends[n]
                if not _negations(part, opened) % 2:
                    high = matches[n + 1 : n + 2] if end == LEAST else []
                    found.append(Bound(end, _range_end(match, high)))
                last_end, last_kind = match.end(), None
                continue
            before = part[max(0, match.start() - 24) : match.start()]  # the longest bound words
            kind = next((k for k, p in _BOUND_WORDS.items() if p.search(before)), None)
            after = part[match.end() : match.end() + 12]
            kind = kind or next((k for k, p in _BOUND_AFTER.items() if p.match(after)), None)
            kind = kind or _named(part[max(0, match.start() - 64) : match.start()])
            if kind is None and last_kind and _JOINED.match(part[last_end : match.start()]):
                kind = last_kind  # "tops out at 4 vCPU and 30 GB": 30 GB is bounded too
            quantity = quantities(match.group(0))[0]
            if kind is None:
                kind, quantity = _reached(part, match, quantity, topic)
            # "can use 4 vCPU and 30 GB": 30 GB is reached too; a bare number is no count
            last_end, last_kind = match.end(), kind if kind != REACH or quantity.unit else None
            if kind is None or (kind == REACH and not quantity.unit and not quantity.counted):
                continue
            if _negations(part, match.start()) % 2:
                if kind not in _FLIPPED:
                    continue
                kind = _FLIPPED[kind]
            found.append(Bound(kind, quantity))
        found.extend(_counts(part, topic) if topic is not None else ())
    return tuple(found)


def _named(head: str) -> str | None:
    """The kind of a bound named before its subject (``_BOUND_NAMED``), by the first of its
    words: "the default max protection is 2 hours" gives a default."""
    found = [(m.start(), kind) for kind, p in _BOUND_NAMED.items() if (m := p.search(head))]
    return min(found)[1] if found else None


def _reached(
    clause: str, match: re.Match, quantity: Quantity, topic: frozenset[str] | None
) -> tuple[str | None, Quantity]:
    """``REACH`` and the quantity, if the number ``match`` found stands after "can" or "supports"
    in the few words before it ("a task can use 32 vCPU"); a bare number only as a count of the
    words after it ("can give a base to two providers"), and only where counts are read
    (``topic``: the text's words, see ``stated_bounds``). (None, the quantity) otherwise."""
    head = clause[max(0, match.start() - 80) : match.start()]
    cut = max((m.end() for m in _REACH_ENDS.finditer(head)), default=0)
    window = " ".join(head[cut:].split()[-_MODAL_WORDS:])
    if not _MODAL.search(window) or _OTHER_SENSE.search(window) or quantity.version:
        return None, quantity
    if quantity.unit is None:
        after = match.start("unit")
        counted = _counted(clause[after : after + _COUNTED_CHARS] if match["unit"] else "")
        if not counted or topic is None:
            return None, quantity
        quantity = replace(quantity, counted=counted, context=topic - counted)
    return REACH, quantity


def _counts(clause: str, topic: frozenset[str]) -> list[Bound]:
    """The counts ``clause`` states without a number: "only one provider" (at most one),
    "multiple load balancers" (reaches two), each with what it counts and ``topic`` (the text's
    words) but that."""
    found = []
    for pattern, kind, value in ((_ONLY_ONE, MOST, 1.0), (_MANY, REACH, 2.0)):
        for match in pattern.finditer(clause):
            if counted := _counted(match["counted"]):
                quantity = Quantity(value, text=match.group(0), counted=counted)
                found.append(Bound(kind, replace(quantity, context=topic - counted)))
    return found


# Characters after a count that hold the two words ``_counted`` reads: the rest of a long clause
# is never split for them.
_COUNTED_CHARS = 60


def _counted(words: str) -> frozenset[str]:
    """What a count counts, from the words after it: the first and the second, each singular,
    up to a word that cannot name it ("two capacity providers" -> capacity, provider; "only one
    provider may" -> provider); empty if the first cannot."""
    found = set()
    for word in words.lower().split()[:2]:
        if word in _NOT_COUNTED:
            break
        found.add(word[:-3] + "y" if word.endswith("ies") and len(word) > 4 else singular(word))
    return frozenset(found)


def _range_ends(clause: str, matches: list[re.Match]) -> dict[int, tuple[str, int]]:
    """The numbers (by their place in ``matches``) that open or close a range in ``clause``, each
    with its kind and where the range starts: "from 1 minute to 48 hours" states a least of
    1 minute and a most of 48 hours. Only a range with a unit: "from 10 to 30 tasks" is as often
    a scenario's own figures as a limit, and "from 2019 to 2020" is no limit at all."""
    ends: dict[int, tuple[str, int]] = {}
    for n, (low, high) in enumerate(itertools.pairwise(matches)):
        if not _RANGE_OPENS.search(clause[max(0, low.start() - 10) : low.start()]):
            continue
        units = [(m["unit"] or "").lower() for m in (low, high)]
        if not any(unit in _UNITS for unit in units):
            continue
        # The word after a bare number is read as its unit: "from 1 to 48 hours" has "to" in it.
        swallowed = "" if units[0] in _UNITS else units[0]
        if _RANGE_JOINS.match(swallowed + clause[low.end() : high.start()]):
            ends[n], ends[n + 1] = (LEAST, low.start()), (MOST, low.start())
    return ends


def _range_end(match: re.Match, high: list[re.Match]) -> Quantity:
    """A range's end as a quantity; a bare low end takes the unit of the ``high`` end (a list of
    it, empty for the high end itself): "from 1 to 48 hours" starts at 1 hour."""
    found = quantities(match.group(0))[0]
    unit = _UNITS.get((high[0]["unit"] or "").lower()) if high else None
    if found.unit is None and unit is not None:
        return Quantity(found.value * unit[1], unit[0], text=found.text)
    return found


def _negations(clause: str, start: int) -> int:
    """The negations that reach a bound whose number starts at ``start``: a falsity frame
    anywhere in the clause, a negated subject, and the negations in the few words before the
    bound, back to the nearest clause-like break ("Fargate tasks that don't run on EC2 top out at
    4 vCPU": the "don't" is too far back; "never needs EC2 and maxes out at": past a break)."""
    framed, breaks = _breaks(clause)
    cut = breaks[bisect_right(breaks, start) - 1]  # the nearest break before the bound
    words = clause[max(cut, start - _TAIL) : start].split()  # a long clause: its last words
    long = start - cut > _TAIL or len(words) > _REACH_WORDS + 2
    subject = bool(_NEGATED_SUBJECT.match(clause[cut : min(start, cut + 40)])) and long
    return framed + subject + polarity(" ".join(words[-_REACH_WORDS - 2 :]))[0]


_TAIL = 240  # characters before a bound that hold its last words, whatever the clause's length


@lru_cache(maxsize=256)
def _breaks(clause: str) -> tuple[int, tuple[int, ...]]:
    """Whether ``clause`` has a falsity frame (1 or 0), and where its clause-like breaks and
    frames end, from 0, in order: read once per clause, not once per number in it."""
    frames = [*FALSITY_FRAME.finditer(clause), *NOT_TRUE.finditer(clause)]
    ends = {0, *(m.end() for m in (*_REACH_ENDS.finditer(clause), *frames))}
    return int(bool(frames)), tuple(sorted(ends))


def bound_side(claim: tuple[Bound, ...], statements: dict[str, tuple[Bound, ...]]) -> str | None:
    """Which statement (``statements``: side -> its bounds) the claim's bounds speak for: Right
    when they hold where it states a bound and do not all hold where the Wrong one does, or fail
    only where the Wrong states one ("can run two copies" against "only one copy"); Wrong when
    they fail where the Right states one ("at most 8 vCPU" against "up to 16"), or hold only
    where the Wrong does. None when that is not clear, or the bounds disagree."""
    sides = set()
    for bound in claim:
        held = {side: _holds(bound, stated) for side, stated in statements.items()}
        right, wrong = held.get("right"), held.get("wrong")
        # failing only where the Wrong gives a figure speaks for the Right if it contradicts it
        # ("can run two copies" against "only one copy"), not if it is another figure of its kind
        denies_wrong = bound.kind in (REACH, UNDER, ABOVE) and wrong is False and right is None
        if (right is True and wrong is not True) or denies_wrong:
            sides.add("right")
        elif right is False or (wrong is True and right is None):
            sides.add("wrong")
    return sides.pop() if len(sides) == 1 else None


def _holds(bound: Bound, stated: tuple[Bound, ...]) -> bool | None:
    """Whether ``bound`` holds against the bounds a statement states: True if it agrees with
    one, False if it can be compared with some and agrees with none, None if with none."""
    said = [s for s in (bound.agrees(other) for other in stated) if s is not None]
    return any(said) if said else None
