"""The Quiz tab: the learner's due cards one at a time, each answer graded and rescheduled with
FSRS in the session's guide's progress store."""

from __future__ import annotations

from datetime import UTC, datetime

import gradio as gr

from tutor.errors import BadInput
from tutor.study.progress import DEFAULT_LEARNER
from tutor.web import render
from tutor.web.friendly import friendly_errors
from tutor.web.state import AppState, Follower

START = "*Press Next card to start.*"


def build(state: AppState) -> None:
    """The learner, the card, the answer box, and the ``next_card`` and ``answer`` endpoints.
    Sets the state's ``quiz_learner``; the card starts again when the session's guide changes."""
    with gr.Tab("Quiz", id="quiz"):
        with gr.Row():
            learner_box = state.quiz_learner = gr.Textbox(
                label="Learner", value=DEFAULT_LEARNER, scale=3
            )
            next_button = gr.Button("Next card", variant="primary", scale=1)
        # The card's id names its pair and side ("pair:Clusters#1:false"): kept for the answer,
        # never shown, so the card does not give its answer away (the API still returns it).
        card_box = gr.Textbox(label="Card", interactive=False, visible=False)
        counts = gr.Markdown()
        card = gr.Markdown(START)
        reply = gr.Textbox(label="Answer", placeholder="True / False, an option, or a sentence")
        answer_button = gr.Button("Answer", variant="primary")
        feedback = gr.Markdown()
        due = gr.Textbox(label="Next due", interactive=False)

        @friendly_errors
        def next_card(learner: str, key: str | None = None) -> dict:
            """The learner's next due card: its id, the card as markdown, and cleared answer,
            feedback and due boxes."""
            store = state.progress_store(key)
            cards = store.due_cards(learner, limit=1)
            cleared = {
                reply: "",
                feedback: "",
                due: "",
                counts: render.round_counts(*store.round_counts(learner)),
            }
            if not cards:
                return {card_box: "", card: render.NOTHING_DUE, **cleared}
            return {card_box: cards[0].id, card: render.card(cards[0]), **cleared}

        @friendly_errors
        def answer(learner: str, card_id: str, text: str, key: str | None = None) -> dict:
            """Grade the answer and save the review: the feedback (markdown) and the next due
            date."""
            if not card_id:
                raise BadInput("no card yet: press Next card first")
            store = state.progress_store(key)
            done = store.review(learner, card_id, text)
            standing = render.round_counts(*store.round_counts(learner))
            if done.due is None:
                return {
                    feedback: render.review(done, text),
                    due: render.NOT_RESCHEDULED,
                    counts: standing,
                }
            return {
                feedback: render.review(done, text),
                due: render.when(done.due, datetime.now(UTC)),
                counts: standing,
            }

        def reset(key: str) -> dict:
            """A card of the guide left behind cannot be answered here: the quiz starts again."""
            return {card_box: "", card: START, reply: "", feedback: "", due: "", counts: ""}

        state.followers.append(Follower((card_box, card, reply, feedback, due, counts), reset))
        next_button.click(
            next_card,
            inputs=[learner_box, state.guide_key],
            outputs=[card_box, card, reply, feedback, due, counts],
            api_name="next_card",
        )
        gr.on(
            [answer_button.click, reply.submit],
            answer,
            inputs=[learner_box, card_box, reply, state.guide_key],
            outputs=[feedback, due, counts],
            api_name="answer",
        )
