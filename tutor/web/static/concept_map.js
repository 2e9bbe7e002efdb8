// The interactive concept map of ECS Tutor, run by Gradio's gr.HTML as `js_on_load` with
// `element` (this component), `props` (`props.map_data` from kg/conceptmap.py, and `props.value`,
// `{"focus": node id, "path": [node ids]}`), `trigger` and `watch`. Cytoscape.js draws it: the
// component's `head` loads the vendored copy (tutor/web/static/vendor/) before this runs.
//
// What is shown starts small and follows the learner: the guides' sections as nested boxes; a
// chosen node (a tap here, or Python's value.focus) opens its section and itself and shows its
// neighbours, the rest faded; a path (value.path) shows every node it passes through. Services
// sit in their own box when shown. The layout is ours, not a force simulation: each box packs
// what it holds in rows, sized from its labels measured in the font Cytoscape draws them in,
// and hands Cytoscape the positions; so labels do not overlap (docs/conceptmap.md).
//
// Choosing a node goes back to Python (trigger('click') with the node in props.value), so the
// details a learner reads come from the same explore() as the rest of the app. Text from the
// guide and from the learner is only ever inserted as text (Cytoscape's canvas labels,
// textContent, setAttribute), never parsed as HTML. Nothing is fetched.
//
// `element.cm` is a read-only handle for the browser tests and tools/map_bench.py: the
// Cytoscape instance, what is shown, the boxes of the labels and the pairs that overlap, and
// the time the last drawing took.

const cytoscape = window.cytoscape;
const FONT = "sans-serif";
const FONT_SIZE = 13;
const LEAF_WIDTH = 150; // the width labels wrap at, in the map's units (px at zoom 1)
const LEAF_CHARS = 90; // longer labels (a misconception's sentence) end with "…"
const GAP = 14; // between neighbours in a box
const BOX_PAD = 12; // inside a box, around what it holds
const LABEL_GAP = 4; // between a box and its label above it
const LEAF_PAD = 6; // around a leaf's label
const LINE = 1.25; // line height, in font sizes
const SERVICES = "cm:services"; // the box the shown services sit in (not a node of the guide)
const ZOOM = 1.25;

let map; // props.map_data: {nodes, edges, types, colours, guides, left_out}
let byId; // node id -> node
let kids; // node id -> ids of the nodes folded into it, in the guide's order
let near; // node id -> Set of neighbour ids (any edge, either way)
let cy = null;
let watcher = null; // the ResizeObserver of Cytoscape's container
const state = { focus: null, path: [], hidden: new Set(), hiddenGuides: new Set(), matches: new Set() };
const stats = { firstView: null, last: null, drawn: 0 };

const $ = (selector) => element.querySelector(selector);
const clip = (text, limit) => (text.length <= limit ? text : text.slice(0, limit - 1) + "…");
const isSection = (id) => byId.get(id) && byId.get(id).type === "section";

// --- data -------------------------------------------------------------------------------------

function load(data) {
  map = data && data.nodes ? data : { nodes: [], edges: [], types: [], colours: {}, guides: [], left_out: 0 };
  byId = new Map(map.nodes.map((node) => [node.id, node]));
  kids = new Map();
  near = new Map(map.nodes.map((node) => [node.id, new Set()]));
  for (const node of map.nodes) {
    if (node.parent && byId.has(node.parent)) {
      if (!kids.has(node.parent)) kids.set(node.parent, []);
      kids.get(node.parent).push(node.id);
    }
  }
  for (const [s, t] of map.edges) {
    near.get(map.nodes[s].id).add(map.nodes[t].id);
    near.get(map.nodes[t].id).add(map.nodes[s].id);
  }
  Object.assign(state, { focus: null, path: [], hidden: new Set(), hiddenGuides: new Set(), matches: new Set() });
  const box = $(".cm-search");
  if (box) box.value = "";
  status("");
  drawFilters();
  if (cy) cy.style(style());
}

function status(text) {
  const line = $(".cm-status");
  if (line) line.textContent = text;
}

function ancestors(id) {
  const chain = [];
  for (let at = byId.get(id) && byId.get(id).parent; at && byId.has(at); at = byId.get(at).parent) chain.push(at);
  return chain;
}

// --- what is shown ------------------------------------------------------------------------------

// The shown nodes, the lit ones (the focus, its neighbourhood, the path) and the drawn edges.
function view() {
  const shown = new Set(map.nodes.filter((n) => n.type === "section").map((n) => n.id));
  const lit = new Set();
  const open = (id) => (kids.get(id) || []).forEach((kid) => shown.add(kid));
  const reveal = (id) => {
    shown.add(id);
    ancestors(id).forEach((up) => shown.add(up));
  };
  const path = state.path.filter((id) => byId.has(id));
  const focus = !path.length && byId.has(state.focus) ? state.focus : null;
  if (focus) {
    const node = byId.get(focus);
    open(focus);
    if (node.type !== "section" && node.parent) open(node.parent); // the item's siblings, faded
    lit.add(focus);
    for (const kid of kids.get(focus) || []) {
      lit.add(kid);
      // One hop more through what unfolds from an item (the services its misconceptions name);
      // a section's parts are shown, not everything they link to.
      if (node.type !== "section") near.get(kid).forEach((far) => lit.add(far));
    }
    near.get(focus).forEach((id) => lit.add(id));
    lit.forEach(reveal);
  }
  path.forEach((id) => {
    lit.add(id);
    reveal(id);
  });
  // The filters hide a type or a guide, never what the learner asked for: the focus, the path.
  const asked = new Set([focus, ...path].filter(Boolean).flatMap((id) => [id, ...ancestors(id)]));
  const kept = (id) => {
    const node = byId.get(id);
    if (asked.has(id)) return true;
    if (node.type !== "section" && state.hidden.has(node.type)) return false;
    return !(node.guide && state.hiddenGuides.has(node.guide));
  };
  for (const id of [...shown]) {
    if (!kept(id) || ancestors(id).some((up) => !shown.has(up) || !kept(up))) shown.delete(id);
  }
  const steps = new Set();
  for (let i = 0; i + 1 < path.length; i++) steps.add(`${path[i]} ${path[i + 1]}`).add(`${path[i + 1]} ${path[i]}`);
  // Around a focus, the edges of the focus and of what unfolds from it: a star, not a tangle.
  const hubs = new Set(focus ? [focus, ...(byId.get(focus).type === "section" ? [] : kids.get(focus) || [])] : []);
  const edges = [];
  map.edges.forEach(([s, t, relation], i) => {
    const a = map.nodes[s].id;
    const b = map.nodes[t].id;
    if (!shown.has(a) || !shown.has(b)) return;
    const onPath = steps.delete(`${a} ${b}`) && steps.delete(`${b} ${a}`); // one edge a step
    const folds = byId.get(a).parent === b || byId.get(b).parent === a; // drawn as nesting
    if (onPath || (!folds && (hubs.has(a) || hubs.has(b)))) {
      edges.push({ i, a, b, relation, onPath });
    }
  });
  return { shown, lit, focus, path, edges };
}

// A label cut to lines no wider than `width`, as Cytoscape will draw it (it breaks at "\n"),
// and the size of the leaf that holds it.
const ruler = document.createElement("canvas").getContext("2d");
function wrap(text, width) {
  ruler.font = `${FONT_SIZE}px ${FONT}`;
  const lines = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      const longer = line ? `${line} ${word}` : word;
      if (line && ruler.measureText(longer).width > width) {
        lines.push(line);
        line = word;
      } else line = longer;
    }
    if (line) lines.push(line);
  }
  const widest = Math.max(0, ...lines.map((l) => ruler.measureText(l).width));
  return { text: lines.join("\n"), w: Math.ceil(widest) + 2 * LEAF_PAD, h: Math.ceil(lines.length * FONT_SIZE * LINE) + 2 * LEAF_PAD };
}

function shownLabel(node, isOpen) {
  if (node.type !== "section" || isOpen) return clip(node.label, LEAF_CHARS);
  const folded = (kids.get(node.id) || []).filter((id) => !isSection(id)).length;
  return folded ? `${node.label}\n(${folded} inside)` : node.label;
}

function elements(seen) {
  const { shown, lit, focus, path, edges } = seen;
  const onPath = new Set(path);
  const holders = new Set(); // shown nodes that hold shown nodes: drawn as boxes
  const nodes = [];
  for (const node of map.nodes) {
    if (shown.has(node.id) && node.parent && shown.has(node.parent)) holders.add(node.parent);
  }
  const services = map.nodes.some((n) => shown.has(n.id) && n.type === "service" && !n.parent);
  if (services) {
    nodes.push({ group: "nodes", data: { id: SERVICES, label: "AWS services", shown: "AWS services", type: "group", w: 1, h: 1 }, classes: "cm-group" });
  }
  const fading = lit.size > 0;
  for (const node of map.nodes) {
    if (!shown.has(node.id)) continue;
    const box = holders.has(node.id);
    const text = shownLabel(node, box);
    const classes = [box ? "cm-box" : "cm-leaf"];
    if (node.id === focus) classes.push("cm-selected");
    if (onPath.has(node.id)) classes.push("cm-on-path");
    if (fading && !lit.has(node.id)) classes.push("cm-faded");
    if (state.matches.has(node.id)) classes.push("cm-match");
    const parent = node.parent && shown.has(node.parent) ? node.parent : node.type === "service" ? SERVICES : undefined;
    const leaf = box ? { text, w: 1, h: 1 } : wrap(text, LEAF_WIDTH);
    nodes.push({
      group: "nodes",
      data: { id: node.id, label: node.label, type: node.type, guide: node.guide, parent,
        shown: leaf.text, w: leaf.w, h: leaf.h },
      classes: classes.join(" "),
    });
  }
  const lines = edges.map(({ i, a, b, relation, onPath: step }) => ({
    group: "edges",
    data: { id: `e${i}`, source: a, target: b, relation },
    classes: step ? "cm-on-path" : lit.has(a) && lit.has(b) ? "cm-near" : "",
  }));
  return nodes.concat(lines);
}

// --- layout: boxes pack what they hold in rows ---------------------------------------------------

// The footprint of a node (its box and its label above it, or a leaf's label box) and a way to
// put it with its top left corner at (x, y).
function measure(node, aspect, sizes) {
  if (!node.isParent()) {
    // A leaf's label is inside it (sized from the label, in elements()): its outer size will do,
    // and costs no bounding box. Asked once a drawing (`sizes`), however many shapes are tried.
    if (!sizes.has(node.id())) sizes.set(node.id(), [node.outerWidth() + 1, node.outerHeight() + 1]);
    const [w, h] = sizes.get(node.id());
    return { w, h, put: (x, y) => node.position({ x: x + w / 2, y: y + h / 2 }) };
  }
  if (!sizes.has(node.id())) sizes.set(node.id(), boxLabel(node));
  const label = sizes.get(node.id());
  const rows = shelf(node.children().map((kid) => measure(kid, aspect, sizes)), aspect);
  const boxW = rows.w + 2 * BOX_PAD;
  const boxH = rows.h + 2 * BOX_PAD;
  const w = Math.max(boxW, label.w);
  const top = label.h + LABEL_GAP;
  return { w, h: top + boxH, put: (x, y) => rows.put(x + (w - boxW) / 2 + BOX_PAD, y + top + BOX_PAD) };
}

// The size of a box's label (one line, drawn above it), from the ruler: asking Cytoscape for
// label bounding boxes costs ~0.3 ms a box. One px to spare on each side for rounding.
function boxLabel(node) {
  ruler.font = `600 ${FONT_SIZE}px ${FONT}`;
  return { w: Math.ceil(ruler.measureText(node.data("shown")).width) + 2, h: Math.ceil(FONT_SIZE * LINE) + 2 };
}

// Footprints in rows, in the given order, as wide as makes them fill an `aspect` by 1 frame
// best (the largest zoom at which they fit). The widths tried are those of a first row of 1, 2,
// ... parts (of a few multiples of the square-ish width when there are many).
function shelf(parts, aspect) {
  const area = parts.reduce((sum, p) => sum + (p.w + GAP) * (p.h + GAP), 0);
  const widest = Math.max(0, ...parts.map((p) => p.w));
  let widths = [];
  if (parts.length <= 40) {
    let run = -GAP;
    for (const part of parts) widths.push((run += GAP + part.w));
  } else widths = [0.5, 0.7, 1, 1.4, 2].map((f) => f * Math.sqrt(area * aspect));
  let best = null;
  for (const width of widths) {
    const rows = inRows(parts, Math.max(width, widest));
    const score = Math.min(aspect / Math.max(rows.w, 1), 1 / Math.max(rows.h, 1));
    if (!best || score > best.score + 1e-9) best = { ...rows, score };
  }
  return best || { ...inRows(parts, 0), score: 0 };
}

function inRows(parts, width) {
  const rows = [];
  let row = null;
  for (const part of parts) {
    if (!row || (row.items.length && row.w + GAP + part.w > width)) rows.push((row = { items: [], w: 0, h: 0 }));
    row.w += (row.items.length ? GAP : 0) + part.w;
    row.h = Math.max(row.h, part.h);
    row.items.push(part);
  }
  const w = Math.max(0, ...rows.map((r) => r.w));
  const h = rows.reduce((sum, r) => sum + r.h, 0) + GAP * Math.max(0, rows.length - 1);
  const put = (x, y) => {
    for (const r of rows) {
      let at = x;
      for (const part of r.items) {
        part.put(at, y);
        at += part.w + GAP;
      }
      y += r.h + GAP;
    }
  };
  return { w, h, put };
}

// The shape to pack for: the map's own. A phone's narrow map gets a layout twice as tall as
// it, shown at its width (see fitView): labels big enough to read, the rest a swipe away.
function aspect() {
  const box = $(".cm-cy");
  const w = box ? box.clientWidth : 0;
  const h = box ? box.clientHeight : 0;
  if (!(w > 0 && h > 0)) return 1.6;
  return Math.min(2.5, Math.max(0.25, w < NARROW ? w / h / 2 : w / h));
}

// --- drawing ------------------------------------------------------------------------------------

function style() {
  const colour = (type) => (map.colours && map.colours[type]) || "#a855f7";
  const rules = [
    { selector: "node", style: { label: "data(shown)", "font-family": FONT, "font-size": FONT_SIZE,
      color: "#111827", "text-wrap": "wrap", "text-max-width": 10000, "line-height": LINE,
      "text-valign": "center", "text-halign": "center", shape: "round-rectangle",
      width: "data(w)", height: "data(h)", padding: 0, "border-width": 1.5,
      "background-color": "#f1f5f9", "border-color": "#94a3b8", "min-zoomed-font-size": 0 } },
    { selector: "node.cm-box", style: { "text-valign": "top", "text-margin-y": -LABEL_GAP,
      "font-weight": 600, color: "#334155", padding: BOX_PAD, "background-color": "#f8fafc",
      "background-opacity": 0.6, "border-color": "#cbd5e1" } },
    { selector: "node.cm-group", style: { "text-valign": "top", "text-margin-y": -LABEL_GAP,
      "font-weight": 600, padding: BOX_PAD, "background-color": "#fffbeb", "border-color": "#fcd34d",
      "border-style": "dashed" } },
  ];
  for (const type of map.types || []) {
    if (type === "section") continue;
    rules.push({ selector: `node.cm-leaf[type = "${type}"]`,
      style: { "border-color": colour(type), "border-width": 2, "background-color": colour(type), "background-opacity": 0.12 } });
  }
  rules.push(
    { selector: "edge", style: { width: 1.5, "line-color": "#cbd5e1", "curve-style": "straight",
      "target-arrow-shape": "triangle", "target-arrow-color": "#cbd5e1", "arrow-scale": 0.8 } },
    { selector: "edge.cm-near", style: { "line-color": "#64748b", "target-arrow-color": "#64748b", width: 2 } },
    { selector: "node.cm-faded.cm-leaf", style: { opacity: 0.3 } },
    // A box's own opacity would fade what it holds too: fade its parts instead.
    { selector: "node.cm-faded.cm-box", style: { "text-opacity": 0.45, "border-opacity": 0.4, "background-opacity": 0.25 } },
    { selector: "node.cm-match", style: { "border-color": "#f59e0b", "border-width": 4 } },
    { selector: "node.cm-on-path", style: { "border-color": "#7c3aed", "border-width": 4 } },
    { selector: "edge.cm-on-path", style: { "line-color": "#7c3aed", "target-arrow-color": "#7c3aed", width: 4 } },
    { selector: "node.cm-selected", style: { "border-color": "#111827", "border-width": 4 } },
  );
  return rules;
}

function mount() {
  const box = $(".cm-cy");
  if (!box || !cytoscape) return false;
  if (cy && cy.container() === box) return true;
  if (cy) cy.destroy();
  if (watcher) watcher.disconnect();
  cy = cytoscape({ container: box, style: style(), minZoom: 0.05, maxZoom: 4,
    autoungrabify: true, autounselectify: true, boxSelectionEnabled: false });
  cy.on("tap", "node", (event) => {
    const id = event.target.id();
    if (byId.has(id)) choose(id);
  });
  // Shown at last (its tab opened) or given another width: fit again, or pack again for a new
  // shape. A height that changes alone (a phone's address bar) keeps the learner's zoom.
  let width = box.clientWidth;
  watcher = new ResizeObserver(() => {
    cy.resize();
    if (box.clientWidth === width) return;
    width = box.clientWidth;
    if (Math.abs(aspect() - stats.aspect) > 0.3) draw("resize");
    else fitView();
  });
  watcher.observe(box);
  return true;
}

let lastView = null;

// Draw what is shown now: the elements, their places, the view fitted to what matters.
function draw(what) {
  if (!mount()) {
    if (!cytoscape) status("The map's drawing library did not load.");
    return;
  }
  const start = performance.now();
  const seen = view();
  lastView = seen;
  stats.aspect = aspect();
  cy.batch(() => {
    cy.elements().remove();
    cy.add(elements(seen));
  });
  // The boxes inside packed for a few shapes: two guides side by side want tall boxes, one
  // guide a box of the map's own shape. The shape whose whole fits the map best wins.
  const tops = cy.nodes().orphans();
  const sizes = new Map();
  const layout = [0.5, 1, 2]
    .map((f) => shelf(tops.map((node) => measure(node, stats.aspect * f, sizes)), stats.aspect))
    .reduce((best, next) => (next.score > best.score + 1e-9 ? next : best));
  cy.batch(() => layout.put(0, 0));
  fitView();
  drawList(seen);
  const number = ++stats.drawn;
  cy.one("render", () => {
    const now = performance.now();
    stats.last = { what, number, ms: now - start, nodes: cy.nodes().length, edges: cy.edges().length };
    if (stats.firstView === null && seen.shown.size && cy.width() > 0) stats.firstView = now;
  });
}

// Fit what matters: the lit nodes (the focus and its neighbours, or the path), else everything.
// When that would make labels too small to read (a neighbourhood spread over both guides, on a
// phone), the focus and what unfolds from it fill the view instead; the rest is a pan away.
const READABLE = 0.8; // zoom: 13 px labels drawn at about 10 px
const MOST = 1.25; // a fit zooms no further: a lone node is not blown up
const NARROW = 500; // px: a map this narrow is on a phone

function fitView() {
  if (!cy || !lastView) return;
  const { lit, focus } = lastView;
  let wanted = lit.size ? cy.nodes().filter((n) => lit.has(n.id())) : cy.elements();
  if (!wanted.length) wanted = cy.elements();
  cy.fit(wanted, 24);
  if (!lit.size && cy.zoom() < READABLE) {
    // The whole layout at the map's width, from its top: read the first boxes, swipe for more.
    const bb = cy.elements().boundingBox();
    const zoom = Math.min(READABLE, (cy.width() - 24) / bb.w);
    if (zoom > cy.zoom()) {
      cy.zoom(zoom);
      cy.pan({ x: (cy.width() - bb.w * zoom) / 2 - bb.x1 * zoom, y: 12 - bb.y1 * zoom });
    }
  }
  const chosen = focus ? cy.getElementById(focus) : null;
  if (chosen && chosen.length && cy.zoom() < READABLE) {
    wanted = chosen.union(chosen.descendants()).union(chosen.parent());
    cy.fit(wanted, 24);
  }
  if (cy.zoom() > MOST) {
    cy.zoom(MOST);
    cy.center(wanted);
  }
}

// The shown nodes as buttons (out of sight until focused), in the guide's order.
function drawList(seen) {
  const list = $(".cm-list");
  if (!list) return;
  const onPath = new Set(seen.path);
  list.replaceChildren(...map.nodes.filter((n) => seen.shown.has(n.id)).map((node) => {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "cm-node";
    button.dataset.id = node.id;
    button.dataset.type = node.type;
    button.dataset.guide = node.guide || "";
    button.classList.toggle("cm-selected", node.id === seen.focus);
    button.classList.toggle("cm-on-path", onPath.has(node.id));
    button.classList.toggle("cm-faded", seen.lit.size > 0 && !seen.lit.has(node.id));
    button.classList.toggle("cm-match", state.matches.has(node.id));
    button.textContent = `${node.label} (${node.type})`;
    item.appendChild(button);
    return item;
  }));
}

function drawFilters() {
  const box = $(".cm-filters");
  if (!box) return;
  const counts = {};
  for (const node of map.nodes) counts[node.type] = (counts[node.type] || 0) + 1;
  const tick = (key, value, text, swatch) => {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.type = "checkbox";
    input.checked = true;
    input.dataset[key] = value;
    label.append(input);
    if (swatch) {
      const dot = document.createElement("span");
      dot.className = "cm-swatch";
      dot.style.background = swatch;
      label.append(dot);
    }
    label.append(document.createTextNode(` ${text}`));
    return label;
  };
  // Sections are the map's frame: they cannot be hidden.
  const types = (map.types || []).filter((type) => type !== "section");
  box.replaceChildren(...types.map((type) => tick("type", type, `${type} (${counts[type] || 0})`, map.colours[type] || "#a855f7")));
  if ((map.guides || []).length > 1) {
    for (const guide of map.guides) {
      const label = tick("guide", guide, guide);
      label.className = "cm-guide";
      box.appendChild(label);
    }
  }
  if (map.left_out > 0) {
    const note = document.createElement("span");
    note.className = "cm-status";
    note.textContent = `${map.left_out} more nodes are not drawn (the guide is large)`;
    box.appendChild(note);
  }
}

// --- choosing: a node, a search, a value from Python --------------------------------------------

function choose(id) {
  state.focus = id;
  state.path = [];
  draw("focus");
  props.value = { focus: id, path: [] };
  trigger("click");
}

// Draw a value (from Python, or the handle): unless it is what is drawn already.
function show(value, fresh = false) {
  const focus = value && typeof value.focus === "string" ? value.focus : null;
  const path = value && Array.isArray(value.path) ? value.path.filter((id) => typeof id === "string") : [];
  const same = JSON.stringify([focus, path]) === JSON.stringify([state.focus, state.path]);
  if (same && !fresh && cy && cy.container() === $(".cm-cy") && cy.nodes().length) return;
  state.focus = focus;
  state.path = path;
  draw(path.length ? "path" : focus ? "focus" : "open");
}

function search(text) {
  const wanted = text.trim().toLocaleLowerCase();
  state.matches = new Set();
  if (wanted) {
    for (const node of map.nodes) {
      if (node.label.toLocaleLowerCase().includes(wanted)) {
        state.matches.add(node.id);
        ancestors(node.id).forEach((up) => state.matches.add(up)); // where to look: its sections too
      }
    }
  }
  const found = map.nodes.filter((n) => wanted && n.label.toLocaleLowerCase().includes(wanted)).length;
  status(wanted ? `${found} found` : "");
  draw("search");
  return wanted;
}

function bestMatch(wanted) {
  const rank = (node) => {
    const label = node.label.toLocaleLowerCase();
    return (label === wanted ? 0 : label.startsWith(wanted) ? 1 : 2) * 1000 + label.length;
  };
  const found = map.nodes.filter((n) => n.label.toLocaleLowerCase().includes(wanted)
    && !state.hidden.has(n.type) && !(n.guide && state.hiddenGuides.has(n.guide)));
  found.sort((a, b) => rank(a) - rank(b));
  return found.length ? found[0].id : null;
}

// --- export -------------------------------------------------------------------------------------

function download(blob, name) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}

// The view as SVG, written from the shown elements' positions and styles: boxes first (outer
// before inner), then edges, then the leaves with their labels.
function svgOf() {
  const NS = "http://www.w3.org/2000/svg";
  const make = (name, attributes) => {
    const el = document.createElementNS(NS, name);
    for (const key in attributes) el.setAttribute(key, attributes[key]);
    return el;
  };
  const ext = cy.extent();
  const picture = make("svg", { xmlns: NS, viewBox: `${ext.x1} ${ext.y1} ${ext.w} ${ext.h}`,
    width: Math.round(cy.width()), height: Math.round(cy.height()), "font-family": FONT, "font-size": FONT_SIZE });
  picture.appendChild(make("rect", { x: ext.x1, y: ext.y1, width: ext.w, height: ext.h, fill: "#ffffff" }));
  const text = (node, x, y, anchorTop) => {
    const lines = String(node.data("shown")).split("\n");
    const lineHeight = FONT_SIZE * LINE;
    const first = anchorTop ? y - (lines.length - 1) * lineHeight : y - ((lines.length - 1) * lineHeight) / 2;
    const label = make("text", { x, y: first, "text-anchor": "middle", "dominant-baseline": anchorTop ? "text-after-edge" : "central",
      fill: node.style("color"), "font-weight": node.style("font-weight"), opacity: node.style("text-opacity") * node.effectiveOpacity() });
    lines.forEach((line, n) => {
      const span = make("tspan", { x, dy: n ? lineHeight : 0 });
      span.textContent = line;
      label.appendChild(span);
    });
    return label;
  };
  const shape = (node) => {
    const bb = node.boundingBox({ includeLabels: false, includeOverlays: false });
    return make("rect", { x: bb.x1, y: bb.y1, width: bb.w, height: bb.h, rx: 6,
      fill: node.style("background-color"), "fill-opacity": node.style("background-opacity"),
      stroke: node.style("border-color"), "stroke-width": node.style("border-width"),
      "stroke-opacity": node.style("border-opacity"), opacity: node.effectiveOpacity() });
  };
  const visible = cy.elements().filter((el) => el.visible());
  const boxes = visible.nodes().filter((n) => n.isParent()).sort((a, b) => a.ancestors().length - b.ancestors().length);
  boxes.forEach((node) => {
    picture.appendChild(shape(node));
    const bb = node.boundingBox({ includeLabels: false, includeOverlays: false });
    picture.appendChild(text(node, (bb.x1 + bb.x2) / 2, bb.y1 - LABEL_GAP, true));
  });
  visible.edges().forEach((edge) => {
    const a = edge.sourceEndpoint();
    const b = edge.targetEndpoint();
    picture.appendChild(make("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y, stroke: edge.style("line-color"),
      "stroke-width": parseFloat(edge.style("width")), opacity: edge.effectiveOpacity() }));
  });
  visible.nodes().filter((n) => !n.isParent()).forEach((node) => {
    picture.appendChild(shape(node));
    picture.appendChild(text(node, node.position("x"), node.position("y"), false));
  });
  return new XMLSerializer().serializeToString(picture);
}

// --- events -------------------------------------------------------------------------------------

element.addEventListener("keydown", (event) => {
  if (event.target.classList && event.target.classList.contains("cm-search") && event.key === "Enter") {
    event.preventDefault();
    const wanted = search(event.target.value);
    const id = wanted ? bestMatch(wanted) : null;
    if (id) choose(id);
  }
});

element.addEventListener("input", (event) => {
  if (event.target.classList.contains("cm-search")) search(event.target.value);
});

element.addEventListener("change", (event) => {
  const data = event.target.dataset || {};
  const [set, key] = data.type ? [state.hidden, data.type] : [state.hiddenGuides, data.guide];
  if (!key) return;
  if (event.target.checked) set.delete(key);
  else set.add(key);
  draw("filter");
});

element.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest("button");
  if (!button || !cy) return;
  if (button.classList.contains("cm-node")) return choose(button.dataset.id);
  const middle = { x: cy.width() / 2, y: cy.height() / 2 };
  if (button.classList.contains("cm-zoom-in")) cy.zoom({ level: cy.zoom() * ZOOM, renderedPosition: middle });
  if (button.classList.contains("cm-zoom-out")) cy.zoom({ level: cy.zoom() / ZOOM, renderedPosition: middle });
  if (button.classList.contains("cm-fit")) cy.fit(cy.elements(), 24);
  if (button.classList.contains("cm-clear")) {
    const box = $(".cm-search");
    if (box) box.value = "";
    state.focus = null;
    state.path = [];
    // Python's next value is then news, even the concept cleared away.
    props.value = { focus: null, path: [] };
    search("");
  }
  if (button.classList.contains("cm-png")) {
    download(cy.png({ output: "blob", bg: "#ffffff", full: false, scale: 2 }), "concept-map.png");
  }
  if (button.classList.contains("cm-svg-export")) {
    download(new Blob([svgOf()], { type: "image/svg+xml" }), "concept-map.svg");
  }
});

// The test and bench handle: read-only views of the map, and show(), which draws a value as if
// Python had sent it (the component's value too, without a trip to Python).
function labelBoxes() {
  if (!cy) return [];
  return cy.nodes().filter((n) => n.visible()).map((node) => {
    const bb = node.isParent()
      ? node.boundingBox({ includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false })
      : node.boundingBox({ includeLabels: true, includeOverlays: false });
    return { id: node.id(), x1: bb.x1, y1: bb.y1, x2: bb.x2, y2: bb.y2 };
  });
}

function overlaps() {
  const boxes = labelBoxes();
  const pairs = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i];
      const b = boxes[j];
      if (a.x1 < b.x2 - 0.5 && b.x1 < a.x2 - 0.5 && a.y1 < b.y2 - 0.5 && b.y1 < a.y2 - 0.5) pairs.push([a.id, b.id]);
    }
  }
  return pairs;
}

element.cm = Object.freeze({
  get cy() { return cy; },
  shown: () => (cy ? cy.nodes().filter((n) => n.visible()).map((n) => n.id()) : []),
  labelBoxes,
  overlaps,
  stats: () => ({ ...stats }),
  show: (value) => {
    props.value = value;
    show(value);
  },
});

watch("value", () => show(props.value));
watch("map_data", () => {
  load(props.map_data);
  show(props.value, true);
});
load(props.map_data);
show(props.value, true);
