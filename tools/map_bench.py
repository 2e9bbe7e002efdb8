"""Measure the concept map in Chromium: first paint, opening a section, focusing an item and
drawing a path, for the built-in guides' graph (1x) and a synthetic one ten times its size.

The page is a plain Gradio page holding only the Explore tab's map, built from the same assets
(template, CSS, script, the vendored Cytoscape.js as ``head``) and the same ``concept_map()``
data as the app, served on 127.0.0.1. Times come from the page's own clock
(``performance.now()``): first paint is navigation start to the first frame Cytoscape renders
with the opening view (Gradio's own start included); the others, the opening view's too, are
from the call that draws a view to the frame that shows it (the map's
``element.cm.stats().last``). Prints medians of ``--runs`` fresh page loads.

    .venv/bin/python tools/map_bench.py [--runs 5] [--scale 30]

Needs Debian's Chromium (/usr/bin/chromium) and Playwright.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
import networkx as nx  # noqa: E402

from ingest import load_catalog, parse_guide, read_studied_guides  # noqa: E402
from kg import build_graph, concept_map  # noqa: E402
from tutor.config import BUILTIN_GUIDES  # noqa: E402
from tutor.dev.synth import synthetic_guide  # noqa: E402
from tutor.web.tabs.explore import STATIC, concept_map_html  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
TIMES = ("first paint", "opening view", "open section", "focus item", "path")
HANDLE = "document.querySelector('#concept-map .cm')?.parentElement?.cm"


@contextmanager
def served_map(graph: nx.DiGraph) -> Iterator[str]:
    """A page with only the concept map of ``graph``, served on 127.0.0.1: its URL."""
    with gr.Blocks() as demo:
        concept_map_html(concept_map(graph))
    _, url, _ = demo.launch(server_name="127.0.0.1", prevent_thread_lock=True, quiet=True)
    try:
        yield url
    finally:
        demo.close()


def picks(graph: nx.DiGraph) -> tuple[str, str, list[str]]:
    """The section holding the most items and scenarios, the best connected item, and a
    shortest path from that item to the item farthest from it (a long path)."""
    types = dict(graph.nodes(data="type"))
    sections = [n for n in graph if types[n] == "section"]
    section = max(sections, key=lambda s: (_folded(graph, s), s))
    items = [n for n in graph if types[n] == "item"]
    item = max(items, key=lambda n: (graph.degree(n), n))
    undirected = graph.to_undirected(as_view=True)
    lengths = nx.single_source_shortest_path_length(undirected, item)
    far = max((n for n in items if n in lengths), key=lambda n: (lengths[n], n))
    return section, item, nx.shortest_path(undirected, item, far)


def _folded(graph: nx.DiGraph, section: str) -> int:
    """How many items and scenarios a section holds (opening it shows them)."""
    return sum(graph.nodes[n]["type"] != "section" for n in graph.predecessors(section))


def measure(url: str, graph: nx.DiGraph, *, runs: int) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    section, item, path = picks(graph)
    times: dict[str, list[float]] = {name: [] for name in TIMES}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(url)
            drawn = f"{HANDLE} && {HANDLE}.stats().firstView !== null"
            page.wait_for_function(drawn, timeout=60_000)
            times["first paint"].append(page.evaluate(f"{HANDLE}.stats().firstView"))
            times["opening view"].append(page.evaluate(f"{HANDLE}.stats().last.ms"))
            for name, value in (
                ("open section", {"focus": section, "path": []}),
                ("focus item", {"focus": item, "path": []}),
                ("path", {"focus": None, "path": path}),
            ):
                before = page.evaluate(f"{HANDLE}.stats().drawn")
                page.evaluate(f"v => {HANDLE}.show(v)", value)
                page.wait_for_function(
                    f"{HANDLE}.stats().last && {HANDLE}.stats().last.number > {before}"
                )
                times[name].append(page.evaluate(f"{HANDLE}.stats().last.ms"))
            page.close()
        browser.close()
    return {name: statistics.median(values) for name, values in times.items()}


# The layout extensions the map's own packing was measured against, as `npm pack` unpacks them
# (<name>-<version>/package/...), in load order; and the global each registers.
STACKS = {
    "fcose": (
        "cytoscapeFcose",
        (
            "layout-base-2.0.1/package/layout-base.js",
            "cose-base-2.2.0/package/cose-base.js",
            "cytoscape-fcose-2.2.0/package/cytoscape-fcose.js",
        ),
    ),
    "cose-bilkent": (
        "cytoscapeCoseBilkent",
        (
            "layout-base-1.0.2/package/layout-base.js",
            "cose-base-1.0.3/package/cose-base.js",
            "cytoscape-cose-bilkent-4.1.0/package/cytoscape-cose-bilkent.js",
        ),
    ),
}
_RELAYOUT = """([name, runs]) => {
  const cm = HANDLE;
  const got = [];
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    cm.cy.layout({name, animate: false, randomize: true, nodeDimensionsIncludeLabels: true}).run();
    const ms = performance.now() - start;
    cm.cy.fit(cm.cy.elements(), 24);
    got.push({ms, overlaps: cm.overlaps().length, zoom: cm.cy.zoom()});
  }
  return got;
}""".replace("HANDLE", HANDLE)


def compare_layouts(url: str, graph: nx.DiGraph, folder: Path, *, runs: int = 3) -> None:
    """Each default view laid out by the map, then by each extension in ``folder`` (``runs``
    random starts): overlapping label pairs, and the zoom at which the whole view fits the
    map (labels are 13 px times that on screen)."""
    from playwright.sync_api import sync_playwright

    section, item, _ = picks(graph)
    views = {"opening": None, "opened section": section, "focused item": item}
    print(f"layouts of the default views: overlapping label pairs / zoom to fit ({runs} runs)")
    print("| width | view | ours | " + " | ".join(STACKS) + " |")
    print("|" + "---|" * (3 + len(STACKS)))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        for width, height in ((1280, 900), (390, 844)):
            pages = {}
            for name, (global_name, files) in STACKS.items():
                page = pages[name] = browser.new_page(viewport={"width": width, "height": height})
                page.goto(url)
                page.wait_for_function(f"{HANDLE} && {HANDLE}.stats().firstView !== null")
                for file in files:
                    page.add_script_tag(path=str(folder / file))
                page.evaluate(f"cytoscape.use(window.{global_name})")
            for view, focus in views.items():
                cells = []
                for name, page in pages.items():
                    page.evaluate(f"v => {HANDLE}.show(v)", {"focus": focus, "path": []})
                    if not cells:  # the map's own layout, the same on every page
                        ours = page.evaluate(
                            f"(() => {{ const cm = {HANDLE}; const n = cm.overlaps().length;"
                            " cm.cy.fit(cm.cy.elements(), 24); return [n, cm.cy.zoom()]; })()"
                        )
                        cells.append(f"{ours[0]} / {ours[1]:.2f}")
                    got = page.evaluate(_RELAYOUT, [name, runs])
                    overlaps = ",".join(str(g["overlaps"]) for g in got)
                    zooms = [g["zoom"] for g in got]
                    cells.append(f"{overlaps} / {min(zooms):.2f}-{max(zooms):.2f}")
                print(f"| {width} | {view} | " + " | ".join(cells) + " |")
            for page in pages.values():
                page.close()
        browser.close()


def graphs(scale: int) -> dict[str, nx.DiGraph]:
    builtin = build_graph(read_studied_guides(BUILTIN_GUIDES, catalog=load_catalog()))
    big = build_graph(parse_guide(synthetic_guide(scale, seed=7), source="synthetic.md"))
    return {"1x": builtin, f"synthetic x{scale}": big}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="page loads per graph (median)")
    parser.add_argument(
        "--scale", type=int, default=30, help="chapters of the synthetic guide (30: ~10x nodes)"
    )
    parser.add_argument(
        "--layouts",
        type=Path,
        metavar="DIR",
        help="also compare the layout extensions unpacked in DIR (see STACKS) on the 1x graph",
    )
    args = parser.parse_args(argv)
    vendor = sorted((STATIC / "vendor").glob("*.js"))
    size = sum(f.stat().st_size for f in vendor)
    print(f"vendored JS: {size:,} bytes ({', '.join(f.name for f in vendor)})")
    print(f"median of {args.runs} page loads, Chromium headless, 1280x900; times in ms")
    print(f"| {'graph':<16} | {'nodes':>5} | {'edges':>5} | " + " | ".join(TIMES) + " |")
    print("|" + "---|" * (3 + len(TIMES)))
    for name, graph in graphs(args.scale).items():
        with served_map(graph) as url:
            got = measure(url, graph, runs=args.runs)
        cells = " | ".join(f"{got[t]:>{len(t)}.0f}" for t in TIMES)
        nodes, edges = graph.number_of_nodes(), graph.number_of_edges()
        print(f"| {name:<16} | {nodes:>5} | {edges:>5} | {cells} |")
    if args.layouts:
        with served_map(graphs(args.scale)["1x"]) as url:
            compare_layouts(url, graphs(args.scale)["1x"], args.layouts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
