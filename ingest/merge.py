"""Several guides studied together as one: ``merge_guides([ecs, in_depth])``.

Each guide keeps its own words; the merged guide puts every section under its guide's title
("AWS ECS > Key Concepts", "Amazon ECS in Depth > Compute and Capacity"), so that two guides'
"Overview" stay two sections and every source names its guide, and each item, worked scenario
and pair says which guide it comes from (``guide``). Items are named by their titles everywhere
(pairs' owners, quiz cards, labelled sets), so two guides may not share a title.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from .errata import read_studied_guide
from .errors import IngestError
from .records import PATH_SEP, Guide, Section
from .services import ServiceCatalog


def merge_guides(guides: Sequence[Guide]) -> Guide:
    """One guide holding all of ``guides``, in order; one guide is returned as it is.

    ``IngestError`` if two guides have the same title or share an item or scenario title.
    """
    if not guides:
        raise IngestError("no guide to study")
    if len(guides) == 1:
        return guides[0]
    titles = [guide.title for guide in guides]
    if len(set(titles)) < len(titles):
        raise IngestError(f"two guides have the same title: {', '.join(titles)}")
    seen: dict[str, str] = {}
    for guide in guides:
        for name in [item.title for item in guide.items] + [s.title for s in guide.scenarios]:
            if name in seen:
                raise IngestError(
                    f"{guide.source}: {name!r} is also a title in {seen[name]}; "
                    "guides studied together need distinct item titles"
                )
            seen[name] = guide.source
    return Guide(
        title=_JOIN.join(titles),
        source=_JOIN.join(guide.source for guide in guides),
        sections=tuple(section for guide in guides for section in _sections(guide)),
        items=tuple(
            replace(item, section=_under(guide, item.section), guide=guide.title)
            for guide in guides
            for item in guide.items
        ),
        scenarios=tuple(
            replace(scenario, section=_under(guide, scenario.section), guide=guide.title)
            for guide in guides
            for scenario in guide.scenarios
        ),
        pairs=tuple(
            replace(pair, section=_under(guide, pair.section))
            for guide in guides
            for pair in guide.pairs
        ),
        services=tuple(dict.fromkeys(name for guide in guides for name in guide.services)),
        parts=tuple(titles),
    )


_JOIN = " + "


def part_sources(guide: Guide) -> list[tuple[str, str]]:
    """``(title, source)`` of each guide studied in ``guide``: one for a guide not merged."""
    if not guide.parts:
        return [(guide.title, guide.source)]
    sources = guide.source.split(_JOIN)
    if len(sources) != len(guide.parts):
        raise IngestError(f"{guide.source}: cannot tell the sources of {guide.title}")
    return list(zip(guide.parts, sources, strict=True))


def read_studied_guides(
    paths: Sequence[Path | str], *, catalog: ServiceCatalog | None = None
) -> Guide:
    """The guides at ``paths``, each with its corrections applied, merged into one."""
    return merge_guides([read_studied_guide(path, catalog=catalog) for path in paths])


def _sections(guide: Guide) -> list[Section]:
    """The guide's own title as a section, then its sections under it."""
    top = Section((guide.title,), 0, "")
    return [top, *(replace(s, path=(guide.title, *s.path)) for s in guide.sections)]


def _under(guide: Guide, section: str) -> str:
    return f"{guide.title}{PATH_SEP}{section}" if section else guide.title
