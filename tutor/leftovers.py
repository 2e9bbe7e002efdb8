"""Temporary files that a write left behind when it was killed, and their removal.

Files are written under a temporary name and renamed into place (the library's uploads, the
model's ONNX export); a write killed in between leaves its temporary file. Only old ones are
removed: a young one may be another process's write in progress.
"""

from __future__ import annotations

import time
from pathlib import Path

STALE_SECONDS = 3600  # a temp file this old belongs to a write that died (kill, power cut)


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
