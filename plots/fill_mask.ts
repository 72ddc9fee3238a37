// Masked-LM outputs: the top-k tokens (softmax over the vocabulary) for each [MASK], one panel per mask.
import { Chart, Library, Spec, plotly, vega_lite } from "./chart";
import { check_finite, depth, describe_shape, softmax, to_plain } from "./data";

/** One prediction, as HF's fill-mask pipeline returns it. */
export interface FillMaskPrediction { score: number; token: number; token_str: string; sequence?: string }

/** Top-k of one row of MLM logits (softmax over the whole vocabulary, as the fill-mask pipeline). */
export function top_k_tokens(logits: unknown, top_k = 5, vocab?: string[] | ((id: number) => string)): FillMaskPrediction[] {
  const row = to_plain(logits) as number[];
  if (!Array.isArray(row) || depth(row) !== 1) throw new Error(`top_k_tokens: expected one row of logits [vocab_size], got shape ${describe_shape(row)}`);
  if (!(Number.isInteger(top_k) && top_k >= 1)) throw new Error(`top_k_tokens: top_k must be an integer >= 1, got ${top_k}`);
  check_finite(row, "top_k_tokens: logits");
  const probs = softmax(row);
  const ids = probs.map((_, i) => i).sort((a, b) => probs[b] - probs[a] || a - b).slice(0, top_k);
  const name = (id: number) => (typeof vocab === "function" ? vocab(id) : vocab ? vocab[id] ?? `[${id}]` : `[${id}]`);
  return ids.map((id) => ({ score: probs[id], token: id, token_str: name(id) }));
}

export interface FillMaskPlotOptions {
  /** Used with `{ logits }` input: how many tokens per mask (default 5). */
  top_k?: number;
  /** Names of the mask panels, e.g. positions; default "[MASK] 1", "[MASK] 2"... */
  mask_names?: string[];
  title?: string;
  width?: number;
  library?: Library;
}

export type FillMaskInput =
  | FillMaskPrediction[]
  | FillMaskPrediction[][]
  | { logits: unknown; vocab?: string[] | ((id: number) => string); positions?: number[] };

export interface FillMaskRow { mask: string; rank: number; label: string; token: number; token_str: string; score: number }

function normalise(input: FillMaskInput, opts: FillMaskPlotOptions): { preds: FillMaskPrediction[][]; names: string[] } {
  if (Array.isArray(input)) {
    if (input.length === 0) throw new Error("plot_fill_mask: got no predictions");
    const preds = (Array.isArray(input[0]) ? input : [input]) as FillMaskPrediction[][];
    preds.forEach((p, m) => p.forEach((e, k) => {
      if (typeof e?.score !== "number" || typeof e?.token_str !== "string") throw new Error(`plot_fill_mask: prediction [${m}][${k}] needs { score: number, token_str: string } (the fill-mask pipeline's output)`);
    }));
    return { preds, names: opts.mask_names ?? preds.map((_, i) => `[MASK] ${i + 1}`) };
  }
  if (typeof input !== "object" || input === null || !("logits" in input)) throw new Error("plot_fill_mask: expected fill-mask pipeline output or { logits, vocab }");
  let rows = to_plain(input.logits) as unknown[];
  if (depth(rows) === 1) rows = [rows];
  if (depth(rows) !== 2) throw new Error(`plot_fill_mask: logits must be [vocab_size] or [num_masks, vocab_size] (rows at the [MASK] positions), got ${describe_shape(rows)}`);
  const preds = rows.map((r) => top_k_tokens(r, opts.top_k ?? 5, input.vocab));
  const names = opts.mask_names ?? preds.map((_, i) => (input.positions ? `[MASK] at position ${input.positions[i]}` : `[MASK] ${i + 1}`));
  return { preds, names };
}

/** Rows as plotted: one per (mask, rank), label "1. paris". */
export function fill_mask_rows(input: FillMaskInput, opts: FillMaskPlotOptions = {}): FillMaskRow[] {
  const { preds, names } = normalise(input, opts);
  if (names.length !== preds.length) throw new Error(`plot_fill_mask: got ${names.length} mask names for ${preds.length} masks`);
  return preds.flatMap((p, m) => [...p].sort((a, b) => b.score - a.score).map((e, rank) => ({
    mask: names[m], rank: rank + 1, label: `${rank + 1}. ${e.token_str}`, token: e.token, token_str: e.token_str, score: e.score,
  })));
}

/** Top-k tokens per [MASK] position: bars sorted by probability, one panel per mask. */
export function plot_fill_mask(input: FillMaskInput, opts: FillMaskPlotOptions = {}): Chart {
  const rows = fill_mask_rows(input, opts);
  const masks = [...new Set(rows.map((r) => r.mask))];
  const title = opts.title ?? "Masked-token predictions";
  if (opts.library === "plotly") {
    const data: Spec[] = masks.map((m, i) => {
      const rs = rows.filter((r) => r.mask === m);
      return { type: "bar", orientation: "h", name: m, y: rs.map((r) => r.label), x: rs.map((r) => r.score), xaxis: `x${i ? i + 1 : ""}`, yaxis: `y${i ? i + 1 : ""}`, text: rs.map((r) => `${(r.score * 100).toPrecision(3)}%`), textposition: "auto" };
    });
    const layout: Spec = { grid: { rows: 1, columns: masks.length, pattern: "independent" }, width: 320 * masks.length + 120, height: 120 + 28 * Math.max(...masks.map((m) => rows.filter((r) => r.mask === m).length)) };
    masks.forEach((m, i) => { layout[`yaxis${i ? i + 1 : ""}`] = { autorange: "reversed" }; layout[`xaxis${i ? i + 1 : ""}`] = { title: { text: m }, tickformat: ".1%" }; });
    return plotly(data, layout, title);
  }
  // y is the rank (shared by all panels: no per-panel scales), the token is written next to its bar.
  const values = rows.map((r) => ({ ...r, text: `${r.token_str}  ${format_score(r.score)}` }));
  return vega_lite({
    data: { values },
    facet: { column: { field: "mask", type: "nominal", title: null, sort: masks, header: { labelFontWeight: "bold", labelFontSize: 12 } } },
    spec: {
      width: opts.width ?? 220,
      encoding: {
        y: { field: "rank", type: "ordinal", title: "rank" },
        x: { field: "score", type: "quantitative", title: "probability", axis: { format: "~%" } },
        tooltip: [{ field: "token_str", title: "token" }, { field: "token", title: "id" }, { field: "score", type: "quantitative", format: ".4~g" }],
      },
      layer: [
        { mark: { type: "bar", color: "#54a24b" } },
        { mark: { type: "text", align: "left", dx: 3, fontSize: 11 }, encoding: { text: { field: "text" } } },
      ],
    },
  }, title);
}

function format_score(p: number): string {
  const pct = p * 100;
  return `${pct >= 10 ? pct.toFixed(0) : pct >= 1 ? pct.toFixed(1) : pct.toPrecision(2)}%`;
}
