"""Files and folders written whole or not at all, and what killed writes leave behind.

A file meant to be replaced is written under a temporary name in its own folder, synced to disk,
renamed over the old one (``os.replace`` is atomic within a filesystem), and the folder is synced
so that the rename itself outlives a power cut. A reader sees the old file or the new one, never
half of either::

    atomic_write(path, data)               # bytes or str
    with replacing(path) as tmp:           # for writers that want a path (torch, genanki, sqlite)
        torch.onnx.export(model, args, tmp)
    with replacing_folder(folder) as tmp:  # a whole folder (the faiss index and its files)
        (tmp / "docs.json").write_text(...)

A write killed before its rename leaves its temporary file: each write first removes the stale
temporary files of its own target (``sweep``: only those untouched for ``STALE_SECONDS``, as a
younger one may be another process's write in progress). A folder swap killed between its two
renames leaves the old folder set aside: ``recover_folder`` puts it back, and must run under a
lock that keeps every other writer of that folder out (the index holds a ``filelock.FileLock``).
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STALE_SECONDS = 3600  # a temp file this old belongs to a write that died (kill, power cut)
TEMP_SUFFIX = ".tmp"
_TEMP_FOLDER, _RETIRED_FOLDER = ".tmp-", ".old-"  # ".tmp-index-<key>-<token>"


def atomic_write(
    path: Path | str,
    data: bytes | str,
    *,
    encoding: str = "utf-8",
    prefix: str | None = None,
    suffix: str = TEMP_SUFFIX,
    mode: int = 0o666,
) -> Path:
    """Put ``data`` (text is encoded with ``encoding``) at ``path`` whole, replacing any file
    there; on any failure the old file is left as it was and no temporary file is left. See
    ``replacing`` for the other options."""
    raw = data.encode(encoding) if isinstance(data, str) else data
    with replacing(path, prefix=prefix, suffix=suffix, mode=mode) as tmp:
        with open(tmp, "wb") as out:
            out.write(raw)
    return Path(path)


@contextmanager
def replacing(
    path: Path | str,
    *,
    prefix: str | None = None,
    suffix: str = TEMP_SUFFIX,
    mode: int = 0o666,
    overwrite: bool = True,
) -> Iterator[Path]:
    """A new, empty temporary file beside ``path`` to write; when the block ends cleanly it is
    synced and renamed to ``path``, and on any exception it is removed.

    The temporary file is named ``<prefix><random><suffix>`` (``prefix`` defaults to
    ``.<name>.``) and made with ``mode`` less the umask, as ``open`` would. ``overwrite=False``
    never replaces a file already at ``path`` (it is hard-linked into place instead, and
    ``FileExistsError`` says another writer was first)."""
    path = Path(path)
    prefix = f".{path.name}." if prefix is None else prefix
    sweep(path.parent, f"{glob.escape(prefix)}*{glob.escape(suffix)}")
    tmp = _new_file(path.parent, prefix, suffix, mode)
    try:
        yield tmp
        _sync(tmp)
        if overwrite:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)
            tmp.unlink()
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync(path.parent)


@contextmanager
def replacing_folder(folder: Path | str) -> Iterator[Path]:
    """A new, empty temporary folder beside ``folder`` to fill; when the block ends cleanly its
    files are synced and it takes ``folder``'s place (an old ``folder`` is set aside until the
    new one is in, and put back if it cannot be), and on any exception it is removed."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = _new_folder(folder.parent, f"{_TEMP_FOLDER}{folder.name}-")
    try:
        yield tmp
        for path in tmp.iterdir():
            _sync(path)
        _sync(tmp)
        _swap_in(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _sync(folder.parent)


def sweep(folder: Path, pattern: str, *, older_than: float = STALE_SECONDS) -> int:
    """Remove the files of ``folder`` matching ``pattern`` (a glob) that were last written more
    than ``older_than`` seconds ago; the number removed."""
    if not folder.is_dir():
        return 0
    removed = 0
    cutoff = time.time() - older_than
    for leftover in folder.glob(pattern):
        try:
            if leftover.is_file() and not leftover.is_symlink():
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()
                    removed += 1
        except OSError:  # gone already, or not ours to remove: leave it
            continue
    return removed


def recover_folder(folder: Path) -> None:
    """Undo what killed ``replacing_folder`` swaps of ``folder`` left: put back the old folder
    one set aside if ``folder`` is missing, and remove the other temporary and set-aside folders.

    Only under a lock every writer of ``folder`` holds: a live swap's folders look the same."""
    if not folder.exists():
        name = glob.escape(folder.name)
        for retired in sorted(folder.parent.glob(f"{_RETIRED_FOLDER}{name}-*")):
            os.replace(retired, folder)
            break
    remove_leftover_folders(folder.parent, glob.escape(folder.name))


def remove_leftover_folders(parent: Path, pattern: str = "*") -> None:
    """Remove the temporary and set-aside folders that killed swaps of the folders of ``parent``
    named ``pattern`` (a glob) left. Only under a lock every writer of those folders holds."""
    for prefix in (_TEMP_FOLDER, _RETIRED_FOLDER):
        for left in parent.glob(f"{prefix}{pattern}-*"):
            if left.is_dir() and not left.is_symlink():
                shutil.rmtree(left, ignore_errors=True)


def _swap_in(tmp: Path, folder: Path) -> None:
    if not folder.exists():
        os.replace(tmp, folder)
        return
    retired = _new_name(folder.parent, f"{_RETIRED_FOLDER}{folder.name}-", "")
    os.replace(folder, retired)
    try:
        os.replace(tmp, folder)
    except OSError:
        os.replace(retired, folder)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def _new_file(folder: Path, prefix: str, suffix: str, mode: int) -> Path:
    while True:
        path = _new_name(folder, prefix, suffix)
        try:  # O_EXCL: the name is this write's alone, whoever else writes beside it
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode))
        except FileExistsError:
            continue
        return path


def _new_folder(parent: Path, prefix: str) -> Path:
    while True:
        path = _new_name(parent, prefix, "")
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path


def _new_name(folder: Path, prefix: str, suffix: str) -> Path:
    return folder / f"{prefix}{secrets.token_hex(4)}{suffix}"


def _sync(path: Path) -> None:
    """Flush a file's contents, or a folder's names, to disk. A folder some filesystem cannot
    sync is left as it is: the rename is atomic all the same."""
    folder = path.is_dir()
    try:
        handle = os.open(path, os.O_RDONLY)
    except OSError:
        if folder:
            return
        raise
    try:
        os.fsync(handle)
    except OSError:
        if not folder:
            raise
    finally:
        os.close(handle)
