"""The container's entrypoint: the progress database's URL from its parts, then ``ecs-tutor``.

On ECS the database password arrives on its own, as ``DB_PASSWORD``, injected from Secrets
Manager by the task definition's ``secrets``; the host, port, name and user come as plain
environment variables. The tutor reads one SQLAlchemy URL, ``ECS_TUTOR_PROGRESS_DB``, so this
assembles it, URL-escaping each part (a generated password may hold ``@``, ``:``, ``/`` or ``%``),
and then runs ``ecs-tutor`` with the container's arguments in its place (``exec``: it receives
the task's stop signal itself).

``ECS_TUTOR_PROGRESS_DB``, if already set, is kept as it is; with no ``DB_HOST`` the tutor keeps
its own default (SQLite in the data folder), which is what ``docker run`` on a laptop gets.

Any other ``ecs-tutor`` command run in a running task goes through here too, e.g. through ECS Exec
``python /opt/ecs-tutor/entrypoint.py users add tess --teacher``: such a command does not pass
through the image's entrypoint, so plain ``ecs-tutor`` would find no URL and keep its accounts
in a SQLite file of that one task (docs/deploy.md, "Accounts").
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from urllib.parse import quote

_REQUIRED = ("DB_NAME", "DB_USER", "DB_PASSWORD")
_PARTS = ("DB_HOST", "DB_PORT", "DB_SSLMODE", *_REQUIRED)


def progress_url(environ: Mapping[str, str]) -> str | None:
    """The URL the tutor should use, or None for its default.

    {"DB_HOST": "db", "DB_NAME": "tutor", "DB_USER": "ecs", "DB_PASSWORD": "p@ss"}
    -> "postgresql+psycopg://ecs:p%40ss@db:5432/tutor?sslmode=require"
    """
    if environ.get("ECS_TUTOR_PROGRESS_DB"):
        return environ["ECS_TUTOR_PROGRESS_DB"]
    host = environ.get("DB_HOST", "")
    if not host:
        return None
    missing = [name for name in _REQUIRED if not environ.get(name)]
    if missing:
        raise SystemExit(f"entrypoint: DB_HOST is set but {', '.join(missing)} is not")
    user = quote(environ["DB_USER"], safe="")
    password = quote(environ["DB_PASSWORD"], safe="")
    name = quote(environ["DB_NAME"], safe="")
    port = environ.get("DB_PORT") or "5432"
    # The connection is encrypted; "require" does not check the server's certificate, which would
    # need the RDS certificate bundle in the image (docs/deploy.md, "Not covered yet").
    sslmode = quote(environ.get("DB_SSLMODE") or "require", safe="")
    return f"postgresql+psycopg://{user}:{password}@{host}:{port}/{name}?sslmode={sslmode}"


def main(argv: list[str]) -> None:
    """Set ``ECS_TUTOR_PROGRESS_DB`` and become ``ecs-tutor argv...``."""
    env = dict(os.environ)
    url = progress_url(env)
    if url:
        env["ECS_TUTOR_PROGRESS_DB"] = url
    for name in _PARTS:  # the app is given the URL alone
        env.pop(name, None)
    os.execvpe("ecs-tutor", ["ecs-tutor", *argv], env)


if __name__ == "__main__":
    main(sys.argv[1:])
