"""Saving the index when the cache cannot be written (a full disk): one line naming the cache
folder and the reason, no traceback, and no temporary or half-written folder left behind."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import faiss
import pytest
from conftest import CountingEmbedder

from tutor import Settings, Tutor
from tutor.errors import IndexNotSaved
from tutor.search.index import build_index, documents, load_index, save_index

PROJECT = Path(__file__).resolve().parent.parent
# What faiss itself raises when its write() fails (its message ends with the system's reason).
FAISS_FULL = (
    "Error in void faiss::write_index(const Index*, IOWriter*, int) at index_write.cpp:499: "
    "Error: 'ret == (size * 4)' failed: write error in /srv/cache/.tmp-index-k-1/vectors.faiss: "
    "0 != 1536000 (No space left on device)"
)


@pytest.fixture(scope="module")
def small(graph, embedder):
    """A real index of the guide's first 20 texts."""
    return build_index(documents(graph)[:20], embedder, key="k", guide_sha256="")


def _fail_with(message: str):
    def write_index(*args):
        raise RuntimeError(message)

    return write_index


@pytest.mark.parametrize(
    ("raised", "reason"),
    [
        (FAISS_FULL, "No space left on device"),
        ("Error in faiss::write_index: unsupported", "faiss could not write vectors.faiss"),
    ],
    ids=["with the system's reason", "without one"],
)
def test_a_faiss_write_error_is_one_line_and_leaves_no_temporary_folder(
    tmp_path, monkeypatch, small, raised, reason
):
    cache = tmp_path / "cache"
    monkeypatch.setattr(faiss, "write_index", _fail_with(raised))
    with pytest.raises(IndexNotSaved) as failed:
        save_index(small, cache / "index-k")
    assert str(failed.value) == f"could not write the index cache in cache: {reason}"
    assert list(cache.iterdir()) == []


def test_a_failed_rebuild_keeps_the_index_already_in_place(tmp_path, monkeypatch, small):
    folder = tmp_path / "cache" / "index-k"
    save_index(small, folder)
    saved = {p.name: p.read_bytes() for p in folder.iterdir()}
    monkeypatch.setattr(faiss, "write_index", _fail_with(FAISS_FULL))
    with pytest.raises(IndexNotSaved):
        save_index(small, folder)
    assert [p.name for p in folder.parent.iterdir()] == ["index-k"]
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == saved
    assert load_index(folder, expect_key="k").docs == small.docs


# A process whose files may not grow past a limit: a write beyond it fails with EFBIG, as a full
# disk fails with ENOSPC (SIGXFSZ ignored, or the kernel would end the process instead).
_SAVE_UNDER_A_LIMIT = """
import resource, signal, sys
from pathlib import Path

import numpy as np

from tutor.errors import IndexNotSaved
from tutor.search.index import Doc, VectorIndex, make_faiss_index, save_index

limit, cache = int(sys.argv[1]), Path(sys.argv[2])
rows = np.random.default_rng(0).random((150, 64), dtype=np.float32)
docs = [Doc(f"n{i}", "item", f"text {i}") for i in range(100)]
extras = {f"extra {i}": rows[100 + i] for i in range(50)}
built = VectorIndex(docs, make_faiss_index(rows[:100]), {"model": "m"}, extras)
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
try:
    save_index(built, cache / "index-k")
except IndexNotSaved as exc:
    print(exc)
"""


@pytest.mark.parametrize(
    "limit",
    [
        10_000,  # vectors.faiss holds 100 x 64 x 4 = 25,600 bytes of vectors: faiss' write fails
        30_000,  # it fits; embeddings.npy (150 rows, 38,528 bytes) does not
    ],
    ids=["in the vectors", "in the embeddings cache"],
)
def test_a_file_that_cannot_grow_is_one_line_and_leaves_no_temporary_folder(tmp_path, limit):
    cache = tmp_path / "cache"
    done = subprocess.run(
        [sys.executable, "-c", _SAVE_UNDER_A_LIMIT, str(limit), str(cache)],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        timeout=120,
    )
    assert (done.returncode, done.stderr) == (0, "")  # no traceback
    assert done.stdout == "could not write the index cache in cache: File too large\n"
    assert list(cache.iterdir()) == []


def test_a_damaged_index_with_a_full_disk_at_start_up_stops_the_tutor_in_one_line(
    tmp_path, monkeypatch, tutor, embedder, cache_dir
):
    key = tutor.index.manifest["key"]
    cache = tmp_path / "cache"
    cache.mkdir()
    # An intact index of an older guide lends its embeddings, so the rebuild embeds nothing.
    shutil.copytree(cache_dir / f"index-{key}", cache / "index-0000000000000000")
    shutil.copytree(cache_dir / f"index-{key}", cache / f"index-{key}")
    (cache / f"index-{key}" / "vectors.faiss").write_bytes(b"damaged")
    monkeypatch.setattr(faiss, "write_index", _fail_with(FAISS_FULL))
    counting = CountingEmbedder(embedder)
    with pytest.raises(IndexNotSaved) as failed:
        Tutor.open(Settings(cache_dir=cache), embedder=counting)
    assert counting.texts == 0  # rebuilt from the lent embeddings, then not saved
    assert str(failed.value) == "could not write the index cache in cache: No space left on device"
    assert sorted(p.name for p in cache.iterdir()) == [
        ".index.lock",  # the build lock's file stays: one build at a time in a cache folder
        "index-0000000000000000",
        f"index-{key}",
    ]
    assert (cache / f"index-{key}" / "vectors.faiss").read_bytes() == b"damaged"
