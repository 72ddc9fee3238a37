// Token classification (NER): probability of every label for every token, as a tokens × labels heatmap
// with each token's predicted (argmax) label outlined.
import { check_not_sibling } from "../src/explain/wrong_input";
import { Chart, Library, Spec, plotly, vega_lite } from "./chart";
import { ScoreFunction, apply_function, argmax, check_finite, check_labels, label_expr, matrix } from "./data";

/** plot_token_classification's options: from_logits / function_to_apply, hide_special_tokens, title, cell size. */
export interface TokenClassificationOptions {
  /** Scores are logits: apply softmax per token (shorthand for function_to_apply "softmax"). */
  from_logits?: boolean;
  function_to_apply?: ScoreFunction;
  /** Hide [CLS], [SEP] and [PAD] columns. */
  hide_special_tokens?: boolean;
  title?: string;
  /** Width of one token column in px (default 22). */
  cell?: number;
  library?: Library;
}

/** One cell of plot_token_classification (token_label_cells): token, label, probability, and whether it is the predicted label. */
export interface TokenLabelCell { position: number; token: string; label: string; label_index: number; probability: number; is_argmax: boolean; predicted: string }

const SPECIAL = /^\[(CLS|SEP|PAD)\]$/;

function label_names(labels: string[] | Record<string, string>): string[] {
  return Array.isArray(labels) ? labels : Object.keys(labels).sort((a, b) => Number(a) - Number(b)).map((k) => labels[k]);
}

/** Heatmap cells (token position × label) with probabilities and the argmax flag. */
export function token_label_cells(scores: unknown, tokens: string[], labels: string[] | Record<string, string>, opts: TokenClassificationOptions = {}): TokenLabelCell[] {
  check_not_sibling("plot_token_classification", "scores", scores);
  const m = matrix(scores, "plot_token_classification: scores [seq, num_labels]");
  check_labels(tokens, m.length, "plot_token_classification: tokens (one per row of scores)");
  const names = check_labels(label_names(labels), m[0]?.length ?? 0, "plot_token_classification: labels (one per column of scores)");
  const fn: ScoreFunction = opts.function_to_apply ?? (opts.from_logits ? "softmax" : "none");
  return m.flatMap((row, pos) => {
    check_finite(row, `plot_token_classification: scores row ${pos}`);
    if (opts.hide_special_tokens && SPECIAL.test(tokens[pos])) return [];
    const p = apply_function(row, fn);
    if (fn === "none" && p.some((v) => v < 0 || v > 1)) throw new Error(`plot_token_classification: row ${pos} has values outside [0, 1]; these look like logits: pass { from_logits: true }`);
    const best = argmax(p);
    return p.map((probability, j) => ({ position: pos, token: tokens[pos], label: names[j], label_index: j, probability, is_argmax: j === best, predicted: names[best] }));
  });
}

/** Tokens (x) × labels (y) heatmap of label probabilities; the predicted label of each token is outlined. */
export function plot_token_classification(scores: unknown, tokens: string[], labels: string[] | Record<string, string>, opts: TokenClassificationOptions = {}): Chart {
  const cells = token_label_cells(scores, tokens, labels, opts);
  const names = label_names(labels);
  const positions = [...new Set(cells.map((c) => c.position))];
  const title = opts.title ?? "Token classification: label probabilities";
  if (opts.library === "plotly") {
    const z = names.map((_, j) => positions.map((pos) => cells.find((c) => c.position === pos && c.label_index === j)!.probability));
    const best = cells.filter((c) => c.is_argmax);
    return plotly([
      { type: "heatmap", z, x: positions, y: names, colorscale: "Blues", reversescale: true, zmin: 0, zmax: 1, hovertemplate: "token %{x}<br>%{y}: %{z:.3f}<extra></extra>" },
      { type: "scatter", mode: "markers", x: best.map((c) => c.position), y: best.map((c) => c.label), marker: { symbol: "square-open", size: 14, color: "#d62728", line: { width: 2 } }, name: "argmax", hoverinfo: "skip" },
    ], { xaxis: { tickmode: "array", tickvals: positions, ticktext: positions.map((p) => tokens[p]), tickangle: -60 }, yaxis: { autorange: "reversed" }, width: 160 + positions.length * (opts.cell ?? 22), height: 200 + names.length * 24 }, title);
  }
  const labels_by_pos: string[] = [];
  positions.forEach((p) => { labels_by_pos[p] = tokens[p]; });
  const x: Spec = { field: "position", type: "ordinal", title: null, axis: { labelExpr: label_expr(labels_by_pos.map((t) => t ?? "")), labelAngle: -60, labelFontSize: 11 } };
  const y: Spec = { field: "label", type: "nominal", title: null, sort: { field: "label_index", op: "min" } }; // not sort: names (vega-lite fails on "constructor")
  return vega_lite({
    data: { values: cells },
    width: { step: opts.cell ?? 22 },
    height: { step: 20 },
    layer: [
      {
        mark: { type: "rect" },
        encoding: {
          x, y,
          color: { field: "probability", type: "quantitative", scale: { scheme: "blues", domain: [0, 1] }, legend: { title: "probability", format: ".0%" } },
          tooltip: [{ field: "token" }, { field: "position" }, { field: "label" }, { field: "probability", type: "quantitative", format: ".3f" }, { field: "predicted" }],
        },
      },
      {
        transform: [{ filter: "datum.is_argmax" }],
        mark: { type: "rect", filled: false, color: "#d62728", strokeWidth: 2 },
        encoding: { x, y },
      },
    ],
  }, title);
}
