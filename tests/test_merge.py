"""Guides studied together: one guide record, one graph, linked across guides."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import IngestError, merge_guides, parse_guide, read_studied_guides
from ingest.merge import part_sources
from kg import build_graph
from kg.build import ITEM, RELATED_TO, SECTION, SERVICE
from kg.conceptmap import concept_map
from tutor.config import BUILTIN_GUIDES
from tutor.dev.evaluate import guides_by_title

SEED, IN_DEPTH = "AWS ECS", "Amazon ECS in Depth"


@pytest.fixture(scope="module")
def studied():
    return read_studied_guides(BUILTIN_GUIDES)


@pytest.fixture(scope="module")
def graph(studied):
    return build_graph(studied)


def test_the_built_in_guides_are_one_record_that_keeps_each_ones_parts(studied):
    assert studied.parts == (SEED, IN_DEPTH) and studied.title == f"{SEED} + {IN_DEPTH}"
    # 31 pairs of the seed, two its errata add, 64 of the in-depth guide
    assert (len(studied.items), len(studied.scenarios), len(studied.pairs)) == (88, 7, 97)
    assert {item.guide for item in studied.items} == {SEED, IN_DEPTH}
    fargate = next(item for item in studied.items if item.title == "Fargate")
    assert (fargate.guide, fargate.section) == (SEED, f"{SEED} > Key Concepts > ECS Modes")
    # Each guide's "Overview" stays its own section, under its guide's title.
    overviews = [s.name for s in studied.sections if s.title == "Overview"]
    assert overviews == [f"{SEED} > Overview", f"{IN_DEPTH} > Overview"]
    assert len(set(studied.services)) == len(studied.services)


def test_one_guide_is_returned_as_it_is(guide):
    assert merge_guides([guide]) is guide


def test_guides_that_share_a_title_or_an_item_title_are_refused(guide):
    with pytest.raises(IngestError, match="same title"):
        merge_guides([guide, guide])
    other = parse_guide(
        "# Another\n\n#### Key Concepts\n\n1. **Fargate**: Another guide's Fargate.\n",
        source="other.md",
    )
    with pytest.raises(IngestError, match="'Fargate' is also a title in"):
        merge_guides([guide, other])


def test_every_node_says_its_guide_and_sections_hang_from_the_guides_title(graph):
    for node, data in graph.nodes(data=True):
        assert data["guide"] == ("" if data["type"] == SERVICE else data["guide"])
        if data["type"] != SERVICE:
            assert data["guide"] in (SEED, IN_DEPTH), node
    overview = f"section:{IN_DEPTH} > Overview"
    assert graph.edges[overview, f"section:{IN_DEPTH}"]["relation"] == "part_of"
    assert graph.nodes[f"section:{IN_DEPTH}"]["type"] == SECTION


def _related(graph, a, b):
    ids = {d["label"]: n for n, d in graph.nodes(data=True) if d["type"] == ITEM}
    u, v = ids[a], ids[b]
    return any(
        graph.edges[e]["relation"] == RELATED_TO for e in ((u, v), (v, u)) if graph.has_edge(*e)
    )


@pytest.mark.parametrize(
    ("seed_item", "in_depth_item"),
    [
        ("Fargate", "Fargate Spot Interruptions"),  # one names the other
        ("IAM Roles for Tasks", "Task Execution Role"),  # two title words in common
        ("IAM Roles for Tasks", "Application Task Role"),
        ("EBS Volumes", "Launch-Time EBS Volumes"),
    ],
)
def test_items_are_linked_across_guides(graph, seed_item, in_depth_item):
    assert _related(graph, seed_item, in_depth_item)


def test_naming_the_guides_subject_links_nothing(graph):
    """Every title could say "ECS": "ECS Exec Access" and "ECS Service Connect" are not related
    for that."""
    assert not _related(graph, "ECS Exec Access", "ECS Service Connect")


def test_the_map_lists_the_guides_and_each_nodes_guide(graph, tutor):
    drawn = concept_map(graph)
    assert drawn["guides"] == [SEED, IN_DEPTH]
    by_id = {node["id"]: node for node in drawn["nodes"]}
    assert by_id["service:AWS Fargate"]["guide"] == ""
    assert {node["guide"] for node in drawn["nodes"]} == {"", SEED, IN_DEPTH}


def test_a_path_runs_across_the_guides(tutor):
    relation = tutor.relate("Fargate", "Fargate Spot Interruptions")
    labels = [tutor.graph.nodes[node]["label"] for node in relation.nodes]
    assert labels[0] == "Fargate" and labels[-1] == "Fargate Spot Interruptions"
    assert len(labels) <= 3


def test_the_evaluation_can_say_each_titles_guide(studied):
    by_title = guides_by_title(studied)
    assert by_title["Clusters"] == SEED and by_title["Capacity Providers"] == IN_DEPTH


def test_each_part_of_a_merged_guide_keeps_its_source(studied):
    """What reads the guides' own files (the naive baseline) finds each one."""
    parts = part_sources(studied)
    assert [title for title, _ in parts] == [SEED, IN_DEPTH]
    assert [Path(source).name for _, source in parts] == ["ecs.md", "ecs-in-depth.md"]
