"""``serve``: the web app (``app.py``) on this machine, behind a login when asked for one."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tutor.commands.shared import open_tutor, settings
from tutor.config import auth_from_env, parse_auth

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
    serve.set_defaults(run=_serve)


def _serve(args: argparse.Namespace) -> int:
    """Serve until interrupted; the app prints where once it is up."""
    import app

    auth = parse_auth(args.auth) if args.auth else auth_from_env()
    if auth is None and args.host not in LOOPBACK:
        print(
            f"ecs-tutor: warning: serving on {args.host} with no login; "
            "anyone who can reach it can use it (see --auth)",
            file=sys.stderr,
        )
    options: dict[str, Any] = {"auth": auth} if auth else {}
    chosen = settings(args)
    app.serve(open_tutor(args), host=args.host, port=args.port, settings=chosen, **options)
    return 0
