"""Exam-style questions generated from the knowledge graph, the way the SA-Pro exam asks them.

A question sets a scene (an item's example scenario, or a worked scenario's problem) and offers
four or five statements. The keyed options are Right statements of the guides' misconception
pairs and every distractor is a Wrong one: the mistakes of items near the scene in the graph
(``kg.nearby``) and, in about one question in three, the scene's own mistake (always showing
the key beside its own opposite would give it away). Never a pair the errata call disputed. So
exactly the keyed options are true by the graph, and each option explains itself after the
answer: a right one by its item, a wrong one by the pair that corrects it, both with their
source.

"Choose two" questions key the Right statement of the scene and that of an item the graph relates
it to. Items and scenarios with a correction (``ingest.errata``) are left out: a statement the
guide got wrong is no fair option either way.

Questions are deterministic for a seed. Their id is a hash of the scene and of every option, so it
says nothing of which option is right, and it is the same whatever order the options come in.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import networkx as nx

from ingest.records import PATH_SEP
from kg import example_of, nearby, neighbourhood, own_text, pairs_of, settled
from kg.build import ITEM
from tutor.check.cues import EVERYDAY_WORDS
from tutor.errors import BadInput
from tutor.search.lexical import tokens

ONE, TWO = "Which statement is correct?", "Which TWO statements are correct? (Choose two.)"
_OPTIONS = 4  # a single-answer question; a "choose two" one has one more
_CLOSEST = 10  # distractors are drawn from this many of the scene's nearest items
_BEST = 4  # and first from the best few of them, in a random order
LENGTH_WEIGHT = 2.0  # a distractor as long as the key gains this much (docs/exam.md: 1, 2, 4 tried)
_ALIKE = 0.75  # this share of the shorter statement's words in the other: the same statement
_OPPOSITE = 1 / 3  # how often a keyed pair's own Wrong statement is among the distractors


@dataclass(frozen=True)
class Option:
    """One statement to choose; ``why`` says why it is right or wrong (shown after answering)."""

    text: str
    right: bool
    why: str


@dataclass(frozen=True)
class Question:
    """A scenario question. ``item``/``node``/``section``/``guide`` name the scene it is set in,
    ``source`` where the scene's facts come from."""

    id: str
    stem: str
    question: str
    options: tuple[Option, ...]
    item: str
    node: str
    section: str
    guide: str
    source: str

    @property
    def keys(self) -> tuple[int, ...]:
        """The positions of the right options."""
        return tuple(n for n, option in enumerate(self.options) if option.right)

    def is_right(self, chosen: tuple[int, ...]) -> bool:
        """Whether ``chosen`` (positions, as ``read_choice`` gives them) is exactly the keys."""
        return tuple(sorted(chosen)) == self.keys

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "stem": self.stem,
            "question": self.question,
            "options": [
                {"text": option.text, "right": option.right, "why": option.why}
                for option in self.options
            ],
            "item": self.item,
            "node": self.node,
            "guide": self.guide,
            "source": self.source,
            "section": self.section,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Question:
        """The question ``to_dict`` gave."""
        options = tuple(Option(o["text"], o["right"], o["why"]) for o in data["options"])
        fields = ("item", "node", "section", "guide", "source")
        return cls(data["id"], data["stem"], data["question"], options, *(data[f] for f in fields))


def exam_questions(
    graph: nx.DiGraph,
    *,
    seed: int = 0,
    count: int | None = None,
    weights: Mapping[str, float] | None = None,
) -> list[Question]:
    """``count`` questions (all there are when None), spread over the guides' sections, the same
    ones in the same order for the same ``seed``. ``weights`` (scene node -> weight, 1 where
    missing) make a scene's questions come earlier in proportion: a learner's weak items."""
    if count is not None and count < 1:
        raise BadInput(f"ask for at least one question, not {count}")
    rng = random.Random(seed)
    questions = [q for scene in scenes(graph) for q in _questions(graph, scene, rng)]
    if count is None:
        return questions
    if not questions:
        raise BadInput(
            "no scenario questions in this guide: they need items with an example scenario and "
            "a Wrong/Right pair, and at least four items"
        )
    return _spread(questions, rng, weights or {})[:count]


def _spread(
    questions: list[Question], rng: random.Random, weights: Mapping[str, float]
) -> list[Question]:
    """The questions dealt round the sections, each section's pile in a weighted random order
    and the sections too (by their heaviest question): the first N cover as many sections as N
    allows, and a heavier scene tends to come first."""

    def draw(weight: float) -> float:  # a weighted random key: sorting by it samples by weight
        return rng.random() ** (1.0 / max(weight, 1e-6))

    by_section: dict[str, list[Question]] = {}
    for question in questions:
        by_section.setdefault(question.section, []).append(question)
    piles = []
    for name in sorted(by_section):
        keyed = [(draw(weights.get(q.node, 1.0)), q) for q in by_section[name]]
        keyed.sort(key=lambda pair: pair[0])  # lightest first: the pile is dealt from its end
        piles.append(([q for _, q in keyed], max(weights.get(q.node, 1.0) for _, q in keyed)))
    piles.sort(key=lambda pile: draw(pile[1]), reverse=True)
    dealt: list[Question] = []
    while any(pile for pile, _ in piles):
        dealt.extend(pile.pop() for pile, _ in piles if pile)
    # A scene's second question (its "choose two") waits until every scene has had one: no
    # exam shows the same scenario twice while it has others to show.
    first: list[Question] = []
    later: list[Question] = []
    seen: set[str] = set()
    for question in dealt:
        (later if question.node in seen else first).append(question)
        seen.add(question.node)
    return first + later


def scenes(graph: nx.DiGraph) -> Iterator[str]:
    """Items with an example scenario and worked scenarios, each with a pair and no correction."""
    for node in sorted(graph):
        data = graph.nodes[node]
        scene = (data["type"] == ITEM and example_of(graph, node)) or data.get("kind") == "worked"
        if scene and _usable(graph, node):
            yield node


def _usable(graph: nx.DiGraph, node: str) -> bool:
    """A scene or option source: a pair, and statements the errata neither correct nor dispute."""
    return bool(pairs_of(graph, node)) and settled(graph, node)


def _questions(graph: nx.DiGraph, scene: str, rng: random.Random) -> Iterator[Question]:
    """One single-answer question for the scene and, where the graph relates it to another item,
    a "choose two" one keyed to both."""
    data = graph.nodes[scene]
    if data["type"] == ITEM:
        stem = example_of(graph, scene)
    else:  # a worked scenario's problem
        stem = own_text(data)
    own = rng.choice(pairs_of(graph, scene))
    topic = f"{stem} {graph.nodes[own]['text']}"
    picked = _distractors(graph, scene, topic, graph.nodes[own]["right"], rng)
    opposite = [own] if rng.random() < _OPPOSITE else []
    if single := _question(graph, scene, stem, ONE, [own], [*opposite, *picked], rng):
        yield single
    if partner := _partner(graph, scene, stem, rng):
        others = [p for p in picked if _owner(graph, p) != _owner(graph, partner)]
        opposite = [rng.choice([own, partner])] if rng.random() < _OPPOSITE else []
        keys = [own, partner]
        if double := _question(graph, scene, stem, TWO, keys, [*opposite, *others], rng):
            yield double


def _partner(graph: nx.DiGraph, scene: str, stem: str, rng: random.Random) -> str | None:
    """The pair whose Right statement is a "choose two" question's second key: of an item the
    graph relates to the scene, and sharing the most words with the stem (at least one beyond
    the guides' everyday ones); None when no related item's pair speaks to the stem. Related by
    title alone, "Task Scale-in Protection" and "Tasks" made a scale-in question keyed on
    "tasks can be run once or indefinitely"."""
    words = set(tokens(stem)) - EVERYDAY_WORDS
    shared: dict[str, int] = {}
    for other in neighbourhood(graph, scene).get("related_to", []):
        if graph.nodes[other]["type"] != ITEM or not _usable(graph, other):
            continue
        for pair in pairs_of(graph, other):
            said = tokens(f"{graph.nodes[other]['label']} {graph.nodes[pair]['right']}")
            if overlap := len(words & set(said)):
                shared[pair] = overlap
    best = max(shared.values(), default=0)
    return rng.choice(sorted(p for p, n in shared.items() if n == best)) if best else None


def _distractors(
    graph: nx.DiGraph, scene: str, topic: str, key: str, rng: random.Random
) -> list[str]:
    """Pairs whose Wrong statements make plausible distractors for the scene, best first: near
    it in the graph, sharing its words (``topic``: the stem and the scene's own pair) and about
    as long as the ``key`` (the guides' Right statements run longer than their Wrong ones, so
    short distractors would point at the key). The best few come in a random order, so that
    seeds vary the options."""
    words = set(tokens(topic))
    near = _nearest(graph, scene)
    top = max(near.values(), default=0.0) or 1.0  # a lonely scene's fill-ins all weigh 0
    ranked = []
    for other, weight in near.items():
        pair = rng.choice(pairs_of(graph, other))
        wrong = graph.nodes[pair]["wrong"]
        said = set(tokens(wrong))
        shared = len(said & words) / max(len(said), 1)
        length = min(len(wrong), len(key)) / max(len(wrong), len(key), 1)
        ranked.append((weight / top + shared + LENGTH_WEIGHT * length, other, pair))
    ranked.sort(key=lambda entry: (-entry[0], entry[1]))
    best = [pair for _, _, pair in ranked[:_BEST]]
    rng.shuffle(best)
    return best + [pair for _, _, pair in ranked[_BEST:]]


def _nearest(graph: nx.DiGraph, scene: str) -> dict[str, float]:
    """The scene's nearest items and worked scenarios that have a usable pair, with how near."""
    weights: dict[str, float] = {}
    for other, weight in nearby(graph, scene):
        if _usable(graph, other):
            weights[other] = weights.get(other, 0.0) + weight
    closest = sorted(weights, key=lambda n: (-weights[n], n))[:_CLOSEST]
    if len(closest) < _CLOSEST:  # a lonely scene: fill from its guide, then from the others
        guide = graph.nodes[scene]["guide"]
        rest = [
            n
            for n in sorted(graph)
            if n != scene
            and n not in closest
            and graph.nodes[n]["type"] == ITEM
            and _usable(graph, n)
        ]
        rest.sort(key=lambda n: graph.nodes[n]["guide"] != guide)  # stable: guide order kept
        closest += rest[: _CLOSEST - len(closest)]
    return {n: weights.get(n, 0.0) for n in closest}


def _question(
    graph: nx.DiGraph,
    scene: str,
    stem: str,
    question: str,
    keys: list[str],
    wrongs: list[str],
    rng: random.Random,
) -> Question | None:
    """The question with the Right statements of ``keys`` and as many Wrong ones from ``wrongs``
    (pair nodes, in order) as make it whole, its options shuffled; None when there are too few
    distinct Wrong statements to make it whole (a small guide)."""
    options = [_option(graph, pair, right=True) for pair in keys]
    size = _OPTIONS + len(keys) - 1
    for pair in wrongs:
        option = _option(graph, pair, right=False)
        if len(options) < size and not any(_says_the_same(option.text, o.text) for o in options):
            options.append(option)
    if len(options) < size:
        return None
    rng.shuffle(options)
    data = graph.nodes[scene]
    texts = "\n".join(sorted(option.text for option in options))
    digest = hashlib.sha256(f"{scene}\n{question}\n{texts}".encode()).hexdigest()
    return Question(
        id=f"q-{digest[:12]}",
        stem=stem,
        question=question,
        options=tuple(options),
        item=data["label"],
        node=scene,
        section=data["section"],
        guide=data["guide"],
        source=_source(graph, scene),
    )


def _says_the_same(a: str, b: str) -> bool:
    """Two statements that say nearly the same words ("EFS can only be used with EC2 tasks" and
    "... with EC2 instances"): one of them is no extra option."""
    x, y = (set(tokens(text)) for text in (a, b))
    return len(x & y) >= _ALIKE * min(len(x), len(y))


def _option(graph: nx.DiGraph, pair: str, *, right: bool) -> Option:
    data = graph.nodes[pair]
    owner = _owner(graph, pair)
    title, source = graph.nodes[owner]["label"], _source(graph, owner)
    if right:
        why = f"Right: this is what the guide teaches in {title}. Source: {source}."
        return Option(data["right"], True, why)
    why = f"Wrong: a mistake {title} corrects. What is true: {data['right']} Source: {source}."
    return Option(data["wrong"], False, why)


def _owner(graph: nx.DiGraph, pair: str) -> str:
    """The item or worked scenario a pair belongs to."""
    return next(graph.predecessors(pair))


def _source(graph: nx.DiGraph, node: str) -> str:
    """The node's source line or, in a guide without them, where in the guide it is."""
    data = graph.nodes[node]
    if data.get("source"):
        return data["source"]
    section = data["section"].removeprefix(f"{data['guide']}{PATH_SEP}")
    return f"the guide {data['guide']}, section {section}"


LETTERS = "abcde"


def read_choice(question: Question, typed: str) -> tuple[int, ...]:
    """The options a learner chose, by letter: "b", "A, d", "bd" -> positions; ``BadInput`` for
    letters that are no option or the wrong number of them."""
    valid = LETTERS[: len(question.options)]
    words = [w for w in re.split(r"[\s,;&+/]+", typed.casefold()) if w and w != "and"]
    letters = [c for word in words for c in word]  # "bd" is b and d
    if not letters or any(c not in valid for c in letters) or len(typed) > 40:
        raise BadInput(f"answer with the letter of an option ({', '.join(valid)})")
    chosen = tuple(sorted({valid.index(c) for c in letters}))
    if len(chosen) != len(question.keys):
        wanted = "one letter" if len(question.keys) == 1 else f"{len(question.keys)} letters"
        raise BadInput(f"choose {wanted}")
    return chosen


@dataclass(frozen=True)
class Score:
    """How an exam went: right answers of all, per section, and the time it took."""

    right: int
    total: int
    sections: dict[str, tuple[int, int]]
    seconds: float

    def to_dict(self) -> dict:
        return {
            "right": self.right,
            "total": self.total,
            "sections": {name: list(pair) for name, pair in self.sections.items()},
            "seconds": round(self.seconds, 1),
        }


def score(answers: list[tuple[Question, tuple[int, ...]]], *, seconds: float) -> Score:
    """The score of ``(question, chosen positions)`` pairs: a question counts when exactly its
    right options were chosen."""
    sections: dict[str, tuple[int, int]] = {}
    for question, chosen in answers:
        right, total = sections.get(question.section, (0, 0))
        sections[question.section] = (right + question.is_right(chosen), total + 1)
    ordered = dict(sorted(sections.items()))
    return Score(sum(r for r, _ in ordered.values()), len(answers), ordered, seconds)


__all__ = [
    "LETTERS",
    "ONE",
    "TWO",
    "Option",
    "Question",
    "Score",
    "exam_questions",
    "read_choice",
    "scenes",
    "score",
]
