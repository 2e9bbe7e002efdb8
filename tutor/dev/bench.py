"""``ecs-tutor dev bench``: what the tutor costs, beside the naive baseline, at growing guide sizes.

Each size runs in its own process (so that its peak RSS is its own): the ECS guide, then the
synthetic guides of ``tutor.dev.synth``. A run measures ingest by phase (parse, graph, embed, index)
into an empty cache, ingest again with nothing changed and with one text changed, ask and check
latency on queries the model has not seen (p50/p95/p99 after a warm-up), the same with the query
embedding already known (what the tutor adds on top of the model), throughput with the queries
embedded as one batch, the faiss index (flat vs HNSW: search time and recall@10 against exact
search), the index size on disk and the peak RSS; and the naive baseline (``tutor.dev.baseline``) on
the same queries. The parent process adds cold starts (CLI to first answer, app to ready) and
writes one JSON file. Timings are printed, never asserted: the machine is shared and noisy.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tutor.config import PROJECT_DIR, Settings
from tutor.dev.bench_report import format_table, targets, write_plot

__all__ = ["BENCH_FORMAT", "DEFAULT_SIZES", "format_table", "run_bench", "write_plot"]

BENCH_FORMAT = "ecs-tutor-bench v1"
DEFAULT_SIZES = (1, 10, 100)
_QUERY_FILES = ("data/train", "data/eval")  # read only: their texts are the benchmark's queries
_WARM_UP = 20


def run_bench(
    *,
    sizes: tuple[int, ...] = DEFAULT_SIZES,
    queries: int = 300,
    seed: int = 0,
    cold_start: bool = True,
    work_dir: Path | None = None,
    log: Callable[[str], None] = lambda line: None,
) -> dict:
    """Measure the ECS guide and each synthetic size; the report as a JSON-ready dict."""
    owned = work_dir is None
    work = Path(work_dir or tempfile.mkdtemp(prefix="ecs-tutor-bench-"))
    try:
        log("ECS guide ...")
        ecs = _in_child({"guide": "ecs", "queries": queries, "cache": str(work / "ecs-cache")})
        report: dict[str, Any] = {
            "format": BENCH_FORMAT,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
            },
            "ecs": ecs,
            "cold_start": _cold_starts(work / "ecs-cache", log) if cold_start else None,
            "scales": [],
        }
        for size in sizes:
            log(f"synthetic guide {size}x ...")
            spec = {
                "guide": "synthetic",
                "scale": size,
                "seed": seed,
                "queries": min(queries, 200) if size > 1 else queries,
                "cache": str(work / f"synthetic-{size}x-cache"),
                "folder": str(work / "guides"),
            }
            report["scales"].append(_in_child(spec))
        report["targets"] = targets(report)
        return report
    finally:
        if owned:
            shutil.rmtree(work, ignore_errors=True)


def _in_child(spec: dict) -> dict:
    """Run one measurement in a fresh interpreter; its last stdout line is the JSON result."""
    done = subprocess.run(
        [sys.executable, "-m", "tutor.dev.bench", json.dumps(spec)],
        capture_output=True,
        text=True,
        cwd=PROJECT_DIR,
        env=_child_env(),
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench worker {spec} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False")
    return env


# --- one size, in its own process ------------------------------------------------------------


def measure(spec: dict) -> dict:
    """Everything for one guide (the worker's body): ingest, queries, index, baseline, memory."""
    from tutor.core import Tutor
    from tutor.dev.synth import CHAPTER_COUNTS, write_synthetic_guide
    from tutor.search.embed import embedder_for

    cache = Path(spec["cache"])
    if spec["guide"] == "ecs":
        settings = Settings(cache_dir=cache)  # the built-in guides, studied together
    else:
        path = write_synthetic_guide(Path(spec["folder"]), spec["scale"], seed=spec["seed"])
        settings = Settings(guides=(path,), cache_dir=cache, examples="none")
    result: dict = {"guide": spec["guide"], "scale": spec.get("scale", 1)}

    started = time.perf_counter()
    embedder = embedder_for(settings, cache_size=4096)
    embedder.warm()
    result["model_load_s"] = time.perf_counter() - started
    result["runtime"] = embedder.runtime

    # Ingest into an empty cache, phase by phase: Tutor.open's own path, timed by its laps.
    shutil.rmtree(cache, ignore_errors=True)
    laps = _Laps()
    tutor = Tutor.open(settings, embedder=embedder, lap=laps)
    built, guide, graph = tutor.index, tutor.guide, tutor.graph
    phases = dict(laps.seconds, total_s=sum(laps.seconds.values()))
    manifest = built.manifest
    result["ingest"] = dict(
        phases, texts=manifest["count"], extras=manifest["extras"], embedded=manifest["embedded"]
    )
    result["counts"] = {
        "items": len(guide.items),
        "pairs": len(guide.pairs),
        "scenarios": len(guide.scenarios),
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "per_chapter": CHAPTER_COUNTS if spec["guide"] != "ecs" else None,
    }
    folder = cache / f"index-{manifest['key']}"
    result["disk"] = {
        "index_bytes": sum((folder / n).stat().st_size for n in ("vectors.faiss", "docs.json")),
        "cache_bytes": sum(p.stat().st_size for p in folder.iterdir()),
    }
    result["index"] = _index_choice(built.vectors(), embedder, manifest["index_type"])
    del tutor, built

    # Nothing changed: the whole Tutor.open path, and not one text embedded.
    counting = _Counting(embedder)
    clock = time.perf_counter()
    tutor = Tutor.open(settings, embedder=counting)
    result["ingest"]["unchanged_s"] = time.perf_counter() - clock
    result["ingest"]["unchanged_embedded"] = counting.texts

    if spec["guide"] != "ecs":  # one text changed: only it is embedded again
        text = path.read_text(encoding="utf-8")
        first = next(line for line in text.splitlines() if line.startswith("1. **"))
        path.write_text(text.replace(first, first + " Changed.", 1), encoding="utf-8")
        counting = _Counting(embedder)
        clock = time.perf_counter()
        tutor = Tutor.open(settings, embedder=counting)
        result["ingest"]["one_changed_s"] = time.perf_counter() - clock
        result["ingest"]["one_changed_embedded"] = counting.texts

    asks, claims = _queries(spec["queries"])
    result["ask"] = _latencies(embedder, lambda q: tutor.ask(q), asks)
    result["check"] = _latencies(embedder, tutor.check, claims)

    # The tutor's own peak, before the baseline adds its chunks and index to this process.
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["baseline"] = _baseline(tutor.guide, embedder, asks, claims)
    result["ratios"] = {
        f"{what}_{stat}": result[what][stat] / max(result["baseline"][what][stat], 1e-9)
        for what in ("ask", "check")
        for stat in ("p50_ms", "p95_ms")
    }
    return result


def _baseline(guide, embedder, asks: tuple, claims: tuple) -> dict:
    """The naive baseline on the same queries; its peak RSS is of both, measured last."""
    from tutor.dev.baseline import NaiveBaseline

    clock = time.perf_counter()
    baseline = NaiveBaseline(guide, embedder)
    base: dict = {"ingest_s": time.perf_counter() - clock}
    base["ask"] = _latencies(embedder, baseline.rank_titles, asks)
    base["check"] = _latencies(embedder, baseline.judge, claims)
    base["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return base


class _Counting:
    """An embedder that counts the texts it is asked to embed."""

    def __init__(self, inner):
        self.inner, self.name, self.texts = inner, inner.name, 0

    @property
    def dim(self) -> int:
        return self.inner.dim

    def __call__(self, texts):
        self.texts += len(texts)
        return self.inner(texts)


class _Laps:
    """Seconds of each phase an ingest reports (``index.Lap``), from the one before it ended."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self._clock = time.perf_counter()

    def __call__(self, phase: str) -> None:
        now = time.perf_counter()
        self.seconds[f"{phase}_s"], self._clock = now - self._clock, now


def _queries(limit: int) -> tuple[tuple[list[str], list[str]], tuple[list[str], list[str]]]:
    """(warm-up, measured) questions and (warm-up, measured) claims.

    Questions: the first ``_WARM_UP`` development questions warm up, the other development and
    all evaluation questions (205) are measured. Claims: the development claims warm up, which
    also embeds every pair's phrasings once (``check`` keeps them), and the evaluation claims
    (311) are measured. ``limit`` caps each measured list.
    """
    rows: dict[tuple[str, str], list[str]] = {}
    for folder in _QUERY_FILES:
        for name, field in (("questions", "question"), ("claims", "claim")):
            with open(PROJECT_DIR / folder / f"{name}.jsonl", encoding="utf-8") as lines:
                rows[folder, name] = [json.loads(line)[field] for line in lines if line.strip()]
    train, test = _QUERY_FILES
    asks = list(dict.fromkeys(rows[train, "questions"] + rows[test, "questions"]))
    claims = list(dict.fromkeys(rows[test, "claims"]))
    warm_claims = [c for c in dict.fromkeys(rows[train, "claims"]) if c not in set(claims)]
    return (asks[:_WARM_UP], asks[_WARM_UP:][:limit]), (warm_claims, claims[:limit])


def _latencies(
    embedder, answer: Callable[[str], object], texts: tuple[list[str], list[str]]
) -> dict:
    """Latency on unseen queries, again with their embeddings known, and batched throughput."""
    warm, measured = texts
    for text in warm:
        answer(text)
    embedder.clear_cache()
    full = _timed(answer, measured)  # each query embedded on its own: the user's wait
    known = _timed(answer, measured)  # embeddings now cached: what the tutor adds on top
    embedder.clear_cache()
    clock = time.perf_counter()
    embedder(measured)  # one batch, as `--batch` could
    for text in measured:
        answer(text)
    batch_s = time.perf_counter() - clock
    return {
        "n": len(measured),
        **_percentiles(full),
        "qps_single": len(measured) / (sum(full) / 1000),
        "qps_batch": len(measured) / batch_s,
        "overhead_p50_ms": float(np.percentile(known, 50)),
        "overhead_p95_ms": float(np.percentile(known, 95)),
    }


def _timed(answer: Callable[[str], object], texts: list[str]) -> list[float]:
    out = []
    for text in texts:
        clock = time.perf_counter()
        answer(text)
        out.append((time.perf_counter() - clock) * 1000)
    return out


def _percentiles(ms: list[float]) -> dict:
    return {f"p{q}_ms": float(np.percentile(ms, q)) for q in (50, 95, 99)}


def _index_choice(vectors: np.ndarray, embedder, chosen: str) -> dict:
    """Flat against HNSW on the same vectors: build and search time, and HNSW's recall@10
    against exact search, for queries taken from the guide's own texts plus real questions."""
    from tutor.search.index import make_faiss_index

    (_, asks), _ = _queries(100)
    rng = np.random.default_rng(0)
    picks = rng.choice(len(vectors), size=min(100, len(vectors)), replace=False)
    queries = np.vstack([embedder(asks), vectors[picks]]).astype(np.float32)
    k = min(10, len(vectors))
    out: dict = {"chosen": chosen, "vectors": len(vectors)}
    found = {}
    for kind in ("IndexFlatIP", "IndexHNSWFlat"):
        clock = time.perf_counter()
        index = make_faiss_index(vectors, kind=kind)
        out[f"{kind}_build_s"] = time.perf_counter() - clock
        clock = time.perf_counter()
        for row in queries:
            index.search(row[None, :], 40)
        out[f"{kind}_search_ms"] = (time.perf_counter() - clock) * 1000 / len(queries)
        found[kind] = index.search(queries, k)[1]
    exact = found["IndexFlatIP"]
    hits = sum(len(set(a) & set(b)) for a, b in zip(exact, found["IndexHNSWFlat"], strict=True))
    out["hnsw_recall_at_10"] = hits / exact.size
    return out


# --- cold starts ------------------------------------------------------------------------------


def _cold_starts(cache: Path, log: Callable[[str], None], runs: int = 3) -> dict:
    """Seconds from process start to the first CLI answer, and to the app answering HTTP."""
    log("cold starts ...")
    cli = []
    for _ in range(runs):
        clock = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "tutor", "--cache-dir", str(cache), "ask", "What is ECS?"],
            capture_output=True,
            check=True,
            cwd=PROJECT_DIR,
            env=_child_env(),
        )
        cli.append(time.perf_counter() - clock)
    app = []
    for _ in range(runs):
        app.append(_app_ready(cache))
    return {"cli_first_answer_s": float(np.median(cli)), "cli_runs_s": cli,
            "app_ready_s": float(np.median(app)), "app_runs_s": app}  # fmt: skip


def _app_ready(cache: Path, timeout: float = 120.0) -> float:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "tutor", "--cache-dir", str(cache), "serve"]
    clock = time.perf_counter()
    server = subprocess.Popen(
        [*command, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=PROJECT_DIR,
        env=_child_env(),
    )
    try:
        while time.perf_counter() - clock < timeout:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as reply:
                    if reply.status == 200:
                        return time.perf_counter() - clock
            except OSError:
                time.sleep(0.1)
            if server.poll() is not None:
                raise RuntimeError("the app exited before it was ready")
        raise RuntimeError(f"the app was not ready within {timeout:.0f} s")
    finally:
        server.terminate()
        server.wait(timeout=30)


# --- targets and the table --------------------------------------------------------------------


if __name__ == "__main__":  # the worker: one size, result as the last line of stdout
    print(json.dumps(measure(json.loads(sys.argv[1]))))
