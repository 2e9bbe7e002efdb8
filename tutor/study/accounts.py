"""Accounts for a class server: who may sign in, with what password, as a learner or a teacher.

Passwords are kept as argon2 hashes (argon2-cffi's ``PasswordHasher``, its default parameters);
they live in the progress database beside the learners' reviews, so every replica of a server
reads the same accounts. An account is a learner's name with a password: removing the account
keeps the learner's progress.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tutor.errors import BadInput
from tutor.study.progress import learner_name
from tutor.study.progress_db import (
    AccountRow,
    LearnerRow,
    MetaRow,
    ProgressError,
    learner_id_of,
    open_database,
)

LEARNER, TEACHER = "learner", "teacher"
ROLES = (LEARNER, TEACHER)
MIN_PASSWORD = 10  # characters
MAX_PASSWORD = 1024  # a longer one is refused before it is hashed


class Accounts:
    """The accounts kept in the progress database at ``url``."""

    def __init__(self, url: str):
        self._engine, self._writer = open_database(url, guide=None)
        self._hasher = PasswordHasher()
        # Checked against when the name has no account, so that a wrong name takes as long as a
        # wrong password and the time of a refusal does not tell which names exist.
        self._decoy = self._hasher.hash("no such account")

    def close(self) -> None:
        self._engine.dispose()

    def add(self, name: str, password: str, *, role: str = LEARNER) -> None:
        """A new account; ``BadInput`` if the name has one already, or for a weak password or
        an unknown role."""
        name = learner_name(name)
        hashed = self._hasher.hash(_password(password))
        if role not in ROLES:
            raise BadInput(f"a role is {' or '.join(ROLES)}, not {role!r}")
        with Session(self._writer) as session, session.begin():
            learner = learner_id_of(session, name, datetime.now(UTC))
            if session.get(AccountRow, learner) is not None:
                raise BadInput(f"{name!r} has an account already (reset its password instead)")
            session.add(
                AccountRow(
                    learner_id=learner, password_hash=hashed, role=role, created=datetime.now(UTC)
                )
            )

    def reset(self, name: str, password: str) -> None:
        """A new password for the account, which ends every session signed in before it;
        ``BadInput`` if there is no such account."""
        hashed = self._hasher.hash(_password(password))
        with Session(self._writer) as session, session.begin():
            row = self._row(session, name)
            row.password_hash, row.sessions_from = hashed, datetime.now(UTC)

    def end_sessions(self, name: str) -> datetime:
        """Every session of the account signed in before now stops counting (signing out); when
        that is. ``BadInput`` if there is no such account."""
        now = datetime.now(UTC)
        with Session(self._writer) as session, session.begin():
            self._row(session, name).sessions_from = now
        return now

    def remove(self, name: str) -> None:
        """The account is removed (the learner's progress stays); ``BadInput`` if none."""
        with Session(self._writer) as session, session.begin():
            row = self._row(session, name)
            session.execute(delete(AccountRow).where(AccountRow.learner_id == row.learner_id))

    def session_secret(self) -> str:
        """The key that signs sign-in cookies: made once and kept in the database, so that every
        replica of a server reads the same sessions."""
        for _ in range(2):  # two replicas starting at once on a new database: one key wins
            try:
                with Session(self._writer) as session, session.begin():
                    found = session.get(MetaRow, "session_secret")
                    if found is None:
                        found = MetaRow(key="session_secret", value=secrets.token_hex(32))
                        session.add(found)
                    return found.value
            except IntegrityError:
                continue
        raise ProgressError("cannot keep the key that signs sessions in the database")

    def verify(self, name: str, password: str) -> bool:
        """Whether ``password`` is the account's. A hash made with older parameters is
        replaced by one with the current ones."""
        if not isinstance(name, str) or not isinstance(password, str):
            return False
        if len(password) > MAX_PASSWORD:
            return False
        with Session(self._engine) as session:
            found = session.execute(
                select(AccountRow.learner_id, AccountRow.password_hash)
                .join(LearnerRow, LearnerRow.id == AccountRow.learner_id)
                .where(LearnerRow.name == name.strip())
            ).first()
        try:
            self._hasher.verify(found[1] if found else self._decoy, password)
        except (VerificationError, InvalidHashError):
            return False
        if found is None:
            return False
        if self._hasher.check_needs_rehash(found[1]):
            with Session(self._writer) as session, session.begin():
                row = session.get(AccountRow, found[0])
                if row is not None:
                    row.password_hash = self._hasher.hash(password)
        return True

    def role(self, name: str | None) -> str | None:
        """The account's role, or None if ``name`` has no account."""
        if not name:
            return None
        with Session(self._engine) as session:
            return session.scalar(
                select(AccountRow.role)
                .join(LearnerRow, LearnerRow.id == AccountRow.learner_id)
                .where(LearnerRow.name == name)
            )

    def sessions_from(self, name: str | None) -> datetime | None:
        """When the account's sessions start to count: its last password reset, else when it was
        made (so a session of a removed account with the same name does not count); None if
        ``name`` has no account."""
        if not name:
            return None
        with Session(self._engine) as session:
            found = session.execute(
                select(AccountRow.sessions_from, AccountRow.created)
                .join(LearnerRow, LearnerRow.id == AccountRow.learner_id)
                .where(LearnerRow.name == name)
            ).first()
        return None if found is None else found[0] or found[1]

    def names(self) -> list[tuple[str, str]]:
        """Every account as (name, role), by name."""
        with Session(self._engine) as session:
            rows = session.execute(
                select(LearnerRow.name, AccountRow.role)
                .join(AccountRow, AccountRow.learner_id == LearnerRow.id)
                .order_by(LearnerRow.name)
            )
            return [(name, role) for name, role in rows]

    def _row(self, session: Session, name: str) -> AccountRow:
        row = session.scalar(
            select(AccountRow)
            .join(LearnerRow, LearnerRow.id == AccountRow.learner_id)
            .where(LearnerRow.name == learner_name(name))
        )
        if row is None:
            raise BadInput(f"no account named {name!r}")
        return row


def _password(password: str) -> str:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise BadInput(f"a password is {MIN_PASSWORD} to {MAX_PASSWORD} characters long")
    return password
