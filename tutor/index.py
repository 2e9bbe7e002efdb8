"""The faiss index over the graph's texts, persisted under the cache directory with a manifest.

Each index lives in ``<cache>/index-<key>/`` where the key hashes the schema version, the model and
the exact texts indexed, so a changed guide, parser or model simply has another key: a stale index
is never opened, and the new one is built next to it. A build is written into a temporary folder
and renamed into place, so a killed build leaves no half-written index behind. Files are checked
against the manifest's SHA-256 sums on load. No pickle: faiss' own binary format and JSON.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import networkx as nx
import numpy as np

from ingest import Paraphrases
from kg.build import ITEM, MISCONCEPTION, SCENARIO, SECTION, STEP

from .embed import Embedder
from .errors import BrokenIndex

SCHEMA = 3
PARAPHRASE = "-paraphrase"  # field suffix of a phrasing kept beside the guide, not in it
FORMAT = "ecs-tutor-index"
_VECTORS, _DOCS, _MANIFEST = "vectors.faiss", "docs.json", "manifest.json"


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

    def search(self, vectors: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        """For each query row, the ``k`` best (doc position, cosine) pairs, best first."""
        k = min(k, len(self.docs))
        scores, ids = self.index.search(np.ascontiguousarray(vectors, dtype=np.float32), k)
        return [
            [(int(i), float(s)) for i, s in zip(row_ids, row_scores, strict=True) if i >= 0]
            for row_ids, row_scores in zip(ids, scores, strict=True)
        ]

    def vectors(self) -> np.ndarray:
        """All stored vectors, in doc order (a flat index keeps them)."""
        return self.index.reconstruct_n(0, self.index.ntotal)


def index_key(docs: list[Doc], model: str) -> str:
    digest = hashlib.sha256(f"{FORMAT} {SCHEMA} {model}\n".encode())
    for doc in docs:
        digest.update(f"{doc.node}\t{doc.field}\t{doc.text}\n".encode())
    return digest.hexdigest()[:16]


def open_index(
    graph: nx.DiGraph,
    embedder: Embedder,
    cache_dir: Path,
    *,
    paraphrases: Paraphrases | None = None,
    guide_sha256: str = "",
    rebuild: bool = False,
) -> VectorIndex:
    """Load the index for this graph and model, building (and saving) it when absent or damaged."""
    docs = documents(graph, paraphrases)
    key = index_key(docs, embedder.name)
    folder = Path(cache_dir) / f"index-{key}"
    if folder.is_dir() and not rebuild:
        try:
            return load_index(folder, expect_key=key)
        except BrokenIndex:
            pass  # damaged on disk: rebuilt below, never used
    built = build_index(docs, embedder, key=key, guide_sha256=guide_sha256)
    save_index(built, folder)
    _remove_others(Path(cache_dir), keep=folder)
    return built


def build_index(docs: list[Doc], embedder: Embedder, *, key: str, guide_sha256: str) -> VectorIndex:
    vectors = embedder([doc.text for doc in docs]).astype(np.float32)
    index = faiss.IndexFlatIP(embedder.dim)
    index.add(vectors)
    manifest = {
        "format": FORMAT,
        "schema": SCHEMA,
        "key": key,
        "model": embedder.name,
        "dim": embedder.dim,
        "guide_sha256": guide_sha256,
        "count": len(docs),
        "index_type": "IndexFlatIP",
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    return VectorIndex(docs, index, manifest)


def save_index(built: VectorIndex, folder: Path) -> None:
    """Write into a temporary sibling folder, then rename it into place."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.parent / f".tmp-{folder.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    faiss.write_index(built.index, str(tmp / _VECTORS))
    (tmp / _DOCS).write_text(json.dumps([asdict(d) for d in built.docs], ensure_ascii=False))
    manifest = dict(built.manifest, files={name: _sha256(tmp / name) for name in (_VECTORS, _DOCS)})
    (tmp / _MANIFEST).write_text(json.dumps(manifest, indent=1))
    for path in tmp.iterdir():
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
    if folder.exists():
        shutil.rmtree(folder)
    os.replace(tmp, folder)
    built.manifest = manifest


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
    return VectorIndex(docs, index, manifest)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _remove_others(cache_dir: Path, *, keep: Path) -> None:
    for old in cache_dir.glob("index-*"):
        if old != keep and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
