"""The wording cues that decide which side of a misconception pair a claim takes.

Small sentence models hardly see "not", "only" or "both": "X is not Y" and "X is Y" sit at cosine
0.95. So the claim checker reads those words itself: it counts negations (and frames such as "it's a
myth that"), takes them out to compare *content*, and notes which quantifier families the claim
uses ("only" vs "both", "always" vs "sometimes").
"""

from __future__ import annotations

import re

_APOSTROPHE = str.maketrans({"\u2019": "'", "\u2018": "'"})

# Phrases that contain a negation word but do not negate: removed before anything is counted.
_IDIOMS = [
    (re.compile(r"\bno matter\b", re.I), "whatever"),
    (re.compile(r"\b(?:no|not|never)(\s+\w+)?\s+more than\b", re.I), r"\1 at most"),
    (re.compile(r"\b(\w+)n't(\s+\w+)?\s+more than\b", re.I), r"\1\2 at most"),
    (re.compile(r"\bnothing but\b", re.I), "only"),
    (re.compile(r"\bnot (?:to mention|least)\b", re.I), "also"),
]

# Words that negate by their prefix, with the positive word the content comparison uses instead:
# "X-Ray is useless for microservices" says "X-Ray is not useful for microservices".
_NEGATIVE_WORDS = {
    "unable": "able",
    "impossible": "possible",
    "incapable": "capable",
    "useless": "useful",
    "pointless": "useful",
    "unreliable": "reliable",
    "unsuitable": "suitable",
    "unfit": "fit",
    "unnecessary": "necessary",
    "unneeded": "needed",
    "insecure": "secure",
    "unsafe": "safe",
    "immutable": "mutable",
    "unchangeable": "changeable",
    "unusable": "usable",
    "unsupported": "supported",
    "unavailable": "available",
    "inappropriate": "appropriate",
    "ineffective": "effective",
}
# Phrases that negate without a negation word, with the positive wording the content comparison
# uses instead: "Spot is too flaky to run production" says "Spot is not fit to run production".
_NEGATIVE_PHRASES = {
    r"set in stone": "changeable",
    r"too \w+ to": "fit to",
    r"too \w+ for": "fit for",
    r"beyond what": "what",
    r"lacks": "has",
    r"lack": "have",
    r"lacking": "having",
    r"fails to": "does",
    r"fail to": "do",
    r"failed to": "did",
}
_NEGATION = re.compile(
    r"\b(?:not|no|never|none|nothing|neither|nor|cannot|nobody|without|"
    + "|".join([*_NEGATIVE_WORDS, *_NEGATIVE_PHRASES])
    + r")\b|n't\b"
    r"|\b(?:is|are|was|were|do|does|did|can|could|should|would|wo|has|have|must|need)nt\b",
    re.IGNORECASE,
)
FALSITY_FRAME = re.compile(
    r"\b(?:false|untrue|wrong|incorrect|inaccurate|a myth|a misconception|a mistake|a fallacy"
    r"|mistaken|nonsense)\s+(?:to\s+(?:say|think|believe|claim|assume)|that)\b"
    r"|^\s*(?:myth|misconception|false)\s*:"
    r"|\b(?:is|are)\s+(?:wrong|false|a myth|mistaken|incorrect)\s*[.!]?\s*$",
    re.IGNORECASE,
)
_NOT_TRUE = re.compile(r"\b(?:not|n't)\s+(?:true|the case|correct|right|so|accurate)\b", re.I)
_CLAUSE_BREAK = re.compile(
    r"\s*[,;:]\s*|\s+(?:but|while|whereas|although|though)\s+"
    # "and" before a second verb phrase ("belong to EC2 alone and have nothing to do with tasks"),
    # not inside a list of nouns ("EC2 and Fargate")
    r"|\s+and\s+(?=(?:is|are|was|were|has|have|had|does|do|did|can|cannot|could|will|would|should"
    r"|must|may|might|never|always|also|still|then|it|they|keeps?|lets?|makes?)\b|\w+n't\b)",
    re.I,
)

# Negated words become their positive form for the content comparison.
_STRIP = [
    (re.compile(r"\bcannot\b", re.I), "can"),
    (re.compile(r"\bcan't\b", re.I), "can"),
    (re.compile(r"\bwon't\b", re.I), "will"),
    (re.compile(r"\b(\w+)n't\b", re.I), r"\1"),
    (
        re.compile(
            r"\b(is|are|was|were|do|does|did|could|should|would|has|have|must|need)nt\b", re.I
        ),
        r"\1",
    ),
    (re.compile(r"\bcant\b", re.I), "can"),
    (re.compile(r"\bwont\b", re.I), "will"),
    (re.compile(r"\b(?:not|never|no|none|neither|nor)\b", re.I), ""),
    (re.compile(r"\bwithout\b", re.I), "with"),
    *(
        (re.compile(rf"\b{words}\b", re.I), positive)
        for words, positive in [*_NEGATIVE_WORDS.items(), *_NEGATIVE_PHRASES.items()]
    ),
]

# Quantifier families. Which side of a pair a family speaks for is learned from the pair's own
# phrasings (see ClaimChecker), never assumed: "only" marks the Wrong side of "ECS runs only on
# EC2" but the Right side of "grant only the permissions a task needs".
FAMILIES = {
    "exclusive": re.compile(
        r"\b(?:only|solely|exclusively|alone|just|single|sole|at most|limited to|restricted to)\b",
        re.I,
    ),
    "inclusive": re.compile(
        r"\b(?:both|multiple|several|many|also|as well|too(?!\s+\w+\s+(?:to|for)\b)|various|either"
        r"|more than one|alike)\b",
        re.I,
    ),
    "universal": re.compile(
        r"\b(?:(?<!\bat )all|every|everything|any|always|whatever|regardless|in every case)\b",
        re.I,
    ),
    "partial": re.compile(
        r"\b(?:some|certain|sometimes|particular|specific|depending|depends|may|might|seldom|rarely"
        r"|often|usually|occasionally)\b",
        re.I,
    ),
}


# Families that state the opposite of each other: when a pair ties one of them to a side and a
# claim uses its contrary instead, the claim speaks for the other side ("EC2 is always cheaper" is
# Wrong, so "EC2 is sometimes cheaper" is Right).
CONTRARY = {
    "universal": ("partial",),
    "partial": ("universal",),
    "exclusive": ("inclusive",),
    "inclusive": ("exclusive",),
}


def normalise(text: str) -> str:
    """Straight apostrophes, and idioms that only look negative rewritten."""
    text = text.translate(_APOSTROPHE)
    for pattern, replacement in _IDIOMS:
        text = pattern.sub(replacement, text)
    return text


def polarity(text: str) -> tuple[int, list[str]]:
    """How many negations and falsity frames ``text`` has, and which.

    "It's not true that tasks can't stop" -> (2, ["not", "n't"])
    """
    text = normalise(text)
    cues = [m.group(0).lower() for m in _NEGATION.finditer(text)]
    cues += [m.group(0).strip().lower() for m in FALSITY_FRAME.finditer(text)]
    return len(cues), cues


def strip_negation(text: str) -> str:
    """The text with negations turned positive: "EFS can't be used" -> "EFS can be used"."""
    text = normalise(text)
    text = FALSITY_FRAME.sub("", text)
    for pattern, replacement in _STRIP:
        text = pattern.sub(replacement, text)
    return re.sub(r"\s+", " ", text).strip()


def clauses(claim: str) -> list[str]:
    """The claim's clauses, each judged with its own negations ("scaling only adds tasks, never
    removes them"); the whole claim when a frame negates it all or it does not split."""
    text = normalise(claim)
    if FALSITY_FRAME.search(text) or _NOT_TRUE.search(text):
        return [claim]
    parts = [part for part in _CLAUSE_BREAK.split(claim) if len(part.split()) >= 3]
    return parts if len(parts) > 1 else [claim]


def families(text: str) -> set[str]:
    """The quantifier families ``text`` uses."""
    text = normalise(text)
    return {name for name, pattern in FAMILIES.items() if pattern.search(text)}


def family_word(family: str, text: str) -> str:
    """The word (or words) of ``text`` that put it in quantifier ``family``: "only", "at most"."""
    found = FAMILIES[family].search(normalise(text))
    return found.group(0).lower() if found else family
