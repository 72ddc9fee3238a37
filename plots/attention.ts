// Attention maps: one head as a query × key heatmap with token labels (query on y, key on x, as bertviz),
// and a layer × head grid of small heatmaps. Input: HF `attentions` (one entry per layer).
import { Chart, Library, Spec, plotly, vega_lite } from "./chart";
import { depth, describe_shape, label_expr, to_plain } from "./data";
import { check_not_sibling } from "../src/explain/wrong_input";

/**
 * Accepted shapes (plain arrays, or tensors converted here):
 * - per layer `[heads, seq, seq]` → number[][][][] (depth 4), or `[batch, heads, seq, seq]` (depth 5, pick `batch_index`);
 * - one layer `[heads, seq, seq]` (depth 3); one head `[seq, seq]` (depth 2).
 */
export type AttentionInput = unknown;

/** Which sequence of a batched attention input the attention plots draw, and which positions (drops padding). */
export interface AttentionSelect {
  /** Which sequence of a batched input ([batch, heads, seq, seq] per layer). */
  batch_index?: number;
  /** Show only positions whose mask is 1 (drops padding): [seq], or [batch, seq] read at batch_index; a tensor is fine. */
  attention_mask?: unknown;
}

/** Normalises attentions to [layer][head][query][key] (a single layer/head becomes layer 0 / head 0). */
export function attention_layers(attentions: AttentionInput, opts: AttentionSelect = {}, fn = "attention_layers"): number[][][][] {
  check_not_sibling(fn, "attentions", attentions);
  const plain = to_plain(attentions);
  const d = depth(plain);
  let layers: number[][][][];
  if (d === 5) {
    const b = opts.batch_index ?? 0;
    layers = (plain as number[][][][][]).map((layer, l) => {
      if (!(Number.isInteger(b) && b >= 0 && b < layer.length)) throw new Error(`attentions: batch_index ${b} is out of range for layer ${l} with batch size ${layer.length}`);
      return layer[b];
    });
  } else if (d === 4) {
    if (opts.batch_index !== undefined && opts.batch_index !== 0) throw new Error(`attentions: batch_index ${opts.batch_index} given, but the attentions have no batch axis (shape ${describe_shape(plain)} read as [layers, heads, seq, seq])`);
    layers = plain as number[][][][];
  } else if (d === 3) layers = [plain as number[][][]];
  else if (d === 2) layers = [[plain as number[][]]];
  else throw new Error(`attentions: expected per-layer [heads, seq, seq] or [batch, heads, seq, seq] (or one [heads, seq, seq] / [seq, seq]), got shape ${describe_shape(plain)}`);
  const seq = layers[0][0].length;
  layers.forEach((layer, l) => layer.forEach((head, h) => {
    if (head.length !== seq || head.some((row) => !Array.isArray(row) || row.length !== seq)) {
      throw new Error(`attentions: layer ${l} head ${h} is not ${seq}×${seq} (got ${describe_shape(head)}); all heads must be square and the same size`);
    }
  }));
  return layers;
}

/**
 * The positions shown: those with attention_mask 1 (when given), then tokens must cover them; fewer tokens
 * than positions crops the (right-padded) tail. `tokens` may list every position or only the kept ones.
 */
export function attention_view(attentions: AttentionInput, tokens: string[], opts: AttentionSelect, fn: string): { layers: number[][][][]; tokens: string[] } {
  let layers = attention_layers(attentions, opts, fn);
  if (!Array.isArray(tokens) || tokens.some((t) => typeof t !== "string")) throw new Error(`${fn}: tokens must be an array of strings`);
  const seq = layers[0][0].length;
  if (opts.attention_mask !== undefined) {
    let mask = to_plain(opts.attention_mask);
    if (depth(mask) === 2) mask = (mask as number[][])[opts.batch_index ?? 0];
    if (!Array.isArray(mask) || depth(mask) !== 1 || mask.length !== seq) throw new Error(`${fn}: attention_mask must have ${seq} entries (one per position), got shape ${describe_shape(mask)}`);
    const keep = (mask as number[]).flatMap((m, i) => (m ? [i] : []));
    if (tokens.length === seq) tokens = keep.map((i) => tokens[i]);
    else if (tokens.length !== keep.length) throw new Error(`${fn}: got ${tokens.length} tokens; expected ${seq} (every position) or ${keep.length} (positions with attention_mask 1)`);
    layers = layers.map((l) => l.map((h) => keep.map((q) => keep.map((k) => h[q][k]))));
  }
  const n = layers[0][0].length;
  if (tokens.length > n) throw new Error(`${fn}: got ${tokens.length} tokens for attention over ${n} positions`);
  if (tokens.length < n) layers = layers.map((l) => l.map((h) => h.slice(0, tokens.length).map((row) => row.slice(0, tokens.length))));
  return { layers, tokens };
}

function pick_head(layers: number[][][][], opts: AttentionPlotOptions): number[][] {
  const l = opts.layer ?? 0;
  if (!(Number.isInteger(l) && l >= 0 && l < layers.length)) throw new Error(`plot_attention: layer ${l} is out of range; the model has ${layers.length} layer(s) (0..${layers.length - 1})`);
  const heads = layers[l];
  const h = opts.head ?? 0;
  if (h === "mean") return heads[0].map((row, q) => row.map((_, k) => heads.reduce((s, m) => s + m[q][k], 0) / heads.length));
  if (!(Number.isInteger(h) && h >= 0 && h < heads.length)) throw new Error(`plot_attention: head ${h} is out of range; layer ${l} has ${heads.length} head(s) (0..${heads.length - 1})`);
  return heads[h];
}

/** plot_attention's options: layer, head (or "mean"), batch_index, attention_mask, title, cell size, library. */
export interface AttentionPlotOptions extends AttentionSelect {
  layer?: number;
  /** A head index, or "mean" to average the layer's heads. */
  head?: number | "mean";
  title?: string;
  /** Cell size in px (default 24). */
  cell?: number;
  library?: Library;
}

/** One cell of an attention heatmap (attention_cells): query and key positions, their tokens and the weight. */
export interface AttentionCell { query: number; key: number; query_token: string; key_token: string; weight: number }

/** The head's matrix [query][key] after selection (layer, head or mean), over every position. */
export function attention_matrix(attentions: AttentionInput, opts: AttentionPlotOptions = {}): number[][] {
  return pick_head(attention_layers(attentions, opts), opts);
}

/**
 * The cells of one [seq, seq] attention matrix as records (query, key, tokens, weight) — the data plot_attention draws.
 * @example
 * ```ts
 * attention_cells(attention_matrix(att, { layer: 0, head: 1 }), tokens)
 * ```
 */
export function attention_cells(m: number[][], tokens: string[]): AttentionCell[] {
  return m.flatMap((row, q) => row.map((weight, k) => ({ query: q, key: k, query_token: tokens[q], key_token: tokens[k], weight })));
}

/** One attention head as a heatmap: query tokens on y, key tokens on x, colour = attention weight. */
export function plot_attention(attentions: AttentionInput, tokens: string[], opts: AttentionPlotOptions = {}): Chart {
  const view = attention_view(attentions, tokens, opts, "plot_attention");
  const m = pick_head(view.layers, opts);
  tokens = view.tokens;
  const title = opts.title ?? `Attention: layer ${opts.layer ?? 0}, head ${opts.head ?? 0}`;
  const cell = opts.cell ?? 24;
  if (opts.library === "plotly") {
    const idx = tokens.map((_, i) => i);
    return plotly([{
      type: "heatmap", z: m, x: idx, y: idx, colorscale: "Blues", reversescale: true, zmin: 0, zmax: 1, colorbar: { title: { text: "weight" } },
      customdata: m.map((row, q) => row.map((_, k) => [tokens[q], tokens[k]])),
      hovertemplate: "query %{customdata[0]} (%{y})<br>key %{customdata[1]} (%{x})<br>weight %{z:.3f}<extra></extra>",
    }], {
      width: 200 + cell * tokens.length, height: 160 + cell * tokens.length,
      xaxis: { title: { text: "key" }, tickmode: "array", tickvals: idx, ticktext: tokens, tickangle: -60, side: "bottom" },
      yaxis: { title: { text: "query" }, tickmode: "array", tickvals: idx, ticktext: tokens, autorange: "reversed" },
    }, title);
  }
  const expr = label_expr(tokens);
  return vega_lite({
    data: { values: attention_cells(m, tokens) },
    width: { step: cell }, height: { step: cell },
    mark: { type: "rect" },
    encoding: {
      x: { field: "key", type: "ordinal", title: "key", axis: { labelExpr: expr, labelAngle: -60, orient: "bottom" } },
      y: { field: "query", type: "ordinal", title: "query", axis: { labelExpr: expr } },
      color: { field: "weight", type: "quantitative", scale: { scheme: "blues", domain: [0, 1] }, legend: { title: "weight" } },
      tooltip: [{ field: "query_token", title: "query" }, { field: "key_token", title: "key" }, { field: "weight", type: "quantitative", format: ".3f" }],
    },
  }, title);
}

/** Options of plot_attention_grid: which layers and heads, the size of each small map, and a cell limit. */
export interface AttentionGridOptions extends AttentionSelect {
  /** Layer indices to show (default all). */
  layers?: number[];
  /** Head indices to show (default all). */
  heads?: number[];
  /** Size of one small heatmap in px (default 90). */
  size?: number;
  /** Show token labels on the small maps (default: when seq ≤ 16). */
  show_tokens?: boolean;
  /** Refuse to build more cells than this (a vega-lite spec with millions of rows is slow). Default 400000. */
  max_cells?: number;
  title?: string;
  library?: Library;
}

/** A layers × heads grid of small attention heatmaps (rows = layers, columns = heads). */
export function plot_attention_grid(attentions: AttentionInput, tokens: string[], opts: AttentionGridOptions = {}): Chart {
  const view = attention_view(attentions, tokens, opts, "plot_attention_grid");
  const layers = view.layers;
  tokens = view.tokens;
  const L = opts.layers ?? layers.map((_, i) => i);
  const H = opts.heads ?? layers[0].map((_, i) => i);
  for (const l of L) if (!(Number.isInteger(l) && l >= 0 && l < layers.length)) throw new Error(`plot_attention_grid: layer ${l} is out of range 0..${layers.length - 1}`);
  for (const h of H) if (!(Number.isInteger(h) && h >= 0 && h < layers[0].length)) throw new Error(`plot_attention_grid: head ${h} is out of range 0..${layers[0].length - 1}`);
  const n = tokens.length;
  const total = L.length * H.length * n * n;
  const max = opts.max_cells ?? 400000;
  if (total > max) throw new Error(`plot_attention_grid: ${L.length} layers × ${H.length} heads × ${n}² tokens = ${total} cells exceeds max_cells ${max}; pick { layers, heads } or raise max_cells`);
  const show = opts.show_tokens ?? n <= 16;
  const size = opts.size ?? 90;
  const title = opts.title ?? `Attention: ${L.length} layer(s) × ${H.length} head(s)`;
  if (opts.library === "plotly") return grid_plotly(layers, tokens, L, H, size, show, title);
  const values = L.flatMap((l) => H.flatMap((h) => layers[l][h].flatMap((row, q) => row.map((weight, k) => ({ layer: `layer ${l}`, head: `head ${h}`, query: q, key: k, query_token: tokens[q], key_token: tokens[k], weight })))));
  const axis = (title: string): Spec | null => (show ? { labelExpr: label_expr(tokens), labelFontSize: 7, title: null, ticks: false, labelAngle: title === "key" ? -90 : 0 } : null);
  return vega_lite({
    data: { values },
    facet: {
      row: { field: "layer", type: "ordinal", title: null, sort: L.map((l) => `layer ${l}`) },
      column: { field: "head", type: "ordinal", title: null, sort: H.map((h) => `head ${h}`) },
    },
    spec: {
      width: size, height: size,
      mark: { type: "rect" },
      encoding: {
        x: { field: "key", type: "ordinal", axis: axis("key") },
        y: { field: "query", type: "ordinal", axis: axis("query") },
        color: { field: "weight", type: "quantitative", scale: { scheme: "blues", domain: [0, 1] }, legend: { title: "weight" } },
        tooltip: [{ field: "layer" }, { field: "head" }, { field: "query_token", title: "query" }, { field: "key_token", title: "key" }, { field: "weight", type: "quantitative", format: ".3f" }],
      },
    },
    spacing: 6,
  }, title);
}

/** plotly subplots: one heatmap per (layer, head), rows = layers, columns = heads, one shared colour bar. */
function grid_plotly(layers: number[][][][], tokens: string[], L: number[], H: number[], size: number, show: boolean, title: string): Chart {
  const idx = tokens.map((_, i) => i);
  const data: Spec[] = [];
  const layout: Spec = {
    grid: { rows: L.length, columns: H.length, pattern: "independent", xgap: 0.04, ygap: 0.04 },
    width: 160 + (size + 14) * H.length, height: 140 + (size + 14) * L.length, annotations: [] as Spec[],
  };
  L.forEach((l, r) => H.forEach((h, c) => {
    const i = r * H.length + c + 1;
    const sfx = i === 1 ? "" : String(i);
    data.push({
      type: "heatmap", z: layers[l][h], x: idx, y: idx, xaxis: `x${sfx}`, yaxis: `y${sfx}`, colorscale: "Blues", reversescale: true, zmin: 0, zmax: 1,
      showscale: i === 1, name: `layer ${l}, head ${h}`,
      customdata: layers[l][h].map((row, q) => row.map((_, k) => [tokens[q], tokens[k]])),
      hovertemplate: `layer ${l}, head ${h}<br>query %{customdata[0]}<br>key %{customdata[1]}<br>weight %{z:.3f}<extra></extra>`,
    });
    const ticks = show ? { tickmode: "array", tickvals: idx, ticktext: tokens, tickfont: { size: 7 } } : { showticklabels: false };
    layout[`xaxis${sfx}`] = { ...ticks, title: r === L.length - 1 ? { text: `head ${h}` } : undefined };
    layout[`yaxis${sfx}`] = { ...ticks, autorange: "reversed", title: c === 0 ? { text: `layer ${l}` } : undefined };
  }));
  return plotly(data, layout, title);
}
