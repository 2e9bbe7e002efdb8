"""Comparatives read from what they assert, not from the words they share with a pair.

"Fargate is never cheaper than EC2" says what "EC2 is always cheaper than Fargate" says, and
"Fargate is more expensive than EC2" what "EC2 is cheaper than Fargate" says; the embedding reads
all of them as "Fargate ... cheaper ... EC2". ``Comparatives.rewrite`` turns a claim of the form
"A is [never|not|always] <comparative> than B [...]" into the canonical direction of its scale
(the lexicon is data: ``data/comparatives.json``), so the checker compares what is asserted:

* an opposite word swaps the sides: "A is pricier than B" -> "B is cheaper than A";
* a negation swaps them too and asserts the rest: "A is never cheaper than B" -> "B is always
  cheaper than A", "A is not cheaper than B" -> "B is cheaper than A";
* both cancel: "A is never more expensive than B" -> "A is always cheaper than B".

Only a plain subject and object (up to three words each, no pronoun, negation or verb) are read
this way; anything else is left as written.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

from tutor.config import resource
from tutor.errors import TutorError

__all__ = ["Comparatives", "shipped"]

_PHRASE = r"[A-Za-z0-9][\w-]*(?:\s+[\w-]+){0,2}?"
# What may come before the subject: a hedge or a frame that asserts the rest ("I think", "it's
# true that"); a longer lead-in means the subject is not known, and the claim is left alone.
_LEAD = (
    r"(?:(?:i|we)\s+(?:think|guess|believe|reckon|suppose)\s+(?:that\s+)?"
    r"|(?:it's|it\s+is)\s+(?:true|right|correct|a fact)\s+that\s+"
    r"|(?:honestly|basically|generally|so|well|in practice),?\s+"
    r"|(?:i'm|i\s+am)\s+(?:pretty\s+|fairly\s+)?sure\s+(?:that\s+)?)?"
)


@dataclass(frozen=True)
class Comparatives:
    """The scales of ``data/comparatives.json``: word -> (canonical word, is it the opposite)."""

    words: dict[str, tuple[str, bool]]

    @classmethod
    def load(cls, path: Path) -> Comparatives:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != 1:
                raise ValueError("version is not 1")
            words = {}
            for scale in data["scales"]:
                for word in scale["same"]:
                    words[word.lower()] = (scale["canonical"], False)
                for word in scale["opposite"]:
                    words[word.lower()] = (scale["canonical"], True)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise TutorError(f"{path.name}: not a comparatives lexicon ({exc})") from None
        return cls(words)

    @cached_property
    def _longest_first(self) -> tuple[str, ...]:
        """The lexicon's words, longest first (so "more expensive" wins over "expensive")."""
        return tuple(sorted(self.words, key=len, reverse=True))

    @property
    def _pattern(self) -> re.Pattern[str]:
        return _compiled(self._longest_first)

    def mentions(self, claim: str) -> bool:
        """Whether ``claim`` compares with one of the lexicon's words ("... cheaper than ...")."""
        return _mention(self._longest_first).search(claim) is not None

    def rewrite(self, claim: str) -> str:
        """``claim`` in its scale's canonical direction (see the module), or as it was."""
        found = self._pattern.match(claim)
        if not found or _unreadable(found["a"], found["b"]):
            return claim
        canonical, opposite = self.words[found["cmp"].lower()]
        negation = (found["mod"] or "").strip().lower()
        a, b, verb = found["a"], found["b"], found["verb"]
        if verb.lower() in ("isn't", "aren't"):
            if negation:  # "isn't always cheaper" denies the quantifier, not the comparison
                return claim
            negation = "not"
        negated = negation in ("never", "not")
        swap = opposite != negated
        first, second = (b, a) if swap else (a, b)
        verb = {"isn't": "is", "aren't": "are"}.get(verb.lower(), verb)
        if negation == "never" or (negation and not negated):
            mod = "always " if negation == "never" else f"{negation} "
        else:
            mod = ""
        return f"{found['pre']}{first} {verb} {mod}{canonical} than {second}{found['tail']}"


# A subject or object with one of these is not a plain noun phrase ("I doubt Fargate", "Nothing",
# "EC2 but simpler", "EC2 tasks are"): the claim is left as written.
_NOT_A_THING = frozenset(
    "i we you he she they nobody nothing no none not never doubt doubts think thinks believe "
    "believes but and or is are was were be than".split()
)


def _unreadable(*phrases: str) -> bool:
    return any(word.lower() in _NOT_A_THING for phrase in phrases for word in phrase.split())


@cache
def _compiled(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(word) for word in words)
    return re.compile(
        rf"^(?P<pre>{_LEAD})(?P<a>{_PHRASE})\s+"
        r"(?P<verb>is|are|isn't|aren't)\s+"
        r"(?P<mod>(?:never|not|always|usually|generally|often|sometimes)\s+)?"
        rf"(?P<cmp>{alternatives})\s+than\s+(?P<b>{_PHRASE})"
        r"(?P<tail>(?:\s+(?:for|when|if|in|on|with|under|at|because)\b.*|\s*[,.;!].*)?)\s*$",
        re.IGNORECASE,
    )


@cache
def _mention(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(word) for word in words)
    return re.compile(rf"\b(?:{alternatives})\s+than\b", re.IGNORECASE)


@cache
def shipped() -> Comparatives:
    """The lexicon the tutor ships with, loaded once per process."""
    return Comparatives.load(resource("comparatives.json"))
