"""``ecs-tutor dev bench``'s report: the targets met or missed, the printed table and the plot."""

from __future__ import annotations

from pathlib import Path


def targets(report: dict) -> dict:
    """Issue 5's targets, each with the measured figure and whether it is met."""
    ecs, cold, scales = report["ecs"], report["cold_start"], report["scales"]
    rows = {
        "ask p95 <= 25 ms": (ecs["ask"]["p95_ms"], 25),
        "check p95 <= 25 ms": (ecs["check"]["p95_ms"], 25),
        "ask overhead p95 <= 5 ms": (ecs["ask"]["overhead_p95_ms"], 5),
        "check overhead p95 <= 5 ms": (ecs["check"]["overhead_p95_ms"], 5),
        "ECS ingest cold <= 3 s": (ecs["ingest"]["total_s"], 3),
        "ECS ingest unchanged <= 0.5 s": (ecs["ingest"]["unchanged_s"], 0.5),
        "peak RSS at 1x <= 1024 MB": (ecs["peak_rss_mb"], 1024),
    }
    if cold:
        rows["CLI first answer <= 6 s"] = (cold["cli_first_answer_s"], 6)
        rows["app ready <= 10 s"] = (cold["app_ready_s"], 10)
    one = next((s for s in scales if s["scale"] == 1), None)
    for s in scales:
        if s["scale"] == 1000:
            rows["1000x ingest <= 600 s"] = (s["ingest"]["total_s"], 600)
            rows["peak RSS at 1000x <= 2048 MB"] = (s["peak_rss_mb"], 2048)
        if one and s["scale"] > 1:
            for what in ("ask", "check"):
                ratio = s[what]["p95_ms"] / one[what]["p95_ms"]
                rows[f"{what} p95 at {s['scale']}x <= 2x of 1x"] = (ratio, 2)
    for s in [ecs, *scales]:
        label = "ECS" if s["guide"] == "ecs" else f"{s['scale']}x"
        for what in ("ask", "check"):
            rows[f"{what} p95 at {label} <= baseline"] = (s["ratios"][f"{what}_p95_ms"], 1)
    return {name: {"measured": got, "target": limit, "met": got <= limit}
            for name, (got, limit) in rows.items()}  # fmt: skip


def format_table(report: dict) -> str:
    """The report as plain-text tables: sizes side by side, then the targets."""
    columns = [("ECS", report["ecs"])] + [(f"{s['scale']}x", s) for s in report["scales"]]
    lines = [
        ("pairs", lambda s: f"{s['counts']['pairs']}"),
        ("model runs in", lambda s: s.get("runtime") or "torch"),
        ("texts indexed", lambda s: f"{s['ingest']['texts']}"),
        ("ingest parse s", lambda s: f"{s['ingest']['parse_s']:.2f}"),
        ("ingest graph s", lambda s: f"{s['ingest']['graph_s']:.2f}"),
        ("ingest embed s", lambda s: f"{s['ingest']['embed_s']:.2f}"),
        ("ingest index s", lambda s: f"{s['ingest']['index_s']:.2f}"),
        ("ingest total s", lambda s: f"{s['ingest']['total_s']:.2f}"),
        ("re-ingest unchanged s", lambda s: f"{s['ingest']['unchanged_s']:.2f}"),
        ("  texts embedded", lambda s: f"{s['ingest']['unchanged_embedded']}"),
        ("re-ingest 1 changed s", lambda s: _get(s, "ingest", "one_changed_s", "{:.2f}")),
        ("  texts embedded", lambda s: _get(s, "ingest", "one_changed_embedded", "{}")),
        ("ask p50/p95/p99 ms", lambda s: _p(s["ask"])),
        ("check p50/p95/p99 ms", lambda s: _p(s["check"])),
        ("ask/check overhead p95 ms", lambda s: _pair(s, "overhead_p95_ms", "{:.1f}")),
        ("ask/check qps single", lambda s: _pair(s, "qps_single", "{:.0f}")),
        ("ask/check qps batch", lambda s: _pair(s, "qps_batch", "{:.0f}")),
        ("baseline ingest s", lambda s: f"{s['baseline']['ingest_s']:.2f}"),
        ("baseline ask/check p95 ms", lambda s: _pair(s["baseline"], "p95_ms", "{:.1f}")),
        ("tutor/baseline p95 ask", lambda s: f"{s['ratios']['ask_p95_ms']:.2f}"),
        ("tutor/baseline p95 check", lambda s: f"{s['ratios']['check_p95_ms']:.2f}"),
        ("index type", lambda s: s["index"]["chosen"].removeprefix("Index")),
        ("flat / HNSW search ms", lambda s: _index_ms(s["index"])),
        ("HNSW recall@10", lambda s: f"{s['index']['hnsw_recall_at_10']:.3f}"),
        ("index on disk MB", lambda s: f"{s['disk']['index_bytes'] / 1e6:.1f}"),
        ("  with embedding cache MB", lambda s: f"{s['disk']['cache_bytes'] / 1e6:.1f}"),
        ("peak RSS MB", lambda s: f"{s['peak_rss_mb']:.0f}"),
    ]
    width = max(len(name) for name, _ in lines) + 2
    cell = max(16, *(len(f(s)) + 2 for _, f in lines for _, s in columns))
    out = [" " * width + "".join(f"{name:>{cell}}" for name, _ in columns)]
    out += [
        f"{name:<{width}}" + "".join(f"{f(s):>{cell}}" for _, s in columns) for name, f in lines
    ]
    if cold := report.get("cold_start"):
        out.append(
            f"\ncold start: CLI to first answer {cold['cli_first_answer_s']:.2f} s, "
            f"app ready {cold['app_ready_s']:.2f} s (median of {len(cold['cli_runs_s'])})"
        )
    out.append("\ntargets (issue 5):")
    for name, row in report["targets"].items():
        out.append(f"  {'met ' if row['met'] else 'MISS'}  {name:<36} {row['measured']:.2f}")
    return "\n".join(out)


def _p(row: dict) -> str:
    return f"{row['p50_ms']:.1f}/{row['p95_ms']:.1f}/{row['p99_ms']:.1f}"


def _pair(s: dict, key: str, fmt: str) -> str:
    return f"{fmt.format(s['ask'][key])}/{fmt.format(s['check'][key])}"


def _get(s: dict, part: str, key: str, fmt: str) -> str:
    return fmt.format(s[part][key]) if key in s[part] else "-"


def _index_ms(row: dict) -> str:
    return f"{row['IndexFlatIP_search_ms']:.2f}/{row['IndexHNSWFlat_search_ms']:.2f}"


def write_plot(report: dict, path: Path) -> bool:
    """Cost against guide size as a PNG (needs the ``bench`` extra); False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    scales = report["scales"]
    if not scales:
        return False
    x = [s["scale"] for s in scales]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(x, [s["ingest"]["total_s"] for s in scales], "o-", label="ingest (s)")
    left.plot(x, [s["ingest"]["embed_s"] for s in scales], "s--", label="  of which embed (s)")
    left.plot(x, [s["ingest"]["graph_s"] for s in scales], "^--", label="  of which graph (s)")
    left.plot(x, [s["peak_rss_mb"] / 1000 for s in scales], "d-", label="peak RSS (GB)")
    left.set(xscale="log", yscale="log", xlabel="guide size (x ECS guide)", title="ingest")
    left.legend()
    for what, style in (("ask", "o-"), ("check", "s-")):
        right.plot(x, [s[what]["p95_ms"] for s in scales], style, label=f"tutor {what} p95")
        right.plot(
            x, [s["baseline"][what]["p95_ms"] for s in scales], style[0] + ":",
            label=f"baseline {what} p95",
        )  # fmt: skip
    right.set(xscale="log", xlabel="guide size (x ECS guide)", ylabel="ms", title="query p95")
    right.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True
