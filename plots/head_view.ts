// A bertviz-style head view as one self-contained HTML fragment (inline SVG + JS, no CDN): tokens on the
// left (queries) and right (keys), a line per (head, query, key) with opacity = attention weight, a layer
// dropdown, head colour boxes that toggle heads (double-click: only that head), hover a token to focus it.
import { displayable, with_static, type HtmlChart } from "./chart";
import { AttentionInput, AttentionSelect, attention_view, plot_attention_grid } from "./attention";
import { escape_html, script_json, unique_id } from "./render/html";

/** Options of head_view and head_view_data (as bertviz's `head_view`): first layer and heads, sentence B start, weight cut-off. */
export interface HeadViewOptions extends AttentionSelect {
  /** Layer selected first (default 0). */
  layer?: number;
  /** Heads shown first (default all). */
  heads?: number[];
  /** Index of the first token of sentence B (e.g. where token_type_ids turn 1): adds a Sentence A/B filter, as bertviz. */
  sentence_b_start?: number;
  /** Lines with a weight below this are not drawn (default 0.01). */
  min_weight?: number;
  title?: string;
}

/** Head colours (d3 category10, then tableau20's light tints) — exported so tests and legends agree. */
export const HEAD_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
  "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5"];

/** The data head_view's widget draws (head_view_data): tokens, attention, the first layer and heads, colours, sentence B start. */
export interface HeadViewData { tokens: string[]; attention: number[][][][]; layer: number; heads: number[]; min_weight: number; colors: string[]; sentence_b_start: number | null }

// Runs in the browser. `root` is the widget's element and `D` its HeadViewData. ES5, no dependencies.
const SCRIPT = String.raw`
var NS = "http://www.w3.org/2000/svg";
var sel = root.querySelector("select.hv-layer"), filt = root.querySelector("select.hv-filter"), svg = root.querySelector("svg"), box = root.querySelector(".hv-heads");
var n = D.tokens.length, H = D.attention[0].length, ROW = 20, PAD = 8, W_TOK = 0;
D.tokens.forEach(function (t) { W_TOK = Math.max(W_TOK, t.length * 7.5 + 10); });
var XL = W_TOK, XR = W_TOK + 180, WIDTH = XR + W_TOK;
var active = {}; D.heads.forEach(function (h) { active[h] = true; });
var focus = null; // { side: "left"|"right", index }
var left = [], right = [];
function el(name, attrs, text) { var e = document.createElementNS(NS, name); for (var k in attrs) e.setAttribute(k, attrs[k]); if (text !== undefined) e.textContent = text; return e; }
function range(a, b) { var r = []; for (var i = a; i < b; i++) r.push(i); return r; }
function y(row) { return PAD + row * ROW + ROW / 2; }
var lines = el("g", { "class": "hv-lines" }), labels = el("g", { "class": "hv-tokens" });
svg.appendChild(lines); svg.appendChild(labels);
function sides() {
  var b = D.sentence_b_start, A = b === null ? range(0, n) : range(0, b), B = b === null ? [] : range(b, n), f = filt ? filt.value : "all";
  left = f === "aa" || f === "ab" ? A : f === "bb" || f === "ba" ? B : range(0, n);
  right = f === "aa" || f === "ba" ? A : f === "bb" || f === "ab" ? B : range(0, n);
  svg.setAttribute("width", WIDTH); svg.setAttribute("height", Math.max(left.length, right.length) * ROW + PAD * 2);
  while (labels.firstChild) labels.removeChild(labels.firstChild);
  [["left", left], ["right", right]].forEach(function (s) {
    s[1].forEach(function (i, row) {
      var side = s[0];
      var t = el("text", { x: side === "left" ? XL - 6 : XR + 6, y: y(row) + 4, "text-anchor": side === "left" ? "end" : "start", "font-size": 13, "data-side": side, "data-index": i, style: "cursor:default" }, D.tokens[i]);
      t.addEventListener("mouseenter", function () { focus = { side: side, index: i }; draw(); });
      t.addEventListener("mouseleave", function () { focus = null; draw(); });
      labels.appendChild(t);
    });
  });
}
function draw() {
  var layer = D.attention[+sel.value];
  while (lines.firstChild) lines.removeChild(lines.firstChild);
  var drawn = 0;
  for (var h = 0; h < H; h++) {
    if (!active[h]) continue;
    for (var a = 0; a < left.length; a++) {
      var q = left[a];
      if (focus && focus.side === "left" && focus.index !== q) continue;
      for (var c = 0; c < right.length; c++) {
        var k = right[c];
        if (focus && focus.side === "right" && focus.index !== k) continue;
        var w = layer[h][q][k];
        if (w < D.min_weight) continue;
        lines.appendChild(el("line", { x1: XL, y1: y(a), x2: XR, y2: y(c), stroke: D.colors[h % D.colors.length], "stroke-width": 2, "stroke-opacity": w, "data-head": h, "data-query": q, "data-key": k }));
        drawn++;
      }
    }
  }
  root.setAttribute("data-lines", drawn);
  var texts = labels.querySelectorAll("text");
  for (var i = 0; i < texts.length; i++) {
    var t = texts[i], on = focus && t.getAttribute("data-side") === focus.side && +t.getAttribute("data-index") === focus.index;
    t.setAttribute("font-weight", on ? "bold" : "normal");
  }
}
for (var l = 0; l < D.attention.length; l++) { var o = document.createElement("option"); o.value = l; o.textContent = l; sel.appendChild(o); }
sel.value = D.layer;
sel.addEventListener("change", draw);
if (filt) filt.addEventListener("change", function () { focus = null; sides(); draw(); });
for (var h = 0; h < H; h++) (function (h) {
  var b = document.createElement("span");
  b.className = "hv-head"; b.title = "head " + h + " (click: toggle, double-click: only this head)";
  b.setAttribute("data-head", h);
  b.style.cssText = "display:inline-block;width:16px;height:16px;margin:0 2px;cursor:pointer;border:1px solid #555;background:" + D.colors[h % D.colors.length];
  function paint() { b.style.opacity = active[h] ? "1" : "0.2"; }
  b.addEventListener("click", function () { active[h] = !active[h]; paint(); draw(); });
  b.addEventListener("dblclick", function () { for (var j = 0; j < H; j++) active[j] = j === h; var all = box.querySelectorAll(".hv-head"); for (var j2 = 0; j2 < all.length; j2++) all[j2].style.opacity = j2 === h ? "1" : "0.2"; draw(); });
  paint(); box.appendChild(b);
})(h);
sides();
draw();
`;

/** Data embedded in the head view (attention rounded to 4 decimals to keep the page small). */
export function head_view_data(attentions: AttentionInput, tokens: string[], opts: HeadViewOptions = {}): HeadViewData {
  const view = attention_view(attentions, tokens, opts, "head_view");
  const layers = view.layers;
  tokens = view.tokens;
  const layer = opts.layer ?? 0;
  if (!(Number.isInteger(layer) && layer >= 0 && layer < layers.length)) throw new Error(`head_view: layer ${layer} is out of range 0..${layers.length - 1}`);
  const H = layers[0].length;
  const heads = opts.heads ?? layers[0].map((_, i) => i);
  for (const h of heads) if (!(Number.isInteger(h) && h >= 0 && h < H)) throw new Error(`head_view: head ${h} is out of range 0..${H - 1}`);
  const round = (v: number) => Math.round(v * 1e4) / 1e4;
  const b = opts.sentence_b_start;
  if (b !== undefined && !(Number.isInteger(b) && b > 0 && b < tokens.length)) throw new Error(`head_view: sentence_b_start ${b} must be an index inside the tokens (1..${tokens.length - 1})`);
  return { tokens, attention: layers.map((l) => l.map((h) => h.map((r) => r.map(round)))), layer, heads, min_weight: opts.min_weight ?? 0.01, colors: HEAD_COLORS, sentence_b_start: b ?? null };
}

/** Interactive bertviz-style head view; display it as HTML (works offline, in notebooks and exported pages). */
export function head_view(attentions: AttentionInput, tokens: string[], opts: HeadViewOptions = {}): HtmlChart {
  const data = head_view_data(attentions, tokens, opts);
  const id = unique_id("bertlab-head-view");
  const title = opts.title ?? "Head view";
  const html = `<div id="${id}" class="bertlab-head-view" style="font-family:sans-serif;font-size:13px">`
    + `<div style="font-weight:bold;margin-bottom:4px">${escape_html(title)}</div>`
    + `<div>Layer: <select class="hv-layer"></select>`
    + (data.sentence_b_start !== null
      ? ` <span style="margin-left:12px">Attention:</span> <select class="hv-filter"><option value="all">All</option><option value="aa">Sentence A → Sentence A</option>`
        + `<option value="bb">Sentence B → Sentence B</option><option value="ab">Sentence A → Sentence B</option><option value="ba">Sentence B → Sentence A</option></select>`
      : "")
    + ` <span style="margin-left:12px">Heads:</span> <span class="hv-heads"></span></div>`
    + `<svg class="hv-svg" xmlns="http://www.w3.org/2000/svg"></svg></div>`
    + `<script>(function(){var root=document.getElementById(${script_json(id)});var D=${script_json(data)};${SCRIPT}})();</script>`;
  const longest = Math.max(...data.tokens.map((t) => t.length));
  const chart = displayable<HtmlChart>({ library: "html", html, title, width: Math.ceil(2 * (longest * 7.5 + 10) + 220), height: data.tokens.length * 20 + 80 });
  // Without Chromium the PNG is the selected layer's heads as heatmaps.
  return with_static(chart, () => plot_attention_grid(attentions, tokens, { ...opts, layers: [data.layer], heads: data.heads, title: `${title} (static): layer ${data.layer}` }));
}
