// The interactive concept map of ECS Tutor, run by Gradio's gr.HTML as `js_on_load` with
// `element` (this component), `props` (`props.map_data` from kg/conceptmap.py, and `props.value`,
// `{"focus": node id, "path": [node ids]}`), `trigger` and `watch`.
//
// Pan, zoom, filtering and search happen here, in the browser. Choosing a node goes back to
// Python (trigger('click') with the node in props.value), so the details a learner reads come
// from the same explore() as the rest of the app. Text from the guide and from the learner is
// only ever inserted as text (textContent, setAttribute), never parsed as HTML. Nothing is fetched.

const SVG_NS = "http://www.w3.org/2000/svg";
const RADIUS = { section: 10, item: 9, scenario: 6, step: 5, misconception: 6, service: 8 };
const NAMED = new Set(["section", "item", "service"]); // other kinds show their label on demand
const ZOOM = 1.25;
let map;   // props.map_data: {nodes, edges, types, colours, guides, left_out}
let byId;  // node id -> index in map.nodes
let near;  // index -> Set of neighbour indices
const state = { view: { x: 0, y: 0, w: 1000, h: 1000 }, hidden: new Set(),
  hiddenGuides: new Set(), selected: -1, path: [], matches: new Set() };

// A new guide brings a new map: everything drawn or chosen so far is dropped.
function load(data) {
  map = data || { nodes: [], edges: [], types: [], colours: {}, left_out: 0 };
  byId = new Map(map.nodes.map((node, i) => [node.id, i]));
  near = map.nodes.map(() => new Set());
  for (const [s, t] of map.edges) {
    near[s].add(t);
    near[t].add(s);
  }
  Object.assign(state, { view: { x: 0, y: 0, w: 1000, h: 1000 }, hidden: new Set(),
    hiddenGuides: new Set(), selected: -1, path: [], matches: new Set() });
  const box = $(".cm-search");
  if (box) box.value = "";
  const status = $(".cm-status");
  if (status) status.textContent = "";
  draw();
}

const $ = (selector) => element.querySelector(selector);
const short = (text, limit) => (text.length <= limit ? text : text.slice(0, limit - 1) + "…");

function svg(name, attributes) {
  const el = document.createElementNS(SVG_NS, name);
  for (const key in attributes) el.setAttribute(key, attributes[key]);
  return el;
}

function titled(el, text) {
  const title = svg("title", {});
  title.textContent = text;
  el.appendChild(title);
  return el;
}

// --- drawing ------------------------------------------------------------------------------

function draw() {
  const layer = $(".cm-layer");
  if (!layer) return;
  const edges = svg("g", { class: "cm-edges" });
  map.edges.forEach(([s, t, relation], i) => {
    const a = map.nodes[s];
    const b = map.nodes[t];
    const line = svg("line", { class: "cm-edge", "data-edge": i, x1: a.x, y1: a.y, x2: b.x, y2: b.y });
    edges.appendChild(titled(line, `${a.label} —${relation.replace(/_/g, " ")}→ ${b.label}`));
  });
  const nodes = svg("g", { class: "cm-nodes" });
  map.nodes.forEach((node, i) => {
    const r = RADIUS[node.type] || 6;
    const g = svg("g", { class: NAMED.has(node.type) ? "cm-node" : "cm-node cm-quiet",
      "data-index": i, "data-type": node.type, "data-id": node.id, "data-guide": node.guide || "",
      tabindex: 0, role: "button",
      "aria-label": `${node.label} (${node.type})` });
    titled(g, `${node.label} (${node.type}${node.section ? " in " + node.section : ""})`);
    g.appendChild(svg("circle", { cx: node.x, cy: node.y, r, fill: map.colours[node.type] || "#a855f7" }));
    const label = svg("text", { class: "cm-label", x: node.x, y: node.y + r, dy: "1.05em" });
    label.textContent = short(node.label, 30);
    g.appendChild(label);
    nodes.appendChild(g);
  });
  layer.replaceChildren(edges, nodes);
  drawFilters();
  paint();
  setView(state.view);
}

function drawFilters() {
  const box = $(".cm-filters");
  if (!box) return;
  const counts = {};
  for (const node of map.nodes) counts[node.type] = (counts[node.type] || 0) + 1;
  box.replaceChildren(...map.types.map((type) => {
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = !state.hidden.has(type);
    box.dataset.type = type;
    const swatch = document.createElement("span");
    swatch.className = "cm-swatch";
    swatch.style.background = map.colours[type] || "#a855f7";
    label.append(box, swatch, document.createTextNode(` ${type} (${counts[type] || 0})`));
    return label;
  }));
  // Guides studied together: each can be hidden (services, shared by the guides, stay).
  const guides = map.guides || [];
  if (guides.length > 1) {
    for (const guide of guides) {
      const label = document.createElement("label");
      const tick = document.createElement("input");
      tick.type = "checkbox";
      tick.checked = !state.hiddenGuides.has(guide);
      tick.dataset.guide = guide;
      label.className = "cm-guide";
      label.append(tick, document.createTextNode(` ${guide}`));
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

// A node is hidden when its type or its guide is unticked.
function isHidden(i) {
  const node = map.nodes[i];
  return state.hidden.has(node.type) || (node.guide && state.hiddenGuides.has(node.guide));
}

// Classes say what is hidden, chosen, near the chosen node, on the path, or found by search.
function paint() {
  const onPath = new Set(state.path);
  const pathEdges = new Set();
  for (let i = 0; i + 1 < state.path.length; i++) {
    pathEdges.add(`${state.path[i]} ${state.path[i + 1]}`);
    pathEdges.add(`${state.path[i + 1]} ${state.path[i]}`);
  }
  const focus = state.path.length ? null : state.selected;
  const isNear = (i) => focus !== null && focus >= 0 && (i === focus || near[focus].has(i));
  const fading = onPath.size > 0 || (focus !== null && focus >= 0);
  element.querySelectorAll(".cm-node").forEach((g) => {
    const i = Number(g.dataset.index);
    const type = map.nodes[i].type;
    g.classList.toggle("cm-hidden", isHidden(i) && !onPath.has(i) && i !== state.selected);
    g.classList.toggle("cm-selected", i === state.selected);
    g.classList.toggle("cm-near", isNear(i) && i !== focus);
    g.classList.toggle("cm-on-path", onPath.has(i));
    g.classList.toggle("cm-match", state.matches.has(i));
    g.classList.toggle("cm-faded", fading && !onPath.has(i) && !isNear(i));
  });
  element.querySelectorAll(".cm-edge").forEach((line) => {
    const [s, t] = map.edges[Number(line.dataset.edge)];
    const shown = (i) => !isHidden(i) || onPath.has(i) || i === state.selected;
    const onThePath = pathEdges.has(`${s} ${t}`);
    line.classList.toggle("cm-hidden", !(shown(s) && shown(t)));
    line.classList.toggle("cm-on-path", onThePath);
    line.classList.toggle("cm-near", focus !== null && focus >= 0 && (s === focus || t === focus));
    line.classList.toggle("cm-faded", fading && !onThePath && !(focus >= 0 && (s === focus || t === focus)));
  });
}

// --- the view: pan and zoom move the viewBox --------------------------------------------------

function setView(view) {
  const w = Math.min(4000, Math.max(60, view.w));
  const h = w * (view.h / view.w);
  state.view = { x: view.x + (view.w - w) / 2, y: view.y + (view.h - h) / 2, w, h };
  const picture = $(".cm-svg");
  if (!picture) return;
  picture.setAttribute("viewBox", `${state.view.x} ${state.view.y} ${state.view.w} ${state.view.h}`);
  // Labels keep one size on screen whatever the zoom: 12 px in the svg's user units.
  const pixels = picture.getBoundingClientRect().width || 700;
  const layer = $(".cm-layer");
  if (layer) layer.style.fontSize = `${(12 * Math.max(state.view.w, state.view.h)) / pixels}px`;
}

function zoomAt(factor, cx, cy) {
  const v = state.view;
  const w = Math.min(4000, Math.max(60, v.w * factor));
  const f = w / v.w;
  state.view = { x: cx - (cx - v.x) * f, y: cy - (cy - v.y) * f, w, h: v.h * f };
  setView(state.view);
}

function fitTo(indices) {
  if (!indices.length) return setView({ x: 0, y: 0, w: 1000, h: 1000 });
  const xs = indices.map((i) => map.nodes[i].x);
  const ys = indices.map((i) => map.nodes[i].y);
  const side = Math.max(420, Math.max(...xs) - Math.min(...xs) + 160, Math.max(...ys) - Math.min(...ys) + 160);
  const cx = (Math.max(...xs) + Math.min(...xs)) / 2;
  const cy = (Math.max(...ys) + Math.min(...ys)) / 2;
  setView({ x: cx - side / 2, y: cy - side / 2, w: side, h: side });
}

function toMap(clientX, clientY) {
  const picture = $(".cm-svg");
  const point = picture.createSVGPoint();
  point.x = clientX;
  point.y = clientY;
  return point.matrixTransform(picture.getScreenCTM().inverse());
}

// --- choosing: a node, a search, a path -------------------------------------------------------

function choose(i) {
  if (i < 0 || i >= map.nodes.length) return;
  state.selected = i;
  state.path = [];
  paint();
  fitTo([i, ...near[i]]);
  props.value = { focus: map.nodes[i].id, path: [] };
  trigger("click");
}

function show(value) {
  const fresh = !$(".cm-layer .cm-node"); // the template was drawn afresh: nothing is painted
  if (fresh) draw();
  const focus = value && byId.has(value.focus) ? byId.get(value.focus) : -1;
  const path = ((value && value.path) || []).filter((id) => byId.has(id)).map((id) => byId.get(id));
  // The same focus again needs no work, unless the nodes were just drawn: a value that arrives
  // while the map is first shown ("Open in Explore") was read at load and must still be painted.
  if (!fresh && focus === state.selected && path.join() === state.path.join()) return;
  state.selected = focus;
  state.path = path;
  paint();
  if (path.length) fitTo(path);
  else if (focus >= 0) fitTo([focus, ...near[focus]]);
}

function search(text) {
  const wanted = text.trim().toLocaleLowerCase();
  state.matches = new Set();
  if (wanted) {
    map.nodes.forEach((node, i) => {
      if (node.label.toLocaleLowerCase().includes(wanted)) state.matches.add(i);
    });
  }
  const status = $(".cm-status");
  if (status) status.textContent = wanted ? `${state.matches.size} found` : "";
  paint();
  return wanted;
}

function bestMatch(wanted) {
  const found = [...state.matches].filter((i) => !isHidden(i));
  const rank = (i) => {
    const label = map.nodes[i].label.toLocaleLowerCase();
    return (label === wanted ? 0 : label.startsWith(wanted) ? 1 : 2) * 1000 + label.length;
  };
  found.sort((a, b) => rank(a) - rank(b));
  return found.length ? found[0] : -1;
}

// --- events -----------------------------------------------------------------------------------

let drag = null;

element.addEventListener("pointerdown", (event) => {
  const picture = $(".cm-svg");
  if (!picture || !picture.contains(event.target) || event.button !== 0) return;
  drag = { x: event.clientX, y: event.clientY, view: { ...state.view }, moved: false,
    scale: 1 / picture.getScreenCTM().a, node: event.target.closest(".cm-node") };
  picture.setPointerCapture(event.pointerId);
});

element.addEventListener("pointermove", (event) => {
  if (!drag) return;
  const dx = event.clientX - drag.x;
  const dy = event.clientY - drag.y;
  if (!drag.moved && Math.hypot(dx, dy) < 4) return;
  drag.moved = true;
  $(".cm-svg").classList.add("cm-dragging");
  setView({ ...drag.view, x: drag.view.x - dx * drag.scale, y: drag.view.y - dy * drag.scale });
});

element.addEventListener("pointerup", (event) => {
  if (!drag) return;
  const { moved, node } = drag;
  drag = null;
  $(".cm-svg").classList.remove("cm-dragging");
  // The pointer is captured by the svg, so a click on a node is told by where it went down.
  if (!moved && node) choose(Number(node.dataset.index));
});

element.addEventListener("wheel", (event) => {
  if (!$(".cm-svg") || !$(".cm-svg").contains(event.target)) return;
  event.preventDefault();
  const at = toMap(event.clientX, event.clientY);
  zoomAt(event.deltaY > 0 ? ZOOM : 1 / ZOOM, at.x, at.y);
}, { passive: false });

element.addEventListener("keydown", (event) => {
  const node = event.target.closest && event.target.closest(".cm-node");
  if (node && (event.key === "Enter" || event.key === " ")) {
    event.preventDefault();
    choose(Number(node.dataset.index));
  }
  if (event.target.classList && event.target.classList.contains("cm-search") && event.key === "Enter") {
    event.preventDefault();
    const wanted = search(event.target.value);
    const i = wanted ? bestMatch(wanted) : -1;
    if (i >= 0) choose(i);
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
  paint();
});

element.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest("button");
  if (!button) return;
  const v = state.view;
  if (button.classList.contains("cm-zoom-in")) zoomAt(1 / ZOOM, v.x + v.w / 2, v.y + v.h / 2);
  if (button.classList.contains("cm-zoom-out")) zoomAt(ZOOM, v.x + v.w / 2, v.y + v.h / 2);
  if (button.classList.contains("cm-fit")) fitTo([]);
  if (button.classList.contains("cm-clear")) {
    const box = $(".cm-search");
    if (box) box.value = "";
    state.selected = -1;
    state.path = [];
    search("");
    fitTo([]);
  }
});

watch("value", () => show(props.value));
watch("map_data", () => {
  load(props.map_data);
  show(props.value);
});
load(props.map_data);
show(props.value);
