"""``ingest``, ``ask``, ``check`` and ``explore``: the tutor's answers in a terminal (markdown
rendered by rich) or as JSON."""

from __future__ import annotations

import argparse
import time

from kg import ConceptNotFound, NoPath
from tutor.commands.shared import (
    add_io,
    answer_each,
    at_least_one,
    open_tutor,
    print_json,
    print_markdown,
)
from tutor.explore import not_related


def register(commands: argparse._SubParsersAction) -> None:
    ingest = commands.add_parser("ingest", help="parse the guide and build its index")
    ingest.add_argument("--rebuild", action="store_true", help="rebuild even if the index is fresh")
    ingest.set_defaults(run=_ingest)

    ask = commands.add_parser("ask", help="answer a question from the guide")
    add_io(ask, "question")
    ask.add_argument("-k", type=at_least_one, default=5, help="how many sources (default 5)")
    ask.set_defaults(run=_ask)

    check = commands.add_parser(
        "check", help="is a claim a misconception, correct, or not covered?"
    )
    add_io(check, "claim")
    check.set_defaults(run=_check)

    explore = commands.add_parser("explore", help="a concept's neighbourhood in the graph")
    explore.add_argument("concept")
    explore.add_argument("--to", metavar="CONCEPT", help="how the concept relates to this one")
    explore.add_argument("--json", action="store_true", help="print JSON")
    explore.set_defaults(run=_explore)


def _ingest(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    tutor = open_tutor(args, rebuild=args.rebuild)
    guide, manifest = tutor.guide, tutor.index.manifest
    print(
        f"{guide.source}: {len(guide.sections)} sections, {len(guide.items)} items, "
        f"{len(guide.scenarios)} worked scenarios, {len(guide.pairs)} misconception pairs, "
        f"{len(guide.services)} services"
    )
    print(
        f"graph: {tutor.graph.number_of_nodes()} nodes, {tutor.graph.number_of_edges()} edges; "
        f"index: {manifest['count']} texts, model {manifest['model']}, key {manifest['key']} "
        f"({time.perf_counter() - started:.1f}s)"
    )
    return 0


def _ask(args: argparse.Namespace) -> int:
    from tutor.web.render import answer_document

    tutor = open_tutor(args)
    return answer_each(args, "question", lambda q: tutor.ask(q, k=args.k), answer_document)


def _check(args: argparse.Namespace) -> int:
    from tutor.web.render import verdict_document

    tutor = open_tutor(args)
    return answer_each(args, "claim", tutor.check, verdict_document)


def _explore(args: argparse.Namespace) -> int:
    from tutor.web import render

    tutor = open_tutor(args)
    if args.to is None:
        found, show = tutor.explore(args.concept), render.exploration
    elif args.json:
        # A name that is no concept, or two concepts nothing links, is an answer too: found
        # false, with the closest concepts for the name that was not found.
        try:
            print_json(tutor.relate(args.concept, args.to).to_dict())
            return 0
        except (ConceptNotFound, NoPath) as missing:
            print_json(not_related(args.concept, args.to, missing))
            return 1
    else:
        found, show = tutor.relate(args.concept, args.to), render.relation
    if args.json:
        print_json(found.to_dict())
    else:
        print_markdown(show(found))
    return 0
