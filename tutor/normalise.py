"""Read learner writing as it is written: contractions typed without their apostrophe, and
misspellings of the guides' own words and of AWS service names.

"EFS cant be used with fargte" is read as "EFS can't be used with Fargate": the checker's
negation cues and the embedding then see what the learner meant. Spelling is corrected only
towards the guide's vocabulary (its words and the alias table's service names), with SymSpell
(``symspellpy``) at an edit distance of one for short words and two for longer ones, and only
for a word that is neither in that vocabulary nor in the English word list shipped with
symspellpy, and only when one correction is nearer than every other (a correction that keeps the
typed first letter before any that does not). Everything else is left as
typed: a word the guide does not know is better unread than read as another.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import cache, cached_property
from importlib import resources

from symspellpy import SymSpell, Verbosity

__all__ = ["FILLER", "Normaliser"]

# Negated auxiliaries typed without their apostrophe. Only forms that are not English words
# themselves ("wont" and "cant" are, rarely, and are read as the contractions learners mean).
CONTRACTIONS = {
    "cant": "can't",
    "dont": "don't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "isnt": "isn't",
    "arent": "aren't",
    "wasnt": "wasn't",
    "werent": "weren't",
    "wont": "won't",
    "wouldnt": "wouldn't",
    "shouldnt": "shouldn't",
    "couldnt": "couldn't",
    "havent": "haven't",
    "hasnt": "hasn't",
    "hadnt": "hadn't",
    "mustnt": "mustn't",
    "neednt": "needn't",
    "aint": "isn't",
}
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9']*")  # "shouldn't" is one word, left as typed
# Words that say nothing about what is asked: a question made only of these has no topic to find.
FILLER = frozenset(
    "a an the and or but of to in on at by for with from as into onto about over under "
    "is are was were be been being am do does did done have has had it its this that these those "
    "there here what which who whom whose when where why how can could should would will shall may "
    "might must i me my you your we us our they them their he him his she her not no yes so if "
    "then than also just very too please tell explain s t d m ll re ve".split()
)
# ... and words that carry no topic in a claim or question either.
_TOPICLESS = FILLER | frozenset(
    "get use using used need needs want way make doing any some all each every more most much "
    "many one two other another".split()
)
_CONTENT = re.compile(r"[a-z][a-z0-9]+")
_SHORT = 5  # words of up to this many letters are corrected at distance 1 only
_MIN = 4  # shorter words are never corrected ("ECS", "EC2", "ALB")


@cache
def _english() -> frozenset[str]:
    """The words of symspellpy's English frequency dictionary (82,765 words, MIT licence)."""
    text = (resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt").read_text()
    return frozenset(line.split(" ", 1)[0] for line in text.splitlines() if line)


class Normaliser:
    """``normaliser(text)``: the text with contractions restored and the guide's words spelt.

    >>> Normaliser(["Fargate tasks need no servers"])("fargte tasks dont need servers")
    "Fargate tasks don't need servers"
    """

    def __init__(self, texts: Iterable[str]):
        surfaces: dict[str, Counter[str]] = {}
        for text in texts:
            for word in _WORD.findall(text):
                surfaces.setdefault(word.lower(), Counter())[word] += 1
        # Each word as the guide writes it most often ("Fargate", "CloudWatch").
        self._surface = {low: forms.most_common(1)[0][0] for low, forms in surfaces.items()}
        self._speller = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
        for low in self._surface:
            if len(low) >= _MIN:
                self._speller.create_dictionary_entry(low, 1)

    def __call__(self, text: str) -> str:
        return _WORD.sub(lambda match: self._word(match[0]), text)

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """The guide's words, lower-cased."""
        return frozenset(self._surface)

    def _word(self, word: str) -> str:
        low = word.lower()
        if low in CONTRACTIONS:
            fixed = CONTRACTIONS[low]
            return fixed.capitalize() if word[0].isupper() else fixed
        if len(low) < _MIN or low in self._surface or _known_english(low) or not low.isalpha():
            return word
        if sum(ch.isupper() for ch in word) > 1:  # "ACLs", "IaC": a name, not a misspelling
            return word
        term = self._nearest(low)
        if term is None:
            return word
        # A guide word inside the typed one is another word built on it ("serverlessly",
        # "reprocesses", "backend" over "backed"), not a typo of it: letters are left out by
        # typos far more often than added, so only a longer or respelt guide word is a fix.
        if _within(term, low) or term.startswith(low):
            return word
        return self._surface[term]

    def _nearest(self, low: str) -> str | None:
        """The one guide word nearest to ``low`` within its edit distance, None for none or a
        tie. A word with ``low``'s first letter comes before any without it, however near: a
        typo keeps its first letter far more often than not, so "farget" is "Fargate" (two
        edits), not "target" (one)."""
        distance = 1 if len(low) <= _SHORT else 2
        found = self._speller.lookup(low, Verbosity.ALL, max_edit_distance=distance)
        kept = [s for s in found if s.term[0] == low[0]] or found
        if not kept:
            return None
        closest = min(s.distance for s in kept)
        nearest = [s.term for s in kept if s.distance == closest]
        return nearest[0] if len(nearest) == 1 else None


def content_words(text: str) -> list[str]:
    """``text``'s words that carry a topic, lower-cased, as they are written."""
    return [w for w in _CONTENT.findall(text.lower()) if w not in _TOPICLESS and len(w) > 2]


def stems(text: str) -> list[str]:
    """``content_words`` with a plural's "s" taken off ("tasks" and "task" count as one)."""
    return [w[:-1] if len(w) > 3 and w.endswith("s") else w for w in content_words(text)]


def spelling_fixes(typed: str, read: str) -> int:
    """How many of ``typed``'s words the normaliser respelt to give ``read`` (contractions
    restored are not counted: "dont" is read as written)."""
    pairs = zip(_WORD.findall(typed), _WORD.findall(read), strict=False)
    return sum(a != b and a.lower() not in CONTRACTIONS for a, b in pairs)


def _known_english(word: str) -> bool:
    """In the English list as spelt, or in its other spelling ("analyze" as "analyse")."""
    english = _english()
    if word in english:
        return True
    for american, british in (("ize", "ise"), ("yze", "yse"), ("izing", "ising"), ("ized", "ised")):
        if word.endswith(american) and word[: -len(american)] + british in english:
            return True
    return False


def _within(short: str, long: str) -> bool:
    """Whether ``short``'s letters appear in ``long`` in order: "backed" within "backend"."""
    letters = iter(long)
    return all(letter in letters for letter in short)
