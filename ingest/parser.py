"""Parse a study guide written in the ECS guide's markdown format into typed records.

The format has four layouts, all handled by one line-by-line pass:

* numbered items under bold group lines (``**ECS Components**`` then ``1. **Clusters**: ...``);
* numbered items straight under a ``####`` heading;
* numbered groups with no description whose bulleted sub-items are the items
  (``1. **Performance Optimization**`` then ``* **Resource Limits**: ...``);
* worked scenarios: a bold title, ``**Scenario**: ...``, ``**Solution**:`` with numbered steps, and
  ``**Misconceptions**:``.

Every item or worked scenario may carry ``Example Scenario`` and ``Misconceptions`` bullets; each
``Wrong`` must be followed by its ``Right``. Nothing in here knows about ECS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import GuideFormatError
from .records import PATH_SEP, Guide, Item, MisconceptionPair, Scenario, Section, Step
from .services import ServiceCatalog, load_catalog

# Linear-time patterns only: a guide is untrusted text, and a pattern that backtracks on a long
# run of spaces (as "(.*?)\s*#*\s*$" did: 1,500 spaces took 40 s) holds the GIL for everyone.
# A heading's closing hashes are stripped in Python (``_heading``), not by the pattern.
_HEADING = re.compile(r"(#{1,6})\s+(.*)")
_BOLD_LINE = re.compile(r"^\*\*(?P<label>[^*]+?)\*\*\s*:?\s*(?P<text>.*)$")
_NUMBERED = re.compile(r"^(?P<indent>\s*)(?P<number>\d+)[.)]\s+(?P<rest>.*)$")
_BULLET = re.compile(r"^(?P<indent>\s*)[*+-]\s+(?P<rest>.*)$")
_LABELLED = re.compile(r"^\*\*(?P<label>[^*]*?)\*\*\s*:?\s*(?P<text>.*)$")

_EXAMPLE = "example scenario"
_MISCONCEPTIONS = "misconceptions"
_WRONG = "wrong"
_RIGHT = "right"
_SCENARIO = "scenario"
_SOLUTION = "solution"
_SOURCE = "source"  # where an item's facts come from: "Page title (https://...)", kept as text


@dataclass
class _Owner:
    """An item or worked scenario while its lines are still being read."""

    title: str
    text: str
    kind: str
    section: str
    line: int
    example: str = ""
    source: str = ""
    steps: list[Step] = field(default_factory=list)


NOT_UTF8 = "the guide is not valid UTF-8: save it as UTF-8"
NOT_TEXT = "binary content (NUL byte): a guide is a text file"


@dataclass
class _State:
    source: str
    catalog: ServiceCatalog
    title: str = ""
    heading_level: int = 0
    heading: str = ""
    group: str = ""
    subgroup: str = ""
    owner: _Owner | None = None
    in_solution: bool = False
    in_misconceptions: bool = False
    wrong: tuple[str, int] | None = None
    sections: dict[str, Section] = field(default_factory=dict)
    section_text: dict[str, list[str]] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)
    scenarios: list[Scenario] = field(default_factory=list)
    pairs: list[MisconceptionPair] = field(default_factory=list)
    seen_titles: dict[tuple[str, str], int] = field(default_factory=dict)

    def fail(self, line: int, what: str) -> GuideFormatError:
        return GuideFormatError(self.source, line, what)

    @property
    def section(self) -> str:
        return PATH_SEP.join(part for part in (self.heading, self.group, self.subgroup) if part)

    def open_section(self, line: int) -> None:
        name = self.section
        if name and name not in self.sections:
            self.sections[name] = Section(tuple(name.split(PATH_SEP)), line)


def parse_guide(
    text: str, *, source: str = "<guide>", catalog: ServiceCatalog | None = None
) -> Guide:
    """Parse guide text into a ``Guide``; raise ``GuideFormatError`` ("file:line: what") if broken.

    >>> guide = parse_guide(Path("data/guides/ecs.md").read_text())
    >>> len(guide.pairs)
    31
    """
    state = _State(source=source, catalog=catalog or load_catalog())
    if not text.strip():
        raise state.fail(1, "the guide is empty")
    # Binary content is refused as such before any format error that comes earlier in it.
    if (nul := text.find("\x00")) >= 0:
        raise state.fail(text.count("\n", 0, nul) + 1, NOT_TEXT)
    lines = text.splitlines()
    state.heading_level = _section_level(lines)
    for number, raw in enumerate(lines, start=1):
        _read_line(state, raw.rstrip(), number)
    _close_owner(state, len(lines) + 1)
    if not state.items and not state.scenarios:
        raise state.fail(1, "no items found: expected numbered '1. **Title**: description' lines")
    sections = tuple(
        Section(section.path, section.line, " ".join(state.section_text.get(name, [])).strip())
        for name, section in state.sections.items()
    )
    steps = [step for scenario in state.scenarios for step in scenario.steps]
    every: list[Item | Scenario | Step | MisconceptionPair] = [
        *state.items,
        *state.scenarios,
        *steps,
        *state.pairs,
    ]
    services = tuple(dict.fromkeys(name for record in every for name in record.services))
    return Guide(
        title=state.title or Path(source).stem,
        source=source,
        sections=sections,
        items=tuple(state.items),
        scenarios=tuple(state.scenarios),
        pairs=tuple(state.pairs),
        services=services,
    )


def read_guide(path: Path | str, *, catalog: ServiceCatalog | None = None) -> Guide:
    """Read and parse a guide file; encoding problems are reported as ``GuideFormatError``."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise GuideFormatError(str(path), 0, f"cannot read the guide: {exc.strerror}") from exc
    return parse_guide(decode_guide(data, str(path)), source=str(path), catalog=catalog)


def decode_guide(data: bytes, source: str) -> str:
    """A guide's bytes as text (UTF-8, with or without a byte order mark); ``GuideFormatError``
    naming the line of the first byte that is not UTF-8 (UTF-16 fails on line 1)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise GuideFormatError(source, line, NOT_UTF8) from exc


def _section_level(lines: list[str]) -> int:
    """Sections are the deepest heading level used; shallower ones are the title and subtitle."""
    levels = [heading[0] for line in lines if (heading := _heading(line))]
    return max(levels) if levels else 0


def _heading(line: str) -> tuple[int, str] | None:
    """``(level, text)`` of an ATX heading, its closing hashes dropped: "## Storage ##" ->
    ``(2, "Storage")``; None for any other line."""
    found = _HEADING.match(line)
    if found is None:
        return None
    return len(found.group(1)), found.group(2).rstrip().rstrip("#").strip()


def _read_line(state: _State, line: str, number: int) -> None:
    if not line.strip():
        return
    if heading := _heading(line):
        _on_heading(state, *heading, number)
    elif bold := _BOLD_LINE.match(line):
        _on_bold_line(state, bold.group("label").strip(), bold.group("text").strip(), number)
    elif numbered := _NUMBERED.match(line):
        _on_numbered(state, int(numbered.group("number")), numbered.group("rest"), number)
    elif bullet := _BULLET.match(line):
        _on_bullet(state, bullet.group("rest"), number)
    else:
        _on_text(state, line.strip(), number)


def _on_heading(state: _State, level: int, text: str, number: int) -> None:
    if not text:
        raise state.fail(number, "a heading with no text")
    if level < state.heading_level:
        if not state.title:
            state.title = text
        return
    _close_owner(state, number)
    state.heading, state.group, state.subgroup = text, "", ""
    state.in_solution = False
    state.open_section(number)


def _on_bold_line(state: _State, label: str, text: str, number: int) -> None:
    key = label.lower()
    if key == _SCENARIO:
        _start_worked_scenario(state, text, number)
    elif key == _SOLUTION:
        if state.owner is None or state.owner.kind != "scenario":
            raise state.fail(number, "'Solution' outside a worked scenario")
        state.in_solution, state.in_misconceptions = True, False
    elif key == _MISCONCEPTIONS:
        _start_misconceptions(state, number)
    elif key in (_WRONG, _RIGHT, _EXAMPLE, _SOURCE):
        _on_label(state, key, text, number)
    elif text:
        raise state.fail(number, f"unexpected text after the bold line '{label}'")
    else:  # a bold group line such as **ECS Components** or a worked scenario's title
        _close_owner(state, number)
        state.group, state.subgroup = label, ""
        state.in_solution = False
        state.open_section(number)


def _on_numbered(state: _State, position: int, rest: str, number: int) -> None:
    labelled = _LABELLED.match(rest.strip())
    if not labelled or not labelled.group("label").strip():
        raise state.fail(number, "a numbered entry needs a bold title: '1. **Title**: text'")
    title, text = labelled.group("label").strip(), labelled.group("text").strip()
    if state.in_solution and state.owner is not None:
        services = state.catalog.mentions(f"{title}. {text}")
        state.owner.steps.append(Step(position, title, text, number, services))
        return
    _close_owner(state, number)
    if not text:  # a numbered group whose bulleted sub-items are the items (Best Practices)
        state.subgroup = title
        state.open_section(number)
        return
    _open_item(state, title, text, "concept", number)


def _on_bullet(state: _State, rest: str, number: int) -> None:
    labelled = _LABELLED.match(rest.strip())
    if not labelled:
        _on_text(state, rest.strip(), number)
        return
    label, text = labelled.group("label").strip(), labelled.group("text").strip()
    key = label.lower()
    if key == _MISCONCEPTIONS:
        _start_misconceptions(state, number)
    elif key in (_WRONG, _RIGHT, _EXAMPLE, _SOURCE):
        _on_label(state, key, text, number)
    elif not label:
        raise state.fail(number, "an item with an empty title")
    elif not text:
        raise state.fail(number, f"item '{label}' has no description")
    else:  # a bulleted sub-item under a numbered group
        _close_owner(state, number)
        _open_item(state, label, text, "practice", number)


def _on_label(state: _State, key: str, text: str, number: int) -> None:
    if state.owner is None:
        raise state.fail(number, f"'{key.capitalize()}' with no item above it")
    if not text:
        raise state.fail(number, f"'{key.capitalize()}' with no text")
    if key == _EXAMPLE:
        if state.owner.example:  # a second one would silently replace the first
            raise state.fail(number, f"'{state.owner.title}' has a second Example Scenario")
        state.owner.example = text
        return
    if key == _SOURCE:
        if state.wrong is not None:
            raise state.fail(state.wrong[1], "Wrong without a Right")
        if state.owner.source:
            raise state.fail(number, f"'{state.owner.title}' has a second Source line")
        state.owner.source = text
        return
    if not state.in_misconceptions:
        raise state.fail(number, f"'{key.capitalize()}' outside a Misconceptions list")
    if key == _WRONG:
        if state.wrong is not None:
            raise state.fail(state.wrong[1], "Wrong without a Right")
        state.wrong = (text, number)
        return
    if state.wrong is None:
        raise state.fail(number, "Right without a Wrong")
    wrong, line = state.wrong
    state.wrong = None
    owner = state.owner
    services = state.catalog.mentions(f"{wrong} {text}")
    state.pairs.append(MisconceptionPair(wrong, text, owner.title, owner.section, line, services))


def _start_misconceptions(state: _State, number: int) -> None:
    if state.owner is None:
        raise state.fail(number, "'Misconceptions' with no item above it")
    if state.wrong is not None:
        raise state.fail(state.wrong[1], "Wrong without a Right")
    state.in_misconceptions, state.in_solution = True, False


def _start_worked_scenario(state: _State, problem: str, number: int) -> None:
    if not state.group:
        raise state.fail(number, "'Scenario' needs a bold title line above it")
    if not problem:
        raise state.fail(number, "'Scenario' with no text")
    _close_owner(state, number)
    title = state.group
    state.sections.pop(state.section, None)  # the bold line was a title, not a section
    state.group = ""
    section = state.section
    state.group = title
    state.owner = _Owner(title, problem, "scenario", section, number)


def _open_item(state: _State, title: str, text: str, kind: str, number: int) -> None:
    if not state.heading:
        raise state.fail(number, f"item '{title}' comes before any section heading")
    key = (state.section, title.lower())
    if key in state.seen_titles:
        raise state.fail(
            number,
            f"duplicate title '{title}' in {state.section}"
            f" (first on line {state.seen_titles[key]})",
        )
    state.seen_titles[key] = number
    state.owner = _Owner(title, text, kind, state.section, number)
    state.in_misconceptions = False


def _on_text(state: _State, text: str, number: int) -> None:
    if state.owner is not None:
        if state.in_misconceptions or state.in_solution:
            raise state.fail(number, f"unexpected text in a list: {text[:60]!r}")
        state.owner.text = f"{state.owner.text} {text}".strip()
    elif state.section:
        state.section_text.setdefault(state.section, []).append(text)


def _close_owner(state: _State, number: int) -> None:
    if state.wrong is not None:
        raise state.fail(state.wrong[1], "Wrong without a Right")
    owner, state.owner = state.owner, None
    state.in_misconceptions = state.in_solution = False
    if owner is None:
        return
    if owner.kind == "scenario":
        if not owner.steps:
            raise state.fail(owner.line, f"worked scenario '{owner.title}' has no solution steps")
        services = state.catalog.mentions(f"{owner.title}. {owner.text}")
        state.scenarios.append(
            Scenario(
                owner.title,
                owner.text,
                owner.section,
                owner.line,
                tuple(owner.steps),
                services,
                owner.source,
            )
        )
        state.group = ""
        return
    services = state.catalog.of_item(owner.title, owner.text, owner.example)
    state.items.append(
        Item(
            owner.title,
            owner.text,
            owner.kind,
            owner.section,
            owner.line,
            owner.example,
            services,
            owner.source,
        )
    )
