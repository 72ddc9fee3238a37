// Reading BERT with selectors that run in the browser, no kernel: the attention heatmap with layer and head sliders,
// the rollout after a chosen layer, and token attributions with a selector for the target (one attribution per
// predicted token, class or method). Every choice is in the spec's data; a vega-lite param bound to an input
// filters it. Static PNG / SVG renderings show the default selection.
import { Chart, Spec, vega_lite } from "./chart";
import { check_finite, label_expr, to_plain } from "./data";
import { attention_view, type AttentionSelect } from "./attention";
import type { TokenScores } from "./token_attributions";

/** plot_attention_explorer's options: the layer and head shown first, cell size, a size limit and title; which sequence and mask (AttentionSelect). */
export interface AttentionExplorerOptions extends AttentionSelect {
  /** The layer shown first (and in PNG / SVG). @default 0 */
  layer?: number;
  /** The head shown first (and in PNG / SVG). @default 0 */
  head?: number;
  /** Cell size in px. @default 24 */
  cell?: number;
  /** Refuse specs with more cells than this (every layer × head is inline). @default 400000 */
  max_cells?: number;
  /** @default "Attention" */
  title?: string;
}

function heatmap(values: Spec[], tokens: string[], filter: string, cell: number, params: Spec[], title: string, subtitle: string, extra_tooltip: Spec[] = []): Chart {
  const expr = label_expr(tokens);
  return vega_lite({
    params,
    data: { values },
    transform: [{ filter }],
    width: { step: cell }, height: { step: cell },
    title: { text: title, subtitle: { expr: subtitle } },
    mark: { type: "rect" },
    encoding: {
      x: { field: "key", type: "ordinal", title: "key", scale: { domain: tokens.map((_, i) => i) }, axis: { labelExpr: expr, labelAngle: -60, orient: "bottom" } },
      y: { field: "query", type: "ordinal", title: "query", scale: { domain: tokens.map((_, i) => i) }, axis: { labelExpr: expr } },
      color: { field: "weight", type: "quantitative", scale: { scheme: "blues", domain: [0, 1] }, legend: { title: "weight" } },
      tooltip: [...extra_tooltip, { field: "query_token", title: "query" }, { field: "key_token", title: "key" }, { field: "weight", type: "quantitative", format: ".3f" }],
    },
  }, title);
}

function check_index(v: number, n: number, what: string, fn: string): void {
  if (!(Number.isInteger(v) && v >= 0 && v < n)) throw new Error(`${fn}: ${what} ${v} is out of range 0..${n - 1}`);
}

/**
 * One attention head as a query × key heatmap, with sliders for the layer and the head (every head's weights are in
 * the spec, so moving them needs no kernel). `plot_attention` draws one fixed head.
 */
export function plot_attention_explorer(attentions: unknown, tokens: string[], opts: AttentionExplorerOptions = {}): Chart {
  const fn = "plot_attention_explorer";
  const view = attention_view(attentions, tokens, opts, fn);
  const layers = view.layers;
  tokens = view.tokens;
  const L = layers.length, H = layers[0].length, n = tokens.length;
  const layer = opts.layer ?? 0, head = opts.head ?? 0;
  check_index(layer, L, "layer", fn);
  check_index(head, H, "head", fn);
  const max = opts.max_cells ?? 400000;
  if (L * H * n * n > max) throw new Error(`${fn}: ${L} layers × ${H} heads × ${n}² tokens = ${L * H * n * n} cells exceeds max_cells ${max}; shorten the input or raise max_cells`);
  const values = layers.flatMap((heads, l) => heads.flatMap((m, h) => m.flatMap((row, q) => row.map((weight, k) => ({ layer: l, head: h, query: q, key: k, query_token: tokens[q], key_token: tokens[k], weight })))));
  const params = [
    { name: "layer", value: layer, bind: { input: "range", min: 0, max: L - 1, step: 1, name: "layer " } },
    { name: "head", value: head, bind: { input: "range", min: 0, max: H - 1, step: 1, name: "head " } },
  ];
  return heatmap(values, tokens, "datum.layer === layer && datum.head === head", opts.cell ?? 24, params, opts.title ?? "Attention", "'layer ' + layer + ', head ' + head");
}

/** Attention rollout (or flow) after a chosen layer: `attention_rollout(...).layers`, with a layer slider. */
export function plot_rollout_explorer(result: unknown, tokens: string[], opts: { layer?: number; cell?: number; title?: string } = {}): Chart {
  const fn = "plot_rollout_explorer";
  const r = result as { layers?: unknown };
  const stack = to_plain(r?.layers ?? result) as number[][][];
  if (!Array.isArray(stack) || !stack.every((m) => Array.isArray(m) && m.length === tokens.length && m.every((row) => Array.isArray(row) && row.length === tokens.length))) {
    throw new Error(`${fn}: expected attention_rollout(...) (its layers: [layers][seq][seq]) with seq = ${tokens.length} tokens`);
  }
  stack.forEach((m, l) => check_finite(m.flat(), `${fn}: layer ${l}`));
  const L = stack.length;
  const layer = opts.layer ?? L - 1;
  check_index(layer, L, "layer", fn);
  const values = stack.flatMap((m, l) => m.flatMap((row, q) => row.map((weight, k) => ({ layer: l, query: q, key: k, query_token: tokens[q], key_token: tokens[k], weight }))));
  const params = [{ name: "layer", value: layer, bind: { input: "range", min: 0, max: L - 1, step: 1, name: "rollout after layer " } }];
  return heatmap(values, tokens, "datum.layer === layer", opts.cell ?? 24, params, opts.title ?? "Attention rollout: output token (y) ← input token (x)", "'after layer ' + layer");
}

/** plot_attribution_explorer's options: the selector's labels, the attribution shown first, the title. */
export interface AttributionExplorerOptions {
  /** The name of each attribution in the selector (default: each result's `target`, `method`, or its index). */
  labels?: string[];
  /** The attribution shown first (and in PNG / SVG): an index into the results. @default 0 */
  index?: number;
  /** @default "Token attributions" */
  title?: string;
}

/**
 * Token attributions of one input, one per target (a predicted token, a class, a method), with a menu to pick the
 * target: the tokens across, coloured red (−) to green (+) and labelled with their score, scaled per target.
 */
export function plot_attribution_explorer(results: (TokenScores & { target?: string | number })[], opts: AttributionExplorerOptions = {}): Chart {
  const fn = "plot_attribution_explorer";
  if (!Array.isArray(results) || results.length === 0) throw new Error(`${fn}: expected a non-empty list of { tokens, scores } records (one per target)`);
  const tokens = results[0].tokens;
  results.forEach((r, i) => {
    if (!r || !Array.isArray(r.tokens) || !Array.isArray(r.scores) || r.tokens.length !== r.scores.length) throw new Error(`${fn}: result ${i} is not { tokens, scores } of equal lengths`);
    if (r.tokens.join("\u0000") !== tokens.join("\u0000")) throw new Error(`${fn}: result ${i} has other tokens than result 0; every target must explain the same input`);
    check_finite(r.scores, `${fn}: result ${i} scores`);
  });
  const labels = opts.labels ?? results.map((r, i) => String(r.target ?? r.method ?? `target ${i}`));
  if (labels.length !== results.length || new Set(labels).size !== labels.length) throw new Error(`${fn}: labels must name each of the ${results.length} results once`);
  const index = opts.index ?? 0;
  check_index(index, results.length, "index", fn);
  const values = results.flatMap((r, t) => {
    const max = Math.max(1e-12, ...r.scores.map(Math.abs));
    return r.scores.map((score, i) => ({ target: labels[t], position: i, token: tokens[i], score, shown: score / max }));
  });
  const cell = Math.max(34, 8 * Math.max(...tokens.map((t) => t.length)));
  return vega_lite({
    params: [{ name: "target", value: labels[index], bind: { input: "select", options: labels, name: "target " } }],
    data: { values },
    transform: [{ filter: "datum.target === target" }],
    width: { step: cell }, height: 40,
    title: { text: opts.title ?? "Token attributions", subtitle: { expr: "'target: ' + target" } },
    encoding: { x: { field: "position", type: "ordinal", title: null, scale: { domain: tokens.map((_, i) => i) }, axis: { labelExpr: label_expr(tokens), labelAngle: -45, orient: "top" } } },
    layer: [
      { mark: { type: "rect", stroke: "white" }, encoding: {
        color: { field: "shown", type: "quantitative", title: "score / max|score|", scale: { scheme: "redyellowgreen", domain: [-1, 1] } },
        tooltip: [{ field: "target" }, { field: "token" }, { field: "score", type: "quantitative", format: ".4f" }],
      } },
      { mark: { type: "text", fontSize: 9 }, encoding: { text: { field: "score", type: "quantitative", format: ".2f" } } },
    ],
  }, opts.title ?? "Token attributions");
}
