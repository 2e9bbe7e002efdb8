"""Issue 5: incremental re-ingest (embeddings cached by content hash), the index type chosen by
size, and ``ecs-tutor dev bench`` end to end. Timings are measured by the bench, never asserted."""

import json

import networkx as nx
import numpy as np
import pytest
from conftest import CountingEmbedder

from ingest import read_studied_guides
from tutor import Settings, Tutor
from tutor.cli import main
from tutor.dev.bench import BENCH_FORMAT, format_table
from tutor.dev.synth import write_synthetic_guide
from tutor.search.index import (
    FLAT_MAX,
    documents,
    embedding_key,
    make_faiss_index,
    open_index,
)

pytestmark = pytest.mark.slow  # runs the benchmark end to end

FARGATE = "item:Key Concepts > ECS Modes > Fargate"


def test_a_changed_text_re_embeds_only_itself(graph, embedder, tmp_path):
    open_index(graph, embedder, tmp_path)
    changed = graph.copy()
    changed.nodes[FARGATE]["text"] = "Fargate: serverless compute, priced per task."
    counting = CountingEmbedder(embedder)
    built = open_index(changed, counting, tmp_path)
    assert counting.texts == 1
    assert (built.manifest["embedded"], built.manifest["reused"]) == (1, len(built.docs) - 1)


def test_the_same_texts_under_a_new_key_are_not_embedded_again(graph, embedder, tmp_path):
    open_index(graph, embedder, tmp_path)
    (old,) = tmp_path.glob("index-*")
    renamed = nx.relabel_nodes(graph, {FARGATE: FARGATE + " (renamed)"})
    counting = CountingEmbedder(embedder)
    reopened = open_index(renamed, counting, tmp_path)
    (new,) = tmp_path.glob("index-*")
    assert new != old and counting.texts == 0
    assert reopened.manifest["reused"] == len(reopened.docs)


def test_cached_rows_equal_fresh_embeddings(graph, embedder, tmp_path):
    first = open_index(graph, embedder, tmp_path)
    changed = graph.copy()
    changed.nodes[FARGATE]["text"] = "Fargate runs containers with no servers to manage."
    second = open_index(changed, embedder, tmp_path)
    same = [i for i, d in enumerate(second.docs) if d.node != FARGATE or d.field != "item"]
    assert np.allclose(second.vectors()[same], first.vectors()[same], atol=1e-6)


def test_rebuild_embeds_everything_again(graph, embedder, tmp_path):
    open_index(graph, embedder, tmp_path)
    counting = CountingEmbedder(embedder)
    open_index(graph, counting, tmp_path, rebuild=True)
    assert counting.texts == len({d.text for d in documents(graph)})


def test_the_cache_is_npy_and_json_keyed_by_model_and_text(graph, embedder, tmp_path):
    built = open_index(graph, embedder, tmp_path)
    (folder,) = tmp_path.glob("index-*")
    rows = np.load(folder / "embeddings.npy", allow_pickle=False)
    meta = json.loads((folder / "embeddings.json").read_text())
    assert meta["keys"][0] == embedding_key(embedder.name, built.docs[0].text)
    assert len(meta["keys"][0]) == 64 and rows.shape == (len(built.docs), embedder.dim)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["cache_files"]) == {"embeddings.npy", "embeddings.json"}


def test_a_damaged_cache_lends_nothing(graph, embedder, tmp_path):
    open_index(graph, embedder, tmp_path)
    (folder,) = tmp_path.glob("index-*")
    rows = folder / "embeddings.npy"
    data = bytearray(rows.read_bytes())
    data[-5] ^= 0xFF
    rows.write_bytes(bytes(data))
    changed = graph.copy()
    changed.nodes[FARGATE]["text"] = "Fargate: serverless compute, priced per second."
    counting = CountingEmbedder(embedder)
    open_index(changed, counting, tmp_path)
    assert counting.texts == len({d.text for d in documents(changed)})


def test_an_unchanged_synthetic_guide_is_not_re_embedded(embedder, tmp_path):
    guide = write_synthetic_guide(tmp_path / "guides", 1, seed=3)
    settings = Settings(guides=(guide,), cache_dir=tmp_path / "cache", examples="none")
    first = CountingEmbedder(embedder)
    Tutor.open(settings, embedder=first)
    assert first.texts > 100
    again = CountingEmbedder(embedder)
    Tutor.open(settings, embedder=again)
    assert again.texts == 0
    text = guide.read_text(encoding="utf-8")
    guide.write_text(text.replace("1. **", "1. **Renamed ", 1), encoding="utf-8")
    renamed = CountingEmbedder(embedder)
    Tutor.open(settings, embedder=renamed)
    # Only the item's own text carries its title; its example and pair are written out in full.
    assert renamed.texts == 1


def test_an_ingest_tells_its_phases_in_order_and_a_cached_open_skips_the_build(embedder, tmp_path):
    """The bench times these laps of ``Tutor.open`` itself, so it measures the one ingest path."""
    guide = write_synthetic_guide(tmp_path / "guides", 1, seed=5)
    settings = Settings(guides=(guide,), cache_dir=tmp_path / "cache", examples="none")
    heard: list[str] = []
    counting = CountingEmbedder(embedder)
    Tutor.open(settings, embedder=counting, lap=heard.append)
    assert heard == ["parse", "graph", "embed", "index"]
    assert counting.texts > 100
    heard.clear()
    Tutor.open(settings, embedder=embedder, lap=heard.append)
    assert heard == ["parse", "graph"]


def test_hnsw_past_flat_max_agrees_with_exact_search(embedder):
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(2000, embedder.dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    flat = make_faiss_index(vectors)
    hnsw = make_faiss_index(vectors, kind="IndexHNSWFlat")
    assert type(flat).__name__ == "IndexFlatIP" and type(hnsw).__name__ == "IndexHNSWFlat"
    queries = vectors[:50] + 0.05 * rng.normal(size=(50, embedder.dim)).astype(np.float32)
    exact, approx = flat.search(queries, 10)[1], hnsw.search(queries, 10)[1]
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, approx, strict=True)])
    assert recall >= 0.95
    assert FLAT_MAX >= 10_000  # the ECS guide and 10x stay exact


def test_an_unknown_index_type_is_refused():
    with pytest.raises(ValueError, match="unknown index type"):
        make_faiss_index(np.zeros((2, 4), dtype=np.float32), kind="IndexIVFPQ")


def test_bench_runs_end_to_end_and_writes_the_report(tmp_path, capsys):
    out = tmp_path / "bench.json"
    args = ["dev", "bench", "--sizes", "1", "--queries", "5", "--no-cold-start", "--out", str(out)]
    assert main(args) == 0
    report = json.loads(out.read_text())
    assert report["format"] == BENCH_FORMAT
    assert set(report) >= {"machine", "ecs", "cold_start", "scales", "targets"}
    assert [s["scale"] for s in report["scales"]] == [1]
    for run in (report["ecs"], report["scales"][0]):
        assert set(run) >= {"ingest", "ask", "check", "baseline", "ratios", "index", "disk"}
        assert set(run["ask"]) >= {"p50_ms", "p95_ms", "p99_ms", "qps_batch", "overhead_p95_ms"}
        assert run["ask"]["n"] == run["check"]["n"] == 5
        assert run["ingest"]["unchanged_embedded"] == 0
        assert set(run["ingest"]) >= {"parse_s", "graph_s", "embed_s", "index_s", "total_s"}
        assert run["peak_rss_mb"] > 0 and run["disk"]["index_bytes"] > 0
        assert run["index"]["chosen"] == "IndexFlatIP"
    studied = read_studied_guides(Settings().guides)  # the built-in guides, studied together
    assert report["ecs"]["counts"]["pairs"] == len(studied.pairs)
    assert report["scales"][0]["ingest"]["one_changed_embedded"] == 1
    assert all(set(row) == {"measured", "target", "met"} for row in report["targets"].values())
    printed = capsys.readouterr().out
    assert "ask p50/p95/p99 ms" in printed and format_table(report) in printed


@pytest.mark.parametrize("sizes", ["1,x", "0"])
def test_bench_refuses_bad_sizes(sizes, tmp_path, capsys):
    assert main(["dev", "bench", "--sizes", sizes, "--out", str(tmp_path / "b.json")]) == 1
    assert "ecs-tutor: error: --sizes" in capsys.readouterr().err
