"""The web app: three tabs (Chat, Check, Explore) over one ``Tutor``.

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
from collections.abc import Callable
from typing import Any

import gradio as gr

from kg import GraphError, draw_svg
from tutor import Tutor, TutorError
from tutor.claims import CORRECT, MISCONCEPTION, NOT_COVERED

# The machine is offline: no telemetry, whatever launched us (the Makefile sets it too).
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

log = logging.getLogger(__name__)

EXAMPLE_QUESTIONS = [
    "What does Fargate take off my hands?",
    "How do tasks get their own IAM permissions?",
    "How do I keep secrets out of container images?",
]
EXAMPLE_CLAIMS = [
    "ECS runs only on EC2 instances",
    "Fargate is more expensive than EC2 for all workloads",
]
_VERDICT_HEADINGS = {
    MISCONCEPTION: "🔴 Misconception",
    CORRECT: "🟢 Correct",
    NOT_COVERED: "⚪ Not covered by the guide",
}
QUEUE_SIZE = 256
_UNEXPECTED = "Something went wrong on our side; the details are in the server log."


def _escape(text: object) -> str:
    """Text made safe to place in markdown or HTML *content* (never used in attribute values)."""
    return html.escape(str(text), quote=False)


_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]~|])")
_MARKDOWN_BLOCK = re.compile(r"^(\s*)(?:([#+=-])|(\d+)([.)]))")


def _escape_typed(text: object) -> str:
    """What a user typed, shown as typed inside markdown: markdown punctuation backslashed and
    HTML escaped, so ``[x](javascript:…)``, ``![x](http://…)`` or ``# big`` stay plain text and
    never become a link, a remote image or a heading."""
    text = _MARKDOWN_INLINE.sub(r"\\\1", str(text))
    text = _MARKDOWN_BLOCK.sub(
        lambda m: m[1] + (f"\\{m[2]}" if m[2] else f"{m[3]}\\{m[4]}"), text, count=1
    )
    return _escape(text)


def _friendly_errors(handler: Callable) -> Callable:
    """Turn our errors into a ``gr.Error`` with an escaped message; never show a traceback."""

    @functools.wraps(handler)
    def wrapper(*args: Any) -> Any:
        try:
            return handler(*args)
        except (TutorError, GraphError) as exc:  # ConceptNotFound's message has its suggestions
            raise gr.Error(_escape(exc), print_exception=False) from None
        except Exception:
            log.exception("unexpected error in %s", handler.__name__)
            raise gr.Error(_UNEXPECTED, print_exception=False) from None

    return wrapper


def build_app(tutor: Tutor) -> gr.Blocks:
    """The Gradio app. API endpoints: ``ask``, ``check`` and ``explore``."""

    @_friendly_errors
    def ask(question: str, history: list) -> tuple[list, str]:
        """Answer a question from the guide: the conversation so far, and an empty textbox."""
        answer = tutor.ask(question)
        sources = "\n".join(
            f"{n}. **{_escape(hit.title)}** — {_escape(hit.section)} — {hit.score:.2f}"
            for n, hit in enumerate(answer.sources, start=1)
        )
        turn = [
            gr.ChatMessage(role="user", content=_escape_typed(answer.question)),
            gr.ChatMessage(role="assistant", content=_escape(answer.text)),
            gr.ChatMessage(
                role="assistant",
                content=sources or "No sources.",
                metadata={"title": "Sources", "status": "done"},
            ),
        ]
        return [*(history or []), *turn], ""

    @_friendly_errors
    def check(claim: str) -> tuple[str, float, str, str]:
        """Verdict heading, confidence, the Wrong/Right pair, and the explanation (markdown)."""
        verdict = tutor.check(claim)
        heading = _VERDICT_HEADINGS[verdict.verdict]
        verdict_md = f"### {heading}\n\n> {_escape_typed(verdict.claim)}"
        if verdict.title is None:
            pair_md = "*No misconception in the guide is close enough to compare.*"
        else:
            pair_md = (
                f"**{_escape(verdict.title)}** ({_escape(verdict.section)})\n\n"
                f"❌ **Wrong:** {_escape(verdict.wrong)}\n\n"
                f"✅ **Right:** {_escape(verdict.right)}"
            )
        return verdict_md, verdict.confidence, pair_md, _escape(verdict.explanation)

    @_friendly_errors
    def explore(concept: str) -> tuple[str, str]:
        """The concept's neighbourhood as an SVG picture, and as markdown."""
        found = tutor.explore(concept)
        note = " — *the closest concept by meaning*" if found.matched_by_meaning else ""
        lines = [
            f"## {_escape(found.title)}",
            f"*{_escape(found.type)} in {_escape(found.section or 'the guide')}*{note}",
            "",
            _escape(found.text),
            "",
            "### Neighbours",
        ]
        for relation, neighbours in found.neighbours.items():
            names = ", ".join(f"{_escape(n.label)} ({_escape(n.type)})" for n in neighbours)
            lines.append(f"- **{_escape(relation.replace('_', ' '))}:** {names}")
        if found.misconceptions:
            lines += ["", "### Misconceptions"]
            lines += [
                f"- ❌ **Wrong:** {_escape(wrong)}  \n  ✅ **Right:** {_escape(right)}"
                for wrong, right in found.misconceptions
            ]
        if found.scenarios:
            lines += ["", "### Scenarios"]
            lines += [f"- {_escape(text)}" for text in found.scenarios]
        return draw_svg(tutor.graph, found.node), "\n".join(lines)

    with gr.Blocks(title="ECS Tutor", analytics_enabled=False) as demo:
        gr.Markdown("# ECS Tutor\nStudy Amazon ECS from the guide, offline.")
        with gr.Tab("Chat"):
            chatbot = gr.Chatbot(label="Conversation", height=460)
            question = gr.Textbox(label="Question", placeholder="Ask about Amazon ECS…")
            with gr.Row():
                send = gr.Button("Ask", variant="primary")
                gr.ClearButton([question, chatbot])
            gr.Examples(EXAMPLE_QUESTIONS, inputs=[question])
            gr.on(
                [send.click, question.submit],
                ask,
                inputs=[question, chatbot],
                outputs=[chatbot, question],
                api_name="ask",
            )
        with gr.Tab("Check"):
            claim = gr.Textbox(label="Claim", placeholder="A statement about ECS to check…")
            check_button = gr.Button("Check", variant="primary")
            gr.Examples(EXAMPLE_CLAIMS, inputs=[claim])
            verdict = gr.Markdown()
            confidence = gr.Number(label="Confidence", precision=2, interactive=False)
            pair = gr.Markdown()
            explanation = gr.Markdown()
            gr.on(
                [check_button.click, claim.submit],
                check,
                inputs=[claim],
                outputs=[verdict, confidence, pair, explanation],
                api_name="check",
            )
        with gr.Tab("Explore"):
            with gr.Row():
                concept = gr.Dropdown(
                    choices=tutor.concepts(),
                    value=None,
                    label="Concept",
                    allow_custom_value=True,
                    scale=4,
                )
                explore_button = gr.Button("Explore", variant="primary", scale=1)
            with gr.Row():
                picture = gr.HTML(js_on_load=None)
                details = gr.Markdown()
            gr.on(
                [explore_button.click, concept.select],
                explore,
                inputs=[concept],
                outputs=[picture, details],
                api_name="explore",
            )
    return demo


def serve(tutor: Tutor, host: str = "127.0.0.1", port: int = 7860, **launch_kwargs: Any) -> None:
    """Serve the app on ``host:port`` (loopback by default) until interrupted; no share link."""
    warm = getattr(tutor.retriever.embedder, "warm", None)
    if warm:  # load the model now, not on the first learner's question
        warm()
    demo = build_app(tutor)
    # Four requests run at once (the model is CPU-bound on a small machine); a burst of up to
    # QUEUE_SIZE more waits its turn instead of being refused.
    demo.queue(default_concurrency_limit=4, max_size=QUEUE_SIZE)
    demo.launch(server_name=host, server_port=port, show_error=False, share=False, **launch_kwargs)
