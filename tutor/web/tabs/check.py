"""The Check tab: a claim judged against the guide's misconceptions, with the item it was
compared with, which "Open in Explore" shows on the map (wired in ``tabs/explore.py``)."""

from __future__ import annotations

import gradio as gr

from ingest import Guide
from tutor.study.classview import side_taken
from tutor.web import render
from tutor.web.friendly import ERRORS_IN_A_TOAST, friendly_errors
from tutor.web.state import AppState, fits_example, guide_examples

EXAMPLE_CLAIMS = [  # the built-in guides': one of each verdict the guide can give
    "Fargate is more expensive than EC2 for all workloads",
    "It's wrong to say CloudWatch only watches EC2 instances",
    "Aurora supports up to 15 read replicas",
]
# Not covered by the ECS guides, the EKS test guide or the queue notes of the tests, each sure of
# it; an upload about honey would cover it, and then its example shows a verdict twice.
OFF_TOPIC_CLAIM = "Honey never spoils"


def example_claims(builtin: bool, guide: Guide) -> list[str]:
    """The example claims for ``guide``, one of each verdict: the hand-written ones for the
    built-in guides (``builtin``), else its first Wrong statement, the Right statement of another
    pair (of the same one when there is one pair) and ``OFF_TOPIC_CLAIM``."""
    if builtin:
        return list(EXAMPLE_CLAIMS)
    wrongs = [pair for pair in guide.pairs if fits_example(pair.wrong)][:1]
    rights = [pair for pair in guide.pairs if fits_example(pair.right)]
    rights = [pair for pair in rights if pair not in wrongs] or rights
    return [*(pair.wrong for pair in wrongs), *(pair.right for pair in rights[:1]), OFF_TOPIC_CLAIM]


def build(state: AppState) -> None:
    """The claim box, the verdict's parts, and the ``check`` endpoint. Sets the state's
    ``checked_title`` and ``open_in_explore``."""
    with gr.Tab("Check", id="check"):
        claim_box = gr.Textbox(label="Claim", placeholder="A statement to check…")  # no cut
        check_button = gr.Button("Check", variant="primary")
        guide_examples(state, claim_box, example_claims)
        verdict = gr.Markdown()
        # Shown with a verdict only: an empty box before any check read as "0".
        confidence = gr.Number(label="Confidence", precision=2, interactive=False, visible=False)
        pair = gr.Markdown()
        explanation = gr.Markdown()
        title = state.checked_title = gr.State(None)  # not part of the API's answer
        opener = state.open_in_explore = gr.Button("Open in Explore", visible=False)

        @friendly_errors
        def check(claim: str, key: str | None = None, request: gr.Request | None = None) -> dict:
            """Verdict heading, confidence, the Wrong/Right pair, the explanation (markdown),
            and the verdict's item for "Open in Explore" (a state: not part of the API's answer).
            On a class server, the side of the pair the claim took is kept for the class view."""
            found = state.studying(key, request).check(claim)
            held_wrong = side_taken(found)
            if state.accounts is not None and held_wrong is not None and found.title:
                state.progress_store(key, request).record_check(
                    state.learner("", request),
                    item=found.title,
                    wrong=found.wrong or "",
                    held_wrong=held_wrong,
                )
            return {
                verdict: render.verdict(found),
                confidence: None if found.question else found.confidence,
                pair: render.verdict_pair(found),
                explanation: render.escape(found.explanation),
                title: found.title,
            }

        def show_opener(item: str | None, value: float | None) -> dict:
            """The "Open in Explore" button, shown only when the verdict has an item (the item is
            kept on the server, so this cannot run in the browser), and the confidence box when
            there is a confidence (a question typed here has none)."""
            return {
                opener: gr.Button(visible=item is not None),
                confidence: gr.Number(visible=value is not None),
            }

        def clear() -> dict:
            """A claim that could not be checked leaves no verdict on screen and no item to open."""
            cleared = {verdict: "", pair: "", explanation: "", title: None}
            hidden = {confidence: gr.Number(None, visible=False), opener: gr.Button(visible=False)}
            return {**cleared, **hidden}  # as before any check

        checked = gr.on(
            [check_button.click, claim_box.submit],
            check,
            inputs=[claim_box, state.guide_key],
            outputs=[verdict, confidence, pair, explanation, title],
            api_name="check",
            show_progress=ERRORS_IN_A_TOAST,
        )
        # No model call: not behind the queue's checks.
        checked.success(
            show_opener,
            inputs=[title, confidence],
            outputs=[opener, confidence],
            api_visibility="private",
            queue=False,
            show_progress="hidden",
        )
        checked.failure(
            clear,
            outputs=[verdict, confidence, pair, explanation, title, opener],
            api_visibility="private",
            queue=False,
            show_progress="hidden",
        )
