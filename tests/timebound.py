"""Run a call in a forked child and give up on it after a time: a test of a pattern that
backtracks must fail in seconds, not hang the suite (``re`` cannot be interrupted in-process)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from typing import Any


def finishes_within(seconds: float, call: Callable[..., Any], *args: Any) -> bool:
    """Whether ``call(*args)`` returns (or raises) within ``seconds``; if not, it is killed."""
    child = multiprocessing.get_context("fork").Process(target=call, args=args, daemon=True)
    child.start()
    child.join(seconds)
    if child.is_alive():
        child.kill()
        child.join()
        return False
    return True
