"""Uploaded guides are hostile input: linear-time parsing, a child process with limits, and a
quota that holds when uploads race."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from timebound import finishes_within

from ingest import GuideFormatError, parse_guide
from ingest.isolated import parse_isolated
from tutor import Settings
from tutor.dev.synth import synthetic_guide
from tutor.study import library as library_module
from tutor.study.library import GuideLibrary, GuideRefused

_BODY = (
    "#### Storage\n\n1. **Volumes**: Disks for tasks.\n   * **Misconceptions**:\n"
    "     * **Wrong**: Tasks have no disks.\n     * **Right**: Tasks can mount volumes.\n"
)


def redos_guide(spaces: int) -> str:
    """The security probe's guide: a heading with a long run of spaces inside it (the old
    heading pattern took 40 s on 1,500 of them, 159 s per match on 4,000)."""
    return f"# Notes\n\n{_BODY}\n# a{' ' * spaces}b\n"


@pytest.mark.parametrize("spaces", [1_500, 4_000, 100_000])
def test_a_heading_with_a_long_run_of_spaces_parses_at_once(spaces):
    assert finishes_within(2.0, parse_guide, redos_guide(spaces))


def test_closing_hashes_and_spaces_are_not_part_of_a_heading():
    guide = parse_guide(f"#   Notes  ##  \n\n{_BODY}")
    assert guide.title == "Notes"


@pytest.mark.slow
def test_a_text_with_many_service_mentions_is_read_in_linear_time():
    text = f"# Notes\n\n#### Storage\n\n1. **Volumes**: {'EC2 ECS EFS ' * 40_000}\n"
    assert finishes_within(5.0, parse_guide, text)


def test_the_redos_upload_is_parsed_in_its_child_in_under_a_second():
    started = time.perf_counter()
    guide = parse_isolated(redos_guide(4_000).encode(), source="redos.md")
    assert time.perf_counter() - started < 1.0
    assert guide.title == "Notes" and len(guide.pairs) == 1


def test_the_child_gives_back_the_same_records_as_the_parser():
    text = synthetic_guide(2, seed=3)
    assert parse_isolated(text.encode(), source="s.md") == parse_guide(text, source="s.md")


@pytest.mark.slow
def test_a_guide_that_takes_too_long_is_stopped_and_refused():
    big = synthetic_guide(100, seed=1).encode()  # ~1 s to parse here
    started = time.perf_counter()
    with pytest.raises(GuideFormatError, match=r"s\.md:0: the guide took too long to read"):
        parse_isolated(big, source="s.md", seconds=0.2)
    assert time.perf_counter() - started < 1.0  # killed at its limit, not waited for


@pytest.mark.slow
def test_a_guide_that_needs_too_much_memory_is_refused():
    limit = 32 * 1024 * 1024  # the child's interpreter fits; 1.7 MB of guide records do not
    # The time limit is not what is tested: generous, so that a busy machine cannot end the
    # parse on time before it runs out of memory.
    slow = 120
    assert parse_isolated(_guide(1), source="small.md", memory=limit, seconds=slow).title == (
        "Guide 1"
    )
    big = synthetic_guide(100, seed=1).encode()
    with pytest.raises(GuideFormatError, match="needs too much memory"):
        parse_isolated(big, source="s.md", memory=limit, seconds=slow)


def test_the_child_reports_format_errors_with_their_line():
    broken = b"# T\n\n#### S\n\n1. **A**: b\n   * **Misconceptions**:\n     * **Wrong**: x\n"
    with pytest.raises(GuideFormatError, match=r"^x\.md:7: Wrong without a Right$"):
        parse_isolated(broken, source="x.md")


def _guide(number: int) -> bytes:
    return f"# Guide {number}\n\n{_BODY}".encode()


def test_racing_uploads_on_two_replicas_never_pass_an_owners_limit(
    database, tmp_path, embedder, tutor, monkeypatch
):
    monkeypatch.setattr(library_module, "MAX_STORED_GUIDES", 4)
    replicas = [
        GuideLibrary(
            Settings(data_dir=tmp_path / name, cache_dir=tmp_path / name, progress_db=database),
            embedder,
            builtin=tutor,
        )
        for name in ("one", "two")
    ]
    for number in range(2):
        replicas[0].add(f"g{number}.md", _guide(number), "ana")

    def upload(number: int) -> str:
        try:
            replicas[number % 2].add(f"new{number}.md", _guide(1000 + number), "ana")
            return "stored"
        except GuideRefused as refused:
            assert "the library is full" in str(refused)
            return "refused"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(upload, range(8)))
    assert outcomes.count("stored") == 2 and outcomes.count("refused") == 6
    assert len(replicas[1].guides("ana")) == 1 + 4  # the built-in guides and ana's four
    for library in replicas:
        library.close()
