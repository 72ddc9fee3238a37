// Masked-LM outputs: the top-k tokens (softmax over the vocabulary) for each [MASK], one panel per mask.
import { Chart, Library, Spec, plotly, vega_lite } from "./chart";
import { check_finite, depth, describe_shape, softmax, to_plain, vector, vega_literal } from "./data";

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

/** Options of plot_fill_mask and fill_mask_rows: tokens per mask (logits input), panel names, title, width. */
export interface FillMaskPlotOptions {
  /** Used with `{ logits }` input: how many tokens per mask (default 5). */
  top_k?: number;
  /** Names of the mask panels, e.g. positions; default "[MASK] 1", "[MASK] 2"... */
  mask_names?: string[];
  title?: string;
  width?: number;
  library?: Library;
}

/** Maps token ids to strings: a vocabulary array, a function, or a tokenizer with convert_ids_to_tokens. */
export type Vocab = string[] | ((id: number) => string) | { convert_ids_to_tokens(ids: number[]): string[] | string };

/** plot_fill_mask's logits input: MLM logits, the vocabulary naming the ids, and where the [MASK] tokens are. */
export interface FillMaskLogits {
  /** MLM logits: rows at the [MASK] positions [num_masks, vocab], or the whole output [1, seq, vocab] / [seq, vocab] with positions or input_ids. */
  logits: unknown;
  vocab?: Vocab;
  /** Positions of the [MASK] tokens in the sequence. */
  positions?: number[];
  /** The input ids, to find the [MASK] positions (id `mask_token_id`, default 103 as in bert-base vocabularies). */
  input_ids?: unknown;
  mask_token_id?: number;
}

/** What plot_fill_mask takes: the fill-mask pipeline's output (one list, or one per [MASK]), or MLM logits with a vocabulary. */
export type FillMaskInput = FillMaskPrediction[] | FillMaskPrediction[][] | FillMaskLogits;

function id_namer(vocab?: Vocab): ((id: number) => string) | undefined {
  if (vocab === undefined) return undefined;
  if (Array.isArray(vocab)) return (id) => vocab[id] ?? `[${id}]`;
  // Checked before "is it a function": bertlab tokenizers are callable objects.
  if (typeof (vocab as { convert_ids_to_tokens?: unknown }).convert_ids_to_tokens === "function") {
    const tok = vocab as { convert_ids_to_tokens(ids: number[]): string[] | string };
    return (id) => {
      const t = tok.convert_ids_to_tokens([id]);
      return Array.isArray(t) ? t[0] : t;
    };
  }
  if (typeof vocab === "function") return vocab as (id: number) => string;
  throw new Error("plot_fill_mask: vocab must be a string[], an (id) => string function, or a tokenizer with convert_ids_to_tokens");
}

/** Rows of MLM logits at the [MASK] positions, and those positions when known. */
function mask_rows(input: FillMaskLogits): { rows: number[][]; positions?: number[] } {
  let rows = to_plain(input.logits) as unknown[];
  if (depth(rows) === 3) {
    if (rows.length !== 1) throw new Error(`plot_fill_mask: logits have a batch of ${rows.length}; pass one sequence ([1, seq, vocab] or [seq, vocab])`);
    rows = rows[0] as unknown[];
  }
  if (depth(rows) === 1) rows = [rows];
  if (depth(rows) !== 2) throw new Error(`plot_fill_mask: logits must be [vocab], [num_masks, vocab], [seq, vocab] or [1, seq, vocab], got ${describe_shape(rows)}`);
  let positions = input.positions;
  if (input.input_ids !== undefined) {
    const ids = vector(input.input_ids, "plot_fill_mask: input_ids");
    if (ids.length !== rows.length) throw new Error(`plot_fill_mask: input_ids has ${ids.length} tokens but logits have ${rows.length} rows`);
    const mask_id = input.mask_token_id ?? 103;
    positions = ids.flatMap((id, i) => (id === mask_id ? [i] : []));
    if (positions.length === 0) throw new Error(`plot_fill_mask: no [MASK] (id ${mask_id}) in input_ids; set mask_token_id if your vocabulary differs`);
  }
  if (positions && rows.length !== positions.length) {
    const bad = positions.find((p) => !(Number.isInteger(p) && p >= 0 && p < rows.length));
    if (bad !== undefined) throw new Error(`plot_fill_mask: position ${bad} is outside the ${rows.length} rows of logits`);
    rows = positions.map((p) => rows[p]);
  }
  return { rows: rows as number[][], positions };
}

/** One bar of plot_fill_mask (fill_mask_rows): the mask panel, rank, bar label, token id, token text and score. */
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
  const { rows, positions } = mask_rows(input);
  const namer = id_namer(input.vocab);
  const preds = rows.map((r) => top_k_tokens(r, opts.top_k ?? 5, namer));
  const names = opts.mask_names ?? preds.map((_, i) => (positions ? `[MASK] at position ${positions[i]}` : `[MASK] ${i + 1}`));
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
  const values = rows.map((r) => ({ ...r, mask_order: masks.indexOf(r.mask), text: `${r.token_str}  ${format_score(r.score)}` }));
  return vega_lite({
    data: { values },
    // faceted by the mask's index, named in the header: vega loses a facet named "__proto__", vega-lite a sort array with "constructor"
    facet: { column: { field: "mask_order", type: "ordinal", title: null, header: { labelExpr: `${vega_literal(masks)}[datum.value]`, labelFontWeight: "bold", labelFontSize: 12 } } },
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
