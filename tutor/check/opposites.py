"""Claims that keep a statement's words but swap one for its opposite.

"minimumHealthyPercent is rounded down" shares every word but one with the guide's "75 percent of
2 rounds up to 2"; the embedding puts it beside the Right statement, and the checker would call it
correct. Where a claim has, near a word it shares with a statement, the opposite of the word the
statement has there ("down" where the statement has "up", both next to "round"), the claim says
the opposite of that statement. The pairs of opposites are data (``data/opposites.json``).

``Opposites.side`` reads it against a pair: a claim that turns a true statement (the Right one, or
its item's own text) speaks for the Wrong side, and one that turns the Wrong statement for the
Right side. A claim with a negation is not read: "isn't rounded down" turns the swap back, and
where the negation reaches is not known here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from types import MappingProxyType

from tutor.check.cues import FUNCTION_WORDS, polarity
from tutor.config import resource
from tutor.errors import TutorError

__all__ = ["Opposites", "shipped"]

_WORD = re.compile(r"[a-z0-9][a-z0-9-]*")
_NEAR = 2  # words either side of an opposite that anchor it: "rounds up to", "off by default"
# Words too common to anchor an opposite to what it speaks of.
_COMMON = FUNCTION_WORDS | {"one", "two"}


@dataclass(frozen=True)
class Opposites:
    """The pairs of ``data/opposites.json``: word -> the words that say its opposite."""

    opposite: dict[str, frozenset[str]]

    @classmethod
    def load(cls, path: Path) -> Opposites:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != 1:
                raise ValueError("version is not 1")
            found: dict[str, set[str]] = {}
            for first, second in data["pairs"]:
                found.setdefault(first.lower(), set()).add(second.lower())
                found.setdefault(second.lower(), set()).add(first.lower())
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise TutorError(f"{path.name}: not a lexicon of opposites ({exc})") from None
        return cls({word: frozenset(others) for word, others in found.items()})

    def turns(self, claim: str, statement: str) -> bool:
        """Whether ``claim`` says, near a word it shares with ``statement``, the opposite of the
        word ``statement`` has there, and never says the statement's own word ("a private IP, and
        a public one in a public subnet" speaks of both)."""
        said, stated = _anchored(claim), _anchored(statement)
        for word, anchors in stated.items():
            for other in self.opposite.get(word, ()):
                if _stem(other) in anchors or word in said:  # "hard and soft limits" says both
                    continue
                turned = anchors & said.get(other, frozenset())
                if turned - said.get(word, frozenset()) - stated.get(other, frozenset()):
                    return True
        return False

    def side(
        self, claim: str, statements: dict[str, str], true: tuple[str, ...] = ()
    ) -> str | None:
        """The side (of ``statements``: side -> its text) that ``claim`` speaks for by turning
        one of them or one of the ``true`` texts (an item's own), or None: if it turns none, turns
        both sides, or has a negation."""
        if polarity(claim)[0]:
            return None
        sides = set()
        if self.turns(claim, statements["right"]) or any(self.turns(claim, t) for t in true):
            sides.add("wrong")
        if self.turns(claim, statements["wrong"]):
            sides.add("right")
        return sides.pop() if len(sides) == 1 else None


@lru_cache(maxsize=1024)  # a pair's statements and its item's text come back claim after claim
def _anchored(text: str) -> Mapping[str, frozenset[str]]:
    """Each word of ``text`` -> the less common words (stemmed) within ``_NEAR`` of it."""
    words = _WORD.findall(text.lower())
    found: dict[str, set[str]] = {}
    for n, word in enumerate(words):
        near = words[max(0, n - _NEAR) : n] + words[n + 1 : n + 1 + _NEAR]
        found.setdefault(word, set()).update(_stem(w) for w in near if w not in _COMMON)
    return MappingProxyType({word: frozenset(near) for word, near in found.items()})


def _stem(word: str) -> str:
    """A crude stem, so that "rounds", "rounded" and "rounding" anchor alike."""
    for ending in ("ing", "ed", "es", "s"):
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word


@cache
def shipped() -> Opposites:
    """The lexicon the tutor ships with, loaded once per process."""
    return Opposites.load(resource("opposites.json"))
