"""The web app: Chat, Check, Explore, Quiz, Progress and Guides tabs over one ``Tutor``.

Each tab is a module of ``tutor/web/tabs/`` whose handlers only format what the tutor returns
(``tutor/web/render.py``); what the tabs share is ``tutor/web/state.py``. Known errors become a
``gr.Error`` with our one-line message, anything else is logged and shown as a generic message
(``tutor/web/friendly.py``), and every piece of text echoed into markdown or HTML is escaped
first. This module builds the tabs into one app, and launches it behind the request guard.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from tutor import Tutor
from tutor.config import Settings, settings_from_env
from tutor.study.accounts import Accounts
from tutor.study.library import BUILTIN_KEY, MAX_GUIDE_BYTES, GuideLibrary
from tutor.study.progress import DEFAULT_LEARNER, ProgressStore
from tutor.web.friendly import friendly_errors as _friendly_errors  # noqa: F401 (test_store_faults)
from tutor.web.guard import RequestGuard, cap_log_lines
from tutor.web.signin import Sessions, SignIn
from tutor.web.state import AppState
from tutor.web.tabs import chat, check, classroom, exam, explore, guides, progress, quiz
from tutor.web.tabs.chat import MAX_HISTORY

__all__ = ["DEFAULT_LEARNER", "MAX_HISTORY", "QUEUE_SIZE", "build_app", "launch", "serve"]

QUEUE_SIZE = 256
# Uploads Gradio keeps in its temporary folder are deleted every 10 minutes once 30 minutes old
# (the app deletes each one as soon as it has read it; this catches uploads never added).
TEMP_SWEEP = (600, 1800)
# In this order: each uses those before. The Class tab is built only with accounts.
TABS = (chat, check, explore, quiz, exam, progress, classroom, guides)


def build_app(
    tutor: Tutor,
    store: ProgressStore | None = None,
    *,
    library: GuideLibrary | None = None,
    settings: Settings | None = None,
    accounts: Accounts | None = None,
) -> gr.Blocks:
    """The Gradio app. API endpoints: ``ask``, ``check``, ``explore``, ``relate``, ``next_card``,
    ``answer``, ``start_exam``, ``answer_exam``, ``progress``, ``choose_guide``, ``add_guide``
    and ``remove_guide``. Each endpoint that works on a guide takes the guide's key last (the
    Studying list's value; ``"builtin"`` when left out), checked on every call.

    ``tutor`` answers for the built-in guide; ``library`` holds uploaded guides (by default under
    ``settings``' progress database and cache directory, ``settings_from_env()`` when not
    given). Every tab follows the guide a browser session chose. ``store`` keeps the built-in
    guide's progress; without it, and for each upload, a progress store on the library's
    database (``GuideLibrary.url``) is opened on first use.

    With ``accounts`` (a class server: ``launch`` it with them too) every learner
    signs in, and the quiz, exam and progress read and change only the signed-in learner's own
    progress, whatever name is typed; a teacher may view any learner's progress.
    """
    settings = settings or settings_from_env()
    library = library or GuideLibrary(settings, tutor.retriever.embedder, builtin=tutor)
    with gr.Blocks(title="ECS Tutor", analytics_enabled=False, delete_cache=TEMP_SWEEP) as demo:
        with gr.Row(equal_height=True):
            shown = guides.heading(BUILTIN_KEY, tutor.guide.title, builtin=settings.builtin_only())
            heading = gr.Markdown(shown)
            studying = guides.studying_list(library, signed_in=accounts is not None)
            if accounts is not None:
                gr.Button("Sign out", link="/signout", size="sm", scale=0, min_width=100)
        state = AppState(
            tutor=tutor,
            library=library,
            settings=settings,
            demo=demo,
            guide_key=studying,
            stores={BUILTIN_KEY: store} if store is not None else {},
            accounts=accounts,
        )
        guides.follow_heading(state, heading)
        with gr.Tabs() as state.tabs:
            for tab in TABS:
                tab.build(state)
        if accounts is not None:
            demo.load(_signed_in, None, state.quiz_learner)
    return demo


def _signed_in(request: gr.Request) -> gr.Textbox:
    """The Quiz tab's learner box (which Progress mirrors) shows who is signed in."""
    return gr.Textbox(value=request.username, interactive=False)


def launch(demo: gr.Blocks, *, accounts: Accounts | None = None, **kwargs: Any) -> tuple:
    """Launch ``demo`` behind ``RequestGuard`` (its limits on requests, uploads and logins),
    with uploads refused past ``MAX_GUIDE_BYTES``; ``kwargs`` go to ``Blocks.launch``. With
    ``accounts``, behind their sign-in page, sessions in signed cookies (``tutor.web.signin``)."""
    signin: list[Middleware] = []
    if accounts is not None:
        sessions = Sessions(accounts)
        kwargs["auth_dependency"] = sessions.user
        signin.append(Middleware(SignIn, accounts=accounts, sessions=sessions))
    guard = Middleware(
        RequestGuard,
        events=lambda: demo.fns.keys(),
        upload_limit=MAX_GUIDE_BYTES + 64 * 1024,  # the file and its multipart wrapping
        upload_dir=Path(demo.GRADIO_CACHE),
    )
    kwargs.setdefault("max_file_size", MAX_GUIDE_BYTES)  # refused before it is stored
    app_kwargs = kwargs.pop("app_kwargs", None) or {}
    app_kwargs["middleware"] = [*app_kwargs.get("middleware", []), guard, *signin]
    return demo.launch(app_kwargs=app_kwargs, **kwargs)


def serve(
    tutor: Tutor,
    host: str = "127.0.0.1",
    port: int = 7860,
    *,
    store: ProgressStore | None = None,
    settings: Settings | None = None,
    accounts: Accounts | None = None,
    **launch_kwargs: Any,
) -> None:
    """Serve the app on ``host:port`` (loopback by default) until interrupted; no share link.
    ``settings`` place the progress store and uploaded guides (``settings_from_env()`` if None).
    With ``accounts``, learners sign in with theirs (``build_app``). Once the app is up, one
    line on stdout says where."""
    warm = getattr(tutor.retriever.embedder, "warm", None)
    if warm:  # load the model now, not on the first learner's question
        warm()
    demo = build_app(tutor, store, settings=settings, accounts=accounts)
    # Four requests run at once (the model is CPU-bound on a small machine); a burst of up to
    # QUEUE_SIZE more waits its turn instead of being refused.
    demo.queue(default_concurrency_limit=4, max_size=QUEUE_SIZE)
    cap_log_lines()  # a 256 KB field echoed in a warning is not written whole to the log
    launch_kwargs.setdefault("quiet", True)  # Gradio's own banner: our one line says it
    _, url, _ = launch(
        demo,
        accounts=accounts,
        server_name=host,
        server_port=port,
        show_error=False,
        share=False,
        prevent_thread_lock=True,
        **launch_kwargs,
    )
    print(f"ECS Tutor is served on {url.rstrip('/')}", flush=True)
    demo.block_thread()  # until interrupted (Ctrl+C closes the server)
