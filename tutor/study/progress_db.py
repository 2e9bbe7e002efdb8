"""Where quiz progress is kept: the SQL tables, and opening the database they live in.

Any SQLAlchemy URL works: by default a SQLite file ``<data_dir>/progress.db`` (``progress_url``),
or a PostgreSQL URL where many learners share a server. The tables: learners; one FSRS card state
per learner, guide and card (``fsrs.Card.to_json()``); one row per review; the side of a pair each
checked claim took; practice exams in progress; the accounts of a class server; the uploaded
guides' text, per owner; and ``meta``, which names the schema version, the built-in guides the
database is for and the sessions' signing key. An uploaded guide's progress sits beside the
built-in guides', told apart by the ``guide`` column (its key; "" for the built-in guides). The
tables are made and changed by the Alembic migrations in ``migrations/``, run whenever a
database is opened.

An existing SQLite file is checked before SQLAlchemy opens it, read only: an empty or damaged one is
refused (``ProgressDamaged``) and left exactly as it is, never taken for a new database. A missing
one is made whole before it is opened (``tutor.files.replacing``).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    create_engine,
    delete,
    event,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DatabaseError, IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from tutor import files
from tutor.config import Settings
from tutor.errors import TutorError

SCHEMA = "ecs-tutor progress v1"
_GUIDE_CHARS = 200  # the meta table's value width
_SQLITE_HEADER = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite database file


class ProgressError(TutorError):
    """The progress database cannot be used (another schema version, unreachable)."""


class ProgressDamaged(ProgressError):
    """The progress database file is empty or damaged; it is refused and left as it is."""


def progress_url(data_dir: Path | str, name: str = "progress.db") -> str:
    """A SQLite store in a folder: by default ``sqlite:///<data_dir>/progress.db`` (the folder is
    created)."""
    folder = Path(data_dir).expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / name}"


def store_url(settings: Settings) -> str:
    """The settings' guide's store: ``Settings.progress_db`` if set, else the default one."""
    return settings.progress_db or progress_url(settings.data_dir)


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC; ``ValueError`` for a naive datetime."""
    if moment.tzinfo is None:
        raise ValueError(f"a naive datetime ({moment}): progress keeps timezone-aware UTC")
    return moment.astimezone(UTC)


# --- tables -----------------------------------------------------------------------------------


class _UTC(TypeDecorator):
    """Timezone-aware UTC in and out, whatever the database keeps (SQLite keeps naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else utc(value).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class MetaRow(Base):
    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class LearnerRow(Base):
    __tablename__ = "learners"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    created: Mapped[datetime] = mapped_column(_UTC)


class StateRow(Base):
    __tablename__ = "card_states"
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id"), primary_key=True)
    guide: Mapped[str] = mapped_column(String(60), primary_key=True, server_default="")
    card_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    card: Mapped[str] = mapped_column(Text)  # fsrs.Card.to_json()
    due: Mapped[datetime] = mapped_column(_UTC, index=True)


class ReviewRow(Base):
    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id"), index=True)
    guide: Mapped[str] = mapped_column(String(60), server_default="")
    card_id: Mapped[str] = mapped_column(String(300))
    reviewed: Mapped[datetime] = mapped_column(_UTC)
    rating: Mapped[int] = mapped_column(Integer)
    correct: Mapped[bool | None]
    answer: Mapped[str] = mapped_column(Text, default="")
    recall: Mapped[float | None]  # FSRS's predicted recall just before this review; None if new
    duration_ms: Mapped[int | None]


class CheckRow(Base):
    """A claim a signed-in learner checked that matched a pair with some certainty: which side
    of it they took (``held_wrong``: they stated the Wrong one). The claim itself is not kept."""

    __tablename__ = "checks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id"), index=True)
    guide: Mapped[str] = mapped_column(String(60), server_default="")
    pair_id: Mapped[str] = mapped_column(String(300))
    held_wrong: Mapped[bool]
    checked: Mapped[datetime] = mapped_column(_UTC)


class SittingRow(Base):
    """A practice exam in progress: its questions with their keys (JSON, ``Question.to_dict``)
    and the chosen options so far, kept here so that it carries on on another replica; deleted
    when it is scored, or a day after it started."""

    __tablename__ = "sittings"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random: names it to the page
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id"))
    guide: Mapped[str] = mapped_column(String(60), server_default="")
    questions: Mapped[str] = mapped_column(Text)
    answers: Mapped[str] = mapped_column(Text)  # JSON: the chosen positions, per question
    started: Mapped[datetime] = mapped_column(_UTC, index=True)


class AccountRow(Base):
    """A learner who signs in (a class server): an argon2 hash of the password, and a role."""

    __tablename__ = "accounts"
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id"), primary_key=True)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(20))  # "learner" or "teacher"
    created: Mapped[datetime] = mapped_column(_UTC)
    # Sessions signed before this (a password reset) are no longer good; None: never reset.
    sessions_from: Mapped[datetime | None] = mapped_column(_UTC, nullable=True)


class UploadRow(Base):
    """An uploaded guide: its text, and who uploaded it ("" where nobody signs in). The same
    bytes have the same key for everyone; each owner has their own row."""

    __tablename__ = "uploads"
    owner: Mapped[str] = mapped_column(String(80), primary_key=True)
    key: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)
    title: Mapped[str] = mapped_column(String(200))
    items: Mapped[int]  # counted when it came, so that listing it reads no guide
    pairs: Mapped[int]
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created: Mapped[datetime] = mapped_column(_UTC)


def learner_id_of(session: Session, name: str, now: datetime) -> int:
    """The id of the learner ``name``, who is added if new."""
    found = session.scalar(select(LearnerRow.id).where(LearnerRow.name == name))
    if found is not None:
        return found
    learner = LearnerRow(name=name, created=now)
    session.add(learner)
    session.flush()
    return learner.id


# --- opening ----------------------------------------------------------------------------------


def open_database(
    url: str, *, guide: str | None, parts: tuple[str, ...] = ()
) -> tuple[Engine, Engine]:
    """Engines for reading and for writing the progress database at ``url``, its tables made;
    ``ProgressError`` if it cannot be used or holds another schema or another guide's progress.
    ``parts``: the guides studied together as ``guide`` (``ingest.merge``); a database of one
    of them becomes the whole's (its cards keep their names: items are named by their titles).
    ``guide`` None: the database is opened for its accounts, whatever guide it is for.

    Writes lock up front on SQLite (``BEGIN IMMEDIATE``), so a read-then-write review never fails
    half-way because another process wrote in between."""
    try:
        engine = create_engine(url)
    except (ArgumentError, ImportError) as exc:
        raise ProgressError(f"cannot use progress database {url!r}: {exc}") from None
    where = _where(engine)
    if engine.dialect.name == "sqlite":
        _ready_sqlite_file(engine.url)  # the engine connects lazily: not opened yet
        _sqlite_transactions(engine)
    writer = engine.execution_options(begin_immediate=True)
    try:
        _migrate(writer)
        for attempt in range(2):
            try:
                with Session(writer) as session, session.begin():
                    _check_meta(
                        session,
                        where,
                        None if guide is None else guide[:_GUIDE_CHARS],
                        [p[:_GUIDE_CHARS] for p in parts],
                    )
                break
            except IntegrityError:  # replicas opening a new database together: one wrote first
                if attempt:
                    raise
    except DatabaseError as exc:
        raise ProgressError(f"{where}: cannot open the progress database: {exc.orig}") from None
    return engine, writer


MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_BASELINE = "0001"  # the schema every database had before migrations existed
_MIGRATING = 0x65637374  # PostgreSQL advisory lock key: one process migrates at a time


def _migrate(writer: Engine) -> None:
    """The database brought to the newest schema by the Alembic migrations, in one transaction
    that one process at a time runs (a writer on SQLite, an advisory lock on PostgreSQL). A
    database from before migrations (its tables but no ``alembic_version``) is stamped with the
    baseline first: its rows stay as they are."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with writer.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATING})
        config.attributes["connection"] = connection
        tables = set(inspect(connection).get_table_names())
        if "meta" in tables and "alembic_version" not in tables:
            command.stamp(config, _BASELINE)
        command.upgrade(config, "head")


def _check_meta(session: Session, where: str, title: str | None, parts: list[str]) -> None:
    found = session.get(MetaRow, "schema")
    if found is None:
        session.add(MetaRow(key="schema", value=SCHEMA))
    elif found.value != SCHEMA:
        raise ProgressError(f"{where}: progress saved as {found.value!r}, not {SCHEMA!r}")
    if title is None:
        return
    # Cards are named after their items, so two guides' progress in one database would mix
    # wherever their item titles meet: a database is for one guide.
    owner = session.get(MetaRow, "guide")
    if owner is None:  # a new database, or one from before guides were recorded
        session.add(MetaRow(key="guide", value=title))
    elif owner.value in parts:  # one guide's progress, now studied with others
        owner.value = title
    elif owner.value != title:
        raise ProgressError(
            f"{where}: holds progress for the guide {owner.value!r}, not "
            f"{title!r}; give each guide its own database (--db)"
        )


def _sqlite_transactions(engine: Engine) -> None:
    """SQLAlchemy's recipe for SQLite: it, not the sqlite3 module, emits BEGIN; IMMEDIATE for
    writers. WAL lets the app read while a review is written; synchronous=FULL makes a commit
    durable before ``review`` returns."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")  # first: the others may wait for a lock
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        immediate = connection.get_execution_options().get("begin_immediate")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _ready_sqlite_file(url: URL) -> None:
    """Make the file ``url`` names if it is missing; ``ProgressDamaged`` if it is empty or not a
    sound SQLite database. SQLite itself takes an empty file for a new database and writes its
    tables into it, so a truncated store would start afresh without a word. An existing file is
    only read, never written."""
    if not url.database or url.database == ":memory:" or url.query.get("uri"):
        return  # in memory, or a URI whose options the caller chose: not a plain file to check
    path = Path(url.database)
    if not path.exists():
        _create_sqlite(path)
    if not path.is_file():
        return  # not made (an unwritable folder, a directory): opening it says what is wrong
    try:
        with open(path, "rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
    except OSError as exc:
        raise ProgressError(
            f"{path.name}: cannot read the progress database: {exc.strerror}"
        ) from None
    if not header:
        _refuse(path, "0 bytes")
    if header != _SQLITE_HEADER:
        _refuse(path, "not an SQLite file")
    # A read-only open of a WAL database makes its -wal and -shm files if they are missing;
    # without them no connection has the database open, and immutable reads it as it lies.
    busy = any(path.with_name(path.name + end).exists() for end in ("-wal", "-shm", "-journal"))
    uri = f"{path.resolve().as_uri()}?{'mode=ro' if busy else 'immutable=1'}"
    try:
        probe = sqlite3.connect(uri, uri=True, timeout=30)
        try:
            found = probe.execute("PRAGMA quick_check").fetchall()
        finally:
            probe.close()
    except sqlite3.OperationalError:
        return  # locked or unreadable, not damaged: opening it says what is wrong
    except sqlite3.DatabaseError as exc:  # SQLITE_CORRUPT, SQLITE_NOTADB
        _refuse(path, f"damaged: {exc}")
    if found != [("ok",)]:
        _refuse(path, "damaged: it fails SQLite's quick_check")


def _create_sqlite(path: Path) -> None:
    """A new, empty WAL database at ``path``, put there whole. SQLite would first leave an empty
    file there, which another session opening the store at that moment would refuse as truncated.
    0o644 less the umask, as SQLite makes its files."""
    try:
        # overwrite=False: linked into place, never replacing a store another session just made
        with files.replacing(path, mode=0o644, overwrite=False) as part:
            with closing(sqlite3.connect(part)) as db:
                db.execute("PRAGMA journal_mode=WAL")  # writes the header: the file is not empty
    except (OSError, sqlite3.Error):
        pass  # made meanwhile by another session, or not here: SQLite's own open tells


def _refuse(path: Path, why: str) -> NoReturn:
    # The file's name only: the message reaches the browser, the server's folders stay unsaid.
    raise ProgressDamaged(
        f"{path.name}: not a progress database ({why}); it was left untouched — "
        "move it away to start afresh"
    )


# --- copying ----------------------------------------------------------------------------------

# Parents before the rows that name them.
_COPIED = (
    "meta",
    "learners",
    "accounts",
    "uploads",
    "card_states",
    "reviews",
    "checks",
    "sittings",
)


def copy_database(source: str, target: str) -> dict[str, int]:
    """Every row of the progress database at ``source`` copied into the one at ``target`` (a
    SQLite ``progress.db`` into a class server's PostgreSQL, say), ids kept, in one transaction;
    how many rows of each table. ``ProgressError`` if the target holds any learner already: a
    copy never merges. The source is only read (once brought to the newest schema)."""
    src_engine, _ = open_database(source, guide=None)
    dst_engine, dst_writer = open_database(target, guide=None)
    counts: dict[str, int] = {}
    try:
        with Session(src_engine) as reading, Session(dst_writer) as writing, writing.begin():
            if writing.scalar(select(LearnerRow.id).limit(1)) is not None:
                raise ProgressError(
                    f"{_where(dst_engine)}: holds learners already; copy into an empty one"
                )
            for name in _COPIED:
                table = Base.metadata.tables[name]
                rows = [dict(row._mapping) for row in reading.execute(select(table))]
                if name == "meta":  # the source's schema, guide and session key win
                    keys = [row["key"] for row in rows]
                    writing.execute(delete(table).where(table.c.key.in_(keys)))
                if rows:
                    writing.execute(insert(table), rows)
                counts[name] = len(rows)
            if dst_engine.dialect.name == "postgresql":  # ids given: move the counters past them
                for name in ("learners", "reviews", "checks"):
                    writing.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                            f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
                        )
                    )
    except DatabaseError as exc:
        raise ProgressError(f"{_where(dst_engine)}: cannot copy into it: {exc.orig}") from None
    finally:
        src_engine.dispose()
        dst_engine.dispose()
    return counts


def _where(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)
