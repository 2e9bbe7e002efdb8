"""The Chat tab: questions answered from the guide, each with a collapsed block of sources."""

from __future__ import annotations

import gradio as gr

from ingest import Guide
from tutor.core import clean_input
from tutor.web import render
from tutor.web.friendly import ERRORS_IN_A_TOAST, friendly_errors
from tutor.web.state import AppState, fits_example, guide_examples

EXAMPLE_QUESTIONS = [  # the built-in guides'
    "What does Fargate take off my hands?",
    "How do tasks get their own IAM permissions?",
    "How do I keep secrets out of container images?",
]
MAX_HISTORY = 60  # chat messages kept (20 turns): a client cannot make the server carry more


def example_questions(builtin: bool, guide: Guide) -> list[str]:
    """The example questions for ``guide``: the hand-written ones for the built-in guides
    (``builtin``), else one on each of its first three items, by title.

    A guide whose first items are "Control Plane", "Worker Nodes" and "Pods" -> "What should I
    know about Control Plane?", the same about Worker Nodes and about Pods (a title may be
    plural: "What is Worker Nodes?" would not do).
    """
    if builtin:
        return list(EXAMPLE_QUESTIONS)
    titles = dict.fromkeys(item.title for item in guide.items)  # each once, in the guide's order
    asked = (f"What should I know about {title}?" for title in titles)
    return [question for question in asked if fits_example(question)][:3]


def build(state: AppState) -> None:
    """The conversation, the question box, and the ``ask`` endpoint."""
    with gr.Tab("Chat", id="chat"):
        chatbot = gr.Chatbot(label="Conversation", height=460)
        # No max_length: the browser would cut a long paste without a word; the tutor refuses
        # it with a clear message instead (``MAX_INPUT_CHARS``).
        question_box = gr.Textbox(label="Question", placeholder="Ask about what you study…")
        with gr.Row():
            send = gr.Button("Ask", variant="primary")
            gr.ClearButton([question_box, chatbot])  # emptied in the browser: no server function
        guide_examples(state, question_box, example_questions)

        @friendly_errors
        def ask(
            question: str, history: list, key: str | None = None, request: gr.Request | None = None
        ) -> dict:
            """Answer a question from the guide: the conversation so far, and an empty textbox."""
            answer = state.studying(key, request).ask(question)
            turn = [
                gr.ChatMessage(role="user", content=render.raw(answer.question)),
                gr.ChatMessage(role="assistant", content=render.escape(answer.text)),
                gr.ChatMessage(
                    role="assistant",
                    content=render.sources(answer),
                    metadata={"title": "Sources", "status": "done"},
                ),
            ]
            kept = list(history or [])[-(MAX_HISTORY - len(turn)) :]
            return {chatbot: [*kept, *turn], question_box: ""}

        @friendly_errors
        def read(question: str) -> None:
            """The question read before it is asked: text the tutor refuses (empty, too long,
            "what is it") stops here, told in a toast, and leaves the conversation in view (an
            error in ``ask`` itself covers the conversation with an "Error" badge)."""
            clean_input(question, what="question")

        gr.on(
            [send.click, question_box.submit],
            read,
            inputs=[question_box],
            outputs=None,
            api_name=False,
            show_progress=ERRORS_IN_A_TOAST,
        ).success(
            ask,
            inputs=[question_box, chatbot, state.guide_key],
            outputs=[chatbot, question_box],
            api_name="ask",
            show_progress=ERRORS_IN_A_TOAST,
        )
