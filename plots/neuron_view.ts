// bertviz's neuron view, offline: for one layer, head and query token, the query vector q, every key
// vector k_j, their elementwise product q ⊙ k_j, the score q · k_j / √d (plus the distance term of relative_key(_query) models) and the softmax weight — cells
// coloured blue (positive) / orange (negative) as bertviz draws them, with the attention lines to the
// keys. Choose layer / head in the dropdowns, hover a token on the left to make it the query.
// Input: attention_details(model, inputs) from bertlab's explain (queries, keys, attention per head).
import { check_not_sibling, NEURON_VIEW_HINT } from "../src/explain/wrong_input";
import type { Chart, HtmlChart } from "./chart";
import { displayable, vega_lite, with_static } from "./chart";
import { escape_html, script_json, unique_id } from "./render/html";
import { safe_title } from "./data";

/** What neuron_view takes: attention_details' tokens and, per layer, the queries, keys and attention of each head. */
export interface NeuronViewInput {
  tokens: string[];
  /** Per layer: queries / keys [heads][seq][head_size], attention [heads][seq][seq]; relative position scores [heads][seq][seq] for relative_key(_query) models. */
  layers: { queries: number[][][]; keys: number[][][]; attention: number[][][]; relative?: number[][][] }[];
}

/** Options of neuron_view and neuron_view_static (as bertviz's `neuron_view`): which layer, head and query position is shown first. */
export interface NeuronViewOptions {
  /** @default 0 */
  layer?: number;
  /** @default 0 */
  head?: number;
  /** The query position whose products with every key are shown. @default 0 */
  query?: number;
  title?: string;
}

function check(d: NeuronViewInput, o: NeuronViewOptions, fn: string): { layer: number; head: number; query: number } {
  if (Array.isArray(d) || Array.isArray(o)) throw new TypeError(`${fn}: ${NEURON_VIEW_HINT.replace("neuron_view(", `${fn}(`)}`);
  check_not_sibling(fn, "details", d, ["attention_details"]);
  if (!d || !Array.isArray(d.layers) || !Array.isArray(d.tokens)) throw new Error(`${fn}: expected attention_details(model, inputs)'s { tokens, layers: [{ queries, keys, attention }] }`);
  const layer = o.layer ?? 0;
  const head = o.head ?? 0;
  const query = o.query ?? 0;
  const int_in = (name: string, v: unknown, n: number) => {
    if (!(typeof v === "number" && Number.isInteger(v))) throw new Error(`${fn}: ${name} should be an integer in 0..${n - 1}, got ${typeof v === "string" ? JSON.stringify(v) : String(v)}`);
    if (!(v >= 0 && v < n)) throw new Error(`${fn}: ${name} ${v} is out of range 0..${n - 1}`);
  };
  int_in("layer", layer, d.layers.length);
  const H = d.layers[layer].queries.length;
  int_in("head", head, H);
  int_in("query", query, d.tokens.length);
  return { layer, head, query };
}

/** One query's row as plain records: per key token, q ⊙ k, q · k / √d and the attention weight. */
export function neuron_view_rows(d: NeuronViewInput, o: NeuronViewOptions = {}): { key: number; token: string; product: number[]; score: number; weight: number }[] {
  const { layer, head, query } = check(d, o, "neuron_view_rows");
  const q = d.layers[layer].queries[head][query];
  const s = Math.sqrt(q.length);
  return d.layers[layer].keys[head].map((k, j) => {
    const product = k.map((v, i) => q[i] * v);
    const rel = d.layers[layer].relative?.[head][query][j] ?? 0; // relative_key(_query) models: the distance term
    return { key: j, token: d.tokens[j], product, score: (product.reduce((a, b) => a + b, 0) + rel) / s, weight: d.layers[layer].attention[head][query][j] };
  });
}

// Runs in the browser with `root`, `D` (NeuronViewInput with values rounded) and `S` (initial selection).
const SCRIPT = String.raw`
var NS = "http://www.w3.org/2000/svg", svg = root.querySelector("svg"), ls = root.querySelector(".nv-layer"), hs = root.querySelector(".nv-head");
function el(name, attrs, text) { var e = document.createElementNS(NS, name); for (var k in attrs) e.setAttribute(k, attrs[k]); if (text !== undefined) e.textContent = text; return e; }
function color(v, m) { var x = Math.min(1, Math.abs(v) / (m || 1)); return v >= 0 ? "rgba(31,119,180," + x + ")" : "rgba(255,127,14," + x + ")"; }
var n = D.tokens.length, query = S.query, C = 7, ROW = 18;
for (var l = 0; l < D.layers.length; l++) { var o = document.createElement("option"); o.value = l; o.textContent = l; ls.appendChild(o); }
for (var h = 0; h < D.layers[0].queries.length; h++) { var o2 = document.createElement("option"); o2.value = h; o2.textContent = h; hs.appendChild(o2); }
ls.value = S.layer; hs.value = S.head;
var wt = 0; D.tokens.forEach(function (t) { wt = Math.max(wt, t.length * 7 + 10); });
var dyn = el("g", {}), labels = [];
svg.appendChild(dyn);
D.tokens.forEach(function (t, i) {
  var lab = el("text", { x: wt, y: 22 + i * ROW + 12, "text-anchor": "end", "font-size": 12, style: "cursor:pointer", "data-index": i }, t);
  lab.addEventListener("mouseenter", function () { if (query !== i) { query = i; draw(); } });
  svg.appendChild(lab); labels.push(lab);
});
function draw() {
  while (dyn.firstChild) dyn.removeChild(dyn.firstChild);
  var L = D.layers[+ls.value], hh = +hs.value, qv = L.queries[hh][query], ks = L.keys[hh], d = qv.length;
  var xq = wt + 10, xk = xq + d * C + 30, xp = xk + d * C + 20, xs = xp + d * C + 20, xr = xs + 120, m = 0;
  qv.forEach(function (v) { m = Math.max(m, Math.abs(v)); }); ks.forEach(function (k) { k.forEach(function (v) { m = Math.max(m, Math.abs(v)); }); });
  var mp = 0, prod = ks.map(function (k) { return k.map(function (v, i) { var p = v * qv[i]; mp = Math.max(mp, Math.abs(p)); return p; }); });
  [["query q", xq], ["key k", xk], ["q \u00d7 k", xp], ["q\u00b7k/\u221ad  weight", xs]].forEach(function (c) { dyn.appendChild(el("text", { x: c[1], y: 12, "font-size": 11, "font-weight": "bold" }, c[0])); });
  D.tokens.forEach(function (t, i) {
    var y = 22 + i * ROW;
    labels[i].setAttribute("font-weight", i === query ? "bold" : "normal");
    if (i === query) qv.forEach(function (v, c) { dyn.appendChild(el("rect", { x: xq + c * C, y: y + 2, width: C - 1, height: ROW - 4, fill: color(v, m) })); });
    ks[i].forEach(function (v, c) { dyn.appendChild(el("rect", { x: xk + c * C, y: y + 2, width: C - 1, height: ROW - 4, fill: color(v, m) })); });
    prod[i].forEach(function (v, c) { dyn.appendChild(el("rect", { x: xp + c * C, y: y + 2, width: C - 1, height: ROW - 4, fill: color(v, mp), "class": "nv-prod" })); });
    var s = (prod[i].reduce(function (a, b) { return a + b; }, 0) + (L.relative ? L.relative[hh][query][i] : 0)) / Math.sqrt(d), w = L.attention[hh][query][i];
    dyn.appendChild(el("text", { x: xs, y: y + 12, "font-size": 11, "class": "nv-score" }, s.toFixed(2) + "  " + w.toFixed(3)));
    dyn.appendChild(el("line", { x1: xs + 80, y1: 22 + query * ROW + ROW / 2, x2: xr, y2: y + ROW / 2, stroke: "#1f77b4", "stroke-width": 2, "stroke-opacity": w }));
    dyn.appendChild(el("text", { x: xr + 6, y: y + 12, "font-size": 12 }, t));
  });
  svg.setAttribute("width", xr + wt + 20); svg.setAttribute("height", 30 + n * ROW);
  root.setAttribute("data-query", query);
}
ls.addEventListener("change", draw); hs.addEventListener("change", draw);
draw();
`;

/** The wrong guess `neuron_view(attentions, tokens)`: a type error whose message says what to write. */
export function neuron_view(details: typeof NEURON_VIEW_HINT, tokens: string[], opts?: NeuronViewOptions): never;
/** bertviz's neuron view for one layer / head / query token (all switchable in the page). Offline HTML. */
export function neuron_view(details: NeuronViewInput, opts?: NeuronViewOptions): HtmlChart;
export function neuron_view(details: unknown, opts: unknown = {}): HtmlChart {
  return neuron_view_html(details as NeuronViewInput, opts as NeuronViewOptions); // check() throws for the wrong guesses
}

function neuron_view_html(details: NeuronViewInput, opts: NeuronViewOptions): HtmlChart {
  const sel = check(details, opts, "neuron_view");
  const round = (v: number) => Math.round(v * 1e4) / 1e4;
  const data = { tokens: details.tokens, layers: details.layers.map((l) => ({ queries: l.queries.map((h) => h.map((r) => r.map(round))), keys: l.keys.map((h) => h.map((r) => r.map(round))), attention: l.attention.map((h) => h.map((r) => r.map(round))), ...(l.relative ? { relative: l.relative.map((h) => h.map((r) => r.map(round))) } : {}) })) };
  const id = unique_id("bertlab-neuron-view");
  const title = opts.title ?? "Neuron view";
  const d = details.layers[0].queries[0][0].length;
  const html = `<div id="${id}" class="bertlab-neuron-view" style="font-family:sans-serif;font-size:13px">`
    + `<div style="font-weight:bold;margin-bottom:4px">${escape_html(title)}</div>`
    + `<div>Layer: <select class="nv-layer"></select> Head: <select class="nv-head"></select> <span style="color:#666">(hover a token on the left to make it the query)</span></div>`
    + `<svg xmlns="http://www.w3.org/2000/svg"></svg></div>`
    + `<script>(function(){var root=document.getElementById(${script_json(id)});var D=${script_json(data)};var S=${script_json(sel)};${SCRIPT}})();</script>`;
  const wt = Math.max(...details.tokens.map((t) => t.length * 7 + 10));
  const chart = displayable<HtmlChart>({ library: "html", html, title, width: 2 * wt + 3 * d * 7 + 260, height: 80 + details.tokens.length * 18 });
  return with_static(chart, () => neuron_view_static(details, opts));
}

/** Static fallback (vega-lite): the chosen query's q ⊙ k products per key token, with score and weight. */
export function neuron_view_static(details: NeuronViewInput, opts: NeuronViewOptions = {}): Chart {
  const sel = check(details, opts, "neuron_view_static");
  const rows = neuron_view_rows(details, sel);
  const values = rows.flatMap((r) => r.product.map((p, i) => ({ key: `${r.key}: ${r.token}`, key_order: r.key, dim: i, product: p, score: r.score, weight: r.weight })));
  const m = Math.max(1e-12, ...values.map((v) => Math.abs(v.product)));
  // sorted by a numeric field, not sort: [names] (vega-lite writes those into an expression unescaped)
  const order = { field: "key_order", op: "min" };
  return vega_lite({
    data: { values },
    hconcat: [
      { width: { step: 8 }, height: { step: 18 }, mark: "rect", encoding: {
        x: { field: "dim", type: "ordinal", title: "q × k (per dimension)", axis: { labels: false, ticks: false } },
        y: { field: "key", type: "nominal", sort: order, title: safe_title(`key (query: ${details.tokens[sel.query]})`) },
        color: { field: "product", type: "quantitative", scale: { scheme: "blueorange", domain: [m, -m] }, title: "q×k" } } },
      { width: 120, height: { step: 18 }, mark: "bar", transform: [{ filter: "datum.dim == 0" }], encoding: {
        y: { field: "key", type: "nominal", sort: order, axis: null },
        x: { field: "weight", type: "quantitative", title: "attention", scale: { domain: [0, 1] } } } },
    ],
  }, opts.title ?? `Neuron view: layer ${sel.layer}, head ${sel.head}, query ${details.tokens[sel.query]}`);
}
