"""The Practice exam tab: a timed set of scenario questions over the session's guide, the
learner's weak items the likelier to come, answered one by one and scored at the end with every
option explained, the time taken and the score per section. The answers go to the learner's
progress (``ProgressStore.record_exam``), as the Quiz tab's do.

The questions, with their keys, stay on the server, in the progress database
(``ProgressStore.start_sitting``), so an exam carries on when its replica goes: the page holds
the sitting's random id, the scene, the question and the options' texts until the exam is scored.
"""

from __future__ import annotations

import random

import gradio as gr

from tutor.errors import BadInput
from tutor.study.exam import LETTERS, read_choice
from tutor.study.progress import Sitting
from tutor.web import render
from tutor.web.friendly import ERRORS_IN_A_TOAST, friendly_errors
from tutor.web.state import AppState, Follower

DEFAULT_COUNT, MAX_COUNT = 10, 40
START = "*Choose how many questions, then press Start exam. The score comes at the end.*"


def build(state: AppState) -> None:
    """The count, the question, its choices and the ``start_exam`` and ``answer_exam``
    endpoints. The learner is the one named in the Quiz tab."""
    with gr.Tab("Practice exam", id="exam"):
        with gr.Row():
            count = gr.Number(
                label="Questions",
                value=DEFAULT_COUNT,
                minimum=1,
                maximum=MAX_COUNT,
                precision=None,  # 2.5 is refused (start_exam), not rounded out of sight
                scale=1,
            )
            start_button = gr.Button("Start exam", variant="primary", scale=1)
        sitting = gr.Textbox(visible=False)  # the id of the exam in progress
        shown = gr.Markdown(START)
        one = gr.Radio(choices=[], label="Your answer", visible=False)
        two = gr.CheckboxGroup(choices=[], label="Your answers (choose two)", visible=False)
        answer_button = gr.Button("Answer", variant="primary", visible=False)
        results = gr.Markdown()

        def ask(now: Sitting) -> dict:
            question = now.current
            choices = [
                (f"{letter.upper()}) {option.text}", letter)
                for letter, option in zip(LETTERS, question.options, strict=False)
            ]
            single = len(question.keys) == 1
            return {
                sitting: now.id,
                shown: render.exam_question(question, len(now.answers) + 1, len(now.questions)),
                one: gr.Radio(choices=choices, value=None, visible=single),
                two: gr.CheckboxGroup(choices=choices, value=[], visible=not single),
                answer_button: gr.Button(visible=True),
                results: "",
            }

        @friendly_errors
        def start_exam(
            learner: str,
            wanted: float | None,
            key: str | None = None,
            request: gr.Request | None = None,
        ) -> dict:
            """A new exam of ``wanted`` questions for the learner: the first question."""
            learner = state.learner(learner, request)
            if wanted is None or not 1 <= wanted <= MAX_COUNT or wanted != int(wanted):
                raise BadInput(f"choose a whole number of questions, from 1 to {MAX_COUNT}")
            seed = random.SystemRandom().randrange(10**9)
            store = state.progress_store(key, request)
            questions = store.exam(learner, seed=seed, count=int(wanted))
            return ask(store.start_sitting(learner, questions))

        @friendly_errors
        def answer_exam(
            sitting_id: str | None,
            single: str | None,
            double: list[str] | None,
            key: str | None,
            request: gr.Request | None = None,
        ) -> dict:
            """Take the choice and show the next question, or score the exam once all are
            answered (and save the answers to the learner's progress)."""
            store = state.progress_store(key, request)
            signed_in = None if state.accounts is None else state.learner("", request)
            now = store.sitting(sitting_id or "", signed_in)
            question = now.current
            typed = " ".join(double or []) if len(question.keys) > 1 else (single or "")
            if not typed:
                raise BadInput("choose an answer first")
            # Saved as it is given; the last answer saves the exam, or nothing if that fails.
            after, result = store.answer_sitting(now, read_choice(question, typed))
            if result is None:
                return ask(after)
            answers = list(zip(after.questions, after.answers, strict=True))
            return idle(render.exam_results(result, answers))

        def idle(shown_results: str) -> dict:
            """No exam running: the start text, no choices, and ``shown_results``."""
            return {
                sitting: "",
                shown: START,
                one: gr.Radio(choices=[], value=None, visible=False),
                two: gr.CheckboxGroup(choices=[], value=[], visible=False),
                answer_button: gr.Button(visible=False),
                results: shown_results,
            }

        def reset(key: str) -> dict:
            """An exam over the guide left behind is dropped."""
            return idle("")

        parts = [sitting, shown, one, two, answer_button, results]
        state.followers.append(Follower(tuple(parts), reset))
        start_button.click(
            start_exam,
            inputs=[state.quiz_learner, count, state.guide_key],
            outputs=parts,
            api_name="start_exam",
            show_progress=ERRORS_IN_A_TOAST,
        )
        answer_button.click(
            answer_exam,
            inputs=[sitting, one, two, state.guide_key],
            outputs=parts,
            api_name="answer_exam",
            show_progress=ERRORS_IN_A_TOAST,
        )
