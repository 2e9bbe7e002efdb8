"""The guides a learner can study: the app's own and the ones uploaded, each with its own tutor.

An upload is checked before anything is written: a ``.md``, ``.markdown`` or ``.txt`` name; at
most ``MAX_GUIDE_BYTES`` of UTF-8 text with no NUL byte; a guide the one parser accepts, with at
least one item and one misconception pair to study. A refusal is one line, ``name:line: what``
(or ``name: what`` when no line is to blame), where ``name`` is the upload's cleaned-up last name
part, never a path it brought.

An accepted guide is stored as ``<data_dir>/guides/<slug>-<sha256[:12]>.md``. The slug comes from
the guide's title (else the file name) and holds only ``[a-z0-9-]``, so no upload name reaches a
path outside that folder, and the same bytes always end up in the same file. The file is written
under a temporary name beside it and renamed into place, so no reader sees half a guide. Each
stored guide's index lives in ``<cache_dir>/guides/<key>/``, apart from every other index, and its
quiz progress in ``<data_dir>/guides/<key>.progress.db``. Removing a guide deletes its file and its
index, not its progress: the same bytes uploaded again get the same key and find it.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from ingest import Guide, GuideFormatError
from ingest.isolated import parse_isolated
from ingest.services import DEFAULT_ALIASES
from tutor import files
from tutor.config import Settings
from tutor.core import Tutor
from tutor.errors import TutorError
from tutor.search.embed import Embedder
from tutor.study.progress import progress_url, store_url

# The ECS guide is 15 KB and indexes in ~2 s; the 100x synthetic guide (1.7 MB) took 42 s and
# 77 MB of cache in `make bench`; at that rate 512 KiB (~34 ECS guides) is ~13 s and ~24 MB.
MAX_GUIDE_BYTES = 512 * 1024
MAX_STORED_GUIDES = 50  # so at most about 1.2 GB of uploads and their indexes on disk
MAX_OPEN_TUTORS = 4  # uploaded guides' tutors kept in memory, least recently used dropped first
GUIDE_SUFFIXES = (".md", ".markdown", ".txt")
BUILTIN_KEY = "builtin"  # the key of the guide the app was started with
GUIDES_FOLDER = "guides"  # under data_dir (the guides) and under cache_dir (their indexes)

_NAME_CHARS, _SLUG_CHARS = 80, 40
_KEY = re.compile(r"[a-z0-9-]{1,40}-[0-9a-f]{12}")  # <slug>-<sha256[:12]>; 40 is _SLUG_CHARS


class GuideRefused(TutorError):
    """An uploaded guide was not kept: wrong type, too big, empty, broken or nothing to study."""


class GuideNotFound(TutorError):
    """No guide in the library has that key."""


@dataclass(frozen=True)
class StoredGuide:
    """A guide in the library; ``key`` picks its tutor (``BUILTIN_KEY`` for the app's own)."""

    key: str
    title: str
    path: Path
    items: int
    pairs: int


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


def store_guide(
    data_dir: Path | str, filename: str, content: bytes, *, aliases: Path | str = DEFAULT_ALIASES
) -> StoredGuide:
    """Check an uploaded guide and store it under ``data_dir/guides``; ``GuideRefused`` if it
    cannot be studied. The same bytes uploaded again, under any name, give the same file."""
    return _store(Path(data_dir) / GUIDES_FOLDER, filename, content, aliases)[0]


def _store(
    folder: Path, filename: str, content: bytes, aliases: Path | str
) -> tuple[StoredGuide, Guide, bool]:
    """The stored guide, its records, and whether this call stored it (False: it was there)."""
    name = display_name(filename)
    guide = _check(name, content, aliases)
    sha = hashlib.sha256(content).hexdigest()
    folder.mkdir(parents=True, exist_ok=True)
    # One writer at a time, across threads and processes: the count and the write are one step,
    # so concurrent uploads cannot pass the quota together (eight at 48 stored once left 51).
    with FileLock(folder / _LOCK_NAME):
        for path in folder.glob(f"*-{sha[:12]}.md"):
            if _KEY.fullmatch(path.stem) and path.read_bytes() == content:
                return _describe(path, guide), guide, False
        if len(_stored_paths(folder)) >= MAX_STORED_GUIDES:
            raise GuideRefused(
                f"{name}: the library is full ({MAX_STORED_GUIDES} guides); remove one first"
            )
        path = folder / f"{_slug(guide.title)}-{sha[:12]}.md"
        # 0o600: an upload is the learner's; the temporary name is one killed writes'
        # leftovers are known by (swept here and when the library opens).
        files.atomic_write(path, content, prefix=_TEMP_PREFIX, suffix=_TEMP_SUFFIX, mode=0o600)
    return _describe(path, guide), guide, True


def _check(name: str, content: bytes, aliases: Path | str) -> Guide:
    """The parsed guide, or ``GuideRefused`` saying what is wrong and where."""
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
    try:  # in a child process with a time and memory limit: the upload is untrusted
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


def _describe(path: Path, guide: Guide) -> StoredGuide:
    # The parser names an untitled guide after its file; the stored file's name has the hash.
    titled = guide.title != Path(guide.source).stem
    title = guide.title if titled else _title_of_key(path.stem)
    return StoredGuide(path.stem, title, path, len(guide.items), len(guide.pairs))


def _title_of_key(key: str) -> str:
    """An untitled guide's name: its key without the hash (``queue-notes-<sha12>``)."""
    return key.rsplit("-", 1)[0]


def _stored_paths(folder: Path) -> list[Path]:
    """The stored guides: files named by a key (temporary files and anything else are not)."""
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.glob("*.md")
        if _KEY.fullmatch(path.stem) and path.is_file() and not path.is_symlink()
    )


_TEMP_PREFIX, _TEMP_SUFFIX = ".upload-", ".tmp"
_LOCK_NAME = ".store.lock"


class GuideLibrary:
    """The built-in guide and the stored uploads, each with its own tutor; safe across threads.

    All tutors share one embedder, so the model is loaded once. The built-in guide's tutor is the
    one the app was started with (``builtin``); at most ``max_open`` uploads' tutors are kept.

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
        self.folder = Path(settings.data_dir) / GUIDES_FOLDER
        self._builtin = builtin
        self._open: OrderedDict[str, Tutor] = OrderedDict()
        self._described: dict[str, tuple[StoredGuide, Guide]] = {}  # parsed once, in a child
        self._lock = threading.Lock()  # guards _open and _described; held only briefly
        self._build = threading.Lock()  # one index build at a time (same model, same disk)
        files.sweep(self.folder, f"{_TEMP_PREFIX}*{_TEMP_SUFFIX}")

    def guides(self) -> list[StoredGuide]:
        """The built-in guides (studied together, as one) first, then the stored uploads by
        title."""
        own = self.tutor(BUILTIN_KEY).guide
        first = StoredGuide(
            BUILTIN_KEY, own.title, Path(self.settings.guides[0]), len(own.items), len(own.pairs)
        )
        uploads = [
            found[0] for path in _stored_paths(self.folder) if (found := self._summary(path))
        ]
        return [first, *sorted(uploads, key=lambda stored: (stored.title.casefold(), stored.key))]

    def add(self, filename: str, content: bytes) -> StoredGuide:
        """Store an uploaded guide and build its index; ``GuideRefused`` if either fails, and then
        nothing new is left on disk."""
        stored, guide, new = _store(self.folder, filename, content, self.settings.aliases)
        with self._lock:
            self._described[stored.key] = (stored, guide)
        try:
            self.tutor(stored.key)
        except Exception as exc:
            if new:
                self._forget(stored.key)
            name = display_name(filename)
            raise GuideRefused(f"{name}: the guide could not be indexed") from exc
        return stored

    def tutor(self, key: str) -> Tutor:
        """The tutor for a guide's key; ``GuideNotFound`` if the library has no such guide."""
        if key == BUILTIN_KEY:
            return self._builtin_tutor()
        path = self._path_of(key)
        if found := self._cached(key):
            return found
        with self._build:
            if found := self._cached(key):  # opened by another thread while this one waited
                return found
            path = self._path_of(key)  # or removed: an upload that could not be indexed
            cache_dir = Path(self.settings.cache_dir) / GUIDES_FOLDER / key
            # No labelled examples: they are written for the built-in guides' pairs.
            settings = self.settings.with_(guides=(path,), cache_dir=cache_dir, examples="none")
            described = self._summary(path)
            if described is None:  # stored by an older parser, refused by this one
                raise GuideNotFound(f"no guide {key!r} in the library: upload it again")
            opened = Tutor.open(settings, embedder=self.embedder, guide=described[1])
            # Still under _build, so a remove() cannot come between the open and this.
            with self._lock:
                self._open[key] = opened
                while len(self._open) > self.max_open:
                    self._open.popitem(last=False)
        return opened

    def remove(self, key: str) -> StoredGuide:
        """Delete an uploaded guide and its index, and close its tutor; the guide as it was.
        ``GuideNotFound`` for an unknown key; the built-in guide is never removed
        (``GuideRefused``). Another session studying the guide is told to upload it again."""
        if key == BUILTIN_KEY:
            raise GuideRefused("the built-in guide cannot be removed")
        path = self._path_of(key)
        found = self._summary(path)
        gone = found[0] if found else StoredGuide(key, _title_of_key(key), path, 0, 0)
        self._forget(key)
        return gone

    def progress_url(self, key: str) -> str:
        """Where a guide's quiz progress is kept: the built-in guide's as the CLI keeps it
        (``Settings.progress_db``, else ``<data_dir>/progress.db``), an upload's beside it as
        ``<data_dir>/guides/<key>.progress.db``. Removing an upload keeps its progress, so the
        same guide uploaded again finds it."""
        if key == BUILTIN_KEY:
            return store_url(self.settings)
        path = self._path_of(key)
        return progress_url(path.parent, f"{path.stem}.progress.db")

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

    def _path_of(self, key: str) -> Path:
        """The stored file of a key; the key is checked first, so it cannot name another path."""
        path = self.folder / f"{key}.md" if isinstance(key, str) and _KEY.fullmatch(key) else None
        if path is None or not path.is_file() or path.is_symlink():
            shown = key[:60] if isinstance(key, str) else type(key).__name__
            raise GuideNotFound(f"no guide {shown!r} in the library: upload it again")
        return path

    def _summary(self, path: Path) -> tuple[StoredGuide, Guide] | None:
        """A stored guide and its records, parsed in a child process the first time."""
        with self._lock:
            if found := self._described.get(path.stem):
                return found
        try:
            guide = parse_isolated(
                path.read_bytes(), source=path.name, aliases=self.settings.aliases
            )
        except (OSError, GuideFormatError):
            return None  # stored by an older parser that accepted it; not offered for study
        found = (_describe(path, guide), guide)
        with self._lock:
            self._described[path.stem] = found
        return found

    def _forget(self, key: str) -> None:
        with self._build:  # no tutor is opened from these files while they go
            with self._lock:
                self._open.pop(key, None)
                self._described.pop(key, None)
            (self.folder / f"{key}.md").unlink(missing_ok=True)
            shutil.rmtree(Path(self.settings.cache_dir) / GUIDES_FOLDER / key, ignore_errors=True)
