"""The guides a learner can study: the app's own and the ones uploaded, each with its own tutor.

An upload is checked before anything is written: a ``.md``, ``.markdown`` or ``.txt`` name; at
most ``MAX_GUIDE_BYTES`` of UTF-8 text with no NUL byte; a guide the one parser accepts, with at
least one item and one misconception pair to study. A refusal is one line, ``name:line: what``
(or ``name: what`` when no line is to blame), where ``name`` is the upload's cleaned-up last name
part, never a path it brought.

An accepted guide is kept in the progress database (the ``uploads`` table), so every replica of a
class server sees it: its text, its title and who uploaded it (on a class server, each learner
sees and removes only their own; where nobody signs in, the owner is ""). Its key is
``<slug>-<sha256[:12]>``: the slug comes from the guide's title (else the file name) and holds
only ``[a-z0-9-]``, so the same bytes always get the same key and no upload name reaches a path.
Each replica writes the text to ``<cache_dir>/guides/db_<hash>/<key>.md`` and builds its index
in ``<cache_dir>/guides/db_<hash>/<key>/`` (``<hash>`` names the database), apart from every
other index: a cache, made again from the database when it is missing, and removed by any
replica that finds nobody has the upload any more (when it starts, and before it builds an
index). Quiz progress of an upload sits in the same database, under its key
(``ProgressStore(upload=key)``). Removing a guide removes the owner's copy, not its progress: the
same bytes uploaded again get the same key and find it.

Uploads stored by earlier versions as files (``<data_dir>/guides/<key>.md``, with their progress
in ``<key>.progress.db``) are moved into the database the first time the library opens.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import shutil
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from ingest import Guide, GuideFormatError
from ingest.isolated import parse_isolated
from ingest.services import DEFAULT_ALIASES
from tutor import files
from tutor.config import Settings
from tutor.core import Tutor
from tutor.errors import IndexNotSaved, TutorError
from tutor.search.embed import Embedder
from tutor.study.progress_db import (
    LearnerRow,
    ReviewRow,
    StateRow,
    UploadRow,
    learner_id_of,
    open_database,
    store_url,
)

# The ECS guide is 15 KB and indexes in ~2 s; the 100x synthetic guide (1.7 MB) took 42 s and
# 77 MB of cache in `make bench`; at that rate 512 KiB (~34 ECS guides) is ~13 s and ~24 MB.
MAX_GUIDE_BYTES = 512 * 1024
MAX_STORED_GUIDES = 50  # per owner: at most 25 MB of text and ~1.2 GB of indexes each
MAX_OPEN_TUTORS = 4  # uploaded guides' tutors kept in memory, least recently used dropped first
GUIDE_SUFFIXES = (".md", ".markdown", ".txt")
BUILTIN_KEY = "builtin"  # the key of the guides the app was started with
GUIDES_FOLDER = "guides"  # under cache_dir (the uploads' text and indexes); under data_dir, old

_NAME_CHARS, _SLUG_CHARS = 80, 40
_KEY = re.compile(r"[a-z0-9-]{1,40}-[0-9a-f]{12}")  # <slug>-<sha256[:12]>; 40 is _SLUG_CHARS
_UPLOADING = 0x65637375  # PostgreSQL advisory lock key: one upload is counted and kept at a time


class GuideRefused(TutorError):
    """An uploaded guide was not kept: wrong type, too big, empty, broken or nothing to study."""


class GuideNotFound(TutorError):
    """No guide in the library has that key (for that owner)."""


@dataclass(frozen=True)
class StoredGuide:
    """A guide in the library; ``key`` picks its tutor (``BUILTIN_KEY`` for the app's own).
    ``created``: when an upload was first kept for its owner, as listed (None for the built-in
    guides, and where it was not read); not compared: it says when, not which guide."""

    key: str
    title: str
    items: int
    pairs: int
    created: datetime | None = field(default=None, compare=False)


def display_name(filename: str) -> str:
    """An upload's name fit for a message: its last part, printable, at most 80 characters.

    "../../etc/passwd.md" -> "passwd.md"; "C:\\\\x\\\\y.md" -> "y.md"; "a\\nb.md" -> "a b.md".
    """
    name = unicodedata.normalize("NFKC", str(filename))  # also folds "／" into "/"
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in name)
    name = " ".join(name.split()) or "upload"
    if len(name) > _NAME_CHARS:
        _, dot, suffix = name.rpartition(".")
        tail = dot + suffix if dot and len(suffix) < 10 else ""
        name = name[: _NAME_CHARS - len(tail) - 1] + "…" + tail
    return name


def read_upload(path: Path | str) -> bytes:
    """An uploaded file's bytes, read no further than one byte over ``MAX_GUIDE_BYTES``."""
    with open(path, "rb") as handle:
        return handle.read(MAX_GUIDE_BYTES + 1)


def check_upload(filename: str, content: bytes, *, aliases: Path | str = DEFAULT_ALIASES) -> Guide:
    """An upload parsed by the one parser, in a child process with a time and memory limit
    (it is untrusted); ``GuideRefused`` saying what is wrong and where."""
    name = display_name(filename)
    if not name.lower().endswith(GUIDE_SUFFIXES):
        kinds = ", ".join(GUIDE_SUFFIXES[:-1]) + " or " + GUIDE_SUFFIXES[-1]
        raise GuideRefused(f"{name}: a guide must be a {kinds} file")
    if not content:
        raise GuideRefused(f"{name}: the file is empty")
    if len(content) > MAX_GUIDE_BYTES:
        raise GuideRefused(
            f"{name}: {len(content):,} bytes is over the limit of {MAX_GUIDE_BYTES:,} bytes"
        )
    # The one parser decides what a guide is: bytes that are not UTF-8, or binary content (the
    # parser refuses it before any format error), are refused in its words.
    try:
        guide = parse_isolated(content, source=name, aliases=aliases)
    except GuideFormatError as exc:
        raise GuideRefused(str(exc)) from exc
    if not guide.items:
        raise GuideRefused(f"{name}: no items to study: add '1. **Title**: text' lines")
    if not guide.pairs:
        raise GuideRefused(
            f"{name}: no misconceptions to check claims against: add a '* **Wrong**: ...' line"
            " followed by '* **Right**: ...'"
        )
    return guide


def _slug(text: str) -> str:
    """ "Amazon EKS: Kubernetes!" -> "amazon-eks-kubernetes"; never empty, at most 40 chars."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")
    return slug[:_SLUG_CHARS].strip("-") or "guide"


def guide_key(guide: Guide, content: bytes) -> str:
    """``<slug>-<sha256[:12]>``: the slug of the guide's title, the hash of its bytes."""
    return f"{_slug(guide.title)}-{hashlib.sha256(content).hexdigest()[:12]}"


class GuideLibrary:
    """The built-in guides and the uploads kept in the database, each with its own tutor; safe
    across threads, and across the replicas of a class server sharing one database.

    All tutors share one embedder, so the model is loaded once. The built-in guides' tutor is the
    one the app was started with (``builtin``); at most ``max_open`` uploads' tutors are kept.
    ``owner`` is whose uploads a call lists or changes: a class server's signed-in learner, or ""
    where nobody signs in.

    >>> library = GuideLibrary(settings, embedder, builtin=tutor)
    >>> library.tutor(library.add("eks.md", data).key).check("Pods always run on Fargate")
    """

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        *,
        builtin: Tutor | None = None,
        max_open: int = MAX_OPEN_TUTORS,
    ):
        if max_open < 1:
            raise ValueError("max_open must be at least 1")
        self.settings = settings
        self.embedder = embedder
        self.max_open = max_open
        self.url = store_url(settings)  # the uploads and every guide's progress
        self.cache = Path(settings.cache_dir) / GUIDES_FOLDER / _database_folder(self.url)
        self._engine, self._writer = open_database(self.url, guide=None)
        self._builtin = builtin
        self._open: OrderedDict[str, Tutor] = OrderedDict()
        # Guides parsed (in a child) and not yet opened: the upload just added, say. Bounded:
        # every learner's uploads would not fit in memory at once.
        self._parsed: OrderedDict[str, Guide] = OrderedDict()
        self._lock = threading.Lock()  # guards _open and _parsed; held only briefly
        self._build = threading.Lock()  # one index build at a time (same model, same disk)
        files.sweep(self.cache, f"{_TEMP_PREFIX}*{_TEMP_SUFFIX}")
        _move_old_uploads(self, Path(settings.data_dir) / GUIDES_FOLDER)
        _forget_old_layout(self.cache.parent)
        with self._build:
            self._prune()

    def close(self) -> None:
        self._engine.dispose()

    def guides(self, owner: str = "") -> list[StoredGuide]:
        """The built-in guides (studied together, as one) first, then the owner's uploads by
        title, those of one title in the order they came."""
        own = self.tutor(BUILTIN_KEY).guide
        first = StoredGuide(BUILTIN_KEY, own.title, len(own.items), len(own.pairs))
        with Session(self._engine) as session:
            rows = session.execute(
                select(
                    UploadRow.key,
                    UploadRow.title,
                    UploadRow.items,
                    UploadRow.pairs,
                    UploadRow.created,
                ).where(UploadRow.owner == owner)
            ).all()
        uploads = [StoredGuide(*row) for row in rows]
        return [first, *sorted(uploads, key=_listed_order)]

    def add(self, filename: str, content: bytes, owner: str = "") -> StoredGuide:
        """Keep an uploaded guide for ``owner`` and build its index; ``GuideRefused`` if either
        fails, and then nothing new is kept. The same bytes again, under any name, give the same
        guide."""
        guide = check_upload(filename, content, aliases=self.settings.aliases)
        key, title = self._known(content) or (guide_key(guide, content), guide.title)
        self._remember(key, guide)
        new = self._keep(owner, key, title, guide, content, display_name(filename))
        try:
            self.tutor(key)
        except Exception as exc:
            if new:
                self._drop(owner, key)
            raise GuideRefused(f"{display_name(filename)}: the guide could not be indexed") from exc
        return StoredGuide(key, title, len(guide.items), len(guide.pairs))

    def _keep(
        self, owner: str, key: str, title: str, guide: Guide, content: bytes, name: str
    ) -> bool:
        """The row of ``owner``'s upload, added unless there; whether it was added. Counted and
        written in one transaction that one writer at a time runs, so concurrent uploads cannot
        pass the quota together."""
        with Session(self._writer) as session, session.begin():
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _UPLOADING})
            if session.get(UploadRow, (owner, key)) is not None:
                return False
            held = session.scalar(
                select(func.count()).select_from(UploadRow).where(UploadRow.owner == owner)
            )
            if (held or 0) >= MAX_STORED_GUIDES:
                raise GuideRefused(
                    f"{name}: the library is full ({MAX_STORED_GUIDES} guides); remove one first"
                )
            now = datetime.now(UTC)
            session.add(
                UploadRow(
                    owner=owner,
                    key=key,
                    title=title,
                    items=len(guide.items),
                    pairs=len(guide.pairs),
                    content=content,
                    created=now,
                )
            )
        return True

    def _known(self, content: bytes) -> tuple[str, str] | None:
        """The key and title these bytes were kept under before, by anyone (an untitled guide
        takes its name from the first upload's file name)."""
        sha12 = hashlib.sha256(content).hexdigest()[:12]
        with Session(self._engine) as session:
            rows = session.execute(
                select(UploadRow.key, UploadRow.title, UploadRow.content).where(
                    UploadRow.key.endswith(f"-{sha12}")
                )
            )
            return next(((key, title) for key, title, kept in rows if kept == content), None)

    def owns(self, owner: str, key: str) -> bool:
        """Whether ``owner`` may study ``key``: the built-in guides, or one of their uploads."""
        if key == BUILTIN_KEY:
            return True
        if not _is_key(key):
            return False
        with Session(self._engine) as session:
            return session.get(UploadRow, (owner, key)) is not None

    def held(self, key: str) -> bool:
        """Whether anybody still has the upload ``key``."""
        with Session(self._engine) as session:
            return (
                session.scalar(select(UploadRow.key).where(UploadRow.key == key).limit(1))
                is not None
            )

    def tutor(self, key: str, owner: str | None = None) -> Tutor:
        """The tutor for a guide's key; ``GuideNotFound`` if the library has no such guide (of
        ``owner``'s, when given)."""
        if key == BUILTIN_KEY:
            return self._builtin_tutor()
        if owner is not None and not self.owns(owner, key):
            raise _not_found(key)
        if found := self._cached(key):
            return found
        with self._build:
            if found := self._cached(key):  # opened by another thread while this one waited
                return found
            title, content = self._content(key)
            self._prune()  # before a new index, the old ones of uploads nobody has now
            guide = self._guide(key, content, title)
            if guide is None:  # stored by an older parser, refused by this one
                raise _not_found(key)
            # The text for the index's fingerprint, written once per replica: a cache, like
            # the index beside it.
            path = self.cache / f"{key}.md"
            try:
                if not path.is_file() or path.read_bytes() != content:
                    self.cache.mkdir(parents=True, exist_ok=True)
                    files.atomic_write(
                        path, content, prefix=_TEMP_PREFIX, suffix=_TEMP_SUFFIX, mode=0o600
                    )
            except OSError as exc:
                raise IndexNotSaved(
                    f"{path.name}: cannot cache the guide: {exc.strerror}"
                ) from None
            # No labelled examples: they are written for the built-in guides' pairs.
            settings = self.settings.with_(
                guides=(path,), cache_dir=self.cache / key, examples="none"
            )
            opened = Tutor.open(settings, embedder=self.embedder, guide=guide)
            # Still under _build, so a remove() cannot come between the open and this.
            with self._lock:
                self._open[key] = opened
                while len(self._open) > self.max_open:
                    self._open.popitem(last=False)
        return opened

    def remove(self, key: str, owner: str = "") -> StoredGuide:
        """Remove ``owner``'s upload; once nobody has it, its index and tutor go too. The guide
        as it was. ``GuideNotFound`` for a key the owner does not have; the built-in guides are
        never removed (``GuideRefused``). Its progress stays."""
        if key == BUILTIN_KEY:
            raise GuideRefused("the built-in guide cannot be removed")
        with Session(self._engine) as session:
            row = session.get(UploadRow, (owner, key)) if _is_key(key) else None
            if row is None:
                raise _not_found(key)
            gone = StoredGuide(key, row.title, row.items, row.pairs)
        self._drop(owner, key)
        return gone

    @property
    def open_keys(self) -> tuple[str, ...]:
        """Keys of the uploads whose tutors are in memory, least recently used first."""
        with self._lock:
            return tuple(self._open)

    def _builtin_tutor(self) -> Tutor:
        if self._builtin is None:
            with self._build:
                if self._builtin is None:
                    self._builtin = Tutor.open(self.settings, embedder=self.embedder)
        return self._builtin

    def _cached(self, key: str) -> Tutor | None:
        with self._lock:
            if key in self._open:
                self._open.move_to_end(key)
            return self._open.get(key)

    def _content(self, key: str) -> tuple[str, bytes]:
        """An upload's title and bytes (the same for every owner: the key names them)."""
        if not _is_key(key):
            raise _not_found(key)
        with Session(self._engine) as session:
            found = session.execute(
                select(UploadRow.title, UploadRow.content).where(UploadRow.key == key).limit(1)
            ).first()
        if found is None:
            raise _not_found(key)
        return found[0], found[1]

    def _guide(self, key: str, content: bytes, title: str) -> Guide | None:
        """An upload's records, parsed in a child process the first time; None if this parser
        refuses it. ``title`` names an untitled guide, as its file's name did when it came."""
        with self._lock:
            if found := self._parsed.get(key):
                self._parsed.move_to_end(key)
                return found
        try:
            source = f"{title}.md"
            guide = parse_isolated(content, source=source, aliases=self.settings.aliases)
        except GuideFormatError:
            return None
        self._remember(key, guide)
        return guide

    def _remember(self, key: str, guide: Guide) -> None:
        with self._lock:
            self._parsed[key] = guide
            self._parsed.move_to_end(key)
            while len(self._parsed) > 2 * self.max_open:
                self._parsed.popitem(last=False)

    def _drop(self, owner: str, key: str) -> None:
        """Delete the owner's row; the cached text, index and tutor once nobody has the key."""
        with self._build:  # no tutor is opened from these files while they go
            with Session(self._writer) as session, session.begin():
                row = session.get(UploadRow, (owner, key))
                if row is not None:
                    session.delete(row)
            if not self.held(key):
                self._forget(key)

    def _prune(self) -> None:
        """Forget every upload this replica has cached that nobody has now: removed on another
        replica, or while this one was down. Called with ``_build`` held. The cache is listed
        before the database is asked, so an upload added meanwhile is held already."""
        cached = _cached_keys(self.cache)
        if not cached:
            return
        with Session(self._engine) as session:
            held = set(session.scalars(select(UploadRow.key).where(UploadRow.key.in_(cached))))
        for key in cached - held:
            self._forget(key)

    def _forget(self, key: str) -> None:
        """Close an upload's tutor and remove its cached text and index (``_build`` held)."""
        with self._lock:
            self._open.pop(key, None)
            self._parsed.pop(key, None)
        _remove_cached(self.cache, key)


def _listed_order(stored: StoredGuide) -> tuple:
    """Uploads by title, then by when they came (two versions of one guide, oldest first)."""
    return stored.title.casefold(), stored.created or datetime.min.replace(tzinfo=UTC), stored.key


def _cached_keys(folder: Path) -> set[str]:
    """The upload keys with a cached text or index in ``folder`` (none if there is no folder)."""
    if not folder.is_dir():
        return set()
    names = {path.name.removesuffix(".md") for path in folder.iterdir()}
    return {name for name in names if _is_key(name)}


def _remove_cached(folder: Path, key: str) -> None:
    """An upload's cached text and index in ``folder``. A cache: what cannot go is made again if
    needed. A link is removed, never followed."""
    with contextlib.suppress(OSError):
        (folder / f"{key}.md").unlink(missing_ok=True)
    index = folder / key
    if index.is_dir() and not index.is_symlink():
        shutil.rmtree(index, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            index.unlink(missing_ok=True)


def _forget_old_layout(folder: Path) -> None:
    """Remove the uploads cached straight under ``folder`` (``guides/<key>.md`` and
    ``guides/<key>/``) by versions before the per-database folders: nothing reads them now."""
    for key in _cached_keys(folder):
        _remove_cached(folder, key)


def _database_folder(url: str) -> str:
    """The cache folder, under ``guides``, of the uploads kept in the database at ``url``. Two
    servers may share one cache folder (a learner's own and a load test's, by default), and each
    forgets only what its own database no longer has; a hash, so that no password in the URL
    reaches a path. The underscore keeps the name out of an upload key's form."""
    return "db_" + hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]


def _is_key(key: object) -> bool:
    """Whether ``key`` has an upload key's form (so it can name no other path or row)."""
    return isinstance(key, str) and _KEY.fullmatch(key) is not None


def _not_found(key: object) -> GuideNotFound:
    shown = key[:60] if isinstance(key, str) else type(key).__name__
    return GuideNotFound(f"no guide {shown!r} in the library: upload it again")


_TEMP_PREFIX, _TEMP_SUFFIX = ".upload-", ".tmp"


def _move_old_uploads(library: GuideLibrary, folder: Path) -> None:
    """Uploads an earlier version kept as files under ``folder`` (shared: owner ""), moved
    into the database with their progress (``<key>.progress.db``); each file is removed, or
    renamed ``.imported``, only once its rows are committed. A file this parser refuses, or a
    link, is left where it is."""
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.md")):
        if not _KEY.fullmatch(path.stem) or not path.is_file() or path.is_symlink():
            continue
        content = path.read_bytes()
        guide = library._guide(path.stem, content, _title_of_key(path.stem))
        if guide is None:
            continue
        library._keep("", path.stem, guide.title, guide, content, path.name)
        path.unlink()
    for path in sorted(folder.glob("*.progress.db")):
        key = path.name.removesuffix(".progress.db")
        if _KEY.fullmatch(key) and path.is_file() and not path.is_symlink():
            _move_old_progress(library, key, path)
            path.rename(path.with_name(path.name + ".imported"))


def _move_old_progress(library: GuideLibrary, key: str, path: Path) -> None:
    """The learners, card states and reviews of an old per-upload progress file, added to the
    library's database under the upload's key in one transaction (once: not if that key has
    reviews there already)."""
    source, _ = open_database(f"sqlite:///{path}", guide=None)
    try:
        with Session(source) as reading, Session(library._writer) as writing, writing.begin():
            if writing.scalar(select(ReviewRow.id).where(ReviewRow.guide == key).limit(1)):
                return
            names = dict(reading.execute(select(LearnerRow.id, LearnerRow.name)).all())
            created = dict(reading.execute(select(LearnerRow.id, LearnerRow.created)).all())
            ids = {old: learner_id_of(writing, name, created[old]) for old, name in names.items()}
            for table in (StateRow, ReviewRow):
                rows = [dict(row._mapping) for row in reading.execute(select(table.__table__))]
                for row in rows:
                    row.pop("id", None)
                    row["learner_id"], row["guide"] = ids[row["learner_id"]], key
                if rows:
                    writing.execute(insert(table), rows)
    finally:
        source.dispose()


def _title_of_key(key: str) -> str:
    """An untitled guide's name: its key without the hash (``queue-notes-<sha12>``)."""
    return key.rsplit("-", 1)[0]
