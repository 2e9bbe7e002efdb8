"""A malformed guide fails with ``file:line: what is wrong`` and never touches the index.

The small hand-written cases are in test_parser.py; here the real guide is broken on disk, fuzzed,
and given to ``ecs-tutor ingest``.
"""

import hashlib
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest import Guide, GuideFormatError, load_catalog, parse_guide, read_guide
from tutor.config import DEFAULT_GUIDE

GUIDE_BYTES = DEFAULT_GUIDE.read_bytes()
GUIDE_LINES = GUIDE_BYTES.decode("utf-8").splitlines()
CATALOG = load_catalog()


def _line_of(prefix: str, *, after: int = 0) -> int:
    """The 1-based number of the first guide line after ``after`` that starts with ``prefix``."""
    for number, line in enumerate(GUIDE_LINES, start=1):
        if number > after and line.strip().startswith(prefix):
            return number
    raise AssertionError(prefix)


def _assert_clean_outcome(result_or_error: Guide | GuideFormatError, source: str, lines: int):
    """A Guide, or an error naming the file and a line that exists."""
    if isinstance(result_or_error, Guide):
        return
    error = result_or_error
    assert 1 <= error.line <= max(lines, 1), (error.line, lines, str(error))
    assert str(error) == f"{source}:{error.line}: {error.what}"
    assert error.what and "\n" not in error.what


def _parse(text: str, source: str = "fuzz.md") -> Guide | GuideFormatError:
    try:
        return parse_guide(text, source=source, catalog=CATALOG)
    except GuideFormatError as error:
        return error


def _edited(number: int, replacement: list[str]) -> str:
    """The guide with line ``number`` replaced by ``replacement`` (no lines: deleted)."""
    lines = GUIDE_LINES[: number - 1] + replacement + GUIDE_LINES[number:]
    return "\n".join(lines) + "\n"


FIRST_WRONG = _line_of("* **Wrong**")
FIRST_ITEM = _line_of("1. **Clusters**")
SECOND_ITEM = _line_of("2. **Task Definitions**")


@pytest.mark.parametrize(
    ("name", "text", "line", "what"),
    [
        ("Right missing", _edited(FIRST_WRONG + 1, []), FIRST_WRONG, "Wrong without a Right"),
        (
            "Right at the very end missing",
            "\n".join(GUIDE_LINES[: _line_of("* **Right**", after=200) - 1]) + "\n",
            _line_of("* **Wrong**", after=200),
            "Wrong without a Right",
        ),
        (
            "item without a title",
            _edited(FIRST_ITEM, ["1. Logical grouping of tasks or services."]),
            FIRST_ITEM,
            "a numbered entry needs a bold title: '1. **Title**: text'",
        ),
        (
            "duplicate title",
            _edited(SECOND_ITEM, ["2. **Clusters**: Blueprint for your application."]),
            SECOND_ITEM,
            f"duplicate title 'Clusters' in Key Concepts > ECS Components (first on line "
            f"{FIRST_ITEM})",
        ),
        ("whitespace only", " \n\t\n\n", 1, "the guide is empty"),
        (
            "two example scenarios",
            _edited(FIRST_ITEM + 1, [GUIDE_LINES[FIRST_ITEM], GUIDE_LINES[FIRST_ITEM]]),
            FIRST_ITEM + 2,
            "'Clusters' has a second Example Scenario",
        ),
    ],
)
def test_a_broken_real_guide_names_its_file_and_line(tmp_path, name, text, line, what):
    path = tmp_path / "broken.md"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GuideFormatError) as raised:
        read_guide(path, catalog=CATALOG)
    assert str(raised.value) == f"{path}:{line}: {what}"


NOT_UTF8 = "the guide is not valid UTF-8: save it as UTF-8"
NOT_TEXT = "binary content (NUL byte): a guide is a text file"


@pytest.mark.parametrize(
    ("name", "data", "line", "what"),
    [
        ("empty file", b"", 1, "the guide is empty"),
        ("only a byte order mark", b"\xef\xbb\xbf\n", 1, "the guide is empty"),
        ("latin-1 in the middle", GUIDE_BYTES.replace(b"Clusters**", b"Cl\xfcsters**", 1),
         FIRST_ITEM, NOT_UTF8),
        ("utf-16", "#### A\n".encode("utf-16"), 1, NOT_UTF8),
        ("cut inside a character", GUIDE_BYTES + "é".encode()[:1], len(GUIDE_LINES) + 1,
         NOT_UTF8),
        ("NUL byte", GUIDE_BYTES.replace(b"Clusters**", b"Clus\x00ters**", 1), FIRST_ITEM,
         NOT_TEXT),
    ],
)  # fmt: skip
def test_a_guide_with_bad_bytes_names_its_file_and_line(tmp_path, name, data, line, what):
    path = tmp_path / "broken.md"
    path.write_bytes(data)
    with pytest.raises(GuideFormatError) as raised:
        read_guide(path, catalog=CATALOG)
    assert str(raised.value) == f"{path}:{line}: {what}"


def test_a_folder_given_as_the_guide_is_a_clean_error(tmp_path):
    with pytest.raises(GuideFormatError, match=r"^.*:0: cannot read the guide: Is a directory$"):
        read_guide(tmp_path, catalog=CATALOG)


def _mutant(rng: random.Random) -> bytes:
    """The real guide with one to three random edits: lines deleted, duplicated, swapped,
    the file truncated, or random bytes injected."""
    lines = [line.encode() for line in GUIDE_LINES]
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(lines))
        edit = rng.choice(["delete", "duplicate", "swap", "truncate", "inject", "indent"])
        if edit == "delete":
            del lines[at]
        elif edit == "duplicate":
            lines.insert(at, lines[at])
        elif edit == "swap":
            other = rng.randrange(len(lines))
            lines[at], lines[other] = lines[other], lines[at]
        elif edit == "truncate":
            cut = rng.randrange(len(lines[at]) + 1)
            lines = lines[:at] + [lines[at][:cut]]
        elif edit == "inject":
            noise = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4)))
            cut = rng.randrange(len(lines[at]) + 1)
            lines[at] = lines[at][:cut] + noise + lines[at][cut:]
        else:
            lines[at] = b"   " + lines[at]
        if not lines:
            break
    return b"\n".join(lines) + b"\n"


@pytest.mark.slow
def test_two_hundred_mutants_of_the_guide_parse_or_fail_cleanly(tmp_path):
    rng = random.Random(6)
    path = tmp_path / "mutant.md"
    outcomes = {"parsed": 0, "refused": 0}
    for _ in range(200):
        data = _mutant(rng)
        path.write_bytes(data)
        try:
            read_guide(path, catalog=CATALOG)
            outcomes["parsed"] += 1
        except GuideFormatError as error:
            outcomes["refused"] += 1
            _assert_clean_outcome(error, str(path), data.count(b"\n") + 1)
    # Both outcomes happen: the mutants are neither all harmless nor all fatal.
    assert outcomes["parsed"] > 20 and outcomes["refused"] > 20, outcomes


_GUIDE_LIKE = st.lists(
    st.one_of(
        st.sampled_from(GUIDE_LINES),
        st.sampled_from(["* **Wrong**: w", "* **Right**: r", "**Scenario**: s", "**Solution**:"]),
        st.sampled_from(["1. **T**: d", "1. ****: d", "* **Misconceptions**:", "#### H", "#"]),
        st.text(max_size=40),
    ),
    max_size=40,
).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=400), _GUIDE_LIKE))
def test_the_parser_returns_a_guide_or_a_clean_error_for_any_text(text):
    _assert_clean_outcome(_parse(text), "fuzz.md", len(text.splitlines()))


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_ingest_of_a_broken_guide_exits_1_with_one_line_and_leaves_the_index(
    tutor, cache_dir, tmp_path
):
    import shutil

    cache = tmp_path / "cache"
    shutil.copytree(cache_dir, cache)
    before = _snapshot(cache)
    assert any(name.startswith("index-") for name in before)
    broken = tmp_path / "broken.md"
    broken.write_text(_edited(FIRST_WRONG + 1, []), encoding="utf-8")
    command = [sys.executable, "-m", "tutor", "--guide", str(broken), "--cache-dir", str(cache)]
    done = subprocess.run([*command, "ingest"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == f"ecs-tutor: error: {broken}:{FIRST_WRONG}: Wrong without a Right\n"
    assert _snapshot(cache) == before
