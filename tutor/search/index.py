"""The faiss index over the graph's texts, persisted under the cache directory with a manifest.

Each index lives in ``<cache>/index-<key>/`` where the key hashes the schema version, the model and
the exact texts indexed, so a changed guide, parser or model simply has another key: a stale index
is never opened, and the new one is built next to it. A build is written into a temporary folder
and renamed into place, so a killed build leaves no half-written index behind. Files are checked
against the manifest's SHA-256 sums on load. No pickle: faiss' own binary format and JSON.

Re-ingest is incremental: each folder also keeps its texts' embeddings (``embeddings.npy``, read
with ``allow_pickle=False``, and ``embeddings.json``, one SHA-256 of model name + text per row).
A new build takes the rows of every intact older folder for the same model and embeds only the
texts it has not seen; a damaged folder lends nothing. The same cache also keeps the embeddings
of ``extras``, texts a caller will embed again and again without searching them (the claim
checker's contents of the pairs' phrasings): ``VectorIndex.stored`` hands them out. The faiss
index is exact (flat) while that is cheap and HNSW beyond ``FLAT_MAX`` texts (``tutor.dev.bench``
measures the recall this costs).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import faiss
import networkx as nx
import numpy as np

from ingest import Paraphrases
from kg.build import ITEM, MISCONCEPTION, SCENARIO, SECTION, STEP
from tutor.errors import BrokenIndex, IndexNotSaved
from tutor.search.embed import Embedder

SCHEMA = 4  # 4: embeddings cache beside the index; HNSW above FLAT_MAX texts
PARAPHRASE = "-paraphrase"  # field suffix of a phrasing kept beside the guide, not in it
FORMAT = "ecs-tutor-index"
_VECTORS, _DOCS, _MANIFEST = "vectors.faiss", "docs.json", "manifest.json"
_EMBEDDINGS, _EMBEDDING_KEYS = "embeddings.npy", "embeddings.json"
# Exact search is cheap up to ~10k texts; `make bench` measured 1.0 ms a query over 13.7k (the
# 100x synthetic guide) against 0.24 ms for HNSW with recall@10 0.998 (HNSW build: ~1 s).
FLAT_MAX = 10_000
HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH = 32, 80, 128

# Told the name of each phase of an ingest as it ends ("parse", "graph", "embed", "index"), so a
# benchmark can time the one ingest path there is instead of a copy of it.
Lap = Callable[[str], None]


@dataclass(frozen=True)
class Doc:
    """One embedded text: a field of a graph node (an item's description, a Wrong statement…)."""

    node: str
    field: str
    text: str


def documents(graph: nx.DiGraph, paraphrases: Paraphrases | None = None) -> list[Doc]:
    """The texts worth embedding, in a stable order: one per item, step, scenario and section
    text, and each side of each misconception pair with its extra phrasings."""
    paraphrases = paraphrases or Paraphrases()
    docs: list[Doc] = []
    for node, data in sorted(graph.nodes(data=True)):
        kind = data["type"]
        if kind == MISCONCEPTION:
            more = paraphrases.pairs.get((data["owner"], data["number"]), {})
            for side in ("wrong", "right"):
                docs.append(Doc(node, side, data[side]))
                docs.extend(Doc(node, side + PARAPHRASE, text) for text in more.get(side, ()))
            continue
        if kind in (ITEM, STEP) or (kind == SECTION and data["text"]):
            field = kind
        elif kind == SCENARIO:
            field = data["kind"]
        else:
            continue
        docs.append(Doc(node, field, data["text"]))
        if kind == ITEM or (kind == SCENARIO and field == "worked"):
            more_texts = paraphrases.items.get(data["label"], ())
            docs.extend(Doc(node, field + PARAPHRASE, text) for text in more_texts)
    return docs


def side_of(field: str) -> str | None:
    """ "wrong" or "right" for a doc that states one side of a pair, else None."""
    side = field.removesuffix(PARAPHRASE)
    return side if side in ("wrong", "right") else None


@dataclass
class VectorIndex:
    """Docs, their vectors in faiss, and the manifest that says what they were built from."""

    docs: list[Doc]
    index: faiss.Index
    manifest: dict
    # Texts embedded with the index but not searched (``open_index``'s ``extras``), by key.
    extras: dict[str, np.ndarray] = field(default_factory=dict)
    _positions: dict[str, int] | None = field(default=None, init=False, repr=False)

    def stored(self, text: str) -> np.ndarray | None:
        """The embedding of ``text`` if the index holds it (an indexed text or an extra). An
        indexed text's vector is read from faiss when asked for, not copied at load: at 1000x
        the guide's size that copy would be ~200 MB."""
        if self._positions is None:
            self._positions = {doc.text: i for i, doc in enumerate(self.docs)}
        position = self._positions.get(text)
        if position is not None:
            return self.index.reconstruct(position)
        return self.extras.get(embedding_key(self.manifest["model"], text))

    def search(self, vectors: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        """For each query row, the ``k`` best (doc position, cosine) pairs, best first."""
        k = min(k, len(self.docs))
        scores, ids = self.index.search(np.ascontiguousarray(vectors, dtype=np.float32), k)
        return [
            [(int(i), float(s)) for i, s in zip(row_ids, row_scores, strict=True) if i >= 0]
            for row_ids, row_scores in zip(ids, scores, strict=True)
        ]

    def vectors(self) -> np.ndarray:
        """All stored vectors, in doc order (flat and HNSW-flat indexes both keep them)."""
        return self.index.reconstruct_n(0, self.index.ntotal)


def embedding_key(model: str, text: str) -> str:
    """The cache key of one text's embedding: SHA-256 of the model name and the text."""
    return hashlib.sha256(f"{model}\n{text}".encode()).hexdigest()


def make_faiss_index(vectors: np.ndarray, *, kind: str | None = None) -> faiss.Index:
    """An inner-product index over ``vectors``: ``IndexFlatIP`` up to ``FLAT_MAX`` rows,
    ``IndexHNSWFlat`` beyond (or as ``kind`` says)."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    kind = kind or ("IndexFlatIP" if len(vectors) <= FLAT_MAX else "IndexHNSWFlat")
    if kind == "IndexFlatIP":
        index = faiss.IndexFlatIP(vectors.shape[1])
    elif kind == "IndexHNSWFlat":
        index = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    else:
        raise ValueError(f"unknown index type {kind!r}")
    index.add(vectors)
    return index


def index_key(docs: list[Doc], model: str, extras: Sequence[str] = ()) -> str:
    digest = hashlib.sha256(f"{FORMAT} {SCHEMA} {model}\n".encode())
    for doc in docs:
        digest.update(f"{doc.node}\t{doc.field}\t{doc.text}\n".encode())
    for text in extras:
        digest.update(f"extra\t{text}\n".encode())
    return digest.hexdigest()[:16]


def open_index(
    graph: nx.DiGraph,
    embedder: Embedder,
    cache_dir: Path,
    *,
    paraphrases: Paraphrases | None = None,
    guide_sha256: str = "",
    rebuild: bool = False,
    extras_of: Callable[[list[Doc]], Sequence[str]] | None = None,
    lap: Lap | None = None,
) -> VectorIndex:
    """Load the index for this graph and model, building (and saving) it when absent or damaged.

    ``extras_of(docs)`` gives texts to embed and keep with the index without searching them (the
    claim checker's contents of the pairs' phrasings), so that no query has to embed them.
    ``lap`` (see ``Lap``) hears "embed" and "index" when a build ends those phases."""
    docs = documents(graph, paraphrases)
    extras = distinct_extras(docs, extras_of(docs) if extras_of else ())
    key = index_key(docs, embedder.name, extras)
    folder = Path(cache_dir) / f"index-{key}"
    _restore_retired(folder)
    if folder.is_dir() and not rebuild:
        try:
            return load_index(folder, expect_key=key)
        except BrokenIndex:
            pass  # damaged on disk: rebuilt below, never used
    # --rebuild means "trust nothing on disk": every text is embedded again.
    known = {} if rebuild else cached_embeddings(Path(cache_dir), embedder.name)
    built = build_index(
        docs, embedder, key=key, guide_sha256=guide_sha256, known=known, extras=extras, lap=lap
    )
    save_index(built, folder)
    _remove_others(Path(cache_dir), keep=folder)
    if lap:
        lap("index")
    return built


def distinct_extras(docs: list[Doc], extras: Sequence[str]) -> list[str]:
    """The extras worth keeping: each once, and none that is indexed anyway."""
    indexed = {doc.text for doc in docs}
    return [text for text in dict.fromkeys(extras) if text not in indexed]


def build_index(
    docs: list[Doc],
    embedder: Embedder,
    *,
    key: str,
    guide_sha256: str,
    known: dict[str, np.ndarray] | None = None,
    index_type: str | None = None,
    extras: Sequence[str] = (),
    lap: Lap | None = None,
) -> VectorIndex:
    """Embed the docs and the extras (only texts whose key is not in ``known``) and index the
    docs.

    The manifest says how many texts were embedded afresh and how many came from the cache.
    """
    vectors, embedded = embed_docs(docs, embedder, known or {})
    extra_keys = [embedding_key(embedder.name, text) for text in extras]
    extra_vectors, extra_embedded = embed_texts(list(extras), embedder, known or {})
    if lap:
        lap("embed")
    index = make_faiss_index(vectors, kind=index_type)
    manifest = {
        "format": FORMAT,
        "schema": SCHEMA,
        "key": key,
        "model": embedder.name,
        "dim": int(vectors.shape[1]),
        "guide_sha256": guide_sha256,
        "count": len(docs),
        "extras": len(extras),
        "index_type": type(index).__name__,
        "embedded": embedded + extra_embedded,
        "reused": len(docs) + len(extras) - embedded - extra_embedded,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    return VectorIndex(docs, index, manifest, dict(zip(extra_keys, extra_vectors, strict=True)))


def embed_docs(
    docs: list[Doc], embedder: Embedder, known: dict[str, np.ndarray]
) -> tuple[np.ndarray, int]:
    """The docs' vectors in doc order, and how many distinct texts had to be embedded."""
    return embed_texts([doc.text for doc in docs], embedder, known)


def embed_texts(
    texts: list[str], embedder: Embedder, known: dict[str, np.ndarray]
) -> tuple[np.ndarray, int]:
    """The texts' vectors in order (rows in ``known`` by key are reused), and how many distinct
    texts had to be embedded."""
    keys = [embedding_key(embedder.name, text) for text in texts]
    rows = dict(known)
    missing = list(dict.fromkeys(k for k in keys if k not in rows))
    if missing:
        text_of = dict(zip(keys, texts, strict=True))
        fresh = embedder([text_of[k] for k in missing])
        rows.update(zip(missing, np.asarray(fresh, dtype=np.float32), strict=True))
    if not keys:  # an empty guide still gets a valid, empty index
        return np.zeros((0, embedder.dim), dtype=np.float32), 0
    return np.stack([rows[k] for k in keys]).astype(np.float32, copy=False), len(missing)


def cached_embeddings(cache_dir: Path, model: str) -> dict[str, np.ndarray]:
    """Embedding rows by key from every intact index folder built with ``model``."""
    known: dict[str, np.ndarray] = {}
    for folder in sorted(cache_dir.glob("index-*")):
        try:
            known.update(_read_embeddings(folder, model))
        except (OSError, ValueError, KeyError, TypeError, BrokenIndex):
            continue  # damaged or of another version: lends nothing, is rebuilt or removed
    return known


def _read_embeddings(folder: Path, model: str) -> dict[str, np.ndarray]:
    keys, rows = _embedding_rows(folder, model)
    return dict(zip(keys, rows, strict=True))


def _embedding_rows(
    folder: Path, model: str, *, mapped: bool = False, index_checked: bool = False
) -> tuple[list[str], np.ndarray]:
    """The embeddings cache of ``folder``, keys and rows in the order stored (no keys, no rows for
    another model); ``BrokenIndex`` (or an OS or parse error) if any file is damaged. ``mapped``:
    the rows stay on disk (memory-mapped, read-only) until read. ``index_checked``: the index's
    own files were just checked against their sums (``load_index``), so only the cache's are."""
    manifest = json.loads((folder / _MANIFEST).read_text())
    if manifest.get("format") != FORMAT or manifest.get("schema") != SCHEMA:
        raise BrokenIndex(f"{folder}: another format or schema version")
    if manifest.get("model") != model:
        return [], np.zeros((0, 0), dtype=np.float32)
    sums = {**({} if index_checked else manifest["files"]), **manifest["cache_files"]}
    for name, expected in sums.items():  # any damage anywhere and nothing of it is trusted
        if _sha256(folder / name) != expected:
            raise BrokenIndex(f"{folder / name}: does not match its checksum")
    meta = json.loads((folder / _EMBEDDING_KEYS).read_text())
    rows = np.load(folder / _EMBEDDINGS, allow_pickle=False, mmap_mode="r" if mapped else None)
    keys = meta["keys"]
    if meta.get("model") != model or rows.dtype != np.float32 or rows.shape[0] != len(keys):
        raise BrokenIndex(f"{folder}: embeddings and keys disagree")
    return keys, rows


def save_index(built: VectorIndex, folder: Path) -> None:
    """Write into a temporary sibling folder, then rename it into place. ``IndexNotSaved`` if the
    cache cannot be written (a full disk): the temporary folder is removed, any index already in
    place is kept, and nothing half-written is left."""
    tmp = folder.parent / f".tmp-{folder.name}-{os.getpid()}"
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        manifest = _write_files(built, tmp)
        _swap_in(tmp, folder)
    except (OSError, RuntimeError) as exc:  # faiss raises RuntimeError for its own writes
        shutil.rmtree(tmp, ignore_errors=True)
        raise IndexNotSaved(
            f"could not write the index cache in {folder.parent.name}: {_reason(exc)}"
        ) from None
    built.manifest = manifest


def _write_files(built: VectorIndex, tmp: Path) -> dict:
    """The index's files and their manifest in ``tmp``, synced to disk; the manifest written."""
    with open(tmp / _VECTORS, "wb") as out:  # through Python: a full disk is an OSError
        faiss.write_index(built.index, faiss.PyCallbackIOWriter(out.write))
    (tmp / _DOCS).write_text(json.dumps([asdict(d) for d in built.docs], ensure_ascii=False))
    model = built.manifest["model"]
    _write_rows(tmp / _EMBEDDINGS, built)
    keys = [embedding_key(model, doc.text) for doc in built.docs] + list(built.extras)
    (tmp / _EMBEDDING_KEYS).write_text(json.dumps({"model": model, "keys": keys}))
    manifest = dict(
        built.manifest,
        files={name: _sha256(tmp / name) for name in (_VECTORS, _DOCS)},
        cache_files={name: _sha256(tmp / name) for name in (_EMBEDDINGS, _EMBEDDING_KEYS)},
    )
    (tmp / _MANIFEST).write_text(json.dumps(manifest, indent=1))
    for path in tmp.iterdir():
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
    return manifest


def _swap_in(tmp: Path, folder: Path) -> None:
    """Rename ``tmp`` to ``folder``. The same key (a rebuild): the old one is set aside until the
    new one is in, and put back if it cannot be."""
    if not folder.exists():
        os.replace(tmp, folder)
        return
    retired = folder.parent / f".old-{folder.name}-{os.getpid()}"
    shutil.rmtree(retired, ignore_errors=True)
    os.replace(folder, retired)
    try:
        os.replace(tmp, folder)
    except OSError:
        os.replace(retired, folder)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def _reason(exc: Exception) -> str:
    """What went wrong, without paths: "No space left on device". faiss ends its messages with
    the system's reason in brackets ("write error in /x/vectors.faiss: 0 != 1536 (File too
    large)")."""
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    found = re.search(r"\(([^()]+)\)\s*$", str(exc))
    return found[1] if found else f"faiss could not write {_VECTORS}"


_ROWS_AT_ONCE = 8192  # rows copied out of faiss at a time when saving (~12 MB at 384 dims)


def _write_rows(path: Path, built: VectorIndex) -> None:
    """The embeddings cache as one ``.npy`` of the docs' rows, then the extras', written a slice
    at a time through a plain file: no full copy of the vectors is made (at 1000x the guide's
    size each copy was ~200 MB), and a full disk is an ``OSError``, as for the other files (a
    memory-mapped file would take the process down with SIGBUS instead)."""
    count, dim = built.index.ntotal, built.index.d
    header = {"descr": "<f4", "fortran_order": False, "shape": (count + len(built.extras), dim)}
    with open(path, "wb") as out:
        np.lib.format.write_array_header_1_0(out, header)
        for start in range(0, count, _ROWS_AT_ONCE):
            size = min(_ROWS_AT_ONCE, count - start)
            out.write(np.ascontiguousarray(built.index.reconstruct_n(start, size), "<f4").data)
        for vector in built.extras.values():
            out.write(np.ascontiguousarray(vector, "<f4").data)


def load_index(folder: Path, *, expect_key: str | None = None) -> VectorIndex:
    """Open a saved index; ``BrokenIndex`` if anything is missing, altered or of another version."""
    try:
        manifest = json.loads((folder / _MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BrokenIndex(f"{folder}: unreadable manifest ({exc})") from exc
    if manifest.get("format") != FORMAT or manifest.get("schema") != SCHEMA:
        raise BrokenIndex(f"{folder}: index of another format or schema version")
    if expect_key is not None and manifest.get("key") != expect_key:
        raise BrokenIndex(f"{folder}: index built from other texts or another model")
    for name in (_VECTORS, _DOCS):
        path = folder / name
        if not path.is_file() or _sha256(path) != manifest.get("files", {}).get(name):
            raise BrokenIndex(f"{folder / name}: missing or does not match its checksum")
    try:
        docs = [Doc(**row) for row in json.loads((folder / _DOCS).read_text())]
        index = faiss.read_index(str(folder / _VECTORS))
    except (OSError, ValueError, TypeError, RuntimeError) as exc:
        raise BrokenIndex(f"{folder}: cannot read the index ({exc})") from exc
    if index.ntotal != len(docs) or index.d != manifest.get("dim"):
        raise BrokenIndex(f"{folder}: vectors and texts disagree")
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = HNSW_EF_SEARCH
    return VectorIndex(docs, index, manifest, _read_extras(folder, manifest, len(docs)))


def _read_extras(folder: Path, manifest: dict, count: int) -> dict[str, np.ndarray]:
    """The extras' rows kept after the docs' in the embeddings cache; none if that cache is
    damaged (they are then embedded when first needed, as without them)."""
    try:
        keys, rows = _embedding_rows(folder, manifest["model"], mapped=True, index_checked=True)
    except (OSError, ValueError, KeyError, TypeError, BrokenIndex):
        return {}
    # Copied out of the mapping: only the extras are kept in memory, not the docs' rows before
    # them (at 1000x the guide's size those are ~200 MB; faiss holds them already).
    return dict(zip(keys[count:], np.array(rows[count:]), strict=True))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _remove_others(cache_dir: Path, *, keep: Path) -> None:
    """Remove other indexes, and what killed builds left behind (their process is gone)."""
    for old in cache_dir.glob("index-*"):
        if old != keep and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    for left in [*cache_dir.glob(".tmp-index-*"), *cache_dir.glob(".old-index-*")]:
        pid = left.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(left, ignore_errors=True)


def _restore_retired(folder: Path) -> None:
    """Put back an index set aside by a rebuild that was killed before the new one was in."""
    if folder.exists():
        return
    for retired in sorted(folder.parent.glob(f".old-{folder.name}-*")):
        pid = retired.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            os.replace(retired, folder)
            return


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
