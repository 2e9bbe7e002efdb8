"""The embeddings cache kept in each index folder, and the folder's format on disk.

An index folder holds ``vectors.faiss`` and ``docs.json`` (the index), ``embeddings.npy`` (read
with ``allow_pickle=False``) and ``embeddings.json`` (one SHA-256 of model name + text per row:
the cache), and ``manifest.json``: the format and schema version, and the SHA-256 of every other
file. A new build takes the rows of every intact folder for the same model and embeds only the
texts none of them holds; a damaged folder lends nothing. The cache's rows are the docs' in doc
order, then those of the extras (texts embedded with the index but not searched).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import faiss
import numpy as np

from tutor.errors import BrokenIndex
from tutor.search.embed import Embedder, embed

SCHEMA = 4  # 4: embeddings cache beside the index; HNSW above FLAT_MAX texts
FORMAT = "ecs-tutor-index"
VECTORS, DOCS, MANIFEST = "vectors.faiss", "docs.json", "manifest.json"
EMBEDDINGS, EMBEDDING_KEYS = "embeddings.npy", "embeddings.json"
_ROWS_AT_ONCE = 8192  # rows copied out of faiss at a time when saving (~12 MB at 384 dims)


def embedding_key(model: str, text: str) -> str:
    """The cache key of one text's embedding: SHA-256 of the model name and the text."""
    return hashlib.sha256(f"{model}\n{text}".encode()).hexdigest()


def unknown(keys: Sequence[str], known: dict[str, np.ndarray]) -> list[str]:
    """The distinct keys that ``known`` has no row for, in first-seen order."""
    return list(dict.fromkeys(key for key in keys if key not in known))


def embed_texts(
    texts: Sequence[str],
    keys: Sequence[str],
    embedder: Embedder,
    known: dict[str, np.ndarray],
    *,
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, int]:
    """The texts' vectors in order (the rows ``known`` has for their ``keys`` are reused), and
    how many distinct texts had to be embedded; ``progress(n)`` hears of each n embedded."""
    missing = unknown(keys, known)
    fresh: dict[str, np.ndarray] = {}
    if missing:
        text_of = dict(zip(keys, texts, strict=True))
        rows = embed(embedder, [text_of[k] for k in missing], progress=progress or _ignore)
        fresh = dict(zip(missing, np.asarray(rows, dtype=np.float32), strict=True))
    if not keys:  # an empty guide still gets a valid, empty index
        return np.zeros((0, embedder.dim), dtype=np.float32), 0
    vectors = np.stack([fresh[k] if k in fresh else known[k] for k in keys])
    return vectors.astype(np.float32, copy=False), len(missing)


def _ignore(count: int) -> None:
    pass


def cached_embeddings(cache_dir: Path, model: str) -> dict[str, np.ndarray]:
    """Embedding rows by key from every intact index folder built with ``model``."""
    known: dict[str, np.ndarray] = {}
    for folder in sorted(cache_dir.glob("index-*")):
        try:
            keys, rows = embedding_rows(folder, model)
            lent = dict(zip(keys, rows, strict=True))
        except (OSError, ValueError, KeyError, TypeError, BrokenIndex):
            continue  # damaged or of another version: lends nothing, is rebuilt or removed
        known.update(lent)
    return known


def embedding_rows(
    folder: Path, model: str, *, mapped: bool = False, index_checked: bool = False
) -> tuple[list[str], np.ndarray]:
    """The embeddings cache of ``folder``, keys and rows in the order stored (no keys, no rows for
    another model); ``BrokenIndex`` (or an OS or parse error) if any file is damaged. ``mapped``:
    the rows stay on disk (memory-mapped, read-only) until read. ``index_checked``: the index's
    own files were just checked against their sums (``load_index``), so only the cache's are."""
    manifest = json.loads((folder / MANIFEST).read_text())
    check_format(folder, manifest)
    if manifest.get("model") != model:
        return [], np.zeros((0, 0), dtype=np.float32)
    sums = {**({} if index_checked else manifest["files"]), **manifest["cache_files"]}
    for name, expected in sums.items():  # any damage anywhere and nothing of it is trusted
        if sha256(folder / name) != expected:
            raise BrokenIndex(f"{folder / name}: does not match its checksum")
    meta = json.loads((folder / EMBEDDING_KEYS).read_text())
    rows = np.load(folder / EMBEDDINGS, allow_pickle=False, mmap_mode="r" if mapped else None)
    keys = meta["keys"]
    if meta.get("model") != model or rows.dtype != np.float32 or rows.shape[0] != len(keys):
        raise BrokenIndex(f"{folder}: embeddings and keys disagree")
    return keys, rows


def read_extras(folder: Path, manifest: dict, count: int) -> dict[str, np.ndarray]:
    """The extras' rows kept after the ``count`` docs' in the embeddings cache; none if that cache
    is damaged (they are then embedded when first needed, as without them)."""
    try:
        keys, rows = embedding_rows(folder, manifest["model"], mapped=True, index_checked=True)
    except (OSError, ValueError, KeyError, TypeError, BrokenIndex):
        return {}
    # Copied out of the mapping: only the extras are kept in memory, not the docs' rows before
    # them (at 1000x the guide's size those are ~200 MB; faiss holds them already).
    return dict(zip(keys[count:], np.array(rows[count:]), strict=True))


def write_cache(
    folder: Path, index: faiss.Index, model: str, keys: list[str], extras: dict[str, np.ndarray]
) -> tuple[str, str]:
    """The embeddings cache in ``folder``: the rows of ``index`` then those of ``extras``, and
    ``keys``, the key of each row; the names of the files written."""
    _write_rows(folder / EMBEDDINGS, index, extras)
    (folder / EMBEDDING_KEYS).write_text(json.dumps({"model": model, "keys": keys}))
    return EMBEDDINGS, EMBEDDING_KEYS


def _write_rows(path: Path, index: faiss.Index, extras: dict[str, np.ndarray]) -> None:
    """One ``.npy`` of the index's rows, then the extras', written a slice at a time through a
    plain file: no full copy of the vectors is made (at 1000x the guide's size each copy was
    ~200 MB), and a full disk is an ``OSError``, as for the other files (a memory-mapped file
    would take the process down with SIGBUS instead)."""
    count, dim = index.ntotal, index.d
    header = {"descr": "<f4", "fortran_order": False, "shape": (count + len(extras), dim)}
    with open(path, "wb") as out:
        np.lib.format.write_array_header_1_0(out, header)
        for start in range(0, count, _ROWS_AT_ONCE):
            size = min(_ROWS_AT_ONCE, count - start)
            out.write(np.ascontiguousarray(index.reconstruct_n(start, size), "<f4").data)
        for vector in extras.values():
            out.write(np.ascontiguousarray(vector, "<f4").data)


def check_format(folder: Path, manifest: dict) -> None:
    """``BrokenIndex`` unless ``manifest`` is of this format and schema version."""
    if manifest.get("format") != FORMAT or manifest.get("schema") != SCHEMA:
        raise BrokenIndex(f"{folder}: index of another format or schema version")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
