"""The top of the page (its heading and the Studying list), and the Guides tab: upload a guide in
the ECS guide's format and study it in this browser session, or remove an upload. Every tab, and
the heading, follows the guide chosen in the list."""

from __future__ import annotations

from collections import Counter
from datetime import UTC
from pathlib import Path

import gradio as gr

from tutor.errors import BadInput, TutorError
from tutor.study.library import (
    BUILTIN_KEY,
    MAX_GUIDE_BYTES,
    GuideLibrary,
    StoredGuide,
    display_name,
    read_upload,
)
from tutor.web.friendly import friendly_errors
from tutor.web.render import raw
from tutor.web.state import AppState, Follower

HEADING = "# ECS Tutor\nStudy Amazon ECS from the guide, offline."  # for the built-in guides

ABOUT = (
    "Study another guide written in the same format as the ECS guide (see `data/README.md`): a "
    f"UTF-8 `.md`, `.markdown` or `.txt` file of at most {MAX_GUIDE_BYTES // 1024} KB. Every tab "
    "then works from it in this browser tab, with its own quiz progress; the Studying list at the "
    "top switches guides. Removing an upload deletes its stored copy and index (not your file, "
    "nor its progress)."
)
ABOUT_SIGNED_IN = ABOUT + " Your uploads are yours: nobody else sees or removes them."


def heading(key: str, title: str, *, builtin: bool = True) -> str:
    """The page's heading while the guide ``key``, titled ``title``, is studied: the guides the
    server started with are the ECS guides unless ``ECS_TUTOR_GUIDE`` named others (not
    ``builtin``); those and an upload are named by their title (their own words, shown as text)."""
    if key != BUILTIN_KEY:
        return f"# ECS Tutor\nStudy **{raw(title)}** from your uploaded guide, offline."
    return HEADING if builtin else f"# ECS Tutor\nStudy **{raw(title)}** from the guide, offline."


def follow_heading(state: AppState, shown: gr.Markdown) -> None:
    """The heading ``shown`` changes with the session's guide."""

    def reset(key: str) -> dict:
        title = state.library.tutor(key).guide.title  # a checked key
        return {shown: heading(key, title, builtin=state.settings.builtin_only())}

    state.followers.append(Follower((shown,), reset))


def _label(guide: StoredGuide) -> str:
    """ "AWS EKS (10 items, 8 misconceptions, uploaded 2026-11-25 10:48 UTC)"; the built-in
    guides' says no date."""
    counts = f"{guide.items} items, {guide.pairs} misconceptions"
    if guide.created is not None:
        counts += f", uploaded {guide.created.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    return f"{guide.title} ({counts})"


def _guide_choices(library: GuideLibrary, owner: str) -> list[tuple[str, str]]:
    """``(label, key)`` for the Studying dropdown: the built-in guides first, then the owner's
    uploads, each label unlike the others: two uploads of one title (two versions of a guide)
    differ by when they came, and labels that are still the same (both came within a minute)
    end with the key's hash."""
    guides = library.guides(owner)
    labels = [_label(guide) for guide in guides]
    twice = {label for label, count in Counter(labels).items() if count > 1}
    return [
        (f"{label} #{guide.key.rsplit('-', 1)[-1]}" if label in twice else label, guide.key)
        for label, guide in zip(labels, guides, strict=True)
    ]


def studying_list(library: GuideLibrary, *, signed_in: bool) -> gr.Dropdown:
    """The Studying list: the built-in guides and, where nobody signs in, every upload (on a
    class server the signed-in learner's own are added when the page loads). Its value is sent
    with every request and checked there (``AppState.studying``), so any value is let through
    here: after a replica goes, the session's choice still comes with the page."""
    shown = _guide_choices(library, "")
    return gr.Dropdown(
        choices=shown[:1] if signed_in else shown,
        value=BUILTIN_KEY,
        label="Studying",
        allow_custom_value=True,
        scale=2,
    )


def delete_upload(path: Path, folder: Path) -> None:
    """Delete an upload Gradio stored under ``folder`` (``<folder>/<hash>/<name>``), and its
    hash folder once empty; a path outside ``folder`` is never touched."""
    folder, path = folder.resolve(), path.resolve()
    if folder not in path.parents:
        return
    path.unlink(missing_ok=True)
    if path.parent != folder:
        try:
            path.parent.rmdir()
        except OSError:
            pass  # another upload of the same bytes is still there


def build(state: AppState) -> None:
    """The Studying list, the upload, and the ``choose_guide``, ``add_guide`` and
    ``remove_guide`` endpoints; each switches the session's guide in every tab."""
    library, picker = state.library, state.guide_key
    with gr.Tab("Guides", id="guides"):
        gr.Markdown(ABOUT if state.accounts is None else ABOUT_SIGNED_IN)
        upload_box = gr.File(
            label="Upload a guide",
            file_types=[".md", ".markdown", ".txt"],
            file_count="single",
            type="filepath",
        )
        with gr.Row():
            add_button = gr.Button("Add and study this guide", variant="primary")
            remove_button = gr.Button("Remove the chosen guide", variant="stop")
        status = gr.Markdown()

    @friendly_errors
    def choose_guide(key: str, request: gr.Request) -> dict:
        """The learner picked a guide to study in this session: the built-in guides or one of
        their own uploads."""
        title = state.studying(key, request).guide.title
        return {status: f"Studying **{raw(title)}**.", **state.follow(key)}

    @friendly_errors
    def add_guide(upload: str | None, request: gr.Request) -> dict:
        """Store and index an uploaded guide, then study it in this session."""
        owner = state.owner(request)
        if not upload:
            raise BadInput("choose a guide file (.md) to upload first")
        try:
            content = read_upload(upload)
        finally:  # Gradio's copy of the upload is not kept, whether the guide is or not
            delete_upload(Path(upload), Path(state.demo.GRADIO_CACHE))
        stored = library.add(display_name(Path(upload).name), content, owner)
        return {
            status: f"Added **{raw(stored.title)}**: {stored.items} items, {stored.pairs} "
            "misconceptions. Every tab now uses it.",
            **state.follow(stored.key),
            picker: gr.Dropdown(choices=_guide_choices(library, owner), value=stored.key),
        }

    @friendly_errors
    def remove_guide(key: str | None, request: gr.Request) -> dict:
        """Delete the chosen upload (and its index once nobody has it); this session goes back
        to the built-in guides."""
        owner = state.owner(request)
        if not key or key == BUILTIN_KEY:
            raise BadInput("pick an uploaded guide in Studying first: the built-in one stays")
        gone = library.remove(key, owner)
        if not library.held(key):
            state.close_store(key)
        return {
            status: f"Removed **{raw(gone.title)}** and its index; upload it again to study it "
            "(its quiz progress is kept for then).",
            **state.follow(BUILTIN_KEY),
            picker: gr.Dropdown(choices=_guide_choices(library, owner), value=BUILTIN_KEY),
        }

    def list_guides(request: gr.Request) -> dict:
        """The guides to study, shown on each page load: with those uploaded in other sessions
        (or on other replicas) since the app started."""
        try:
            owner = state.owner(request)
        except TutorError:
            return {picker: gr.Dropdown(choices=[])}
        return {picker: gr.Dropdown(choices=_guide_choices(library, owner))}

    follows = state.following
    picker.select(
        choose_guide, inputs=[picker], outputs=[status, *follows], api_name="choose_guide"
    )
    state.demo.load(list_guides, outputs=[picker], api_visibility="private")
    add_button.click(
        add_guide, inputs=[upload_box], outputs=[status, *follows], api_name="add_guide"
    )
    remove_button.click(
        remove_guide, inputs=[picker], outputs=[status, *follows], api_name="remove_guide"
    )
