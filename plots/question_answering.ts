// Extractive QA: start / end probabilities over the tokens, the answer span shaded, and the answer
// highlighted in the text. Span selection follows HF's question-answering pipeline (4.31).
import { Chart, Library, Spec, plotly, vega_lite } from "./chart";
import { check_finite, check_labels, label_expr, vector } from "./data";
import { masked_softmax, select_starts_ends } from "../src/pipelines/qa_spans";

/** Options of qa_best_spans, as HF's question-answering pipeline: which tokens may be in an answer, its longest length, how many spans. */
export interface QaSpanOptions {
  /** 1 = may not be part of the answer (question, special tokens, padding), as HF's p_mask. */
  p_mask?: number[];
  attention_mask?: number[];
  max_answer_len?: number;
  top_k?: number;
}

/** One answer span of qa_best_spans: token indices (inclusive) and score p_start · p_end. */
export interface QaSpan { start: number; end: number; score: number }

/** qa_best_spans' result: the best spans, the masked start / end probabilities and the no-answer score. */
export interface QaSpans {
  spans: QaSpan[];
  /** Probabilities after masking (the [CLS] entry is the null score's factor, before HF zeroes it). */
  start_probs: number[];
  end_probs: number[];
  /** start[0] * end[0]: the "no answer" score (HF's handle_impossible_answer). */
  null_score: number;
}

/**
 * Best answer spans from start/end logits, as HF's pipeline: softmax over the allowed tokens, [CLS] excluded,
 * score = p_start * p_end, start ≤ end < start + max_answer_len, both ends allowed. Sorted by score.
 */
export function qa_best_spans(start_logits: unknown, end_logits: unknown, opts: QaSpanOptions = {}): QaSpans {
  const start = vector(start_logits, "qa_best_spans: start_logits");
  const end = vector(end_logits, "qa_best_spans: end_logits");
  if (end.length !== start.length) throw new Error(`qa_best_spans: start_logits has ${start.length} values but end_logits has ${end.length}`);
  check_finite(start, "qa_best_spans: start_logits");
  check_finite(end, "qa_best_spans: end_logits");
  const n = start.length;
  for (const [name, m] of [["p_mask", opts.p_mask], ["attention_mask", opts.attention_mask]] as const) {
    if (m && m.length !== n) throw new Error(`qa_best_spans: ${name} has ${m.length} entries for ${n} tokens`);
  }
  const allowed = start.map((_, i) => (opts.p_mask ? opts.p_mask[i] === 0 : true) && (opts.attention_mask ? opts.attention_mask[i] === 1 : true));
  const max_len = opts.max_answer_len ?? 15;
  const top_k = opts.top_k ?? 1;
  if (!(max_len >= 1)) throw new Error(`qa_best_spans: max_answer_len must be >= 1, got ${max_len}`);
  const ps = masked_softmax(start, allowed), pe = masked_softmax(end, allowed);
  // The span search is the pipeline's own (src/pipelines/qa_spans.ts), so plot and pipeline always agree.
  const sel = select_starts_ends(start, end, opts.p_mask ?? new Array<number>(n).fill(0), opts.attention_mask ?? null, 1e6, top_k, false, max_len);
  const spans: QaSpan[] = sel.starts.map((s, i) => ({ start: s, end: sel.ends[i], score: sel.scores[i] }));
  return { spans, start_probs: ps, end_probs: pe, null_score: ps[0] * pe[0] };
}

/** Joins WordPiece tokens as `convert_tokens_to_string` does ("##" pieces glue to the previous token). */
export function join_wordpieces(tokens: string[]): string {
  return tokens.map((t, i) => (t.startsWith("##") ? t.slice(2) : i === 0 ? t : ` ${t}`)).join("").trim();
}

/** What plot_question_answering takes: the tokens and a QA head's start / end logits, with optional masks, text offsets and question. */
export interface QaPlotInput extends QaSpanOptions {
  tokens: string[];
  start_logits: unknown;
  end_logits: unknown;
  /** Force the highlighted span (token indices, inclusive); default: the best span. */
  answer?: { start: number; end: number };
  /** With `offsets` ([start, end) per token into `text`), the answer is the exact slice of the text. */
  text?: string;
  offsets?: [number, number][];
  question?: string;
}

/** Options of plot_question_answering: which tokens to show, title, text line length, library. */
export interface QaPlotOptions {
  /** "context": only tokens allowed by p_mask/attention_mask (default when a mask is given), or "all". */
  show?: "context" | "all";
  title?: string;
  /** Characters per line of the text panel (default 90). */
  line_chars?: number;
  library?: Library;
}

/** The answer qa_answer picks: token span (inclusive), score p_start · p_end, and its text. */
export interface QaAnswer { start: number; end: number; score: number; answer: string }

/** The answer of a QA head's logits (best span, or `input.answer`), with its text. */
export function qa_answer(input: QaPlotInput): QaAnswer & { probs: QaSpans } {
  check_labels(input.tokens, vector(input.start_logits, "start_logits").length, "plot_question_answering: tokens (one per logit)");
  const probs = qa_best_spans(input.start_logits, input.end_logits, input);
  const span = input.answer ?? probs.spans[0];
  if (!span) throw new Error("plot_question_answering: no token may start an answer (check p_mask / attention_mask)");
  if (!(span.start >= 0 && span.end >= span.start && span.end < input.tokens.length)) throw new Error(`plot_question_answering: answer span [${span.start}, ${span.end}] is not inside 0..${input.tokens.length - 1}`);
  const score = probs.start_probs[span.start] * probs.end_probs[span.end];
  let answer = join_wordpieces(input.tokens.slice(span.start, span.end + 1));
  if (input.text !== undefined && input.offsets) {
    if (input.offsets.length !== input.tokens.length) throw new Error(`plot_question_answering: offsets has ${input.offsets.length} entries for ${input.tokens.length} tokens`);
    answer = input.text.slice(input.offsets[span.start][0], input.offsets[span.end][1]);
  }
  return { start: span.start, end: span.end, score, answer, probs };
}

const CHAR_PX = 7.83; // advance of DejaVu Sans Mono / Menlo / Consolas at 13px (~0.6 em)
const MONO = "DejaVu Sans Mono, Menlo, Consolas, monospace";
const SPECIAL = /^\[(CLS|SEP|PAD)\]$/;
const LINE_PX = 22;

/** Start/end probabilities per token with the answer span shaded, above the text with the answer highlighted. */
export function plot_question_answering(input: QaPlotInput, opts: QaPlotOptions = {}): Chart {
  const ans = qa_answer(input);
  const { tokens } = input;
  const masked = !!(input.p_mask || input.attention_mask);
  const show = opts.show ?? (masked ? "context" : "all");
  const visible = tokens.map((_, i) => i).filter((i) => show === "all" || ((input.p_mask?.[i] ?? 0) === 0 && (input.attention_mask?.[i] ?? 1) === 1));
  const in_answer = (i: number) => i >= ans.start && i <= ans.end;
  // Text panel: words (WordPiece "##" pieces merged) laid out in a monospace grid; a word is highlighted
  // when any of its tokens is in the answer (the pipeline also maps answers to whole words).
  const line_chars = opts.line_chars ?? 90;
  const groups: { positions: number[]; text: string }[] = [];
  visible.forEach((i, k) => {
    if (SPECIAL.test(tokens[i])) return;
    const last = groups[groups.length - 1];
    if (tokens[i].startsWith("##") && last && visible[k - 1] === i - 1 && last.positions[last.positions.length - 1] === i - 1) {
      last.positions.push(i);
      last.text += tokens[i].slice(2);
    } else groups.push({ positions: [i], text: tokens[i] });
  });
  const words: Spec[] = [];
  let col = 0, line = 0;
  groups.forEach((g, k) => {
    let start = k === 0 ? 0 : col + 1;
    if (start + g.text.length > line_chars && col > 0) { line += 1; start = 0; }
    words.push({
      positions: g.positions, text: g.text, in_answer: g.positions.some(in_answer),
      x: start * CHAR_PX, hx: (start - 0.5) * CHAR_PX, hx2: (start + g.text.length + 0.5) * CHAR_PX, y: line * LINE_PX, y2: line * LINE_PX + LINE_PX - 3,
    });
    col = start + g.text.length;
  });
  const text_height = (line + 1) * LINE_PX;
  const bar_values = visible.flatMap((i) => [
    { position: i, token: tokens[i], which: "start", probability: ans.probs.start_probs[i], in_answer: in_answer(i) },
    { position: i, token: tokens[i], which: "end", probability: ans.probs.end_probs[i], in_answer: in_answer(i) },
  ]);
  const title = opts.title ?? `Answer: "${ans.answer}" (score ${ans.score.toPrecision(3)})`;
  if (opts.library === "plotly") return qa_plotly(tokens, visible, ans, title, input.question);
  const labels: string[] = [];
  visible.forEach((i) => { labels[i] = tokens[i]; });
  const x: Spec = { field: "position", type: "ordinal", title: null, sort: visible, axis: { labelExpr: label_expr(Array.from(labels, (t) => t ?? "")), labelAngle: -60 } };
  const width = Math.max(line_chars * CHAR_PX, visible.length * 16);
  return vega_lite({
    vconcat: [
      {
        title: { text: input.question ? `Q: ${input.question}` : "Context", anchor: "start", fontSize: 12 },
        width: line_chars * CHAR_PX, height: text_height,
        data: { values: words },
        layer: [
          { transform: [{ filter: "datum.in_answer" }], mark: { type: "rect", color: "#ffd54f", cornerRadius: 2 },
            encoding: { x: { field: "hx", type: "quantitative", scale: null }, x2: { field: "hx2" }, y: { field: "y", type: "quantitative", scale: null }, y2: { field: "y2" } } },
          ...[false, true].map((bold) => ({
            transform: [{ filter: bold ? "datum.in_answer" : "!datum.in_answer" }],
            mark: { type: "text", align: "left", baseline: "top", font: MONO, fontSize: 13, dy: 2, fontWeight: bold ? "bold" : "normal" },
            encoding: { x: { field: "x", type: "quantitative", scale: null }, y: { field: "y", type: "quantitative", scale: null }, text: { field: "text" } },
          })),
        ],
      },
      {
        width, height: 160,
        data: { values: bar_values },
        layer: [
          { transform: [{ filter: "datum.in_answer" }, { filter: "datum.which === 'start'" }], mark: { type: "rect", color: "#ffd54f", opacity: 0.5 },
            encoding: { x, y: { value: 0 }, y2: { value: 160 } } },
          { mark: { type: "bar" },
            encoding: {
              x, xOffset: { field: "which", sort: ["start", "end"] },
              y: { field: "probability", type: "quantitative", title: "probability" },
              color: { field: "which", title: null, sort: ["start", "end"], scale: { range: ["#4c78a8", "#f58518"] } },
              tooltip: [{ field: "token" }, { field: "position" }, { field: "which" }, { field: "probability", type: "quantitative", format: ".4f" }],
            } },
        ],
      },
    ],
  }, title);
}

/** plotly: grouped start/end bars over the shown tokens, the answer span shaded. */
function qa_plotly(tokens: string[], visible: number[], ans: QaAnswer & { probs: QaSpans }, title: string, question?: string): Chart {
  const x = visible.map((_, k) => k); // consecutive slots, labelled with the tokens
  const bar = (which: "start" | "end", color: string) => ({
    type: "bar", name: which, x, y: visible.map((i) => (which === "start" ? ans.probs.start_probs[i] : ans.probs.end_probs[i])), marker: { color },
    customdata: visible.map((i) => tokens[i]), hovertemplate: `%{customdata}<br>${which} %{y:.4f}<extra></extra>`,
  });
  const a = visible.indexOf(ans.start), b = visible.indexOf(ans.end);
  return plotly([bar("start", "#4c78a8"), bar("end", "#f58518")], {
    barmode: "group", width: Math.max(700, 16 * visible.length + 160), height: 420,
    xaxis: { tickmode: "array", tickvals: x, ticktext: visible.map((i) => tokens[i]), tickangle: -60 },
    yaxis: { title: { text: "probability" } },
    shapes: a >= 0 && b >= 0 ? [{ type: "rect", xref: "x", yref: "paper", x0: a - 0.5, x1: b + 0.5, y0: 0, y1: 1, fillcolor: "#ffd54f", opacity: 0.35, line: { width: 0 }, layer: "below" }] : [],
    annotations: question ? [{ text: `Q: ${question}`, xref: "paper", yref: "paper", x: 0, y: 1.08, showarrow: false, xanchor: "left" }] : [],
  }, title);
}
