"""The faiss index over the graph's texts, persisted under the cache directory with a manifest.

Each index lives in ``<cache>/index-<key>/`` where the key hashes the schema version, the model and
the exact texts indexed, so a changed guide, parser or model simply has another key: a stale index
is never opened, and the new one is built next to it. A build is written into a temporary folder
and renamed into place (``tutor.files.replacing_folder``), so a killed build leaves no
half-written index behind, and one process at a time builds in a cache folder (a
``filelock.FileLock`` on ``<cache>/.index.lock``): a second one waits, then loads what the first
built. Files are checked against the manifest's SHA-256 sums on load. No pickle: faiss' own binary
format and JSON.

Re-ingest is incremental: each folder also keeps its texts' embeddings (``tutor.search.cache``),
and a new build embeds only the texts no intact older folder holds. The same cache also keeps the
embeddings of ``extras``, texts a caller will embed again and again without searching them (the
claim checker's contents of the pairs' phrasings): ``VectorIndex.stored`` hands them out. The
faiss index is exact (flat) while that is cheap and HNSW beyond ``FLAT_MAX`` texts
(``tutor.dev.bench`` measures the recall this costs).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import faiss
import networkx as nx
import numpy as np
from filelock import FileLock

from ingest import Paraphrases
from kg.build import ITEM, MISCONCEPTION, SCENARIO, SECTION, STEP
from tutor import files
from tutor.errors import BrokenIndex, IndexNotSaved
from tutor.search.cache import (
    DOCS,
    FORMAT,
    MANIFEST,
    SCHEMA,
    VECTORS,
    cached_embeddings,
    check_format,
    embed_texts,
    embedding_key,
    read_extras,
    sha256,
    unknown,
    write_cache,
)
from tutor.search.embed import Embedder, progress_bar

PARAPHRASE = "-paraphrase"  # field suffix of a phrasing kept beside the guide, not in it
_LOCK = ".index.lock"  # in the cache folder: one build at a time there, across processes
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
            # faiss's stub picks its torch overload when no output array is passed
            return self.index.reconstruct(position)  # type: ignore[return-value]
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


def make_faiss_index(vectors: np.ndarray, *, kind: str | None = None) -> faiss.Index:
    """An inner-product index over ``vectors``: ``IndexFlatIP`` up to ``FLAT_MAX`` rows,
    ``IndexHNSWFlat`` beyond (or as ``kind`` says)."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    kind = kind or ("IndexFlatIP" if len(vectors) <= FLAT_MAX else "IndexHNSWFlat")
    index: faiss.Index
    if kind == "IndexFlatIP":
        index = faiss.IndexFlatIP(vectors.shape[1])
    elif kind == "IndexHNSWFlat":
        hnsw_index = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
        hnsw_index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        hnsw_index.hnsw.efSearch = HNSW_EF_SEARCH
        index = hnsw_index
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
    cache_dir = Path(cache_dir)
    folder = cache_dir / f"index-{key}"
    if not rebuild and (found := _load_intact(folder, key)) is not None:
        return found
    with _building(cache_dir):
        files.recover_folder(folder)  # what a build killed part-way left
        if not rebuild and (found := _load_intact(folder, key)) is not None:
            return found  # built by another process while this one waited, or put back
        # --rebuild means "trust nothing on disk": every text is embedded again.
        known = {} if rebuild else cached_embeddings(cache_dir, embedder.name)
        built = build_index(
            docs, embedder, key=key, guide_sha256=guide_sha256, known=known, extras=extras, lap=lap
        )
        save_index(built, folder)
        _remove_others(cache_dir, keep=folder)
    if lap:
        lap("index")
    return built


def _load_intact(folder: Path, key: str) -> VectorIndex | None:
    if not folder.is_dir():
        return None
    try:
        return load_index(folder, expect_key=key)
    except BrokenIndex:
        return None  # damaged on disk: rebuilt, never used


@contextmanager
def _building(cache_dir: Path) -> Iterator[None]:
    """Hold the cache folder's build lock; ``IndexNotSaved`` if the folder cannot be written."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(cache_dir / _LOCK)
        lock.acquire()
    except OSError as exc:
        raise IndexNotSaved(
            f"could not write the index cache in {cache_dir.name}: {_reason(exc)}"
        ) from None
    try:
        yield
    finally:
        lock.release()


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
    docs; a bar on stderr shows the embedding (``progress_bar``).

    The manifest says how many texts were embedded afresh and how many came from the cache.
    """
    known = known or {}
    texts = [doc.text for doc in docs]
    keys = [embedding_key(embedder.name, text) for text in texts]
    extra_keys = [embedding_key(embedder.name, text) for text in extras]
    todo = len(unknown(keys, known)) + len(unknown(extra_keys, known))
    if todo:
        _ = embedder.dim  # the model loads (and is exported, once) before the bar's clock starts
    # Docs and extras are embedded in two calls, as always: one call would batch the texts
    # differently and change the vectors in their last bits.
    with progress_bar(todo, f"Embedding the guide: {todo:,} texts", unit="text") as bar:
        vectors, embedded = embed_texts(texts, keys, embedder, known, progress=bar.update)
        extra_vectors, extra_embedded = embed_texts(
            extras, extra_keys, embedder, known, progress=bar.update
        )
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


def save_index(built: VectorIndex, folder: Path) -> None:
    """Write the index into a temporary sibling folder, then rename it into place.
    ``IndexNotSaved`` if the cache cannot be written (a full disk): the temporary folder is
    removed, any index already in place is kept, and nothing half-written is left."""
    try:
        with files.replacing_folder(folder) as tmp:
            manifest = _write_files(built, tmp)
    except (OSError, RuntimeError) as exc:  # faiss raises RuntimeError for its own writes
        raise IndexNotSaved(
            f"could not write the index cache in {folder.parent.name}: {_reason(exc)}"
        ) from None
    built.manifest = manifest


def _write_files(built: VectorIndex, tmp: Path) -> dict:
    """The index's files and their manifest in ``tmp``; the manifest written."""
    with open(tmp / VECTORS, "wb") as out:  # through Python: a full disk is an OSError
        # faiss's stub leaves out PyCallbackIOWriter (swigfaiss.py defines it)
        writer = faiss.PyCallbackIOWriter(out.write)  # type: ignore[attr-defined]
        faiss.write_index(built.index, writer)
    (tmp / DOCS).write_text(json.dumps([asdict(d) for d in built.docs], ensure_ascii=False))
    model = built.manifest["model"]
    keys = [embedding_key(model, doc.text) for doc in built.docs] + list(built.extras)
    cache_files = write_cache(tmp, built.index, model, keys, built.extras)
    manifest = dict(
        built.manifest,
        files={name: sha256(tmp / name) for name in (VECTORS, DOCS)},
        cache_files={name: sha256(tmp / name) for name in cache_files},
    )
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return manifest


def _reason(exc: Exception) -> str:
    """What went wrong, without paths: "No space left on device". faiss ends its messages with
    the system's reason in brackets ("write error in /x/vectors.faiss: 0 != 1536 (File too
    large)")."""
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    found = re.search(r"\(([^()]+)\)\s*$", str(exc))
    return found[1] if found else f"faiss could not write {VECTORS}"


def load_index(folder: Path, *, expect_key: str | None = None) -> VectorIndex:
    """Open a saved index; ``BrokenIndex`` if anything is missing, altered or of another version."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BrokenIndex(f"{folder}: unreadable manifest ({exc})") from exc
    check_format(folder, manifest)
    if expect_key is not None and manifest.get("key") != expect_key:
        raise BrokenIndex(f"{folder}: index built from other texts or another model")
    for name in (VECTORS, DOCS):
        path = folder / name
        if not path.is_file() or sha256(path) != manifest.get("files", {}).get(name):
            raise BrokenIndex(f"{folder / name}: missing or does not match its checksum")
    try:
        docs = [Doc(**row) for row in json.loads((folder / DOCS).read_text())]
        index = faiss.read_index(str(folder / VECTORS))
    except (OSError, ValueError, TypeError, RuntimeError) as exc:
        raise BrokenIndex(f"{folder}: cannot read the index ({exc})") from exc
    if index.ntotal != len(docs) or index.d != manifest.get("dim"):
        raise BrokenIndex(f"{folder}: vectors and texts disagree")
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = HNSW_EF_SEARCH
    return VectorIndex(docs, index, manifest, read_extras(folder, manifest, len(docs)))


def _remove_others(cache_dir: Path, *, keep: Path) -> None:
    """Remove other indexes, and what killed builds left behind (under the build lock: no
    other build is running)."""
    for old in cache_dir.glob("index-*"):
        if old != keep and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    files.remove_leftover_folders(cache_dir, "index-*")
