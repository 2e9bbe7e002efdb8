"""What the commands share: the settings from the global options, the tutor they open, and
printing: JSON as it is, markdown from ``tutor/web/render.py`` rendered for a terminal by rich."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from typing import TextIO

from ingest.errors import EcsTutorError
from tutor.config import Settings, settings_from_env
from tutor.errors import TutorError


def settings(args: argparse.Namespace) -> Settings:
    """The settings from the environment, with the global options over them."""
    return settings_from_env().with_(
        guides=tuple(args.guide) if args.guide else None,
        model=args.model,
        cache_dir=args.cache_dir,
        examples=args.examples,
    )


def open_tutor(args: argparse.Namespace, **options):
    """The tutor for the global options (``options`` go to ``Tutor.open``)."""
    from tutor.core import Tutor  # imported here so `--help` stays fast

    return Tutor.open(settings(args), **options)


def at_least_one(text: str) -> int:
    """An option's whole number of 1 or more ("-k 0" would ask for no sources at all)."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a whole number, not {text!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"at least 1, not {number}")
    return number


def print_json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=1))


_UNWRAPPED = 100_000  # a width no paragraph reaches: to a pipe, rich wraps nothing


def print_markdown(text: str) -> None:
    """Markdown the way a terminal shows it: bold, headings and lists styled, not ``**``. To a
    pipe or a file it is plain text, a paragraph to a line, without the spaces rich pads lines
    with: whatever reads it wraps it, and a source's URL is never cut in two."""
    from rich.console import Console
    from rich.markdown import Markdown

    console = Console(highlight=False)
    if console.is_terminal:
        console.print(Markdown(text))
        return
    console = Console(highlight=False, width=_UNWRAPPED)
    with console.capture() as captured:
        console.print(Markdown(text))
    print("\n".join(line.rstrip() for line in captured.get().splitlines()))


def add_io(command: argparse.ArgumentParser, what: str) -> None:
    """The text as words, ``--json``, and ``--batch FILE`` for many texts."""
    command.add_argument(what, nargs="*", help=f"the {what} (words are joined)")
    command.add_argument("--json", action="store_true", help="print JSON")
    command.add_argument(
        "--batch", metavar="FILE", help=f"one {what} per line ('-' for stdin); prints JSON Lines"
    )


def answer_each(
    args: argparse.Namespace, what: str, answer: Callable, show: Callable[[object], str]
) -> int:
    """One input from the command line (``show`` gives its markdown), or many from --batch as
    JSON Lines, in input order."""
    if args.batch is None:
        result = answer(" ".join(getattr(args, what)))
        if args.json:
            print_json(result.to_dict())
        else:
            print_markdown(show(result))
        return 0
    if getattr(args, what):  # it would be left unanswered without a word
        raise TutorError(f"give the {what} as words or in --batch FILE, not both")
    failures = 0
    for line in _lines(args.batch):
        try:
            row = answer(line).to_dict()
        except EcsTutorError as exc:  # one bad line must not end the batch or shift the output
            failures += 1
            row = {what: line, "error": str(exc)}
        print(json.dumps(row, ensure_ascii=False), flush=True)
    return 1 if failures else 0


def _lines(source: str) -> Iterator[str]:
    """The lines of a batch file (``-``: standard input); ``TutorError`` if it cannot be read."""
    name = "standard input" if source == "-" else source
    try:
        stream: TextIO = sys.stdin if source == "-" else open(source, encoding="utf-8")  # noqa: SIM115
        with stream:
            for line in stream:
                yield line.rstrip("\n")
    except UnicodeDecodeError as exc:
        raise TutorError(f"{name}: not UTF-8 text (byte {exc.start} of a read)") from None
    except OSError as exc:
        raise TutorError(f"{name}: cannot read it ({exc.strerror or exc})") from None
