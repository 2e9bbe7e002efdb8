"""The Practice exam tab: a timed set of scenario questions over the session's guide, the
learner's weak items the likelier to come, answered one by one and scored at the end with every
option explained, the time taken and the score per section. The answers go to the learner's
progress (``ProgressStore.record_exam``), as the Quiz tab's do.

The questions, with their keys, stay on the server in the session's ``gr.State``: the page only
ever holds the scene, the question and the options' texts until the exam is scored.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

import gradio as gr

from tutor.errors import BadInput
from tutor.study.exam import LETTERS, Question, read_choice
from tutor.web import render
from tutor.web.friendly import friendly_errors
from tutor.web.state import AppState, Follower

DEFAULT_COUNT, MAX_COUNT = 10, 40
START = "*Choose how many questions, then press Start exam. The score comes at the end.*"


@dataclass
class Sitting:
    """One exam in progress: its questions, the answers so far and when it started."""

    learner: str
    questions: list[Question]
    started: float = field(default_factory=time.monotonic)
    answers: list[tuple[Question, tuple[int, ...]]] = field(default_factory=list)

    @property
    def current(self) -> Question:
        return self.questions[len(self.answers)]


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
                precision=0,
                scale=1,
            )
            start_button = gr.Button("Start exam", variant="primary", scale=1)
        sitting = gr.State(None)
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
                sitting: now,
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
            if wanted is None or not 1 <= wanted <= MAX_COUNT:
                raise BadInput(f"choose from 1 to {MAX_COUNT} questions")
            seed = random.SystemRandom().randrange(10**9)
            store = state.progress_store(key, request)
            questions = store.exam(learner, seed=seed, count=int(wanted))
            return ask(Sitting(learner, questions))

        @friendly_errors
        def answer_exam(
            now: Sitting | None,
            single: str | None,
            double: list[str] | None,
            key: str | None,
            request: gr.Request | None = None,
        ) -> dict:
            """Take the choice and show the next question, or score the exam once all are
            answered (and save the answers to the learner's progress)."""
            if now is None or len(now.answers) == len(now.questions):
                raise BadInput("no exam is running: press Start exam first")
            question = now.current
            typed = " ".join(double or []) if len(question.keys) > 1 else (single or "")
            if not typed:
                raise BadInput("choose an answer first")
            answers = [*now.answers, (question, read_choice(question, typed))]
            if len(answers) < len(now.questions):
                now.answers = answers
                return ask(now)
            # Saved before the exam ends: if saving fails, the last answer can be given again.
            result = state.progress_store(key, request).record_exam(
                now.learner, answers, seconds=time.monotonic() - now.started
            )
            return idle(render.exam_results(result, answers))

        def idle(shown_results: str) -> dict:
            """No exam running: the start text, no choices, and ``shown_results``."""
            return {
                sitting: None,
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
        )
        answer_button.click(
            answer_exam,
            inputs=[sitting, one, two, state.guide_key],
            outputs=parts,
            api_name="answer_exam",
        )
