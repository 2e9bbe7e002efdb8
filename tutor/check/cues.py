"""The wording cues that decide which side of a misconception pair a claim takes.

Small sentence models hardly see "not", "only" or "both": "X is not Y" and "X is Y" sit at cosine
0.95. So the claim checker reads those words itself: it counts negations (and frames such as "it's a
myth that"), takes them out to compare *content*, and notes which quantifier families the claim
uses ("only" vs "both", "always" vs "sometimes").
"""

from __future__ import annotations

import re
from functools import lru_cache

# Pure functions of the text that one check calls a dozen times on the same few texts (the
# claim, its clauses, the pair's statements): each keeps its recent results.
_RECENT = 4096

_APOSTROPHE = str.maketrans({"\u2019": "'", "\u2018": "'"})

# Phrases that contain a negation word but do not negate: removed before anything is counted.
_IDIOMS = [
    (re.compile(r"\bno matter\b", re.I), "whatever"),
    # "subnets without a NAT gateway", "with no NAT": where the tasks are, not a denial (the
    # in-depth guide's items on private subnets are named so); "need no NAT gateway" denies
    (
        re.compile(r"\b(?:without|with no)\s+(?:a\s+|any\s+)?NAT(?:\s+gateways?)?\b", re.I),
        "NAT-less",
    ),
    (re.compile(r"\b(?:no|not|never)(\s+\w+)?\s+more than\b", re.I), r"\1 at most"),
    (re.compile(r"\b(\w+)n't(\s+\w+)?\s+more than\b", re.I), r"\1\2 at most"),
    (re.compile(r"\bnothing but\b", re.I), "only"),
    (re.compile(r"\b(?:no|without(?:\s+a)?)\s+doubt\b", re.I), "certainly"),  # it asserts
    (re.compile(r"\bnot (?:to mention|least)\b", re.I), "also"),
    # "EC2 instances and nothing else", "one copy, no more": the claim says "only"
    (re.compile(r"(?:,\s*|\s+)(?:and |but )?(?:nothing|none|no one) else\b", re.I), " only"),
    (re.compile(r",?\s+(?:and |but )?(?:no|nothing) more(?=\s*(?:[.;!]|$))", re.I), " only"),
    # "EC2 instances, never containers": one word set against the clause before it, "only"
    (
        re.compile(
            r",\s*(?:but\s+)?(?:not|never)\s+(?!(?:all|every|always|necessarily|quite|exactly"
            r"|really|much|so|ever|once)\b)\w+(?=\s*(?:[.;!]|$))",
            re.I,
        ),
        " only",
    ),
    # "only scales up never down": the negated word only repeats what "only" said
    (
        re.compile(
            r"(\bonly\s+(?:[\w-]+\s+){0,3}?[\w-]+)\s+(?:and\s+|but\s+)?(?:not|never)\s+"
            r"(?:[\w-]+\s+)?[\w-]+(?=\s*(?:[.;!]|$))",
            re.I,
        ),
        r"\1",
    ),
    # "doesn't scale down, only up": the negation denies the other choice; "only" says the rest
    (
        re.compile(
            r"\b(?:(?:do|does|did|can|could|will|would|is|are)(?:n't|\s+not)|never|ca\s*n't)\s+"
            r"(?:[\w-]+\s+){0,3}?[\w-]+\s*,\s*(?:but\s+)?only\s+",
            re.I,
        ),
        "only ",
    ),
    # "lacks any choice", "without any risk": "any" under a negation is no universal
    (
        re.compile(
            r"((?:\b(?:lacks?|lacking|without|not|never|no|cannot)|n't)(?:\s+\w+)?)\s+any\b", re.I
        ),
        r"\1",
    ),
    # "tasks can use any network mode": "any" after "can" offers a free choice (many are
    # allowed), not a claim about every one, so it reads with "several", not with "every"
    (
        re.compile(
            r"\b(can|could|may|might|(?:free|allowed|able) to)\s+((?:[\w-]+\s+){0,2}?)any\b"
            r"(?!\s+given\b)",  # "any given service" is one service, no choice
            re.I,
        ),
        r"\1 \2various",
    ),
    # "neither EC2 nor Fargate can": one negation, not two that cancel
    (re.compile(r"\bneither\b(.*?)\bnor\b", re.I), r"not\1or"),
    # "nothing stops you from updating it": you can go on updating it
    (
        re.compile(r"\bnothing (?:stops|prevents|keeps|blocks) (\w+(?: \w+)?) from\b", re.I),
        r"\1 can go on",
    ),
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
    "unreachable": "reachable",
    "inaccessible": "accessible",
    "incompatible": "compatible",
    "unwise": "wise",
    "unsuited": "suited",
    "inadequate": "adequate",
    "insufficient": "sufficient",
    "unprotected": "protected",
    "unworkable": "workable",
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
    r"fails at": "does well at",
    r"fail at": "do well at",
    r"anything but": "",
    r"far from": "",
    r"nowhere near": "",
    r"hardly": "",
    r"out of reach": "within reach",
    r"barred from": "allowed",
    r"shut out": "let in",
    r"out of (?:its|their|his|her|my|our|your) depth": "capable",
    r"falls apart": "holds up",
    r"fall apart": "hold up",
    r"fell apart": "held up",
    r"struggles with": "handles",
    r"struggle with": "handle",
    r"buckles": "holds up",
    r"buckle": "hold up",
    r"runs out of steam": "keeps going",
    r"run out of steam": "keep going",
    r"chokes on": "handles",
    r"choke on": "handle",
    r"blind to": "aware of",
    r"(?:poor|bad) fit": "good fit",
    r"(?:poor|bad) choice": "good choice",
    r"stuck with": "free to change",
    r"(?:locked|frozen|fixed|set) (?:for good|forever|permanently|in place)": "changeable",
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
    r"|mistaken|nonsense)\s+(?:to\s+(?:say|think|believe|claim|assume|insist|suggest|argue)"
    r"(?:\s+that)?|that)\b"
    r"|\b(?:nobody|no one)\s+should\s+(?:think|believe|assume|say|claim)(?:\s+that)?\b"
    r"|\bthere(?:'s|\s+is)\s+no\s+(?:basis|reason|ground|grounds)\s+(?:for\s+(?:saying|"
    r"thinking|believing|claiming)|to\s+(?:say|think|believe|claim))(?:\s+that)?\b"
    r"|\b(?:(?:i|we)\s+)?(?:refuse to believe|reject the (?:notion|idea|claim|view))(?:\s+that)?\b"
    # the speaker's own disagreement, before or after what it judges: "I doubt that ...",
    # "..., but I disagree with her", "..., which I doubt", "..., but I don't buy it"
    r"|\b(?:which\s+)?(?:i|we)(?:'d|\s+would)?\s+(?:(?:strongly|really|totally|completely)\s+)?"
    r"(?:disagree|doubt|dispute)(?:\s+with\s+(?:him|her|them|that|this|it|you))?"
    r"(?:\s+(?:the\s+(?:idea|claim|notion|view)\s+)?that\b|\s+(?:it|that|this)\b)?"
    r"|\b(?:i|we)\s+(?:don't|do not|dont)\s+buy\s+(?:it|that|this)\b"
    r"|\bit(?:'s|\s+is)\s+(?:very\s+|highly\s+)?doubtful\s+(?:that|whether)\b"
    r"|(?<=[-:,.!?])\s*(?:(?:total|complete|utter)\s+)?(?:nonsense|rubbish)\s*[.!]*\s*$"
    r"|^\s*(?:myth|misconception|false)\s*:"
    # a closing judgement: "..., and she's got it wrong", "which is false", "he is mistaken"
    r"|(?:\b(?:that|this|which|it|he|she|they|you)\s*)?(?:'s|'re|\bis|\bare|\bhas|\bhave)\s+"
    r"(?:just\s+|simply\s+|plain\s+|got\s+it\s+)?"
    r"(?:wrong|false|a myth|mistaken|incorrect|off the mark)\s*[.!]?\s*$",
    re.IGNORECASE,
)
# What is left of a frame once it is taken out ("It's [false that] ..."), and frames that assert
# ("it's true that"): neither says anything about the content.
_FRAME_REST = re.compile(
    r"^\s*(?:(?:it|that|this|you)(?:'s|'d\s+be|\s+is|\s+was|\s+would\s+be)\s+"
    r"(?:(?:true|right|correct|accurate|fair)\s+"
    r"(?:to\s+(?:say|think|believe|claim)|that)\s+)?"
    # hedges that say how sure the speaker is, not what is so
    r"|(?:(?:i|we)\s+(?:think|believe|reckon|guess|suppose|feel)"
    r"|(?:i'm|i am|we're|we are)\s+(?:pretty\s+|fairly\s+|quite\s+|very\s+)?"
    r"(?:sure|certain|confident)"
    r"|as far as (?:i|we) (?:know|can tell)|the (?:best|right|correct) answer is"
    r"|in my (?:view|opinion|experience)|from what (?:i|we)(?:'ve| have)? (?:seen|read|can tell)"
    r"|the way (?:i|we) understand it|honestly|basically)\s*,?\s+(?:that\s+)?)",
    re.IGNORECASE,
)
# A conjunction left at the end once a closing judgement is taken out ("X, and [she's wrong]").
_DANGLING = re.compile(r"(?<![\s,;])[\s,;]*\b(?:and|but)(?:\s+(?:i|we)\s+think)?[\s,;]*$", re.I)
# "not true", "isn't right": a judgement that ends its phrase ("can't right-size", "aren't right
# away" judge nothing).
NOT_TRUE = re.compile(
    r"(?:\bnot|\b(?:is|are|was|were)n't)\s+(?:true|the case|correct|right|so|accurate)\b"
    r"(?![-\s]+(?:away|now|here|there|size|sized|sizing|for|to|about|with)\b)",
    re.I,
)
_CLAUSE_BREAK = re.compile(
    r"(?:(?<!\s)\s+)?[,;:]\s*|(?<!\s)\s+(?:but|while|whereas|although|though)\s+"
    # "and" before a second verb phrase ("belong to EC2 alone and have nothing to do with tasks"),
    # not inside a list of nouns ("EC2 and Fargate")
    r"|(?<!\s)\s+and\s+(?=(?:is|are|was|were|has|have|had|does|do|did|can|cannot|could|will|would|should"
    r"|must|may|might|never|always|also|still|then|it|they|keeps?|lets?|makes?)\b|\w+n't\b)",
    re.I,
)

# In this module's patterns, a lookbehind such as (?<!\s) before a run of spaces (or of
# punctuation) makes a search try the run once, from its start, and not again from each character
# in it: it finds the same matches, and 2,000 spaces took up to a third of a second without it,
# growing with the square of the length.
_LEAD = re.compile(
    r"(?<!\s)\s*(?:when|whenever|if|once|after|before|until|unless|as soon as|for|to|in|with|under"
    r"|because|since|as|although|though|even though|even if|despite|given)\b",
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
        r"\b(?:only|solely|exclusively|alone|just(?!\s+(?:like|as)\b)|single|sole|at most"
        r"|limited to|restricted to)\b",
        re.I,
    ),
    "inclusive": re.compile(
        r"\b(?:both|multiple|several|many|also|as well|too(?!\s+\w+\s+(?:to|for)\b)|various|either"
        r"|more than one|alike|just like|just as|lots of|a lot of|plenty of|numerous)\b",
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


_TOKEN = re.compile(r"[a-z0-9]+")


def singular(word: str) -> str:
    """A word without a plural's "s" ("providers" -> "provider"), as ``tokens`` reads it."""
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def tokens(text: str) -> frozenset[str]:
    """``text``'s words for a lexical comparison that sees negations ("n't" as "not") and takes
    a plural's "s" off: the embedding hardly tells "can" from "cannot", a word set does."""
    text = text.lower().replace("can't", "can not").replace("won't", "will not")
    text = text.replace("n't", " not").replace("cannot", "can not")
    return frozenset(singular(w) for w in _TOKEN.findall(text))


# Words that say nothing of what a text is about, and those that every part of the ECS guides uses:
# sharing only these, two texts do not speak of the same thing.
FUNCTION_WORDS = frozenset(
    "a an the of to by in at for with and or is are was were be been being it its this that these "
    "those so as can could will would should may might must do does did doe has have had not no "
    "never than then also only from into on off up down out over under each every all any their "
    "there they them which who what when if you your my i we our just".split()
)
EVERYDAY_WORDS = frozenset(
    "ecs amazon aws task tasks service services container containers cluster clusters run runs "
    "running use uses used can one new both own need needs before after each every only also "
    "when without".split()
)


@lru_cache(maxsize=_RECENT)
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
    # A frame counts once, as a frame: the "no" of "there's no basis for saying" is not another.
    cues = [m.group(0).lower() for m in _NEGATION.finditer(FALSITY_FRAME.sub(" ", text))]
    cues += [m.group(0).strip().lower() for m in FALSITY_FRAME.finditer(text)]
    return len(cues), cues


@lru_cache(maxsize=_RECENT)
def strip_negation(text: str) -> str:
    """The text with negations turned positive: "EFS can't be used" -> "EFS can be used"."""
    text = FALSITY_FRAME.sub("", normalise(text))
    for pattern, replacement in _STRIP:
        text = pattern.sub(replacement, text)
    text = _FRAME_REST.sub("", re.sub(r"\s+", " ", text))
    return _DANGLING.sub("", text).strip()


def clauses(claim: str) -> list[str]:
    """The claim's clauses, each judged with its own negations ("scaling only adds tasks, never
    removes them"); the whole claim when a frame negates it all or it does not split."""
    text = normalise(claim)
    if FALSITY_FRAME.search(text) or NOT_TRUE.search(text):
        return [claim]
    claim = _FRAME_REST.sub("", claim)  # "As far as I know, ..." is no clause of its own
    pieces = _CLAUSE_BREAK.split(claim)
    # A leading adverbial clause ("When the rush dies down, ...", "For batch work, ...") sets the
    # scene for the clause after it and is read with it, never on its own.
    rest = claim[len(pieces[0]) :].lstrip()  # "When X, Y" or, as some type it, "When X , Y"
    if len(pieces) > 1 and _LEAD.match(pieces[0]) and rest.startswith(","):
        pieces[:2] = [f"{pieces[0]}, {pieces[1]}"]
    parts = [part for part in pieces if len(part.split()) >= 3]
    return parts if len(parts) > 1 else [claim]


def families(text: str) -> set[str]:
    """The quantifier families ``text`` uses (a frame's words do not count: "that's just wrong")."""
    text = _without_frames(text)
    return {name for name, pattern in FAMILIES.items() if pattern.search(text)}


def family_word(family: str, text: str) -> str:
    """The word (or words) of ``text`` that put it in quantifier ``family``: "only", "at most"."""
    found = FAMILIES[family].search(_without_frames(text))
    return found.group(0).lower() if found else family


def _without_frames(text: str) -> str:
    return FALSITY_FRAME.sub(" ", normalise(text))


# A statement asked back for agreement is still a claim: "Fargate is serverless, right?", "Is it
# true that tasks need roles?". A real question ("Is Fargate serverless?") is not.
_TAG_QUESTION = re.compile(
    r"(?:(?<![\s,;:.!-])[\s,;:.!-]*\b(?:right|correct|true|no|yes|yeah|yep|eh|ok|okay|surely"
    r"|isn't that so|am i right|or not|or am i wrong|wouldn't you say|don't you think|agreed?)\b"
    # "..., can't they?", "..., does it?": a tag asks for agreement and asserts nothing itself
    r"|(?<!\s)\s*,\s*(?:is|are|was|were|do|does|did|can|could|will|would|should|has|have|won|shan)"
    r"(?:n?'t)?\s+(?:it|they|he|she|you|we|there|that|i)\b)\s*\?+\s*$",
    re.IGNORECASE,
)
_ASKED_CLAIM = re.compile(
    r"^\s*(?:is it (?:true|right|correct|the case) that|am i right (?:that|in thinking that)"
    r"|would i be right (?:to say|in saying) that|isn't it (?:true|the case) that"
    r"|is it fair to say that|do you agree that|wouldn't you agree that)\s+(.+?)\s*\?+\s*$",
    re.IGNORECASE,
)


def as_statement(claim: str) -> str | None:
    """The statement a question puts forward for agreement, or None for a real question:
    "I guess Fargate is always pricier, right?" -> "I guess Fargate is always pricier";
    "Is it true that ECS needs EC2?" -> "ECS needs EC2"; "Is ECS serverless?" -> None."""
    if asked := _ASKED_CLAIM.match(claim):
        return asked[1]
    tagged = _TAG_QUESTION.sub("", claim)
    if tagged != claim and tagged.strip():
        return tagged
    straight = claim.translate(_APOSTROPHE)
    # A negative question expects "yes" to what follows its auxiliary: "Doesn't Fargate support
    # EFS?" puts forward that it does ("Fargate support EFS"), as "..., doesn't it?" would.
    if negative := _NEGATIVE_QUESTION.match(straight):
        return negative[1]
    # A statement said with a rising tone ("pretty sure tasks need roles?") starts like one.
    first = re.match(r"\W*([\w']+)", straight)
    if first and first[1].lower() not in _QUESTION_WORDS:
        return claim.rstrip().rstrip("?").rstrip()
    return None


_NEGATIVE_QUESTION = re.compile(
    r"^\W*(?:(?:is|are|was|were|do|does|did|could|should|would|wo|has|have|had)n't|can't)\s+"
    r"(.+?)\s*\?+\s*$",
    re.IGNORECASE,
)


_QUESTION_WORDS = frozenset(
    "what how why when where which who whom whose is are was were do does did can could should "
    "would will shall may might must has have had am isn't aren't doesn't don't can't won't "
    "shouldn't wouldn't couldn't wasn't weren't didn't hasn't haven't".split()
)
