"""``serve``: the web app (``app.py``) on this machine, behind a login when asked for one."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tutor.commands.shared import open_tutor, settings
from tutor.config import Settings, auth_from_env, parse_auth
from tutor.errors import TutorError

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def register(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser("serve", help="serve the web app")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=7860)
    serve.add_argument(
        "--auth",
        metavar="USER:PASSWORD",
        help="require this login (better: set ECS_TUTOR_AUTH, which ps cannot show); "
        "advised whenever --host is not a loopback address",
    )
    serve.add_argument(
        "--accounts",
        action="store_true",
        help="a class server: learners sign in with the accounts of `ecs-tutor users`, each "
        "reaching only their own progress (--data-dir/--db: where the accounts are kept)",
    )
    serve.add_argument("--data-dir", type=Path, help="where progress.db is kept")
    serve.add_argument("--db", metavar="URL", help="a SQLAlchemy URL instead of progress.db")
    serve.set_defaults(run=_serve)


def _serve(args: argparse.Namespace) -> int:
    """Serve until interrupted; the app prints where once it is up."""
    import app

    chosen = settings(args).with_(data_dir=args.data_dir, progress_db=args.db)
    if args.accounts:
        return _serve_class(args, chosen)
    auth = parse_auth(args.auth) if args.auth else auth_from_env()
    if auth is None and args.host not in LOOPBACK:
        print(
            f"ecs-tutor: warning: serving on {args.host} with no login; "
            "anyone who can reach it can use it (see --auth)",
            file=sys.stderr,
        )
    options: dict[str, Any] = {"auth": auth} if auth else {}
    app.serve(open_tutor(args), host=args.host, port=args.port, settings=chosen, **options)
    return 0


def _serve_class(args: argparse.Namespace, chosen: Settings) -> int:
    """Serve behind the accounts' sign-in (refused beside --auth)."""
    import app
    from tutor.study.accounts import Accounts
    from tutor.study.progress import store_url

    if args.auth:
        raise TutorError("--accounts and --auth are two kinds of login: choose one")
    accounts = Accounts(store_url(chosen))
    if not accounts.names():  # a new class server: its first account may be added while it runs
        print(
            "ecs-tutor: warning: no account yet, so nobody can sign in: add one with "
            "`ecs-tutor users add NAME --teacher`",
            file=sys.stderr,
        )
    app.serve(open_tutor(args), host=args.host, port=args.port, settings=chosen, accounts=accounts)
    return 0
