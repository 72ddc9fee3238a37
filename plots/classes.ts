// Class probabilities of a sequence-level head (sequence classification, NSP): horizontal bars with the
// percentage printed as the seed prints it (`not paraphrase: 10%`), one panel per example.
import { check_not_sibling } from "../src/explain/wrong_input";
import { Chart, Library, Spec, plotly, vega_lite } from "./chart";
import { ScoreFunction, apply_function, check_finite, check_labels, depth, describe_shape, order_index, percent, vega_literal, to_plain, wrap_label, wrapped_label_expr } from "./data";

/** Labels up to this many characters are printed whole on the bar (`label: 10%`) and on one axis line. */
const LABEL_CHARS = 30;

/** Options of plot_class_probabilities and class_probabilities: how scores become probabilities, names, sorting, size. */
export interface ClassProbabilityOptions {
  /** Treat the scores as logits and apply softmax (shorthand for function_to_apply "softmax"). */
  from_logits?: boolean;
  /** As HF's text-classification pipeline: softmax, sigmoid (multi-label) or none. */
  function_to_apply?: ScoreFunction;
  /** One name per example (row), e.g. ["paraphrase", "not paraphrase"]. */
  examples?: string[];
  /** Sort classes by probability, highest first (default: label order). */
  sort?: boolean;
  title?: string;
  /** Pixels, or "container" (the cell's width; default for one example): STATIC_WIDTH in PNG/SVG. */
  width?: number | "container";
  library?: Library;
}

function label_list(labels: string[] | Record<string, string>): string[] {
  return Array.isArray(labels) ? labels : Object.keys(labels).sort((a, b) => Number(a) - Number(b)).map((k) => labels[k]);
}

/** One row of class_probabilities (what plot_class_probabilities draws): example, label, probability, percent text and rank. */
export interface ClassProbability { example: string; label: string; probability: number; percent: string; rank: number }

/** Rows of (example, label, probability, percent) as plotted; percent is Python's `int(round(p * 100))`. */
/** A text-classification pipeline result: `{ label, score }` (one list per input). */
export interface LabelScore { label: string; score: number }

function is_label_scores(x: unknown): x is LabelScore[] | LabelScore[][] {
  const first = Array.isArray(x) ? (Array.isArray(x[0]) ? x[0][0] : x[0]) : undefined;
  return typeof first === "object" && first !== null && typeof (first as LabelScore).label === "string" && typeof (first as LabelScore).score === "number";
}

/**
 * Rows of (example, label, probability, percent) as plotted; percent is Python's `int(round(p * 100))`.
 * `scores`: probabilities or logits [num_labels] / [batch, num_labels] (arrays or a tensor) with `labels`,
 * or a text-classification pipeline's output (`{ label, score }[]`, one list per input), labels then optional.
 */
export function class_probabilities(scores: unknown, labels?: string[] | Record<string, string>, opts: ClassProbabilityOptions = {}): ClassProbability[] {
  check_not_sibling("plot_class_probabilities", "scores", scores);
  if (is_label_scores(scores)) {
    const lists = (Array.isArray(scores[0]) ? scores : [scores]) as LabelScore[][];
    const names = labels ? label_list(labels) : lists[0].map((e) => e.label);
    const rows = lists.map((list, r) => names.map((name) => {
      const e = list.find((x) => x.label === name);
      if (!e) throw new Error(`plot_class_probabilities: result ${r} has no score for label '${name}' (pass top_k: null to the pipeline to get every label)`);
      return e.score;
    }));
    return class_probabilities(rows, names, opts);
  }
  if (labels === undefined) throw new Error("plot_class_probabilities: labels are required with numeric scores (e.g. model.config.id2label)");
  const plain = to_plain(scores);
  const d = depth(plain);
  if (d !== 1 && d !== 2) throw new Error(`plot_class_probabilities: expected scores [num_labels] or [batch, num_labels], got shape ${describe_shape(plain)}`);
  const rows = (d === 1 ? [plain] : plain) as number[][];
  const names = label_list(labels);
  const fn: ScoreFunction = opts.function_to_apply ?? (opts.from_logits ? "softmax" : "none");
  const examples = opts.examples ?? rows.map((_, i) => (rows.length === 1 ? "" : `example ${i}`));
  if (examples.length !== rows.length) throw new Error(`plot_class_probabilities: got ${examples.length} example names for ${rows.length} rows of scores`);
  return rows.flatMap((row, r) => {
    check_labels(names, row.length, `plot_class_probabilities: labels (row ${r} has ${row.length} scores)`);
    check_finite(row, `plot_class_probabilities: scores row ${r}`);
    const probs = apply_function(row, fn);
    if (fn === "none" && probs.some((p) => p < 0 || p > 1)) {
      throw new Error(`plot_class_probabilities: row ${r} has values outside [0, 1] (${probs.map((p) => p.toFixed(3)).join(", ")}); these look like logits: pass { from_logits: true }`);
    }
    const order = probs.map((_, i) => i).sort((a, b) => probs[b] - probs[a]);
    return probs.map((p, i) => ({ example: examples[r], label: names[i], probability: p, percent: percent(p), rank: order.indexOf(i) }));
  });
}

/** Bar chart of class probabilities, labelled like `not paraphrase: 10%`. */
export function plot_class_probabilities(scores: unknown, labels?: string[] | Record<string, string>, opts: ClassProbabilityOptions = {}): Chart {
  const rows = class_probabilities(scores, labels, opts);
  const examples = [...new Set(rows.map((r) => r.example))];
  const title = opts.title ?? "Class probabilities";
  const label_order = opts.sort ? undefined : [...new Set(rows.map((r) => r.label))];
  if (opts.library === "plotly") {
    const data: Spec[] = examples.map((ex) => {
      const rs = rows.filter((r) => r.example === ex).sort((a, b) => (opts.sort ? a.rank - b.rank : 0));
      return { type: "bar", orientation: "h", name: ex || "probability", y: rs.map((r) => r.label), x: rs.map((r) => r.probability), text: rs.map((r) => r.percent), textposition: "outside" };
    });
    return plotly(data, { barmode: "group", xaxis: { range: [0, 1.1], tickformat: ".0%" }, yaxis: { autorange: "reversed" }, width: (typeof opts.width === "number" ? opts.width : 360) + 260, height: 120 + 40 * rows.length }, title);
  }
  const label_names = [...new Set(rows.map((r) => r.label))];
  const wrapped = wrapped_label_expr(label_names, LABEL_CHARS);
  const lines = Math.max(...label_names.map((l) => wrap_label(l, LABEL_CHARS).length));
  const layer: Spec = {
    encoding: {
      // Long labels (multiple-choice answers) wrap onto several lines, never cut: labelLimit 0 is "no limit".
      y: {
        field: "label", type: "nominal", title: null, sort: { field: label_order ? "label_order" : "rank", op: "min", order: "ascending" },
        axis: { labelLimit: 0, ...(wrapped ? { labelExpr: wrapped, labelLineHeight: 13 } : {}) },
      },
      x: { field: "probability", type: "quantitative", title: "probability", scale: { domain: [0, 1] }, axis: { format: "%" } },
      tooltip: [{ field: "label" }, { field: "probability", type: "quantitative", format: ".4f" }],
    },
    layer: [
      { mark: { type: "bar", color: "#4c78a8" } },
      { mark: { type: "text", align: "left", dx: 4, limit: 0 }, encoding: { text: { field: "bar_text" } } },
    ],
  };
  // The seed's `label: 10%` on the bar; a long label is already on the axis, so its bar says just `10%`.
  const label_at = order_index(label_order ?? []);
  const example_at = order_index(examples);
  const values = rows.map((r) => ({
    ...r, label_order: label_at(r.label), example_order: example_at(r.example),
    label_text: `${r.label}: ${r.percent}`, bar_text: r.label.length > LABEL_CHARS ? r.percent : `${r.label}: ${r.percent}`,
  }));
  const base: Spec = { data: { values } };
  const height = lines > 1 ? { height: { step: Math.max(20, 13 * lines + 6) } } : {};
  if (examples.length === 1) {
    return vega_lite({ ...base, width: opts.width ?? "container", ...height, autosize: { type: "fit-x", contains: "padding" }, ...layer }, examples[0] ? `${title}: ${examples[0]}` : title);
  }
  return vega_lite({
    ...base,
    // faceted by the example's index, named in the header: vega groups facets in an object, which loses "__proto__"
    facet: { row: { field: "example_order", type: "ordinal", title: null, header: { labelExpr: `${vega_literal(examples)}[datum.value]`, labelAngle: 0, labelAlign: "left", labelFontWeight: "bold" } } },
    spec: { width: typeof opts.width === "number" ? opts.width : 360, ...height, ...layer },
  }, title);
}
