"""How the app shows a failure: our errors as one escaped line without the server's folders,
anything else as a generic line (the details go to the log). Never a traceback."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from typing import Any

import gradio as gr

from ingest.errors import EcsTutorError
from tutor.web.render import escape

__all__ = ["ERRORS_IN_A_TOAST", "UNEXPECTED", "friendly_errors", "no_paths"]

log = logging.getLogger(__name__)

UNEXPECTED = "Something went wrong on our side; the details are in the server log."
# An event's ``show_progress`` where the learner types into what it updates (all quick): no status
# over its outputs, so an error is told by its toast alone and leaves the answer box, the options
# and the last answer usable (Gradio's default covers every output with an "Error" badge until
# it is closed, the question box too).
ERRORS_IN_A_TOAST = "hidden"
_PATH = re.compile(r"(?<![\w.])/(?:[^\s/:'\"]+/)+([^\s/:'\"]*)")


def no_paths(message: str) -> str:
    """A message without the server's folders: "/srv/data/x.db: damaged" -> "x.db: damaged"."""
    return _PATH.sub(lambda m: m[1] or "(a folder)", message)


def friendly_errors(handler: Callable) -> Callable:
    """Turn our errors into a ``gr.Error`` with an escaped message; never show a traceback."""

    @functools.wraps(handler)
    def wrapper(*args: Any) -> Any:
        try:
            return handler(*args)
        except gr.Error:  # a nested handler's error, already made friendly
            raise
        except EcsTutorError as exc:  # ConceptNotFound's message has its suggestions
            raise gr.Error(escape(no_paths(str(exc))), print_exception=False) from None
        except Exception:
            log.exception("unexpected error in %s", handler.__name__)
            raise gr.Error(UNEXPECTED, print_exception=False) from None

    return wrapper
