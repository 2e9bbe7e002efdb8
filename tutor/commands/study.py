"""``quiz``, ``exam`` and ``export``: study the due cards or take a practice exam in a terminal,
or take the guide elsewhere (its knowledge graph as a file, its misconception pairs as an Anki
deck)."""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from kg import FORMATS, write_graph
from tutor.commands.shared import at_least_one, open_tutor, print_markdown, settings
from tutor.config import DEFAULT_LEARNER
from tutor.errors import TutorError


def register(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser(
        "export", help="write the knowledge graph to a file, or the pairs as an Anki deck"
    )
    export.add_argument("--format", choices=(*FORMATS, "anki"), default="graphml")
    export.add_argument(
        "--out", type=Path, help="output file (default: ecs-graph.<format>, ecs-deck.apkg)"
    )
    _add_progress(
        export, learner=None, help="with --format anki: add this learner's reviews to the deck"
    )
    export.set_defaults(run=_export)

    quiz = commands.add_parser("quiz", help="study the due quiz cards in the terminal")
    _add_progress(quiz)
    quiz.add_argument(
        "-n", type=at_least_one, default=20, help="at most this many cards (default 20)"
    )
    quiz.add_argument(
        "--no-check",
        action="store_true",
        help="skip loading the model: drills then take True/False only, not sentences",
    )
    quiz.set_defaults(run=_quiz)

    exam = commands.add_parser(
        "exam", help="a practice exam of scenario questions, or the questions as JSON Lines"
    )
    exam.add_argument(
        "--count", type=at_least_one, default=10, help="how many questions (default 10)"
    )
    exam.add_argument(
        "--seed",
        type=int,
        help="with --json, the same seed gives the same questions; a learner's exam also leans "
        "on their progress (default: a new set)",
    )
    exam.add_argument(
        "--json", action="store_true", help="print the questions, answers included, as JSON Lines"
    )
    _add_progress(exam)
    exam.set_defaults(run=_exam)


def _add_progress(
    command: argparse.ArgumentParser,
    *,
    learner: str | None = DEFAULT_LEARNER,
    help: str = "whose progress",
) -> None:
    """Whose progress, and where it is kept."""
    default = f" (default: {learner})" if learner else ""
    command.add_argument("--learner", default=learner, help=help + default)
    command.add_argument(
        "--data-dir",
        type=Path,
        help="where progress.db is kept (default: ECS_TUTOR_DATA, else ~/.local/share/ecs-tutor)",
    )
    command.add_argument("--db", metavar="URL", help="a SQLAlchemy URL instead of progress.db")


def _export(args: argparse.Namespace) -> int:
    from ingest import load_catalog, read_studied_guides
    from kg import build_graph
    from tutor.files import replacing

    chosen = settings(args).with_(data_dir=args.data_dir, progress_db=args.db)
    default = "ecs-deck.apkg" if args.format == "anki" else f"ecs-graph.{args.format}"
    out = _output_file(args.out or Path(default))
    catalog = load_catalog(chosen.aliases)
    guide = read_studied_guides(chosen.guides, catalog=catalog)
    try:
        if args.format == "anki":
            from tutor.study.quiz import Quiz

            return _export_anki(Quiz(guide, catalog), out, args, chosen)
        if args.learner:
            raise TutorError("--learner goes with --format anki: a graph holds no reviews")
        graph = build_graph(guide)
        with replacing(out) as tmp:
            write_graph(graph, tmp, fmt=args.format)
    except OSError as exc:  # a full disk, a folder it may not write to
        raise TutorError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(f"wrote {out} ({graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges)")
    return 0


def _output_file(out: Path) -> Path:
    """``--out`` if a file can be written there: its folder exists and it is no folder itself."""
    if out.is_dir():
        raise TutorError(f"--out {out} is a folder: name a file in it")
    if not out.parent.is_dir():
        raise TutorError(f"--out {out}: there is no folder {out.parent}")
    return out


def _export_anki(quiz, out: Path, args: argparse.Namespace, chosen) -> int:
    """The guides as an Anki deck; with ``--learner``, their reviews in its review log."""
    from tutor.study.anki import write_apkg
    from tutor.study.progress import ProgressStore, store_url

    if not args.learner:
        print(f"wrote {out} ({write_apkg(quiz, out).notes} notes)")
        return 0
    store = ProgressStore(store_url(chosen), quiz=quiz)
    try:
        if args.learner not in (known := store.learners()):
            # A misspelt name would give a deck with none of the reviews the learner expects.
            others = f"; learners here: {', '.join(known)}" if known else "; nobody has any yet"
            raise TutorError(f"--learner {args.learner}: no progress under that name{others}")
        history = store.review_log(args.learner)
        export = write_apkg(quiz, out, history=history, scheduler=store.scheduler)
    finally:
        store.close()
    print(f"wrote {out} ({export.notes} notes, {export.reviews} reviews of {args.learner})")
    return 0


def _exam(args: argparse.Namespace) -> int:
    """With ``--json`` the questions as JSON Lines; otherwise a practice exam for the learner
    (weak items' scenes the likelier): each question asked, every option explained after the
    answer, then the score, the time and the score per section, the answers saved to progress."""
    from ingest import load_catalog, read_studied_guides
    from tutor.study.progress import ProgressStore, store_url
    from tutor.study.quiz import Quiz

    chosen = settings(args).with_(data_dir=args.data_dir, progress_db=args.db)
    catalog = load_catalog(chosen.aliases)
    quiz = Quiz(read_studied_guides(chosen.guides, catalog=catalog), catalog)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    if args.json:
        questions = quiz.exam(seed=seed, count=args.count)
        for question in questions:
            print(json.dumps(question.to_dict(), ensure_ascii=False))
        if len(questions) < args.count:
            print(_fewer(len(questions), args.count), file=sys.stderr)
        return 0
    store = ProgressStore(store_url(chosen), quiz=quiz)
    try:
        questions = store.exam(args.learner, seed=seed, count=args.count)
        print(f"{len(questions)} questions (seed {seed}) for {args.learner}.")
        if len(questions) < args.count:
            print(_fewer(len(questions), args.count))
        answers, seconds = _take(questions)
        result = store.record_exam(args.learner, answers, seconds=seconds)
    finally:
        store.close()
    minutes, seconds = divmod(round(result.seconds), 60)
    print(f"\nScore: {result.right} of {result.total} in {minutes} min {seconds} s.")
    for section, (right, total) in result.sections.items():
        print(f"  {section}: {right} of {total}")
    if missed := _missed(answers):
        print(f"To go over: {missed}.")
    if answers:
        print(f"Saved for {args.learner}.")
    return 0


def _missed(answers) -> str:
    """The questions answered wrongly, by number, each with its right letters: "2 (c), 5 (a, d)"."""
    from tutor.study.exam import LETTERS

    return ", ".join(
        f"{number} ({', '.join(LETTERS[key] for key in question.keys)})"
        for number, (question, chosen) in enumerate(answers, start=1)
        if not question.is_right(chosen)
    )


def _fewer(made: int, asked: int) -> str:
    return f"(You asked for {asked}: the studied guides make {made} questions, no more.)"


def _take(questions) -> tuple[list, float]:
    """Ask the questions until they run out or the learner stops: the answers and the time."""
    from tutor.study.exam import LETTERS, Question, read_choice

    answers: list[tuple[Question, tuple[int, ...]]] = []
    started = time.monotonic()
    for number, question in enumerate(questions, start=1):
        print(f"\n{number}. {question.stem}\n{question.question}")
        for letter, option in zip(LETTERS, question.options, strict=False):
            print(f"  {letter}) {option.text}")
        while True:
            typed = _next_line()
            if typed is None:
                print("Stopped: the questions answered so far are scored.")
                return answers, time.monotonic() - started
            try:
                chosen = read_choice(question, typed)
            except TutorError as exc:
                print(exc)
                continue
            answers.append((question, chosen))
            print("Right." if question.is_right(chosen) else "Not quite.")
            for letter, option in zip(LETTERS, question.options, strict=False):
                print(f"  {letter}) {option.why}")
            break
    return answers, time.monotonic() - started


def _next_line() -> str | None:
    """The learner's next answer, or None once they confirm that an empty line means stop (or
    the input ends). Anything but yes or no typed at the "Stop here?" prompt is the answer."""
    while True:
        typed = _read("> ")
        if typed is None or typed:
            return typed
        confirm = _read("Stop here? [y/N] ")
        if confirm is None or confirm.casefold() in {"y", "yes"}:
            return None
        if confirm.casefold() not in {"", "n", "no"}:
            return confirm


def _read(prompt: str) -> str | None:
    """A line typed at ``prompt``, stripped; None at the end of input."""
    try:
        return input(prompt).strip()
    except EOFError:
        return None


def _quiz(args: argparse.Namespace) -> int:
    """Due cards one by one: read an answer from stdin, print the feedback. An empty line (once
    confirmed) or the end of input stops; every answer is saved as soon as it is given."""
    from ingest import load_catalog, read_studied_guides
    from kg import build_graph
    from tutor.study.progress import ProgressStore, store_url
    from tutor.study.quiz import Quiz

    chosen = settings(args).with_(data_dir=args.data_dir, progress_db=args.db)
    catalog = load_catalog(chosen.aliases)
    if args.no_check:
        guide, check = read_studied_guides(chosen.guides, catalog=catalog), None
        graph = build_graph(guide)
    else:
        tutor = open_tutor(args)
        guide, check, graph = tutor.guide, tutor.check, tutor.graph
    store = ProgressStore(store_url(chosen), quiz=Quiz(guide, catalog, check=check))
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
    """Ask the due cards until they run out, a confirmed empty line or the end of input."""
    answered = correct = 0
    due, new, done = store.round_counts(learner)
    print(f"{due} due, {new} new, {done} done today.")
    for card in store.due_cards(learner, limit=limit):
        # A "which service?" question is headed by its section: its item is often the answer.
        where = card.section if len(card.options) > 2 else card.item
        print(f"\n[{where}] {card.prompt}")
        if len(card.options) > 2:
            for number, option in enumerate(card.options, start=1):
                print(f"  {number}. {option}")
        while True:
            answer = _next_line()
            if answer is None:
                return answered, correct
            try:
                review = store.review(learner, card.id, answer)
            except TutorError as exc:  # not an option, empty: ask again
                print(exc)
                continue
            print_markdown(review.feedback)  # bold as bold, not "**"
            if review.recorded:
                answered, correct = answered + 1, correct + bool(review.correct)
                if review.correct:
                    _rate(store, learner, card.id)
                break
    return answered, correct


def _rate(store, learner: str, card_id: str) -> None:
    """After a right answer: how well did the learner know it? Enter keeps Good."""
    names = {"a": "Again", "h": "Hard", "g": "Good", "e": "Easy"}
    names |= {name.casefold(): name for name in list(names.values())}
    while True:
        try:
            typed = input("How well did you know it? [a]gain [h]ard [g]ood [e]asy (Enter: good) ")
        except EOFError:
            return
        choice = typed.strip().casefold()
        if choice in ("", "g", "good"):
            return
        name = names.get(choice)
        if name is None:
            print("type a, h, g or e")
            continue
        print(f"Rated {name}: due {store.rate(learner, card_id, name).due:%Y-%m-%d %H:%M} UTC.")
        return
