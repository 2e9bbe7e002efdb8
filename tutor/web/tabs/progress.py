"""The Progress tab: mastery per section and per item (weakest first), what to study next, and
the reviews and retention per day, for the learner named in the Quiz tab."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from tutor.study.progress import DEFAULT_LEARNER
from tutor.web import render
from tutor.web.friendly import friendly_errors
from tutor.web.state import AppState

# Copied into the Progress tab's box in the browser: no server function backs it.
_MIRROR = "(name) => name"


def _reviews(days) -> pd.DataFrame:
    """New and repeat reviews per day, for the bar plot."""
    return pd.DataFrame(
        [
            {"day": pd.Timestamp(d.day), "reviews": count, "kind": kind}
            for d in days
            for kind, count in (("new", d.new), ("repeat", d.reviews - d.new))
        ],
        columns=["day", "reviews", "kind"],
    )


def _retention(days) -> pd.DataFrame:
    """Observed and predicted retention of repeat reviews per day, for the line plot."""
    return pd.DataFrame(
        [
            {"day": pd.Timestamp(d.day), "share": value, "series": series}
            for d in days
            for series, value in (("observed", d.retention), ("predicted", d.predicted))
            if value is not None
        ],
        columns=["day", "share", "series"],
    )


def build(state: AppState) -> None:
    """The plots and tables, and the ``progress`` endpoint, refreshed whenever the tab is chosen."""
    with gr.Tab("Progress", id="progress") as tab:
        with gr.Row():
            learner_box = gr.Textbox(label="Learner", value=DEFAULT_LEARNER, scale=3)
            refresh = gr.Button("Refresh", variant="primary", scale=1)
        study = gr.Markdown()
        with gr.Row():
            reviews = gr.BarPlot(
                x="day", y="reviews", color="kind", title="Reviews per day", x_title="Day"
            )
            retention = gr.LinePlot(
                x="day",
                y="share",
                color="series",
                title="Retention of repeat reviews",
                x_title="Day",
                y_lim=[0, 1],
            )
        sections = gr.Dataframe(
            headers=["Section", *render.MEASURES],
            label="Sections, weakest first",
            interactive=False,
        )
        items = gr.Dataframe(
            headers=["Item", "Section", *render.MEASURES],
            label="Items, weakest first",
            interactive=False,
        )

        @friendly_errors
        def progress(learner: str, key: str | None = None) -> dict:
            """Mastery per section and per item (weakest first), what to study next, and the
            reviews and retention per day."""
            store = state.progress_store(key)
            report = store.mastery(learner)
            days = store.history(learner)
            return {
                sections: render.mastery_rows(report.sections, sections=True),
                items: render.mastery_rows(report.items),
                study: render.study_next(store.study_next(learner, state.studying(key).graph, k=5)),
                reviews: _reviews(days),
                retention: _retention(days),
            }

        state.quiz_learner.change(None, state.quiz_learner, learner_box, js=_MIRROR)
        gr.on(
            [refresh.click, tab.select, learner_box.submit],
            progress,
            inputs=[learner_box, state.guide_key],
            outputs=[sections, items, study, reviews, retention],
            api_name="progress",
        )
