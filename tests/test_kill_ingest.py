"""Index faults: a real ``ecs-tutor ingest`` killed with SIGKILL leaves the previous index usable,
and a damaged index is never used. (Truncation, a flipped byte, an unreadable manifest and an old
schema are in test_index.py.)"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import CountingEmbedder

from tutor import BrokenIndex, Settings, Tutor
from tutor.config import DEFAULT_GUIDE
from tutor.search.index import load_index

pytestmark = pytest.mark.slow  # kills real builds

# Runs the real CLI, but holds it at one point of the build so that the test can kill it there.
_HELD_INGEST = """
import sys, time
import faiss
from tutor.search.embed import SentenceEmbedder

HOLD = sys.argv.pop(1)
real_write, real_embed = faiss.write_index, SentenceEmbedder.__call__

def write_then_hold(index, path):  # the temp folder has its vectors, no texts, no manifest
    real_write(index, path)
    time.sleep(300)

def embed_then_hold(self, texts, **options):
    vectors = real_embed(self, texts, **options)
    print("embedding", flush=True)
    time.sleep(300)
    return vectors

if HOLD == "writing":
    faiss.write_index = write_then_hold
else:
    SentenceEmbedder.__call__ = embed_then_hold
from tutor.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def cache(tutor, cache_dir, tmp_path):
    """A copy of the session's cache: one complete index for the real guide."""
    copy = tmp_path / "cache"
    shutil.copytree(cache_dir, copy)
    return copy


def _changed_guide(tmp_path: Path) -> Path:
    folder = tmp_path / "guide"
    folder.mkdir()
    text = DEFAULT_GUIDE.read_text(encoding="utf-8")
    changed = text.replace("Logical grouping of tasks or services.", "A pool of capacity.", 1)
    assert changed != text
    (folder / DEFAULT_GUIDE.name).write_text(changed, encoding="utf-8")
    for extra in DEFAULT_GUIDE.parent.glob(f"{DEFAULT_GUIDE.stem}.*.json"):
        shutil.copy(extra, folder / extra.name)
    return folder / DEFAULT_GUIDE.name


def _kill_when(process: subprocess.Popen, ready, *, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the ingest never reached the point to kill it at"
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


@pytest.mark.parametrize("moment", ["embedding", "writing"])
def test_an_ingest_killed_mid_build_leaves_the_previous_index_usable(
    cache, embedder, tmp_path, moment
):
    (old,) = cache.glob("index-*")
    before = _files(old)
    command = [sys.executable, "-c", _HELD_INGEST, moment, "--cache-dir", str(cache)]
    command += ["--guide", str(_changed_guide(tmp_path)), "--examples", "none", "ingest"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if moment == "embedding":
        _kill_when(process, lambda: process.stdout.readline() == "embedding\n")
        assert list(cache.glob(".tmp-*")) == []
    else:
        _kill_when(
            process, lambda: any((t / "vectors.faiss").is_file() for t in cache.glob(".tmp-*"))
        )
        (half,) = cache.glob(".tmp-*")
        assert not (half / "manifest.json").exists()
        with pytest.raises(BrokenIndex):
            load_index(half)  # a half-written folder is not an index
    # The previous index is untouched, and the tutor on the original guide loads it: nothing
    # embedded again, the same index key.
    assert [p.name for p in cache.glob("index-*")] == [old.name]
    assert _files(old) == before
    counting = CountingEmbedder(embedder)
    reopened = Tutor.open(Settings(cache_dir=cache), embedder=counting)
    assert counting.texts == 0
    assert f"index-{reopened.index.manifest['key']}" == old.name
    assert reopened.ask("What is a cluster?").sources[0].title == "Clusters"


def test_the_next_build_clears_what_a_killed_build_left(cache, embedder, tmp_path):
    (old,) = cache.glob("index-*")
    left = cache / f".tmp-{old.name}-999999999"
    shutil.copytree(old, left)
    (left / "manifest.json").unlink()
    Tutor.open(Settings(cache_dir=cache), embedder=embedder, rebuild=True)
    assert list(cache.glob(".tmp-*")) == []


def _damage(folder: Path, how: str) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    if how == "docs edited":
        docs = json.loads((folder / "docs.json").read_text())
        docs[0]["text"] = "Fargate needs you to patch its servers."  # a lie, if it were used
        (folder / "docs.json").write_text(json.dumps(docs))
    elif how == "docs missing":
        (folder / "docs.json").unlink()
    elif how == "vectors missing":
        (folder / "vectors.faiss").unlink()
    elif how == "manifest missing":
        (folder / "manifest.json").unlink()
    elif how == "manifest cut in half":
        raw = (folder / "manifest.json").read_bytes()
        (folder / "manifest.json").write_bytes(raw[: len(raw) // 2])
    elif how == "another format":
        (folder / "manifest.json").write_text(json.dumps(dict(manifest, format="other")))
    elif how == "a newer schema":
        (folder / "manifest.json").write_text(json.dumps(dict(manifest, schema=999)))
    elif how == "checksums removed":
        (folder / "manifest.json").write_text(json.dumps(dict(manifest, files={})))
    elif how == "docs cut, checksum updated":
        import hashlib

        docs = json.loads((folder / "docs.json").read_text())
        data = json.dumps(docs[:-1]).encode()
        (folder / "docs.json").write_bytes(data)
        files = dict(manifest["files"], **{"docs.json": hashlib.sha256(data).hexdigest()})
        (folder / "manifest.json").write_text(json.dumps(dict(manifest, files=files)))
    elif how == "another dimension":
        (folder / "manifest.json").write_text(json.dumps(dict(manifest, dim=manifest["dim"] + 1)))


DAMAGE = [
    "docs edited",
    "docs missing",
    "vectors missing",
    "manifest missing",
    "manifest cut in half",
    "another format",
    "a newer schema",
    "checksums removed",
    "docs cut, checksum updated",
    "another dimension",
]


@pytest.mark.parametrize("how", DAMAGE)
def test_a_damaged_index_is_refused_on_load(cache, how):
    (folder,) = cache.glob("index-*")
    key = json.loads((folder / "manifest.json").read_text())["key"]
    _damage(folder, how)
    with pytest.raises(BrokenIndex):
        load_index(folder, expect_key=key)


def test_an_index_under_another_key_is_refused(cache):
    (folder,) = cache.glob("index-*")
    with pytest.raises(BrokenIndex, match="other texts or another model"):
        load_index(folder, expect_key="0" * 16)


def test_edited_texts_are_rebuilt_never_answered_from(cache, embedder, tutor):
    (folder,) = cache.glob("index-*")
    _damage(folder, "docs edited")
    reopened = Tutor.open(Settings(cache_dir=cache), embedder=embedder)
    assert [d.text for d in reopened.index.docs] == [d.text for d in tutor.index.docs]
    assert load_index(folder).docs == tutor.index.docs


def test_an_index_set_aside_by_a_killed_rebuild_is_put_back(cache, embedder):
    (folder,) = cache.glob("index-*")
    folder.rename(cache / f".old-{folder.name}-999999999")  # killed between the two renames
    counting = CountingEmbedder(embedder)
    tutor = Tutor.open(Settings(cache_dir=cache), embedder=counting)
    assert counting.texts == 0
    assert folder.is_dir() and tutor.index.manifest["key"] in folder.name
