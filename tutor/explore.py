"""A concept shaped for people: its text, neighbours, misconceptions, scenarios, and the path
that explains how two concepts relate."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import networkx as nx

from ingest import ServiceCatalog
from kg import NoPath, explain_path, neighbourhood, own_text, sentences
from kg.build import MISCONCEPTION, SCENARIO, SERVICE, STEP, title_words


@dataclass(frozen=True)
class Neighbour:
    node: str
    label: str
    type: str


@dataclass(frozen=True)
class Exploration:
    node: str
    title: str
    type: str
    section: str
    text: str
    neighbours: dict[str, tuple[Neighbour, ...]] = field(default_factory=dict)
    misconceptions: tuple[tuple[str, str], ...] = ()
    scenarios: tuple[str, ...] = ()
    matched_by_meaning: bool = False
    correction: str = ""  # what has changed since the guide was written, if anything
    source: str = ""  # where the concept's facts come from, as its guide names it

    def to_dict(self) -> dict:
        return {
            "concept": self.title,
            "type": self.type,
            "section": self.section,
            "text": self.text,
            "matched_by_meaning": self.matched_by_meaning,
            "neighbours": {
                relation: [{"label": n.label, "type": n.type} for n in nodes]
                for relation, nodes in self.neighbours.items()
            },
            "misconceptions": [{"wrong": w, "right": r} for w, r in self.misconceptions],
            "scenarios": list(self.scenarios),
            **({"correction": self.correction} if self.correction else {}),
            **({"source": self.source} if self.source else {}),
        }


def explore_node(graph: nx.DiGraph, node: str, *, matched_by_meaning: bool = False) -> Exploration:
    data = graph.nodes[node]
    groups = neighbourhood(graph, node)
    neighbours = {
        relation: tuple(
            Neighbour(n, graph.nodes[n]["label"], graph.nodes[n]["type"]) for n in nodes
        )
        for relation, nodes in groups.items()
    }
    near = {n for nodes in groups.values() for n in nodes} | {node}
    misconceptions = tuple(
        (graph.nodes[n]["wrong"], graph.nodes[n]["right"])
        for n in sorted(near)
        if graph.nodes[n]["type"] == MISCONCEPTION
    )
    scenarios = tuple(
        graph.nodes[n]["text"] if graph.nodes[n]["kind"] == "example" else graph.nodes[n]["label"]
        for n in sorted(near - {node})
        if graph.nodes[n]["type"] == SCENARIO
    )
    return Exploration(
        node=node,
        title=data["label"],
        type=data["type"],
        section=data["section"],
        text=data["text"],
        correction=data.get("correction", ""),
        source=data.get("source", ""),
        neighbours=neighbours,
        misconceptions=misconceptions,
        scenarios=scenarios,
        matched_by_meaning=matched_by_meaning,
    )


@dataclass(frozen=True)
class Link:
    """One step of a path: from ``source`` by ``relation`` to ``target``, and why, in a sentence
    taken from the guide where it has one."""

    source: Neighbour
    relation: str
    target: Neighbour
    explanation: str = ""
    correction: str = ""  # what has changed since the guide wrote what this hop quotes


@dataclass(frozen=True)
class Relation:
    """How two concepts relate: the steps of the path between them, in order."""

    start: Neighbour
    end: Neighbour
    links: tuple[Link, ...]

    @property
    def nodes(self) -> tuple[str, ...]:
        return (self.start.node, *(link.target.node for link in self.links))

    def sentence(self) -> str:
        """``Fargate —part_of→ Launch Types —has_part→ EC2`` in words a learner reads."""
        parts = [self.start.label]
        for link in self.links:
            parts.append(f"—{link.relation.replace('_', ' ')}→ {link.target.label}")
        return " ".join(parts)

    def to_dict(self) -> dict:
        """``{"from", "to", "found", "hops": [{"from", "relation", "to", "explanation"}],
        "suggestions"}``, with the nodes' ids and types beside (``nodes``, ``types``)."""
        return {
            "from": self.start.label,
            "to": self.end.label,
            "found": True,
            "hops": [
                {
                    "from": link.source.label,
                    "relation": link.relation,
                    "to": link.target.label,
                    "explanation": link.explanation,
                    **({"correction": link.correction} if link.correction else {}),
                }
                for link in self.links
            ],
            "suggestions": [],
            "nodes": list(self.nodes),
            "types": [self.start.type, *(link.target.type for link in self.links)],
        }


def relate_nodes(
    graph: nx.DiGraph, a: str, b: str, catalog: ServiceCatalog | None = None
) -> Relation:
    """The path that explains how nodes ``a`` and ``b`` relate (``NoPath`` when none does), each
    hop with its explanation (``catalog`` finds a service under its other names)."""

    def named(node: str) -> Neighbour:
        return Neighbour(node, graph.nodes[node]["label"], graph.nodes[node]["type"])

    start, end = named(a), named(b)
    try:
        steps = explain_path(graph, a, b)
    except NoPath:
        raise NoPath(f"{start.label!r} and {end.label!r} are not connected in the guide") from None
    links: list[Link] = []
    said: set[str] = set()  # a sentence explains one hop: the next one finds another
    corrected: set[str] = set()  # a correction is told once, at the first hop it concerns
    for u, relation, v in steps:
        explanation = explain_hop(graph, u, relation, v, catalog, avoid=said)
        said.add(explanation)
        correction = _correction_of(graph, u) or _correction_of(graph, v)
        if correction in corrected:
            correction = ""
        corrected.add(correction)
        links.append(Link(named(u), relation, named(v), explanation, correction))
    return Relation(start, end, tuple(links))


def _correction_of(graph: nx.DiGraph, node: str) -> str:
    """A node's correction (``ingest.errata``): its own, or for a worked scenario's step that has
    none, its scenario's (the errata may not say which step's sentence is stale)."""
    data = graph.nodes[node]
    if data["type"] == STEP and "correction" not in data:
        return next((graph.nodes[s].get("correction", "") for s in graph.successors(node)), "")
    return data.get("correction", "")


def not_related(start: str, end: str, missing: Exception) -> dict:
    """``Relation.to_dict``'s shape when there is no path: a name that is no concept (with
    the closest concepts as ``suggestions``), or two concepts nothing links; ``message`` says
    which."""
    return {
        "from": start,
        "to": end,
        "found": False,
        "hops": [],
        "suggestions": list(getattr(missing, "suggestions", [])),
        "message": str(missing),
    }


# --- why a hop holds -------------------------------------------------------------------------


def explain_hop(
    graph: nx.DiGraph,
    u: str,
    relation: str,
    v: str,
    catalog: ServiceCatalog | None = None,
    *,
    avoid: set[str] = frozenset(),  # type: ignore[assignment]
) -> str:
    """One sentence on why ``u`` —relation→ ``v`` holds: the guide's own sentence that links
    them where there is one (other than those quoted in ``avoid``), else what the link is."""
    a, b = graph.nodes[u], graph.nodes[v]

    def _naming(node: str, name: str, catalog: ServiceCatalog | None = None) -> str:
        return _sentence_naming(graph, node, name, catalog, avoid)

    if relation in ("mentions", "mentioned_by"):
        concept, service = (u, v) if relation == "mentions" else (v, u)
        said = _naming(concept, graph.nodes[service]["label"], catalog)
        where = graph.nodes[concept]["label"]
        if said:
            return f"{where}: “{said}”"
        return f"{where} names {graph.nodes[service]['label']}."
    if relation == "related_to":
        for node, other in ((u, b), (v, a)):
            said = _naming(node, other["label"])
            if said:
                return f"{graph.nodes[node]['label']}: “{said}”"
        shared = sorted(set(title_words(a["label"])) & set(title_words(b["label"])))
        words = ", ".join(f"“{word}”" for word in shared)
        return f"{a['label']} and {b['label']} are about the same thing" + (
            f" ({words})." if words else "."
        )
    if relation in ("has_misconception", "misconception_of"):
        pair = b if relation == "has_misconception" else a
        owner = a if relation == "has_misconception" else b
        return f"A mistake about {owner['label']}: “{pair['wrong']}” In fact: “{pair['right']}”"
    if relation in ("illustrates", "illustrated_by"):
        example, item = (a, b) if relation == "illustrates" else (b, a)
        return f"An example of {item['label']}: “{own_text(example)}”"
    if relation in ("step_of", "has_step"):
        step, scenario = (a, b) if relation == "step_of" else (b, a)
        return f"Step {step.get('number', '')} of {scenario['label']}: “{step['text']}”"
    if relation == "part_of":
        return f"{a['label']} is in the section {b['label']}."
    if relation == "has_part":
        return f"The section {a['label']} holds {b['label']}."
    return f"{a['label']} {relation.replace('_', ' ')} {b['label']}."


def _sentence_naming(
    graph: nx.DiGraph,
    node: str,
    name: str,
    catalog: ServiceCatalog | None,
    avoid: set[str],
) -> str:
    """The first sentence the guide says of ``node`` (its text, its example, its pairs' Right
    statements — never a Wrong one) that names ``name``, by its words or, for a service, by any
    of its aliases, and is not quoted in ``avoid``."""
    wanted = set(title_words(name))
    for text in _said_of(graph, node):
        for sentence in sentences(text):
            if any(sentence in quoted for quoted in avoid):
                continue
            if catalog is not None and name in catalog.mentions(sentence):
                return sentence
            if wanted and wanted <= set(title_words(sentence)):
                return sentence
    return ""


def _said_of(graph: nx.DiGraph, node: str) -> list[str]:
    """What the guide states as true of a node: its own text (without a "Title:" lead), its
    example's, and its misconceptions' Right statements."""
    data = graph.nodes[node]
    if data["type"] == SERVICE:
        return []
    if data["type"] == MISCONCEPTION:
        return [data["right"]]
    said = [own_text(data)]
    for other in (*graph.predecessors(node), *graph.successors(node)):
        near = graph.nodes[other]
        if near["type"] == SCENARIO and near.get("kind") == "example":
            said.append(own_text(near))
        elif near["type"] == MISCONCEPTION and graph.has_edge(node, other):
            said.append(near["right"])
    return said


# --- finding a concept ------------------------------------------------------------------------

_FINDABLE = {"item", "scenario", "section", SERVICE}
MEANING_FLOOR = 0.45  # a hit by meaning below this is no match (find_concepts, explore)
_CLOSE = 0.75  # difflib's ratio for a misspelt name ("fargte" ~ "fargate": 0.92)


@dataclass(frozen=True)
class ConceptMatch:
    """A concept found for what a learner typed, and how: by its ``name`` (any case, singular
    or plural, or a run of its words), an ``alias`` of a service, a near ``spelling``, or by
    ``meaning`` (the embedding index)."""

    node: str
    label: str
    type: str
    how: str


def named_concept(graph: nx.DiGraph, text: str, catalog: ServiceCatalog | None = None) -> str:
    """The one node ``text`` names outright — its id, its label (any case), the same words
    (singular or plural), or the whole text an alias of a service — or "" when none does (or
    several equally do)."""
    wanted = text.strip()
    if wanted in graph:
        return wanted
    by_words = _by_words(graph, title_words(wanted), whole=True)
    if len(by_words) == 1 or (by_words and _exact(graph, by_words, wanted)):
        return _exact(graph, by_words, wanted) or by_words[0]
    if catalog is not None:
        for typed in (wanted, wanted.upper()):  # "alb" is the alias "ALB"
            services = catalog.mentions(typed)
            if len(services) == 1 and _alias_is_whole(catalog, typed):
                node = f"service:{services[0]}"
                return node if node in graph else ""
    return ""


def find_concepts(
    graph: nx.DiGraph,
    text: str,
    *,
    catalog: ServiceCatalog | None = None,
    respell=None,
    search=None,
    k: int = 8,
) -> list[ConceptMatch]:
    """Concepts for what a learner typed, surest first, at most ``k``: by name, by a
    service's alias, by a near spelling (``respell``: the text in the guide's spelling), then by
    meaning (``search(text, k)``: hits with a ``node`` and a ``score``)."""
    found: dict[str, str] = {}

    def add(nodes, how: str) -> None:
        for node in nodes:
            if node in graph and node not in found:
                found[node] = how

    words = title_words(text)
    named = named_concept(graph, text)
    add([named] if named else [], "name")
    add(_by_words(graph, words, whole=True), "name")
    add(_by_words(graph, words, whole=False), "name")
    if catalog is not None:
        # Learners type "alb" for "ALB": the table's capitals-only aliases are matched by case.
        for typed in (text, text.upper()):
            add((f"service:{name}" for name in catalog.mentions(typed)), "alias")
    if respell is not None:
        fixed = respell(text)
        if fixed.casefold() != text.casefold():
            add(_by_words(graph, title_words(fixed), whole=True), "spelling")
            add(_by_words(graph, title_words(fixed), whole=False), "spelling")
    labels = {graph.nodes[n]["label"].casefold(): n for n in _findable(graph)}
    close = difflib.get_close_matches(text.strip().casefold(), list(labels), n=3, cutoff=_CLOSE)
    add((labels[label] for label in close), "spelling")
    if search is not None and len(found) < k:
        add((hit.node for hit in search(text, k) if hit.score >= MEANING_FLOOR), "meaning")
    return [
        ConceptMatch(node, graph.nodes[node]["label"], graph.nodes[node]["type"], how)
        for node, how in list(found.items())[:k]
    ]


def _findable(graph: nx.DiGraph) -> list[str]:
    """Nodes a learner looks for: items, worked scenarios, sections and services."""
    return [
        n
        for n, data in graph.nodes(data=True)
        if data["type"] in _FINDABLE and data.get("kind") != "example"
    ]


def _by_words(graph: nx.DiGraph, words: tuple[str, ...], *, whole: bool) -> list[str]:
    """Findable nodes whose title has exactly these words (``whole``) or has them as a run,
    items first."""
    if not words:
        return []
    n = len(words)
    hits = []
    for node in _findable(graph):
        title = title_words(graph.nodes[node]["label"])
        if title == words if whole else any(title[i : i + n] == words for i in range(len(title))):
            hits.append(node)
    rank = {"item": 0, "scenario": 1, SERVICE: 2, "section": 3}
    return sorted(hits, key=lambda node: (rank.get(graph.nodes[node]["type"], 9), node))


def _exact(graph: nx.DiGraph, nodes: list[str], text: str) -> str:
    """The first of ``nodes`` whose label is ``text`` in any case, else ""."""
    folded = text.casefold()
    return next((n for n in nodes if graph.nodes[n]["label"].casefold() == folded), "")


def _alias_is_whole(catalog: ServiceCatalog, text: str) -> bool:
    """Whether one alias of the catalog spans all of ``text`` ("ALB", not "put an ALB here")."""
    return any(pattern.fullmatch(text) for pattern, _ in catalog.patterns)
