"""Every pattern that a learner's or an uploader's text reaches runs in bounded time on
adversarial input: the fuzzer builds texts from the characters such patterns backtrack on (runs
of spaces, hashes, asterisks, commas, negations) and each pattern must search, match and
substitute them well within a second. A pattern that backtracks (the old heading pattern took
40 s on 1,500 spaces) fails here in seconds: each try runs in a child that is killed at its limit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from timebound import finishes_within

import app
import ingest.parser
import kg.build
import tutor.check.claims
import tutor.check.cues
import tutor.check.quantities
import tutor.core
import tutor.markdown
import tutor.search.lexical
import tutor.study.library
import tutor.study.progress
import tutor.web.friendly
from ingest import load_catalog
from tutor.core import MAX_INPUT_CHARS

pytestmark = pytest.mark.slow  # fuzzes every pattern

# Modules whose patterns read typed text (questions, claims, answers, names) or guide text.
TYPED = (app, tutor.check.claims, tutor.check.cues, tutor.check.quantities, tutor.core)
TYPED += (tutor.markdown, tutor.search.lexical, tutor.study.library, tutor.study.progress)
TYPED += (tutor.web.friendly,)
GUIDE = (ingest.parser, kg.build)
GUIDE_LINE_CHARS = 50_000  # a guide's line can be as long as the upload limit; 50k shows the trend

TOKENS = [
    " ", "  ", "\t", "#", "##", "*", "**", ":", ",", ";", ".", "-", "1.", "!", "?", "'",
    "n't", "not ", "no ", "never ", "and ", "but ", "neither ", "nor ", "it's false that ",
    "a", "x", "EC2", "ECS", "[", "]", "(", ")", "_", "`", "|", "~", "\\", "é", "\u200b",
]  # fmt: skip


def _found(value: object, where: str) -> Iterator[tuple[str, re.Pattern]]:
    if isinstance(value, re.Pattern):
        yield where, value
    elif isinstance(value, list | tuple | set | frozenset):
        for n, inner in enumerate(value):
            yield from _found(inner, f"{where}[{n}]")
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _found(inner, f"{where}[{key!r}]")


def patterns_of(*modules: ModuleType) -> list[tuple[str, re.Pattern]]:
    """The module-level patterns of ``modules``, also those inside lists, tuples and dicts."""
    return [
        found
        for module in modules
        for name, value in vars(module).items()
        for found in _found(value, f"{module.__name__}.{name}")
    ]


SERVICE_PATTERNS = [(f"services[{name}]", p) for p, name in load_catalog().patterns]
ALL = patterns_of(*TYPED, *GUIDE) + SERVICE_PATTERNS
ON_GUIDE_LINES = patterns_of(*GUIDE) + SERVICE_PATTERNS


def test_the_fuzzer_sees_the_patterns_it_is_meant_to():
    names = {name for name, _ in ALL}
    assert {
        "ingest.parser._HEADING",
        "tutor.check.cues.FALSITY_FRAME",
        "tutor.markdown._INLINE",
    } <= names
    assert len(ALL) > 60


def _exercise(patterns: list[tuple[str, re.Pattern]], text: str) -> None:
    for _, pattern in patterns:
        pattern.search(text)
        pattern.match(text)
        pattern.sub("", text)


def _adversarial(size: int) -> st.SearchStrategy[str]:
    """A short prefix, a pumped run of tokens up to ``size`` characters, and a short suffix."""
    pump = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=6).map("".join)
    edge = st.lists(st.sampled_from(TOKENS), max_size=4).map("".join)
    return st.tuples(edge, pump, edge).map(
        lambda parts: (parts[0] + parts[1] * (size // len(parts[1]) + 1))[:size] + parts[2]
    )


def _slowest(patterns: list[tuple[str, re.Pattern]], text: str, seconds: float) -> list[str]:
    return [
        name for name, p in patterns if not finishes_within(seconds, _exercise, [(name, p)], text)
    ]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_adversarial(MAX_INPUT_CHARS))
def test_every_pattern_handles_a_typed_text_in_bounded_time(text):
    if not finishes_within(3.0, _exercise, ALL, text):
        pytest.fail(f"too slow on {text[:80]!r}…: {_slowest(ALL, text, 1.0)}")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_adversarial(GUIDE_LINE_CHARS))
def test_every_guide_pattern_handles_a_long_line_in_bounded_time(text):
    if not finishes_within(3.0, _exercise, ON_GUIDE_LINES, text):
        pytest.fail(f"too slow on {text[:80]!r}…: {_slowest(ON_GUIDE_LINES, text, 1.0)}")


def test_the_old_heading_pattern_is_caught():
    """The check itself can fail: the pattern the probe found is reported as too slow."""
    old = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
    assert not finishes_within(1.0, _exercise, [("old", old)], "# a" + " " * 3000 + "b")
