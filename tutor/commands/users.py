"""``users``: the accounts of a class server (``serve --accounts``): add, reset, remove, list;
and ``db copy``: a learner's or a class's progress moved into another database (SQLite's
``progress.db`` into the class server's PostgreSQL).

A password is read from the terminal without echo (twice), or as the first line of standard
input when that is not a terminal (``printf '%s\\n' "$PASSWORD" | ecs-tutor users add ana``):
never from the command line, where ``ps`` shows it."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from tutor.commands.shared import settings
from tutor.errors import BadInput


def register(commands: argparse._SubParsersAction) -> None:
    users = commands.add_parser("users", help="the accounts of a class server (serve --accounts)")
    actions = users.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="a new account (a learner unless --teacher)")
    add.add_argument("name")
    add.add_argument("--teacher", action="store_true", help="a teacher, who sees the class")
    reset = actions.add_parser("reset", help="a new password for an account")
    reset.add_argument("name")
    remove = actions.add_parser("remove", help="remove an account (its progress stays)")
    remove.add_argument("name")
    listed = actions.add_parser("list", help="every account and its role")
    database = commands.add_parser("db", help="a progress database: copy it into another")
    copy = database.add_subparsers(dest="action", required=True, metavar="ACTION").add_parser(
        "copy", help="every learner, account and review of SOURCE into the empty TARGET"
    )
    copy.add_argument("source", metavar="SOURCE", help="a SQLAlchemy URL or a progress.db file")
    copy.add_argument("target", metavar="TARGET", help="a SQLAlchemy URL (an empty database)")
    copy.set_defaults(run=_copy)
    for action in (add, reset, remove, listed):
        action.add_argument("--data-dir", type=Path, help="where progress.db is kept")
        action.add_argument("--db", metavar="URL", help="a SQLAlchemy URL instead of progress.db")
        action.set_defaults(run=_users)


def _users(args: argparse.Namespace) -> int:
    from tutor.study.accounts import LEARNER, TEACHER, Accounts
    from tutor.study.progress import store_url

    chosen = settings(args).with_(data_dir=args.data_dir, progress_db=args.db)
    accounts = Accounts(store_url(chosen))
    try:
        if args.action == "list":
            for name, role in accounts.names():
                print(f"{name}\t{role}")
        elif args.action == "add":
            role = TEACHER if args.teacher else LEARNER
            accounts.add(args.name, _password(), role=role)
            print(f"added {args.name} ({role})")
        elif args.action == "reset":
            if accounts.role(args.name) is None:  # before asking for a password it cannot use
                raise BadInput(f"no account named {args.name!r}")
            accounts.reset(args.name, _password())
            print(f"new password for {args.name}")
        else:
            accounts.remove(args.name)
            print(f"removed {args.name}'s account (their progress stays)")
    finally:
        accounts.close()
    return 0


def _password() -> str:
    """The new password: typed twice without echo at a terminal, else stdin's first line."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise BadInput("the two passwords differ")
    return first


def _copy(args: argparse.Namespace) -> int:
    from tutor.study.progress_db import copy_database

    source = args.source if "://" in args.source else f"sqlite:///{Path(args.source).resolve()}"
    if source.startswith("sqlite:///") and not Path(source.removeprefix("sqlite:///")).is_file():
        raise BadInput(f"no progress database at {args.source!r}")
    counts = copy_database(source, args.target)
    print(", ".join(f"{n} {table.replace('_', ' ')}" for table, n in counts.items()), "copied")
    return 0
