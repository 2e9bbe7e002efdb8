"""What the app's tabs share: the tutor and the library of guides, the quiz progress of each
guide, the concept maps laid out so far, the guide a browser session studies, the few
components one tab updates in another, and examples that follow the guide (``guide_examples``).

One ``AppState`` is made per app. Its methods are safe to call from Gradio's worker threads.
"""

from __future__ import annotations

import functools
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr

from ingest import Guide
from kg import concept_map
from tutor.config import Settings
from tutor.core import Tutor, clean_input
from tutor.errors import BadInput, TutorError
from tutor.study.accounts import TEACHER, Accounts
from tutor.study.library import BUILTIN_KEY, MAX_STORED_GUIDES, GuideLibrary
from tutor.study.progress import ProgressStore
from tutor.web.friendly import friendly_errors

__all__ = ["AppState", "Follower", "fits_example", "guide_examples", "safe_filename"]

EXPORT_KEPT = 600  # seconds an export stays on disk (Gradio serves its own copy of it)
EXAMPLE_CHARS = 200  # a guide's sentence longer than this is no example: one line, read at a glance


def safe_filename(name: str) -> str:
    """``name`` as a file name: letters, digits, ``_``, ``.`` and ``-`` only."""
    return re.sub(r"[^\w.-]+", "-", name).strip("-.") or "export"


@dataclass(frozen=True)
class Follower:
    """Components that start again when a session picks another guide: ``reset(key)`` gives
    their values for the guide ``key`` as ``{component: value}``."""

    components: tuple[Any, ...]
    reset: Callable[[str], dict]


@dataclass(eq=False)
class AppState:
    """The app's shared parts. ``stores`` holds the progress store opened for each guide key;
    ``followers`` are added by the tabs that follow the session's guide."""

    tutor: Tutor
    library: GuideLibrary
    settings: Settings
    demo: gr.Blocks
    # The guide this browser session studies: the page's Studying list, so its value comes from
    # the browser with every request, and a session that moves to another replica keeps it.
    guide_key: gr.Dropdown
    stores: dict[str, ProgressStore] = field(default_factory=dict)
    # A class server's accounts: then every learner signs in and reaches only their own progress.
    accounts: Accounts | None = None
    # Set as the app is built, before the tabs that use them (AttributeError before then): the
    # Tabs by the app; by Check, the item of its last verdict and the button that opens it in
    # Explore; by Quiz, the learner's name, which Progress mirrors.
    tabs: gr.Tabs = field(init=False, repr=False)
    checked_title: gr.State = field(init=False, repr=False)
    open_in_explore: gr.Button = field(init=False, repr=False)
    quiz_learner: gr.Textbox = field(init=False, repr=False)
    followers: list[Follower] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # Files made for download (an Anki deck), removed when the app's process ends.
    _exports: tempfile.TemporaryDirectory = field(
        default_factory=lambda: tempfile.TemporaryDirectory(prefix="ecs-tutor-exports-"),
        repr=False,
    )

    def __post_init__(self) -> None:
        # A guide's key names fixed content: its map's data is made once, not each time a session
        # picks the guide.
        self._maps = functools.lru_cache(maxsize=MAX_STORED_GUIDES + 1)(self._lay_out)
        # Exports are served from their own folder, not copied into Gradio's: that one holds
        # uploads waiting to be read, and a class exporting its decks would fill its quota.
        gr.set_static_paths([self._exports.name])

    def studying(self, key: str | None, request: gr.Request | None) -> Tutor:
        """The tutor for the session's guide (the built-in ones until the learner picks
        another): ``GuideNotFound`` for a key that is not the requester's own upload, whatever
        the browser sent."""
        return self.library.tutor(key or BUILTIN_KEY, self.owner(request))

    def concept_map(self, key: str) -> dict:
        """A guide's concept map, laid out once."""
        return self._maps(key)

    def _lay_out(self, key: str) -> dict:
        return concept_map(self.library.tutor(key).graph)  # asked for by a checked key

    def owner(self, request: gr.Request | None) -> str:
        """Whose uploads a request lists and changes: the signed-in learner's on a class server,
        else everybody's ("")."""
        if self.accounts is None:
            return ""
        signed_in = getattr(request, "username", None)
        if not signed_in:
            raise TutorError("sign in first")
        return signed_in

    def learner(self, typed: str, request: gr.Request | None, *, viewing: bool = False) -> str:
        """Whose progress a request reads or changes: the name typed in the app, or on a server
        with accounts the signed-in learner's own, whatever was typed — but a teacher may view
        (``viewing``) any learner's."""
        if self.accounts is None:
            return typed
        signed_in = self.owner(request)
        if viewing and typed and typed != signed_in and self.accounts.role(signed_in) == TEACHER:
            return typed
        return signed_in

    def progress_store(self, key: str | None, request: gr.Request | None) -> ProgressStore:
        """The quiz progress of the session's guide (``GuideNotFound`` once it is removed, or
        for a key that is not the requester's own upload)."""
        key = key or BUILTIN_KEY
        self.studying(key, request)
        with self._lock:
            if key in self.stores:
                return self.stores[key]
        opened = self._open_store(key)  # not under the lock: it opens a database
        with self._lock:
            kept = self.stores.setdefault(key, opened)
        if kept is not opened:  # another session opened it meanwhile
            opened.close()
        return kept

    def close_store(self, key: str) -> None:
        """Close the progress store of a guide that was removed, if one is open."""
        with self._lock:
            closing = self.stores.pop(key, None)
        if closing is not None:
            closing.close()

    def _open_store(self, key: str) -> ProgressStore:
        """The progress store of a guide in the library, with drills' sentences judged by the
        guide's ``check``. The quiz asks the library for the tutor at each drill rather than keep
        it, so the library alone decides how many tutors stay in memory."""
        from ingest import load_catalog
        from tutor.study.quiz import Quiz

        library = self.library

        def check(claim: str):
            return library.tutor(key).check(claim)

        quiz = Quiz(library.tutor(key).guide, load_catalog(self.settings.aliases), check=check)
        upload = None if key == BUILTIN_KEY else key
        return ProgressStore(library.url, quiz=quiz, upload=upload)

    def export_path(self, name: str) -> Path:
        """A path named ``name`` in a folder of its own, for a file to download: two sessions
        exporting at once never share one. Older exports' folders are removed."""
        root = Path(self._exports.name)
        for old in root.iterdir():
            if time.time() - old.stat().st_mtime > EXPORT_KEPT:
                shutil.rmtree(old, ignore_errors=True)
        safe = safe_filename(name)
        return Path(tempfile.mkdtemp(dir=root)) / safe

    def follow(self, key: str) -> dict:
        """Everything that changes with the guide: the session's key and each follower's
        components, as ``{component: value}``."""
        updates: dict = {self.guide_key: key}
        for follower in self.followers:
            updates.update(follower.reset(key))
        return updates

    @property
    def following(self) -> list:
        """The components ``follow`` updates, in the order the API lists them."""
        return [self.guide_key, *(c for f in self.followers for c in f.components)]


def fits_example(text: str) -> bool:
    """Whether a guide's words make an example: short, and taken as a question or claim."""
    if len(text) > EXAMPLE_CHARS:
        return False
    try:
        clean_input(text)
    except BadInput:
        return False
    return True


def guide_examples(
    state: AppState, box: gr.Textbox, examples: Callable[[bool, Guide], list[str]]
) -> gr.Dataset:
    """Examples for ``box`` that follow the session's guide: ``examples(builtin, guide)`` gives
    the texts for ``guide``, ``builtin`` if it is the built-in guides (the guides the server
    started with, none named by ``ECS_TUTOR_GUIDE``); a click puts one in the box.

    The click sends the example's number and the session's guide, and the text is read from
    that guide again (not from Gradio's session): a session that moves to another replica gets
    the text it sees. Shown as text: Gradio draws a Textbox's examples as plain text."""

    def hand_written(key: str) -> bool:
        return key == BUILTIN_KEY and state.settings.builtin_only()

    shown = gr.Dataset(
        components=[box],
        samples=_samples(examples(hand_written(BUILTIN_KEY), state.tutor.guide)),
        type="index",
        label="Examples",
    )

    def reset(key: str) -> dict:
        """The examples of the guide ``key`` (a key the switch checked)."""
        guide = state.library.tutor(key).guide
        return {shown: gr.Dataset(samples=_samples(examples(hand_written(key), guide)))}

    @friendly_errors
    def fill(number: int | None, key: str | None = None, request: gr.Request | None = None) -> dict:
        """The example clicked, in the box; the box as it was for a number with no example."""
        key = key or BUILTIN_KEY
        offered = examples(hand_written(key), state.studying(key, request).guide)
        if not isinstance(number, int) or not 0 <= number < len(offered):
            return {}
        return {box: offered[number]}

    state.followers.append(Follower((shown,), reset))
    shown.click(
        fill,
        inputs=[shown, state.guide_key],
        outputs=[box],
        api_visibility="private",
        show_progress="hidden",
    )
    return shown


def _samples(texts: list[str]) -> list[list[str]]:
    """A ``gr.Dataset``'s samples for one text box: one row per text."""
    return [[text] for text in texts]
