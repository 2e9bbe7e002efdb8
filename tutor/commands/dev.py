"""``dev eval``, ``dev fit`` and ``dev bench``: the developer tools, which measure the tutor and
fit its check model. ``tutor.dev`` is imported only inside them: studying never loads it."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tutor.commands.shared import open_tutor, settings
from tutor.errors import TutorError


def register(commands: argparse._SubParsersAction) -> None:
    about = "developer tools: measure the tutor, fit its check model (not needed to study)"
    dev = commands.add_parser("dev", help=about, description=about[0].upper() + about[1:] + ".")
    tools = dev.add_subparsers(dest="tool", required=True, metavar="TOOL")
    _add_eval(tools)
    _add_fit(tools)
    _add_bench(tools)


def _add_eval(tools: argparse._SubParsersAction) -> None:
    evaluate = tools.add_parser("eval", help="measure ask and check on the evaluation sets")
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


def _add_fit(tools: argparse._SubParsersAction) -> None:
    fit = tools.add_parser(
        "fit", help="fit the claim checker's model on the labelled claims, whole items held out"
    )
    fit.add_argument("--folds", type=int, default=5, help="item folds (default 5)")
    fit.add_argument(
        "--out", type=Path, help="where to write the model (default: data/models/side.json)"
    )
    fit.add_argument("--plot", type=Path, help="draw the risk-coverage curves to this PNG")
    fit.set_defaults(run=_fit)


def _add_bench(tools: argparse._SubParsersAction) -> None:
    bench = tools.add_parser(
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


def _eval(args: argparse.Namespace) -> int:
    from tutor.dev.baseline import NaiveBaseline
    from tutor.dev.evaluate import (
        DEFAULT_EVAL_DIR,
        HeldOutSystem,
        evaluate,
        format_report,
        guides_by_title,
    )

    tutor = open_tutor(args)
    folder = args.data or DEFAULT_EVAL_DIR
    by_guide = guides_by_title(tutor.guide)
    reports = [evaluate(tutor, folder, guide_of=by_guide)]
    examples = settings(args).examples_paths()
    if args.held_out and examples:
        held_out = HeldOutSystem(
            settings(args), examples, folds=args.held_out, embedder=tutor.retriever.embedder
        )
        reports.append(evaluate(held_out, folder, guide_of=by_guide, studied=by_guide))
    if not args.no_baseline:
        baseline = NaiveBaseline(tutor.guide, tutor.retriever.embedder)
        reports.append(evaluate(baseline, folder, guide_of=by_guide, studied=by_guide))
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
    chosen = settings(args)
    fit = fit_from_settings(chosen, folds=args.folds, embedder=embedder_for(chosen))
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
