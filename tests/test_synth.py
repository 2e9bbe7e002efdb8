"""Synthetic guides: the real parser reads them, with the ECS guide's counts per chapter."""

import pytest

from ingest import parse_guide
from kg import build_graph
from tutor.dev.synth import CHAPTER_COUNTS, synthetic_guide, write_synthetic_guide
from tutor.search.index import documents


@pytest.fixture(scope="module")
def two_chapters():
    return parse_guide(synthetic_guide(2, seed=7), source="synthetic.md")


def test_each_chapter_has_the_ecs_guides_counts(two_chapters):
    guide = two_chapters
    assert len(guide.items) == 2 * CHAPTER_COUNTS["items"] == 56
    assert len(guide.scenarios) == 2 * CHAPTER_COUNTS["scenarios"] == 6
    assert sum(len(s.steps) for s in guide.scenarios) == 2 * CHAPTER_COUNTS["steps"] == 36
    assert len(guide.pairs) == 2 * CHAPTER_COUNTS["pairs"] == 62


def test_all_four_layouts_are_exercised(two_chapters):
    guide = two_chapters
    concepts = [i for i in guide.items if i.kind == "concept"]
    practices = [i for i in guide.items if i.kind == "practice"]
    under_group = [i for i in concepts if i.section.endswith(("Group 1", "Group 2", "Group 3"))]
    under_heading = [i for i in concepts if i.section.endswith("Operations")]
    assert (len(under_group), len(under_heading), len(practices)) == (24, 12, 20)
    assert all(len(s.steps) == 6 for s in guide.scenarios)
    assert all(guide.pairs_of(s.title) for s in guide.scenarios)  # worked scenarios' pairs


def test_every_item_has_an_example_and_services_are_found(two_chapters):
    assert all(item.example for item in two_chapters.items)
    assert len(two_chapters.services) > 5


def test_the_same_seed_gives_the_same_text_and_another_seed_another():
    assert synthetic_guide(3, seed=1) == synthetic_guide(3, seed=1)
    assert synthetic_guide(3, seed=1) != synthetic_guide(3, seed=2)


def test_the_texts_to_embed_are_all_distinct(two_chapters):
    texts = [doc.text for doc in documents(build_graph(two_chapters))]
    assert len(texts) == len(set(texts))


def test_write_puts_the_guide_in_the_folder(tmp_path):
    path = write_synthetic_guide(tmp_path, 1, seed=5)
    assert path.name == "synthetic-1x-5.md"
    assert path.read_text(encoding="utf-8") == synthetic_guide(1, seed=5)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


@pytest.mark.parametrize("scale", [0, -3])
def test_a_scale_below_one_is_refused(scale):
    with pytest.raises(ValueError, match="at least 1"):
        synthetic_guide(scale)
