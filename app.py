"""The web app: Chat, Check, Explore, Quiz and Progress tabs over one ``Tutor``.

Handlers only format what the tutor returns; answering lives in ``tutor/``. Known errors become a
``gr.Error`` with our one-line message, anything else is logged and shown as a generic message,
and every piece of text echoed into markdown or HTML is escaped first.
"""

from __future__ import annotations

import functools
import html
import logging
import os
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd
from starlette.middleware import Middleware

import kg
from kg import GraphError, concept_map
from tutor import Tutor, TutorError
from tutor.check.claims import CORRECT, MISCONCEPTION, NOT_COVERED
from tutor.config import Settings, settings_from_env
from tutor.core import MAX_INPUT_CHARS
from tutor.errors import BadInput
from tutor.markdown import literal
from tutor.study.library import (
    BUILTIN_KEY,
    MAX_GUIDE_BYTES,
    MAX_STORED_GUIDES,
    GuideLibrary,
    display_name,
    read_upload,
)
from tutor.study.progress import Mastery, ProgressStore
from tutor.web.guard import RequestGuard, cap_log_lines

# The machine is offline: no telemetry, whatever launched us (the Makefile sets it too).
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

log = logging.getLogger(__name__)

EXAMPLE_QUESTIONS = [
    "What does Fargate take off my hands?",
    "How do tasks get their own IAM permissions?",
    "How do I keep secrets out of container images?",
]
EXAMPLE_CLAIMS = [  # one of each verdict the guide can give
    "Fargate is more expensive than EC2 for all workloads",
    "It's wrong to say CloudWatch only watches EC2 instances",
    "Aurora supports up to 15 read replicas",
]
_VERDICT_HEADINGS = {
    MISCONCEPTION: "🔴 Misconception",
    CORRECT: "🟢 Correct",
    NOT_COVERED: "⚪ Not covered by the guide",
}
QUEUE_SIZE = 256
MAX_HISTORY = 60  # chat messages kept (20 turns): a client cannot make the server carry more
# Uploads Gradio keeps in its temporary folder are deleted every 10 minutes once 30 minutes old
# (the app deletes each one as soon as it has read it; this catches uploads never added).
TEMP_SWEEP = (600, 1800)
DEFAULT_LEARNER = "learner"
_MEASURES = ["Recall in a week", "Cards studied", "Reviews", "Correct"]
_UNEXPECTED = "Something went wrong on our side; the details are in the server log."
_MAP_ASSETS = Path(kg.__file__).resolve().parent / "static"  # the concept map's own JS and CSS


def _map_asset(name: str) -> str:
    return (_MAP_ASSETS / name).read_text(encoding="utf-8")


def _escape(text: object) -> str:
    """Text made safe to place in markdown or HTML *content* (never used in attribute values):
    for markdown the tutor wrote, whose guide text is already literal (``tutor.markdown``)."""
    return html.escape(str(text), quote=False)


def _literal(text: object) -> str:
    """Raw text (typed by a learner, or a guide's words) shown as written inside markdown: no
    link, remote image, heading or list can come of it, and no HTML."""
    return _escape(literal(text))


_PATH = re.compile(r"(?<![\w.])/(?:[^\s/:'\"]+/)+([^\s/:'\"]*)")


def _no_paths(message: str) -> str:
    """A message without the server's folders: "/srv/data/x.db: damaged" -> "x.db: damaged"."""
    return _PATH.sub(lambda m: m[1] or "(a folder)", message)


def _friendly_errors(handler: Callable) -> Callable:
    """Turn our errors into a ``gr.Error`` with an escaped message; never show a traceback."""

    @functools.wraps(handler)
    def wrapper(*args: Any) -> Any:
        try:
            return handler(*args)
        except gr.Error:  # a nested handler's error, already made friendly
            raise
        except (TutorError, GraphError) as exc:  # ConceptNotFound's message has its suggestions
            raise gr.Error(_escape(_no_paths(str(exc))), print_exception=False) from None
        except Exception:
            log.exception("unexpected error in %s", handler.__name__)
            raise gr.Error(_UNEXPECTED, print_exception=False) from None

    return wrapper


def _open_store(library: GuideLibrary, key: str, settings: Settings) -> ProgressStore:
    """The progress store of a guide in the library, with drills' sentences judged by the
    guide's ``check``. The quiz asks the library for the tutor at each drill rather than keep
    it, so the library alone decides how many tutors stay in memory."""
    from ingest import load_catalog
    from tutor.study.quiz import Quiz

    def check(claim: str):
        return library.tutor(key).check(claim)

    quiz = Quiz(library.tutor(key).guide, load_catalog(settings.aliases), check=check)
    return ProgressStore(library.progress_url(key), quiz=quiz)


def _when(due: datetime, now: datetime) -> str:
    """``2026-11-25 10:48 UTC (in 10 minutes)``: the moment and how far off it is."""
    minutes = max(0, round((due - now).total_seconds() / 60))
    count, unit = (
        (minutes, "minute")
        if minutes < 60
        else (round(minutes / 60), "hour")
        if minutes < 48 * 60
        else (round(minutes / 1440), "day")
    )
    return f"{due.astimezone(UTC):%Y-%m-%d %H:%M} UTC (in {count} {unit}{'s' * (count != 1)})"


def _mastery_rows(rows: tuple[Mastery, ...], *, sections: bool = False) -> list[list]:
    """Table rows: the name (and, for items, the section), then ``_MEASURES``."""
    return [
        [
            *([m.name] if sections else [m.name, m.section]),
            "—" if m.recall is None else f"{m.recall:.0%}",
            f"{m.seen}/{m.cards}",
            m.reviews,
            m.correct,
        ]
        for m in rows
    ]


def _guide_choices(library: GuideLibrary) -> list[tuple[str, str]]:
    """``(label, key)`` for the Studying dropdown: the built-in guide first, then the uploads."""
    return [
        (f"{guide.title} ({guide.items} items, {guide.pairs} misconceptions)", guide.key)
        for guide in library.guides()
    ]


def _concept_list(tutor: Tutor, label: str, *, scale: int) -> gr.Dropdown:
    """A list of the guide's concepts that also takes any typed name (found by meaning)."""
    return gr.Dropdown(
        choices=tutor.concepts(), value=None, label=label, allow_custom_value=True, scale=scale
    )


def build_app(
    tutor: Tutor,
    store: ProgressStore | None = None,
    *,
    library: GuideLibrary | None = None,
    settings: Settings | None = None,
) -> gr.Blocks:
    """The Gradio app. API endpoints: ``ask``, ``check``, ``explore``, ``relate``, ``next_card``,
    ``answer``, ``progress``, ``choose_guide``, ``add_guide`` and ``remove_guide``.

    ``tutor`` answers for the built-in guide; ``library`` holds uploaded guides (by default under
    ``settings``' data and cache directories, ``settings_from_env()`` when not given). Every tab
    follows the guide a browser session chose. ``store`` keeps the built-in guide's progress;
    without it, and for each upload, the library's progress store for the guide
    (``GuideLibrary.progress_url``) is opened on first use.
    """
    settings = settings or settings_from_env()
    library = library or GuideLibrary(settings, tutor.retriever.embedder, builtin=tutor)
    lock = threading.Lock()
    stores: dict[str, ProgressStore] = {BUILTIN_KEY: store} if store is not None else {}

    def studying(key: str | None) -> Tutor:
        """The tutor for the session's guide (the built-in one until the learner picks another)."""
        return library.tutor(key or BUILTIN_KEY)

    def progress_store(key: str | None) -> ProgressStore:
        """The quiz progress of the session's guide (``GuideNotFound`` once it is removed)."""
        key = key or BUILTIN_KEY
        with lock:
            if key in stores:
                return stores[key]
        opened = _open_store(library, key, settings)  # not under the lock: it opens a database
        with lock:
            kept = stores.setdefault(key, opened)
        if kept is not opened:  # another session opened it meanwhile
            opened.close()
        return kept

    @functools.lru_cache(maxsize=MAX_STORED_GUIDES + 1)
    def map_of(key: str) -> dict:
        """A guide's concept map, laid out once: a guide's key names fixed content, and a
        600-node layout takes seconds, too long to redo each time a session picks the guide."""
        return concept_map(studying(key).graph)

    @_friendly_errors
    def ask(question: str, history: list, key: str | None = None) -> tuple[list, str]:
        """Answer a question from the guide: the conversation so far, and an empty textbox."""
        answer = studying(key).ask(question)
        sources = "\n".join(
            f"{n}. **{_literal(hit.title)}** — {_literal(hit.section)} — {hit.score:.2f}"
            for n, hit in enumerate(answer.sources, start=1)
        )
        turn = [
            gr.ChatMessage(role="user", content=_literal(answer.question)),
            gr.ChatMessage(role="assistant", content=_escape(answer.text)),
            gr.ChatMessage(
                role="assistant",
                content=sources or "No sources.",
                metadata={"title": "Sources", "status": "done"},
            ),
        ]
        kept = list(history or [])[-(MAX_HISTORY - len(turn)) :]
        return [*kept, *turn], ""

    @_friendly_errors
    def check(claim: str, key: str | None = None) -> tuple[str, float, str, str, str | None]:
        """Verdict heading, confidence, the Wrong/Right pair, the explanation (markdown), and the
        verdict's item for "Open in Explore" (a state: not part of the API's answer)."""
        verdict = studying(key).check(claim)
        heading = _VERDICT_HEADINGS[verdict.verdict]
        verdict_md = f"### {heading}\n\n> {_literal(verdict.claim)}"
        if verdict.title is None:
            pair_md = "*No misconception in the guide is close enough to compare.*"
        else:
            pair_md = (
                f"**{_literal(verdict.title)}** ({_literal(verdict.section)})\n\n"
                f"❌ **Wrong:** {_literal(verdict.wrong)}\n\n"
                f"✅ **Right:** {_literal(verdict.right)}"
            )
        return verdict_md, verdict.confidence, pair_md, _escape(verdict.explanation), verdict.title

    def show_open_in_explore(title: str | None) -> Any:
        """The "Open in Explore" button, shown only when the verdict has an item."""
        return gr.Button(visible=title is not None)

    @_friendly_errors
    def explore_item(title: str | None, key: str | None = None) -> tuple[dict, str, Any, Any]:
        """The verdict's item opened in Explore: the map focused on it, its details, the concept
        list set to it, and the Explore tab selected."""
        if not title:
            raise TutorError("Check a claim first; its item then opens here.")
        focus, text = explore(title, key)
        return focus, text, gr.Dropdown(value=title), gr.Tabs(selected="explore")

    @_friendly_errors
    def explore(concept: str, key: str | None = None) -> tuple[dict, str]:
        """The concept chosen on the map (``{"focus": node id, "path": []}``) and its
        neighbourhood as markdown."""
        found = studying(key).explore(concept)
        note = " — *the closest concept by meaning*" if found.matched_by_meaning else ""
        lines = [
            f"## {_literal(found.title)}",
            f"*{_literal(found.type)} in {_literal(found.section or 'the guide')}*{note}",
            "",
            _literal(found.text),
            "",
            "### Neighbours",
        ]
        for relation, neighbours in found.neighbours.items():
            names = ", ".join(f"{_literal(n.label)} ({_literal(n.type)})" for n in neighbours)
            lines.append(f"- **{_literal(relation.replace('_', ' '))}:** {names}")
        if found.misconceptions:
            lines += ["", "### Misconceptions"]
            lines += [
                f"- ❌ **Wrong:** {_literal(wrong)}  \n  ✅ **Right:** {_literal(right)}"
                for wrong, right in found.misconceptions
            ]
        if found.scenarios:
            lines += ["", "### Scenarios"]
            lines += [f"- {_literal(text)}" for text in found.scenarios]
        return {"focus": found.node, "path": []}, "\n".join(lines)

    def explore_clicked(chosen: dict | None, key: str | None = None) -> tuple[dict, str]:
        """A node clicked on the map (its id in ``chosen["focus"]``), explored as above."""
        node = (chosen or {}).get("focus") if isinstance(chosen, dict) else None
        if not isinstance(node, str) or node not in studying(key).graph:
            raise gr.Error("Pick a concept on the map.", print_exception=False)
        return explore(node, key)

    @_friendly_errors
    def relate(start: str, end: str, key: str | None = None) -> tuple[dict, str]:
        """The path between two concepts, drawn on the map and told as numbered steps."""
        found = studying(key).relate(start, end)
        lines = [f"## How {_literal(found.start.label)} and {_literal(found.end.label)} relate", ""]
        lines += [
            f"{n}. {_literal(link.source.label)} — *{_literal(link.relation.replace('_', ' '))}* "
            f"→ **{_literal(link.target.label)}** ({_literal(link.target.type)})"
            for n, link in enumerate(found.links, start=1)
        ] or ["*They are the same concept.*"]
        return {"focus": None, "path": list(found.nodes)}, "\n".join(lines)

    def switch_to(key: str) -> tuple:
        """Everything that changes with the guide: the session's key, the three concept lists,
        the map and the Explore details."""
        names = studying(key).concepts()
        lists = [gr.Dropdown(choices=names, value=None) for _ in range(3)]
        shown = gr.HTML(value={"focus": None, "path": []}, map_data=map_of(key))
        # The Quiz tab starts again: a card of the guide left behind cannot be answered here.
        quiz = ("", "*Press Next card to start.*", "", "", "")
        return (key, *lists, shown, "*Pick a concept, or click a node on the map.*", *quiz)

    @_friendly_errors
    def choose_guide(key: str) -> tuple:
        """The learner picked a guide to study in this session."""
        title = studying(key).guide.title
        return (f"Studying **{_literal(title)}**.", *switch_to(key))

    @_friendly_errors
    def add_guide(upload: str | None) -> tuple:
        """Store and index an uploaded guide, then study it in this session."""
        if not upload:
            raise BadInput("choose a guide file (.md) to upload first")
        try:
            content = read_upload(upload)
        finally:  # Gradio's copy of the upload is not kept, whether the guide is or not
            _delete_upload(Path(upload), Path(demo.GRADIO_CACHE))
        stored = library.add(display_name(Path(upload).name), content)
        status = (
            f"Added **{_literal(stored.title)}**: {stored.items} items, {stored.pairs} "
            "misconceptions. Every tab now uses it."
        )
        picker = gr.Dropdown(choices=_guide_choices(library), value=stored.key)
        return (status, picker, *switch_to(stored.key))

    @_friendly_errors
    def remove_guide(key: str | None) -> tuple:
        """Delete the chosen upload and its index; this session goes back to the built-in guide."""
        if not key or key == BUILTIN_KEY:
            raise BadInput("pick an uploaded guide in Studying first: the built-in one stays")
        gone = library.remove(key)
        with lock:
            closing = stores.pop(key, None)
        if closing is not None:
            closing.close()
        status = (
            f"Removed **{_literal(gone.title)}** and its index; upload it again to study it (its "
            "quiz progress is kept for then)."
        )
        picker = gr.Dropdown(choices=_guide_choices(library), value=BUILTIN_KEY)
        return (status, picker, *switch_to(BUILTIN_KEY))

    @_friendly_errors
    def next_card(learner: str, key: str | None = None) -> tuple[str, str, str, str, str]:
        """The learner's next due card: its id, the card as markdown, and cleared answer,
        feedback and due boxes."""
        due = progress_store(key).due_cards(learner, limit=1)
        if not due:
            return "", "*Nothing is due: every card is scheduled for later.*", "", "", ""
        card = due[0]
        lines = [
            f"**{_literal(card.item)}** · *{_literal(card.section)}*",
            "",
            _literal(card.prompt),
        ]
        if len(card.options) > 2:
            lines += [""] + [f"{n}. {_literal(o)}" for n, o in enumerate(card.options, start=1)]
            lines += ["", "*Answer with an option's number, letter or name.*"]
        else:
            lines += ["", "*True or False? Or say what is true in a sentence.*"]
        return card.id, "\n".join(lines), "", "", ""

    @_friendly_errors
    def answer(learner: str, card_id: str, text: str, key: str | None = None) -> tuple[str, str]:
        """Grade the answer and save the review: the feedback (markdown) and the next due date."""
        if not card_id:
            raise BadInput("no card yet: press Next card first")
        review = progress_store(key).review(learner, card_id, text)
        heading = {True: "✅ Correct", False: "❌ Not quite", None: "⚪ Not graded"}[review.correct]
        feedback = (
            f"### {heading}\n\n> {_literal(' '.join(text.split()))}\n\n{_escape(review.feedback)}"
        )
        if review.due is None:
            return feedback, "not rescheduled: the answer could not be graded"
        return feedback, _when(review.due, datetime.now(UTC))

    @_friendly_errors
    def progress(
        learner: str, key: str | None = None
    ) -> tuple[list, list, str, pd.DataFrame, pd.DataFrame]:
        """Mastery per section and per item (weakest first), what to study next, and the
        reviews and retention per day."""
        store = progress_store(key)
        report = store.mastery(learner)
        suggestions = store.study_next(learner, studying(key).graph, k=5)
        lines = [
            f"- **{_literal(s.name)}** ({_literal(s.section)})"
            + (f" — next to {_literal(', '.join(s.because))}" if s.because else "")
            for s in suggestions
        ]
        study = "### Study next\n\n" + ("\n".join(lines) or "*Everything is mastered.*")
        days = store.history(learner)
        reviews = pd.DataFrame(
            [
                {"day": pd.Timestamp(d.day), "reviews": count, "kind": kind}
                for d in days
                for kind, count in (("new", d.new), ("repeat", d.reviews - d.new))
            ],
            columns=["day", "reviews", "kind"],
        )
        retention = pd.DataFrame(
            [
                {"day": pd.Timestamp(d.day), "share": value, "series": series}
                for d in days
                for series, value in (("observed", d.retention), ("predicted", d.predicted))
                if value is not None
            ],
            columns=["day", "share", "series"],
        )
        return (
            _mastery_rows(report.sections, sections=True),
            _mastery_rows(report.items),
            study,
            reviews,
            retention,
        )

    with gr.Blocks(title="ECS Tutor", analytics_enabled=False, delete_cache=TEMP_SWEEP) as demo:
        gr.Markdown("# ECS Tutor\nStudy Amazon ECS from the guide, offline.")
        guide_key = gr.State(BUILTIN_KEY)  # the guide this browser session studies
        with gr.Tabs() as tabs:
            with gr.Tab("Chat", id="chat"):
                chatbot = gr.Chatbot(label="Conversation", height=460)
                question = gr.Textbox(
                    label="Question",
                    placeholder="Ask about Amazon ECS…",
                    max_length=MAX_INPUT_CHARS,
                )
                with gr.Row():
                    send = gr.Button("Ask", variant="primary")
                    gr.ClearButton([question, chatbot])
                gr.Examples(EXAMPLE_QUESTIONS, inputs=[question])
                gr.on(
                    [send.click, question.submit],
                    ask,
                    inputs=[question, chatbot, guide_key],
                    outputs=[chatbot, question],
                    api_name="ask",
                )
            with gr.Tab("Check", id="check"):
                claim = gr.Textbox(
                    label="Claim",
                    placeholder="A statement about ECS to check…",
                    max_length=MAX_INPUT_CHARS,
                )
                check_button = gr.Button("Check", variant="primary")
                gr.Examples(EXAMPLE_CLAIMS, inputs=[claim])
                verdict = gr.Markdown()
                confidence = gr.Number(label="Confidence", precision=2, interactive=False)
                pair = gr.Markdown()
                explanation = gr.Markdown()
                checked_title = gr.State(None)  # the item of the last verdict, for Explore
                open_in_explore = gr.Button("Open in Explore", visible=False)
                checked = gr.on(
                    [check_button.click, claim.submit],
                    check,
                    inputs=[claim, guide_key],
                    outputs=[verdict, confidence, pair, explanation, checked_title],
                    api_name="check",
                )
                checked.success(
                    show_open_in_explore,
                    inputs=[checked_title],
                    outputs=[open_in_explore],
                    api_name=False,
                    queue=False,  # no model call: not behind the queue's checks
                    show_progress="hidden",
                )
                # A claim that could not be checked leaves no verdict on screen and no item to open.
                checked.failure(
                    lambda: ("", None, "", "", None, gr.Button(visible=False)),
                    outputs=[
                        verdict,
                        confidence,
                        pair,
                        explanation,
                        checked_title,
                        open_in_explore,
                    ],
                    api_name=False,
                    queue=False,
                    show_progress="hidden",
                )
            with gr.Tab("Explore", id="explore"):
                with gr.Row():
                    concept = _concept_list(tutor, "Concept", scale=4)
                    explore_button = gr.Button("Explore", variant="primary", scale=1)
                with gr.Row():
                    with gr.Column(scale=3):
                        picture = gr.HTML(
                            value=None,
                            html_template=_map_asset("concept_map.html"),
                            css_template=_map_asset("concept_map.css"),
                            js_on_load=_map_asset("concept_map.js"),
                            apply_default_css=False,
                            map_data=map_of(BUILTIN_KEY),
                            elem_id="concept-map",
                        )
                    with gr.Column(scale=2):
                        details = gr.Markdown("*Pick a concept, or click a node on the map.*")
                with gr.Row():
                    start = _concept_list(tutor, "How is", scale=2)
                    end = _concept_list(tutor, "related to", scale=2)
                    relate_button = gr.Button("Show the path", scale=1)
                gr.on(
                    [explore_button.click, concept.select],
                    explore,
                    inputs=[concept, guide_key],
                    outputs=[picture, details],
                    api_name="explore",
                )
                picture.click(
                    explore_clicked,
                    inputs=[picture, guide_key],
                    outputs=[picture, details],
                    api_name=False,
                )
                relate_button.click(
                    relate,
                    inputs=[start, end, guide_key],
                    outputs=[picture, details],
                    api_name="relate",
                )
            open_in_explore.click(
                explore_item,
                inputs=[checked_title, guide_key],
                outputs=[picture, details, concept, tabs],
                api_name=False,
            )
            with gr.Tab("Quiz", id="quiz"):
                with gr.Row():
                    learner = gr.Textbox(label="Learner", value=DEFAULT_LEARNER, scale=3)
                    next_button = gr.Button("Next card", variant="primary", scale=1)
                card_id = gr.Textbox(label="Card", interactive=False)
                card = gr.Markdown("*Press Next card to start.*")
                reply = gr.Textbox(
                    label="Answer", placeholder="True / False, an option, or a sentence"
                )
                answer_button = gr.Button("Answer", variant="primary")
                feedback = gr.Markdown()
                due = gr.Textbox(label="Next due", interactive=False)
                next_button.click(
                    next_card,
                    inputs=[learner, guide_key],
                    outputs=[card_id, card, reply, feedback, due],
                    api_name="next_card",
                )
                gr.on(
                    [answer_button.click, reply.submit],
                    answer,
                    inputs=[learner, card_id, reply, guide_key],
                    outputs=[feedback, due],
                    api_name="answer",
                )
            with gr.Tab("Progress", id="progress") as progress_tab:
                with gr.Row():
                    progress_learner = gr.Textbox(label="Learner", value=DEFAULT_LEARNER, scale=3)
                    refresh = gr.Button("Refresh", variant="primary", scale=1)
                study = gr.Markdown()
                with gr.Row():
                    reviews_plot = gr.BarPlot(
                        x="day", y="reviews", color="kind", title="Reviews per day", x_title="Day"
                    )
                    retention_plot = gr.LinePlot(
                        x="day",
                        y="share",
                        color="series",
                        title="Retention of repeat reviews",
                        x_title="Day",
                        y_lim=[0, 1],
                    )
                sections = gr.Dataframe(
                    headers=["Section", *_MEASURES],
                    label="Sections, weakest first",
                    interactive=False,
                )
                items = gr.Dataframe(
                    headers=["Item", "Section", *_MEASURES],
                    label="Items, weakest first",
                    interactive=False,
                )
                learner.change(lambda name: name, learner, progress_learner, api_name=False)
                gr.on(
                    [refresh.click, progress_tab.select, progress_learner.submit],
                    progress,
                    inputs=[progress_learner, guide_key],
                    outputs=[sections, items, study, reviews_plot, retention_plot],
                    api_name="progress",
                )
            with gr.Tab("Guides", id="guides"):
                gr.Markdown(
                    "Study another guide written in the same format as the ECS guide (see "
                    "`data/README.md`): a UTF-8 `.md`, `.markdown` or `.txt` file of at most "
                    f"{MAX_GUIDE_BYTES // 1024} KB. Every tab then works from it in this browser "
                    "tab, with its own quiz progress. Removing an upload deletes its stored copy "
                    "and index (not your file, nor its progress)."
                )
                guide_picker = gr.Dropdown(
                    choices=_guide_choices(library), value=BUILTIN_KEY, label="Studying"
                )
                upload = gr.File(
                    label="Upload a guide",
                    file_types=[".md", ".markdown", ".txt"],
                    file_count="single",
                    type="filepath",
                )
                with gr.Row():
                    add_button = gr.Button("Add and study this guide", variant="primary")
                    remove_button = gr.Button("Remove the chosen guide", variant="stop")
                guide_status = gr.Markdown()
                follows = [guide_key, concept, start, end, picture, details]
                follows += [card_id, card, reply, feedback, due]
                guide_picker.select(
                    choose_guide,
                    inputs=[guide_picker],
                    outputs=[guide_status, *follows],
                    api_name="choose_guide",
                )
                # Guides uploaded in other sessions since the app started appear on each page load.
                demo.load(
                    lambda: gr.Dropdown(choices=_guide_choices(library)),
                    outputs=[guide_picker],
                    api_name=False,
                )
                add_button.click(
                    add_guide,
                    inputs=[upload],
                    outputs=[guide_status, guide_picker, *follows],
                    api_name="add_guide",
                )
                remove_button.click(
                    remove_guide,
                    inputs=[guide_picker],
                    outputs=[guide_status, guide_picker, *follows],
                    api_name="remove_guide",
                )
    return demo


def _delete_upload(path: Path, folder: Path) -> None:
    """Delete an upload Gradio stored under ``folder`` (``<folder>/<hash>/<name>``), and its
    hash folder once empty; a path outside ``folder`` is never touched."""
    folder, path = folder.resolve(), path.resolve()
    if folder not in path.parents:
        return
    path.unlink(missing_ok=True)
    if path.parent != folder:
        try:
            path.parent.rmdir()
        except OSError:
            pass  # another upload of the same bytes is still there


def launch(demo: gr.Blocks, **kwargs: Any) -> tuple:
    """Launch ``demo`` behind ``RequestGuard`` (its limits on requests, uploads and logins),
    with uploads refused past ``MAX_GUIDE_BYTES``; ``kwargs`` go to ``Blocks.launch``."""
    guard = Middleware(
        RequestGuard,
        events=lambda: demo.fns.keys(),
        upload_limit=MAX_GUIDE_BYTES + 64 * 1024,  # the file and its multipart wrapping
        upload_dir=Path(demo.GRADIO_CACHE),
    )
    kwargs.setdefault("max_file_size", MAX_GUIDE_BYTES)  # refused before it is stored
    app_kwargs = kwargs.pop("app_kwargs", None) or {}
    app_kwargs["middleware"] = [*app_kwargs.get("middleware", []), guard]
    return demo.launch(app_kwargs=app_kwargs, **kwargs)


def serve(
    tutor: Tutor,
    host: str = "127.0.0.1",
    port: int = 7860,
    *,
    store: ProgressStore | None = None,
    settings: Settings | None = None,
    **launch_kwargs: Any,
) -> None:
    """Serve the app on ``host:port`` (loopback by default) until interrupted; no share link.
    ``settings`` place the progress store and uploaded guides (``settings_from_env()`` if None)."""
    warm = getattr(tutor.retriever.embedder, "warm", None)
    if warm:  # load the model now, not on the first learner's question
        warm()
    demo = build_app(tutor, store, settings=settings)
    # Four requests run at once (the model is CPU-bound on a small machine); a burst of up to
    # QUEUE_SIZE more waits its turn instead of being refused.
    demo.queue(default_concurrency_limit=4, max_size=QUEUE_SIZE)
    cap_log_lines()  # a 256 KB field echoed in a warning is not written whole to the log
    launch(demo, server_name=host, server_port=port, show_error=False, share=False, **launch_kwargs)
