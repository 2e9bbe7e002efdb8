"""The Quiz tab: the learner's due cards one at a time, each answer graded and rescheduled with
FSRS in the session's guide's progress store."""

from __future__ import annotations

from datetime import UTC, datetime

import gradio as gr

from tutor.errors import BadInput
from tutor.study.progress import DEFAULT_LEARNER, RATINGS
from tutor.web import render
from tutor.web.friendly import ERRORS_IN_A_TOAST, friendly_errors
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
        # The card's id is kept for the answer and never shown (it says nothing of the answer,
        # but a learner has no use for it).
        card_box = gr.Textbox(label="Card", interactive=False, visible=False)
        counts = gr.Markdown()
        card = gr.Markdown(START)
        reply = gr.Textbox(label="Answer", placeholder="True / False, an option, or a sentence")
        answer_button = gr.Button("Answer", variant="primary")
        feedback = gr.Markdown()
        # After a right answer the learner may say how well they knew it, as in Anki.
        rating = gr.Radio(RATINGS, label="How well did you know it?", value=None, visible=False)
        due = gr.Textbox(label="Next due", interactive=False)

        @friendly_errors
        def next_card(
            learner: str, key: str | None = None, request: gr.Request | None = None
        ) -> dict:
            """The learner's next due card: its id, the card as markdown, and cleared answer,
            feedback and due boxes."""
            learner = state.learner(learner, request)
            store = state.progress_store(key, request)
            cards = store.due_cards(learner, limit=1)
            cleared = {
                rating: gr.Radio(value=None, visible=False),
                reply: "",
                feedback: "",
                due: "",
                counts: render.round_counts(*store.round_counts(learner)),
            }
            if not cards:
                return {card_box: "", card: render.NOTHING_DUE, **cleared}
            return {card_box: cards[0].id, card: render.card(cards[0]), **cleared}

        @friendly_errors
        def answer(
            learner: str,
            card_id: str,
            text: str,
            key: str | None = None,
            request: gr.Request | None = None,
        ) -> dict:
            """Grade the answer and save the review: the feedback (markdown), the next due date,
            and, for a right answer, the rating to change (Good, as it was saved)."""
            learner = state.learner(learner, request)
            if not card_id:
                raise BadInput("no card yet: press Next card first")
            store = state.progress_store(key, request)
            done = store.review(learner, card_id, text)
            shown = {
                feedback: render.review(done, text),
                counts: render.round_counts(*store.round_counts(learner)),
                rating: gr.Radio(value=done.rating, visible=bool(done.correct)),
            }
            if done.due is None:
                return {**shown, due: render.NOT_RESCHEDULED}
            return {**shown, due: render.when(done.due, datetime.now(UTC))}

        @friendly_errors
        def rate(
            learner: str,
            card_id: str,
            chosen: str,
            key: str | None = None,
            request: gr.Request | None = None,
        ) -> dict:
            """Re-rate the answer just given (Again, Hard, Good or Easy): the new due date."""
            learner = state.learner(learner, request)
            if not card_id:
                raise BadInput("no card yet: press Next card first")
            done = state.progress_store(key, request).rate(learner, card_id, chosen)
            if done.due is None:  # a rating always reschedules; for the type checker
                return {due: render.NOT_RESCHEDULED}
            return {due: render.when(done.due, datetime.now(UTC))}

        def reset(key: str) -> dict:
            """A card of the guide left behind cannot be answered here: the quiz starts again."""
            return {
                card_box: "",
                card: START,
                reply: "",
                feedback: "",
                due: "",
                counts: "",
                rating: gr.Radio(value=None, visible=False),
            }

        parts = (card_box, card, reply, feedback, due, counts, rating)
        state.followers.append(Follower(parts, reset))
        next_button.click(
            next_card,
            inputs=[learner_box, state.guide_key],
            outputs=list(parts),
            api_name="next_card",
            show_progress=ERRORS_IN_A_TOAST,
        )
        gr.on(
            [answer_button.click, reply.submit],
            answer,
            inputs=[learner_box, card_box, reply, state.guide_key],
            outputs=[feedback, due, counts, rating],
            api_name="answer",
            show_progress=ERRORS_IN_A_TOAST,
        )
        rating.input(
            rate,
            inputs=[learner_box, card_box, rating, state.guide_key],
            outputs=[due],
            api_name="rate",
            show_progress=ERRORS_IN_A_TOAST,
        )
