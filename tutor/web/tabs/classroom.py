"""The Class tab, for a teacher on a server with accounts: the misconceptions the class still
holds (who holds each, and its trend over the last weeks), recall per learner and section as a
heat map, and the pairs as CSV. Shown to teachers only; its endpoint refuses everyone else."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from tutor.errors import TutorError
from tutor.study.accounts import LEARNER, ROLES, TEACHER
from tutor.study.classview import WEEKS, ClassView, class_view
from tutor.web import render
from tutor.web.friendly import friendly_errors
from tutor.web.signin import CLASS_CSV
from tutor.web.state import AppState

_BARS = "▁▂▃▄▅▆▇█"  # a week's share of wrong answers, low to high
HOLDING = ["Item", "Wrong statement", "Hold it now", "Share %", f"Last {WEEKS} weeks", "Who"]
EMPTY = "*No answers yet: the class view fills in as learners answer quiz cards and check claims.*"


def _trend(weekly: tuple[float | None, ...]) -> str:
    """The weekly shares as small bars, oldest first; "·" for a week without answers."""
    return "".join("·" if w is None else _BARS[min(7, int(w * 8))] for w in weekly)


def holding_rows(view: ClassView) -> list[list]:
    return [
        [
            p.item,
            p.wrong,
            f"{len(p.holding)} of {len(p.answered)}",
            round(100 * p.share),
            _trend(p.weekly),
            ", ".join(p.holding) or "—",
        ]
        for p in view.pairs
    ]


def heat_map(view: ClassView):
    """Recall (%) per section (rows) and learner (columns), coloured from red (low) to green;
    sections as rows, so that their long names stay readable."""
    learners = list(view.learners)
    frame = pd.DataFrame(
        [[view.mastery[learner].get(s) for learner in learners] for s in view.sections],
        columns=learners,
    )
    frame.insert(0, "Section", [section.rsplit(" > ", 1)[-1] for section in view.sections])
    return frame.style.map(_colour, subset=learners).format(precision=0, na_rep="—")


def _colour(value) -> str:
    if value is None or pd.isna(value):
        return ""
    hue = round(1.2 * float(value))  # 0 % red (hue 0) .. 100 % green (hue 120)
    return f"background-color: hsl({hue}, 70%, 85%)"


def build(state: AppState) -> None:
    """The tab (hidden until a teacher signs in), its ``class_view`` and ``class_csv``
    endpoints, and the teacher's management of the class's accounts."""
    accounts = state.accounts
    if accounts is None:
        return  # one learner on one machine: no class
    with gr.Tab("Class", id="class", visible=False) as tab:
        refresh = gr.Button("Refresh", variant="primary")
        summary = gr.Markdown(EMPTY)
        held = gr.Dataframe(
            headers=HOLDING,
            label="Misconceptions the class still holds, most held first",
            interactive=False,
            wrap=True,
        )
        heat = gr.Dataframe(label="Recall in 7 days (%), per section and learner", wrap=True)
        export = gr.Button("Export CSV")
        table = gr.File(label="The pairs as CSV", interactive=False)
        gr.Markdown("### Accounts")
        roster = gr.Dataframe(headers=["Name", "Role"], label="The class", interactive=False)
        with gr.Row():
            who = gr.Textbox(label="Name", scale=2)
            password = gr.Textbox(label="New password (10 characters or more)", type="password")
            role = gr.Radio(list(ROLES), value=LEARNER, label="Role", scale=1)
        with gr.Row():
            add = gr.Button("Add account")
            reset = gr.Button("Set password")
            remove = gr.Button("Remove account (progress stays)", variant="stop")
        done = gr.Markdown()

    def teacher(request: gr.Request | None) -> None:
        if accounts.role(getattr(request, "username", None)) != TEACHER:
            raise TutorError("the class view is for teachers")

    @friendly_errors
    def show(key: str | None = None, request: gr.Request | None = None) -> dict:
        """The pairs the class holds, who holds them, and recall per learner and section."""
        teacher(request)
        view = class_view(state.progress_store(key, request), teachers=teachers())
        held_now = sum(1 for p in view.pairs if p.holding)
        said = (
            f"*{len(view.learners)} learners; {held_now} of the {len(view.pairs)} pairs "
            "answered are still held by someone.*"
            if view.pairs
            else EMPTY
        )
        return {summary: said, held: holding_rows(view), heat: heat_map(view)}

    @friendly_errors
    def export_csv(key: str | None = None, request: gr.Request | None = None) -> str:
        """The pairs as a CSV file."""
        teacher(request)
        path = state.export_path(CLASS_CSV)
        view = class_view(state.progress_store(key, request), teachers=teachers())
        path.write_text(view.csv(), encoding="utf-8")
        return str(path)

    @friendly_errors
    def manage(
        action: str, name: str, secret: str, chosen: str, request: gr.Request | None = None
    ) -> dict:
        """Add an account, set its password or remove it; the class list after."""
        teacher(request)
        if action == "add":
            accounts.add(name, secret, role=chosen)
            said = f"Added {name} ({chosen})."
        elif action == "reset":
            accounts.reset(name, secret)
            said = f"New password set for {name}."
        else:
            if name.strip() == getattr(request, "username", None):
                raise TutorError("a teacher cannot remove their own account here")
            accounts.remove(name)
            said = f"Removed {name}'s account; their progress stays."
        rows = [list(row) for row in accounts.names()]
        return {roster: rows, done: render.raw(said), password: ""}

    @friendly_errors
    def listed(request: gr.Request | None = None) -> list:
        teacher(request)
        return [list(row) for row in accounts.names()]

    def teachers() -> frozenset[str]:
        return frozenset(name for name, role in accounts.names() if role == TEACHER)

    def reveal(request: gr.Request) -> gr.Tab:
        """The tab is shown to teachers only."""
        return gr.Tab(visible=accounts.role(request.username) == TEACHER)

    gr.on(
        [refresh.click, tab.select],
        show,
        inputs=[state.guide_key],
        outputs=[summary, held, heat],
        api_name="class_view",
    )
    export.click(export_csv, inputs=[state.guide_key], outputs=table, api_name="class_csv")
    tab.select(listed, None, roster, api_name="class_accounts")
    for button, action in ((add, "add"), (reset, "reset"), (remove, "remove")):
        button.click(
            manage,
            inputs=[gr.State(action), who, password, role],
            outputs=[roster, done, password],
            api_name=f"{action}_account",
        )
    state.demo.load(reveal, None, tab)
