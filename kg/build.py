"""Build the knowledge graph from a parsed guide.

Nodes carry ``type`` (section, item, scenario, step, misconception, service), ``label``, ``text``,
``section``, ``kind``, ``line`` and ``guide`` (the title of the guide they come from; "" for a
service, which guides share). Edges carry ``relation`` and point from the part to the whole:
item -part_of-> section, example -illustrates-> item, step -step_of-> scenario,
item -has_misconception-> misconception, anything -mentions-> service, and
related_to between items, scenarios and steps whose titles name the same concept.
"""

from __future__ import annotations

import re
from itertools import combinations

import networkx as nx

from ingest import Guide, Item, Scenario
from ingest.records import PATH_SEP

SECTION, ITEM, SCENARIO, STEP, MISCONCEPTION, SERVICE = (
    "section",
    "item",
    "scenario",
    "step",
    "misconception",
    "service",
)
NODE_TYPES = (SECTION, ITEM, SCENARIO, STEP, MISCONCEPTION, SERVICE)
PART_OF, HAS_MISCONCEPTION, ILLUSTRATES, STEP_OF, MENTIONS, RELATED_TO = (
    "part_of",
    "has_misconception",
    "illustrates",
    "step_of",
    "mentions",
    "related_to",
)

_WORD = re.compile(r"[a-z0-9]+")
_VENDOR_WORDS = {"amazon", "aws"}
_TITLE_STOPWORDS = {"and", "or", "the", "a", "an", "for", "of", "with", "to", "in", "on", "use"}


def section_id(name: str) -> str:
    return f"section:{name}"


def item_id(section: str, title: str) -> str:
    return f"item:{section}{PATH_SEP}{title}"


def scenario_id(title: str) -> str:
    return f"scenario:{title}"


def service_id(name: str) -> str:
    return f"service:{name}"


def build_graph(guide: Guide) -> nx.DiGraph:
    """The guide as a typed, directed graph (see the module docstring for the schema)."""
    graph = nx.DiGraph(title=guide.title, source=guide.source)
    for section in guide.sections:
        graph.add_node(
            section_id(section.name),
            type=SECTION,
            label=section.title,
            text=section.text,
            section=section.name,
            kind="",
            line=section.line,
            guide=section.path[0] if guide.parts else guide.title,
        )
        if len(section.path) > 1:
            parent = section_id(PATH_SEP.join(section.path[:-1]))
            graph.add_edge(section_id(section.name), parent, relation=PART_OF)
    for name in guide.services:
        graph.add_node(
            service_id(name),
            type=SERVICE,
            label=name,
            text=name,
            section="",
            kind="",
            line=0,
            guide="",
        )
    for item in guide.items:
        _add_item(graph, item, item.guide or guide.title)
    for scenario in guide.scenarios:
        _add_scenario(graph, scenario, scenario.guide or guide.title)
    owners = {item.title: item_id(item.section, item.title) for item in guide.items}
    owners.update({scenario.title: scenario_id(scenario.title) for scenario in guide.scenarios})
    counts: dict[str, int] = {}
    for pair in guide.pairs:
        owner = owners[pair.owner]
        counts[owner] = counts.get(owner, 0) + 1
        node = f"misconception:{owner.split(':', 1)[1]}#{counts[owner]}"
        graph.add_node(
            node,
            type=MISCONCEPTION,
            label=f"Misconception: {pair.wrong}",
            text=f"Wrong: {pair.wrong} Right: {pair.right}",
            section=pair.section,
            kind="pair",
            line=pair.line,
            wrong=pair.wrong,
            right=pair.right,
            owner=pair.owner,
            number=counts[owner],
            guide=graph.nodes[owner]["guide"],
            **({"disputed": pair.disputed} if pair.disputed else {}),
        )
        graph.add_edge(owner, node, relation=HAS_MISCONCEPTION)
        _add_mentions(graph, node, pair.services)
    _link_related(graph, guide)
    return graph


def _add_item(graph: nx.DiGraph, item: Item, guide: str) -> None:
    node = item_id(item.section, item.title)
    graph.add_node(
        node,
        type=ITEM,
        label=item.title,
        text=f"{item.title}: {item.description}",
        section=item.section,
        kind=item.kind,
        line=item.line,
        guide=guide,
        **_sourced(item.source),
        **({"correction": item.correction} if item.correction else {}),
    )
    graph.add_edge(node, section_id(item.section), relation=PART_OF)
    _add_mentions(graph, node, item.services)
    if item.example:
        example = f"scenario:{item.section}{PATH_SEP}{item.title}#example"
        graph.add_node(
            example,
            type=SCENARIO,
            label=f"Example: {item.title}",
            text=item.example,
            section=item.section,
            kind="example",
            line=item.line,
            guide=guide,
        )
        graph.add_edge(example, node, relation=ILLUSTRATES)


def _add_scenario(graph: nx.DiGraph, scenario: Scenario, guide: str) -> None:
    node = scenario_id(scenario.title)
    graph.add_node(
        node,
        type=SCENARIO,
        label=scenario.title,
        text=f"{scenario.title}: {scenario.problem}",
        section=scenario.section,
        kind="worked",
        line=scenario.line,
        guide=guide,
        **_sourced(scenario.source),
        **({"correction": scenario.correction} if scenario.correction else {}),
    )
    graph.add_edge(node, section_id(scenario.section), relation=PART_OF)
    _add_mentions(graph, node, scenario.services)
    for step in scenario.steps:
        step_node = f"step:{scenario.title}#{step.number}"
        graph.add_node(
            step_node,
            type=STEP,
            label=step.title,
            text=f"{step.title}: {step.text}",
            section=scenario.section,
            kind="step",
            line=step.line,
            number=step.number,
            guide=guide,
            **({"correction": step.correction} if step.correction else {}),
        )
        graph.add_edge(step_node, node, relation=STEP_OF)
        _add_mentions(graph, step_node, step.services)


def _add_mentions(graph: nx.DiGraph, node: str, services: tuple[str, ...]) -> None:
    for name in services:
        graph.add_edge(node, service_id(name), relation=MENTIONS)


def title_words(title: str) -> tuple[str, ...]:
    """Lower-case, singular content words: "IAM Roles for Tasks" -> ("iam", "role", "task")."""
    words = [w for w in _WORD.findall(title.lower()) if w not in _TITLE_STOPWORDS]
    return tuple(
        w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words
    )


def _slices(words: tuple[str, ...]) -> set[tuple[str, ...]]:
    """Every non-empty run of consecutive words: ("a", "b") -> {("a",), ("b",), ("a", "b")}."""
    n = len(words)
    return {words[i:j] for i in range(n) for j in range(i + 1, n + 1)}


def linkable_titles(graph: nx.DiGraph, guide: Guide) -> tuple[list, list, dict[str, set[str]]]:
    """What related-concept linking compares: ``(node, title words)`` of the items and worked
    scenarios, the same for the steps, and the services each item's or scenario's title names."""
    concepts = [
        (n, title_words(d["label"]))
        for n, d in graph.nodes(data=True)
        if d["type"] == ITEM or (d["type"] == SCENARIO and d["kind"] == "worked")
    ]
    steps = [
        (n, title_words(d["text"].split(":", 1)[0]))
        for n, d in graph.nodes(data=True)
        if d["type"] == STEP
    ]
    # The guide's subject (ECS in "AWS ECS") is in every title in spirit: naming it links nothing.
    subject = set(title_words(guide.title)) - _VENDOR_WORDS
    catalog_titles = {
        item_id(i.section, i.title): set(_title_mentions(i.title, i.services, subject))
        for i in guide.items
    }
    catalog_titles.update(
        {
            scenario_id(s.title): set(_title_mentions(s.title, s.services, subject))
            for s in guide.scenarios
        }
    )
    return concepts, steps, catalog_titles


def _link_related(graph: nx.DiGraph, guide: Guide) -> None:
    """related_to where one title names the other's concept ("Task Definitions" in "Creating Task
    Definitions", step "Fargate Launch Type" and item "Fargate"), both titles name one service,
    or they share two words other than the guide's subject ("IAM Roles for Tasks" and "Task
    Execution Role").

    A title names another when the other's words are a run of its own words; comparing every pair
    of titles is quadratic (728 s at 1000x), so titles are looked up by their runs of words and
    by the services they name instead. Edges are added in the order the pairwise scan added them.
    """
    concepts, steps, catalog_titles = linkable_titles(graph, guide)
    subject = set(title_words(guide.title)) - _VENDOR_WORDS
    by_title: dict[tuple[str, ...], list[int]] = {}  # whole title -> concepts (positions)
    by_run: dict[tuple[str, ...], list[int]] = {}  # run of a title's words -> concepts
    by_service: dict[str, list[int]] = {}
    by_two: dict[tuple[str, ...], list[int]] = {}  # two of a title's words -> concepts
    for position, (node, words) in enumerate(concepts):
        if words:
            by_title.setdefault(words, []).append(position)
        for run in _slices(words):
            by_run.setdefault(run, []).append(position)
        for service in catalog_titles.get(node, ()):
            by_service.setdefault(service, []).append(position)
        for two in combinations(sorted(set(words) - subject), 2):
            by_two.setdefault(two, []).append(position)

    def named(words: tuple[str, ...]) -> set[int]:
        """Concepts whose title is a run of ``words`` or has ``words`` as a run."""
        found = set(by_run.get(words, ())) if words else set()
        for run in _slices(words):
            found.update(by_title.get(run, ()))
        return found

    for position, (node, words) in enumerate(concepts):
        related = named(words)
        for service in catalog_titles.get(node, ()):
            related.update(by_service[service])
        for two in combinations(sorted(set(words) - subject), 2):
            related.update(by_two[two])
        for other in sorted(r for r in related if r > position):
            graph.add_edge(node, concepts[other][0], relation=RELATED_TO)
    for step, words in steps:
        for other in sorted(named(words)):
            concept = concepts[other][0]
            if graph.nodes[concept]["type"] == ITEM:
                graph.add_edge(step, concept, relation=RELATED_TO)


def _title_mentions(title: str, services: tuple[str, ...], subject: set[str]) -> list[str]:
    """Services whose name shares a word with the title ("Amazon EFS" for "EFS Integration"),
    other than the guide's ``subject`` words."""
    words = set(title_words(title)) - subject
    return [s for s in services if words & set(title_words(s)) - _VENDOR_WORDS]


def _sourced(source: str) -> dict[str, str]:
    """The ``source`` attribute for a node whose guide names one (none otherwise, so a guide
    without sources exports the same graph as before they existed)."""
    return {"source": source} if source else {}
