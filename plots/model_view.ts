// bertviz's model view, offline: every layer × head as a thumbnail of attention lines (query tokens on
// the left, keys on the right, opacity = weight); click a thumbnail to enlarge it with token labels,
// click the enlarged view (or Escape) to close. One self-contained HTML fragment (inline SVG + JS).
// `model_view_static` is the vega-lite fallback (the layer × head heatmap grid) for PNG without Chromium.
import { displayable, with_static, type Chart, type HtmlChart } from "./chart";
import { AttentionInput, AttentionSelect, attention_view, plot_attention_grid } from "./attention";
import { HEAD_COLORS } from "./head_view";
import { escape_html, script_json, unique_id } from "./render/html";

/** Options of model_view (as bertviz's `model_view`: every layer and head as a thumbnail): size and weight cut-off. */
export interface ModelViewOptions extends AttentionSelect {
  /** Thumbnail size in px (default 80). */
  size?: number;
  /** Lines below this weight are not drawn (default 0.02). */
  min_weight?: number;
  title?: string;
}

/** The data model_view's widget draws (model_view_data): tokens, attention, thumbnail size, weight cut-off, colours. */
export interface ModelViewData { tokens: string[]; attention: number[][][][]; size: number; min_weight: number; colors: string[] }

// Runs in the browser with `root` and `D` (ModelViewData). ES5, no dependencies.
const SCRIPT = String.raw`
var NS = "http://www.w3.org/2000/svg", n = D.tokens.length, grid = root.querySelector(".mv-grid"), big = root.querySelector(".mv-big");
function el(name, attrs, text) { var e = document.createElementNS(NS, name); for (var k in attrs) e.setAttribute(k, attrs[k]); if (text !== undefined) e.textContent = text; return e; }
function draw(svg, m, color, x1, x2, y0, row, labels) {
  for (var q = 0; q < n; q++) for (var k = 0; k < n; k++) {
    var w = m[q][k]; if (w < D.min_weight) continue;
    svg.appendChild(el("line", { x1: x1, y1: y0 + row * (q + 0.5), x2: x2, y2: y0 + row * (k + 0.5), stroke: color, "stroke-width": labels ? 2 : 1, "stroke-opacity": w }));
  }
  if (labels) D.tokens.forEach(function (t, i) {
    svg.appendChild(el("text", { x: x1 - 6, y: y0 + row * (i + 0.5) + 4, "text-anchor": "end", "font-size": 13 }, t));
    svg.appendChild(el("text", { x: x2 + 6, y: y0 + row * (i + 0.5) + 4, "font-size": 13 }, t));
  });
}
function open(l, h) {
  while (big.firstChild) big.removeChild(big.firstChild);
  var wt = 0; D.tokens.forEach(function (t) { wt = Math.max(wt, t.length * 7.5 + 12); });
  var row = 20, svg = el("svg", { width: 2 * wt + 200, height: n * row + 40, "class": "mv-big-svg", "data-layer": l, "data-head": h });
  svg.appendChild(el("text", { x: 4, y: 14, "font-size": 13, "font-weight": "bold" }, "Layer " + l + ", head " + h + " (click to close)"));
  draw(svg, D.attention[l][h], D.colors[h % D.colors.length], wt, wt + 200, 24, row, true);
  big.appendChild(svg); big.style.display = "block"; root.setAttribute("data-open", l + "," + h);
}
function close() { big.style.display = "none"; root.removeAttribute("data-open"); }
big.addEventListener("click", close);
root.addEventListener("keydown", function (e) { if (e.key === "Escape") close(); });
var L = D.attention.length, H = D.attention[0].length, S = D.size, pad = 4;
var header = el("svg", { width: 60 + H * (S + pad), height: 18 });
for (var h0 = 0; h0 < H; h0++) header.appendChild(el("text", { x: 60 + h0 * (S + pad) + S / 2, y: 13, "text-anchor": "middle", "font-size": 11 }, "head " + h0));
grid.appendChild(header);
for (var l = 0; l < L; l++) {
  var line = document.createElement("div"); line.style.cssText = "display:flex;align-items:center;margin-bottom:" + pad + "px";
  var lab = document.createElement("div"); lab.style.cssText = "width:60px;font-size:11px"; lab.textContent = "layer " + l; line.appendChild(lab);
  for (var h = 0; h < H; h++) (function (l, h) {
    var svg = el("svg", { width: S, height: S, "class": "mv-thumb", "data-layer": l, "data-head": h, style: "border:1px solid #ddd;margin-right:" + pad + "px;cursor:pointer;background:white" });
    draw(svg, D.attention[l][h], D.colors[h % D.colors.length], S * 0.2, S * 0.8, 2, (S - 4) / n, false);
    svg.addEventListener("click", function () { open(l, h); });
    line.appendChild(svg);
  })(l, h);
  grid.appendChild(line);
}
`;

/**
 * The numbers bertviz's model view draws (every layer and head, padding dropped), as plain arrays.
 * @example
 * ```ts
 * model_view_data(outputs.attentions, tokens).layers.length
 * ```
 */
export function model_view_data(attentions: AttentionInput, tokens: string[], opts: ModelViewOptions = {}): ModelViewData {
  const view = attention_view(attentions, tokens, opts, "model_view");
  const round = (v: number) => Math.round(v * 1e3) / 1e3;
  return { tokens: view.tokens, attention: view.layers.map((l) => l.map((h) => h.map((r) => r.map(round)))), size: opts.size ?? 80, min_weight: opts.min_weight ?? 0.02, colors: HEAD_COLORS };
}

/** Every layer × head at once (bertviz's model view); click a thumbnail to enlarge it. Offline HTML. */
export function model_view(attentions: AttentionInput, tokens: string[], opts: ModelViewOptions = {}): HtmlChart {
  const data = model_view_data(attentions, tokens, opts);
  const id = unique_id("bertlab-model-view");
  const title = opts.title ?? "Model view";
  const L = data.attention.length;
  const H = data.attention[0].length;
  const html = `<div id="${id}" class="bertlab-model-view" tabindex="0" style="font-family:sans-serif;position:relative;outline:none">`
    + `<div style="font-weight:bold;margin-bottom:4px">${escape_html(title)}</div><div class="mv-grid"></div>`
    + `<div class="mv-big" style="display:none;position:absolute;top:24px;left:0;background:rgba(255,255,255,0.97);border:1px solid #999;padding:6px;cursor:pointer;z-index:10"></div></div>`
    + `<script>(function(){var root=document.getElementById(${script_json(id)});var D=${script_json(data)};${SCRIPT}})();</script>`;
  const chart = displayable<HtmlChart>({ library: "html", html, title, width: 80 + H * (data.size + 4), height: 60 + L * (data.size + 4) });
  return with_static(chart, () => model_view_static(attentions, tokens, opts));
}

/** The static fallback (vega-lite layer × head heatmaps): renders to SVG / PNG in Node, no browser. */
export function model_view_static(attentions: AttentionInput, tokens: string[], opts: ModelViewOptions = {}): Chart {
  return plot_attention_grid(attentions, tokens, { ...opts, title: opts.title ?? "Model view (static)" });
}
