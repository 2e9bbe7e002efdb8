"""The Progress tab: mastery per section and per item (weakest first), what to study next, and
the reviews and retention per day, for the learner named in the Quiz tab; and their Anki deck."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from tutor.study.anki import write_apkg
from tutor.study.progress import DEFAULT_LEARNER
from tutor.web import render
from tutor.web.friendly import friendly_errors
from tutor.web.signin import DECK_NAME
from tutor.web.state import AppState

# Copied into the Progress tab's box in the browser: no server function backs it.
_MIRROR = "(name) => name"


def _frame(rows: list[dict], types: dict[str, str]) -> pd.DataFrame | None:
    """``rows`` with their columns' types, or no data at all when there are none: a plot keeps
    what it read from the first frame it got, and an empty frame once turned a learner's later
    days into numbers, the counts into names, and hid the bars."""
    return pd.DataFrame(rows, columns=list(types)).astype(types) if rows else None


def _reviews(days) -> pd.DataFrame | None:
    """New and repeat reviews per day, for the bar plot."""
    return _frame(
        [
            {"day": pd.Timestamp(d.day), "reviews": count, "kind": kind}
            for d in days
            for kind, count in (("first time", d.new), ("repeat", d.reviews - d.new))
        ],
        {"day": "datetime64[ns]", "reviews": "int64", "kind": "object"},
    )


def _retention(days) -> pd.DataFrame | None:
    """Observed and predicted retention of repeat reviews per day (in %), for the line plot."""
    return _frame(
        [
            {"day": pd.Timestamp(d.day), "recalled": round(100 * value, 1), "series": series}
            for d in days
            for series, value in (("you", d.retention), ("FSRS predicted", d.predicted))
            if value is not None
        ],
        {"day": "datetime64[ns]", "recalled": "float64", "series": "object"},
    )


def _section_mastery(sections) -> pd.DataFrame | None:
    """Recall in 7 days per section studied (in %), for the bar plot."""
    return _frame(
        [
            {"section": m.name.rsplit(" > ", 1)[-1], "recall": round(100 * m.recall, 1)}
            for m in sections
            if m.recall is not None
        ],
        {"section": "object", "recall": "float64"},
    )


def build(state: AppState) -> None:
    """The plots and tables, and the ``progress`` endpoint, refreshed whenever the tab is chosen."""
    with gr.Tab("Progress", id="progress") as tab:
        with gr.Row():
            learner_box = gr.Textbox(label="Learner", value=DEFAULT_LEARNER, scale=3)
            refresh = gr.Button("Refresh", variant="primary", scale=1)
        study = gr.Markdown()
        summary = gr.Markdown()
        with gr.Row():
            reviews = gr.BarPlot(
                x="day",
                y="reviews",
                color="kind",
                title="Reviews per day",
                x_title="Day",
                y_title="Reviews (cards answered)",
                color_title="Card seen",
            )
            retention = gr.LinePlot(
                x="day",
                y="recalled",
                color="series",
                title="Retention of repeat reviews",
                x_title="Day",
                y_title="Recalled (% of repeat reviews)",
                color_title="Retention",
                y_lim=[0, 100],
            )
        mastery = gr.BarPlot(
            x="section",
            y="recall",
            title="Mastery per section",
            x_title="Section",
            y_title="Recall in 7 days (%)",
            y_lim=[0, 100],
            x_label_angle=-30,
        )
        gr.Markdown(render.MASTERY_NOTE)
        with gr.Row():
            export = gr.Button("Export to Anki", scale=1)
            deck = gr.File(label=render.ANKI_EXPORT, interactive=False, scale=3)
        # Short headers and wrapped cells keep every column in view, on a phone too.
        sections = gr.Dataframe(
            headers=["Section", *render.MEASURES],
            label="Sections, weakest first",
            interactive=False,
            wrap=True,
            column_widths=["40%", "15%", "15%", "15%", "15%"],
        )
        items = gr.Dataframe(
            headers=["Item", "Section", *render.MEASURES],
            label="Items, weakest first",
            interactive=False,
            wrap=True,
            column_widths=["24%", "24%", "13%", "13%", "13%", "13%"],
        )

        @friendly_errors
        def progress(
            learner: str, key: str | None = None, request: gr.Request | None = None
        ) -> dict:
            """Mastery per section and per item (weakest first), what to study next, and the
            reviews and retention per day."""
            learner = state.learner(learner, request, viewing=True)
            store = state.progress_store(key, request)
            report = store.mastery(learner)
            days = store.history(learner)
            return {
                sections: render.mastery_rows(report.sections, sections=True),
                items: render.mastery_rows(report.items),
                study: render.study_next(
                    store.study_next(learner, state.studying(key, request).graph, k=5)
                ),
                summary: render.review_summary(days),
                reviews: _reviews(days),
                retention: _retention(days),
                mastery: _section_mastery(report.sections),
            }

        @friendly_errors
        def export_anki(
            learner: str, key: str | None = None, request: gr.Request | None = None
        ) -> str:
            """The guide as an Anki deck (.apkg) with the learner's reviews in its review log."""
            learner = state.learner(learner, request)
            store = state.progress_store(key, request)
            history = store.review_log(learner)
            path = state.export_path(DECK_NAME.format(learner))
            write_apkg(store.quiz, path, history=history, scheduler=store.scheduler)
            return str(path)

        export.click(
            export_anki, inputs=[learner_box, state.guide_key], outputs=deck, api_name="export_anki"
        )
        state.quiz_learner.change(None, state.quiz_learner, learner_box, js=_MIRROR)
        gr.on(
            [refresh.click, tab.select, learner_box.submit],
            progress,
            inputs=[learner_box, state.guide_key],
            outputs=[sections, items, study, reviews, retention, summary, mastery],
            api_name="progress",
        )
