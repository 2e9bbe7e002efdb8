"""Quiz cards drawn from a guide, and the grading of a learner's answer to one.

Two kinds of card, each with a deterministic id so that progress saved today still points at the
same card tomorrow, and an id that says nothing of the answer:

- true/false drills, two per Wrong/Right pair: ``pair:<owner>#<n>:<h>``, ``h`` a hash of the
  statement the card shows (never "true" or "false");
- "which service would you use?" questions, with the service blanked out of a worked scenario's step
  or of an item's example, and four options: ``question:<h>``, ``h`` a hash of the card's name
  (``scenario:<title>#<step>``, ``example:<item>``), which would name the answer.

Ids before 2026-12-05 said the side (``pair:<owner>#<n>:true``) and the item; ``legacy_ids``
maps them to today's, and the progress store adopts them when it opens.

Beside them, one card per scene of the practice exam (``exam:<node>``, ``tutor.study.exam``): its
reviews are the exam's answers, so a scenario question answered well or badly counts towards its
item's mastery. Those cards are reviewed only in an exam, never dealt as due cards.

Every grade explains both sides: the Right and the Wrong statement for a drill, the right service
and the wrong options (what the guide uses each for) for a question, and it names the item.
A sentence instead of True/False is judged against the card's own pair by ``Tutor.check``.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import networkx as nx
from fsrs import Rating

from ingest import Guide, Item, Scenario, ServiceCatalog, Step
from kg import build_graph
from kg.build import item_id, scenario_id
from tutor.check.claims import CORRECT, Verdict
from tutor.check.explain import arguable
from tutor.errors import BadInput
from tutor.markdown import literal
from tutor.study.exam import LETTERS, Question, exam_questions, scenes
from tutor.study.feedback import both_sides, drill_feedback, question_feedback

TRUE_FALSE, SERVICE, EXAM = "true_false", "service", "exam"
BLANK = "____"
UMBRELLA = "Amazon ECS"  # the guide's subject: never the answer to "which service?"
_TRUE = {"true", "t", "yes", "y"}
_FALSE = {"false", "f", "no", "n"}
# "I don't know", as learners type it (``_word``'s form): a wrong answer that shows the answer.
_DONT_KNOW = {"idk", "dunno", "noidea", "dontknow", "idontknow", "notsure", ""}
_SENTENCE_WORDS = 3  # fewer words are no sentence to check against the statement
_STOP = {"amazon", "aws", "elastic"}  # words that do not make two services alike
_MAX_ANSWER = 2000


@dataclass(frozen=True)
class Card:
    """One question. ``item``/``section``/``node`` name the item (or worked scenario) it tests;
    ``right``/``wrong`` are the pair's statements (a drill) or the guide's sentence with the answer
    (a question; ``wrong`` is empty). ``notes`` say, per option, what the guide uses it for."""

    id: str
    kind: str
    prompt: str
    answer: str
    options: tuple[str, ...]
    item: str
    section: str
    node: str
    right: str
    wrong: str = ""
    explanation: str = ""
    notes: tuple[str, ...] = ()
    correction: str = ""  # what has changed since the guide was written (``ingest.errata``)
    reference: str = ""  # where the item's facts come from: its guide's Source line
    name: str = ""  # a question's readable name ("example:<item>"): never shown, names the answer
    cloze: str = ""  # a question's prompt text with the answer marked as an Anki cloze
    disputed: str = ""  # why the errata say the drill's pair can be argued either way

    @property
    def pair_id(self) -> str:
        """The card's pair (or question) without its side: ``pair:Clusters#1``; a drill and
        its sibling share it."""
        return self.id.rsplit(":", 1)[0] if self.kind == TRUE_FALSE else self.id

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "prompt": self.prompt,
            "options": list(self.options),
            "item": self.item,
            "section": self.section,
            "node": self.node,
        }


@dataclass(frozen=True)
class Grade:
    """A judged answer. ``correct`` is None when the answer could not be judged (a sentence about
    another topic): nothing should be recorded then, and ``rating`` is None."""

    card_id: str
    answer: str
    correct: bool | None
    feedback: str
    verdict: Verdict | None = None

    @property
    def rating(self) -> Rating | None:
        if self.correct is None:
            return None
        return Rating.Good if self.correct else Rating.Again

    def to_dict(self) -> dict:
        return {
            "card": self.card_id,
            "answer": self.answer,
            "correct": self.correct,
            "feedback": self.feedback,
        }


class Quiz:
    """The cards of one guide, in guide order, and ``grade`` for answers to them.

    ``check`` (``Tutor.check``) judges free-text answers to true/false drills; without it a
    drill accepts only True/False.
    """

    def __init__(
        self,
        guide: Guide,
        catalog: ServiceCatalog,
        *,
        check: Callable[[str], Verdict] | None = None,
        graph: nx.DiGraph | None = None,
    ):
        self.guide = guide
        self.check = check
        self.graph = graph if graph is not None else build_graph(guide)
        self.cards: tuple[Card, ...] = tuple(_cards(guide, catalog))
        self.exam_cards: tuple[Card, ...] = tuple(_exam_cards(self.graph))
        self._by_id = {card.id: card for card in self.every_card}
        self._aliases = _alias_patterns(catalog)

    def __len__(self) -> int:
        return len(self.cards)

    def __contains__(self, card_id: object) -> bool:
        return card_id in self._by_id

    @property
    def every_card(self) -> tuple[Card, ...]:
        """The study cards and the exam's scene cards."""
        return (*self.cards, *self.exam_cards)

    def exam(
        self, *, seed: int, count: int | None, weights: dict[str, float] | None = None
    ) -> list[Question]:
        """Scenario questions over the guide (``tutor.study.exam.exam_questions``)."""
        return exam_questions(self.graph, seed=seed, count=count, weights=weights)

    def card(self, card_id: str) -> Card:
        """The card with this id; ``BadInput`` if there is none."""
        try:
            return self._by_id[card_id]
        except KeyError:
            raise BadInput(f"no quiz card {card_id!r} in {self.guide.source}") from None

    def grade(self, card_id: str, answer: str) -> Grade:
        """Judge ``answer``: an option (its text, number or letter), True/False, or a sentence.

        >>> quiz.grade("pair:Clusters#1:false", "false").correct
        True
        """
        card = self.card(card_id)
        if not isinstance(answer, str) or len(answer) > _MAX_ANSWER:
            raise BadInput(f"an answer is text of at most {_MAX_ANSWER} characters")
        text = " ".join(answer.split())
        if not text:
            raise BadInput("the answer is empty: pick an option or write a sentence")
        if card.kind == EXAM:
            raise BadInput("a scenario question is answered in a practice exam")
        if _word(text) in _DONT_KNOW:  # "?" too: nothing but punctuation
            if card.kind == TRUE_FALSE:
                return Grade(card.id, text, False, drill_feedback(card, None))
            return Grade(card.id, text, False, question_feedback(card, None))
        if card.kind == TRUE_FALSE:
            return self._grade_drill(card, text)
        return self._grade_question(card, text)

    def _grade_drill(self, card: Card, text: str) -> Grade:
        word = _word(text)
        if word in ("1", "a"):
            word = "true"
        elif word in ("2", "b"):
            word = "false"
        if word in _TRUE or word in _FALSE:
            correct = (word in _TRUE) == (card.answer == "True")
            return Grade(card.id, text, correct, drill_feedback(card, correct))
        if self.check is None:
            raise BadInput("answer True or False")
        if len(text.split()) < _SENTENCE_WORDS:
            raise BadInput(
                "answer True or False (t or f), say in a sentence what is true, "
                "or type 'no idea' to see the answer"
            )
        verdict = self.check(text)
        if verdict.title != card.item or verdict.right != card.right:
            where = f"**{literal(verdict.title)}**" if verdict.title else "nothing in the guide"
            return Grade(
                card.id,
                text,
                None,
                f"I cannot grade that sentence against this statement: it reads as about "
                f"{where}. Answer True or False, or say what is true about "
                f"**{literal(card.item)}**.",
                verdict,
            )
        if card.disputed:  # check leans, but a sentence on this pair can be argued either way
            return Grade(
                card.id,
                text,
                None,
                f"I cannot grade a sentence on this pair: the guide's own statements "
                f"{arguable(card.disputed)}. {both_sides(card)}",
                verdict,
            )
        correct = verdict.verdict == CORRECT  # the same pair: correct or misconception
        lead = "Your sentence states the " + ("guide's position." if correct else "misconception.")
        return Grade(card.id, text, correct, f"{lead} {both_sides(card)}", verdict)

    def _grade_question(self, card: Card, text: str) -> Grade:
        chosen = _chosen_option(card, text, self._aliases)
        if chosen is None:
            options = ", ".join(f"{n}. {o}" for n, o in enumerate(card.options, start=1))
            raise BadInput(f"pick one of the options: {options}")
        correct = chosen == card.answer
        return Grade(card.id, text, correct, question_feedback(card, chosen))


# --- building the cards -----------------------------------------------------------------------


def _cards(guide: Guide, catalog: ServiceCatalog) -> Iterator[Card]:
    """Every card of the guide, each with its item's correction and source, where it has them."""
    owners: dict[str, Item | Scenario] = {item.title: item for item in guide.items}
    owners |= {scenario.title: scenario for scenario in guide.scenarios}
    for card in _uncorrected_cards(guide, catalog):
        owner = owners.get(card.item)
        if owner is not None and (owner.correction or owner.source):
            card = replace(card, correction=owner.correction, reference=owner.source)
        yield card


def exam_card_id(node: str) -> str:
    """The card an exam's answers on a scene are reviews of: ``exam:<node>``."""
    return f"exam:{node}"


def _exam_cards(graph: nx.DiGraph) -> Iterator[Card]:
    for node in scenes(graph):
        data = graph.nodes[node]
        yield Card(
            id=exam_card_id(node),
            kind=EXAM,
            prompt=f"A scenario question on {data['label']}",
            answer="",
            options=(),
            item=data["label"],
            section=data["section"],
            node=node,
            right="",
            reference=data.get("source", ""),
        )


def _uncorrected_cards(guide: Guide, catalog: ServiceCatalog) -> Iterator[Card]:
    notes = _service_notes(guide, catalog)
    services = [s for s in guide.services if s != UMBRELLA]
    for item in guide.items:
        node = item_id(item.section, item.title)
        explanation = f"{item.title}: {item.description}"
        yield from _drills(guide, item.title, item.section, node, explanation)
        answer = _answer_service(item.example, catalog, preferred=catalog.mentions(item.title))
        if answer:
            prompt = f"{_blank(item.example, answer, catalog)} Which service fills the blank?"
            yield _question(
                f"example:{item.title}",
                prompt,
                _blank(item.example, answer, catalog, cloze=True),
                answer,
                services,
                notes,
                item=item.title,
                section=item.section,
                node=node,
                source=item.example,
                shown=catalog.mentions(item.example),
                explanation=explanation,
            )
    for scenario in guide.scenarios:
        node = scenario_id(scenario.title)
        explanation = f"{scenario.title}: {scenario.problem}"
        yield from _drills(guide, scenario.title, scenario.section, node, explanation)
        for step in scenario.steps:
            answer = _answer_service(step.text, catalog)
            if not answer or step.correction:  # a card would drill the stale sentence
                continue

            yield _question(
                f"scenario:{scenario.title}#{step.number}",
                f"{_step_text(scenario, step, answer, catalog)} Which service would you use?",
                _step_text(scenario, step, answer, catalog, cloze=True),
                answer,
                services,
                notes,
                item=scenario.title,
                section=scenario.section,
                node=node,
                source=f"{step.title}: {step.text}",
                shown=catalog.mentions(f"{step.title}: {step.text}"),
                explanation=explanation,
            )


def opaque(name: str) -> str:
    """A short hash of ``name``: how an id names a side or a question without saying it."""
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:12]


def legacy_ids(quiz: Quiz) -> dict[str, str]:
    """The ids cards had before 2026-12-05 (they named the side and the item), mapped to
    today's: ``pair:Clusters#1:true`` -> ``pair:Clusters#1:<hash>``."""
    old = {}
    for card in quiz.cards:
        if card.kind == TRUE_FALSE:
            old[f"{card.pair_id}:{card.answer.lower()}"] = card.id
        else:
            old[card.name] = card.id
    return old


def _drills(guide: Guide, owner: str, section: str, node: str, explanation: str) -> Iterator[Card]:
    for number, pair in enumerate(guide.pairs_of(owner), start=1):
        for side, statement in (("true", pair.right), ("false", pair.wrong)):
            if side == "false" and pair.disputed:  # its Wrong can be read as true: not drilled
                continue
            yield Card(
                id=f"pair:{owner}#{number}:{opaque(statement)}",
                kind=TRUE_FALSE,
                prompt=f"True or false? {statement}",
                answer=side.capitalize(),
                options=("True", "False"),
                item=owner,
                section=section,
                node=node,
                right=pair.right,
                wrong=pair.wrong,
                explanation=explanation,
                disputed=pair.disputed,
            )


def _question(
    name: str,
    prompt: str,
    cloze: str,
    answer: str,
    services: list[str],
    notes: dict[str, list[str]],
    *,
    item: str,
    section: str,
    node: str,
    source: str,
    shown: tuple[str, ...],
    explanation: str,
) -> Card:
    """A four-option card; the three distractors and the order come from a generator seeded with
    the card's name, so the card is the same on every run. Services the text names (``shown``)
    are no distractors: "RDS or DynamoDB" makes both right."""
    rng = random.Random(name)
    unlike = [s for s in services if not _alike(s, answer) and s not in shown]
    options = [answer, *rng.sample(unlike, k=min(3, len(unlike)))]
    rng.shuffle(options)
    return Card(
        id=f"question:{opaque(name)}",
        name=name,
        kind=SERVICE,
        prompt=prompt,
        cloze=cloze,
        answer=answer,
        options=tuple(options),
        item=item,
        section=section,
        node=node,
        right=source,
        explanation=explanation,
        notes=tuple(_note_for(o, notes, source) for o in options),
    )


def _answer_service(
    text: str, catalog: ServiceCatalog, *, preferred: tuple[str, ...] = ()
) -> str | None:
    """The service a "which service?" question about ``text`` asks for: one the title names if
    the text mentions it, else the first the text mentions, never the guide's own subject."""
    named = [s for s in catalog.mentions(text) if s != UMBRELLA]
    for service in preferred:
        if service in named:
            return service
    return named[0] if named else None


def _blank(text: str, service: str, catalog: ServiceCatalog, *, cloze: bool = False) -> str:
    """``text`` with every alias of ``service`` replaced by a blank or, with ``cloze``, marked as
    Anki's first cloze deletion: "uses {{c1::Fargate}} to deploy"."""
    found: list[str] = []

    def hide(match: re.Match[str]) -> str:  # a marker no later, shorter alias can match inside
        found.append(match.group(0))
        return f"\0{len(found) - 1}\0"

    for pattern, name in catalog.patterns:  # longest alias first, as ``mentions`` reads them
        if name == service:
            text = pattern.sub(hide, text)
    return re.sub(
        "\0(\\d+)\0",
        lambda m: f"{{{{c1::{found[int(m.group(1))]}}}}}" if cloze else BLANK,
        text,
    )


def _step_text(
    scenario: Scenario, step: Step, service: str, catalog: ServiceCatalog, *, cloze: bool = False
) -> str:
    """A worked scenario's problem and one of its steps, ``service`` blanked (``_blank``)."""
    problem, title, text = (
        _blank(part, service, catalog, cloze=cloze)
        for part in (scenario.problem, step.title, step.text)
    )
    return f"{problem} Step {step.number}, {title}: {text}"


def _alike(a: str, b: str) -> bool:
    """Services that share a distinctive word ("Application Load Balancer" and "Elastic Load
    Balancing") cannot be each other's distractor: both could be right."""

    def words(name: str) -> set[str]:
        return {w[:5] for w in re.findall(r"[a-z0-9]+", name.lower()) if w not in _STOP}

    return bool(words(a) & words(b))


def _service_notes(guide: Guide, catalog: ServiceCatalog) -> dict[str, list[str]]:
    """For each service, the guide's sentences about it, best first: the description of an item
    whose title names it, then any item description, example or step that mentions it."""
    titled: list[tuple[str, str]] = []
    mentioned: list[tuple[str, str]] = []
    for item in guide.items:
        described = f"{item.title}: {item.description}"
        titled += [(s, described) for s in catalog.mentions(item.title)]
        mentioned += [(s, described) for s in catalog.mentions(item.description)]
        mentioned += [(s, item.example) for s in catalog.mentions(item.example)]
    for scenario in guide.scenarios:
        for step in scenario.steps:
            mentioned += [(s, f"{step.title}: {step.text}") for s in catalog.mentions(step.text)]
    notes: dict[str, list[str]] = {}
    for service, text in titled + mentioned:
        if text not in notes.setdefault(service, []):
            notes[service].append(text)
    return notes


def _note_for(service: str, notes: dict[str, list[str]], source: str) -> str:
    return next((text for text in notes.get(service, []) if text != source), "")


# --- grading ----------------------------------------------------------------------------------


def _word(text: str) -> str:
    return re.sub(r"[^\w]", "", text.casefold())


def _alias_patterns(catalog: ServiceCatalog) -> dict[str, list[re.Pattern[str]]]:
    aliases: dict[str, list[re.Pattern[str]]] = {}
    for pattern, name in catalog.patterns:
        aliases.setdefault(name, []).append(pattern)
    return aliases


def _chosen_option(card: Card, text: str, aliases: dict[str, list[re.Pattern[str]]]) -> str | None:
    """The option an answer picks: "2", "b", "Amazon EFS", or a sentence naming exactly one."""
    word = _word(text)
    if word.isdigit() and 1 <= int(word) <= len(card.options):
        return card.options[int(word) - 1]
    if len(word) == 1 and word in LETTERS[: len(card.options)]:
        return card.options[LETTERS.index(word)]
    folded = text.casefold().strip(" .!?")
    named = {
        option
        for option in card.options
        if folded == option.casefold() or any(p.search(text) for p in aliases.get(option, []))
    }
    return named.pop() if len(named) == 1 else None
