// Token attributions as pictures: the text with each token shaded by its score (green positive, red
// negative, as captum's visualize_text) — as self-contained HTML, and as a vega-lite chart (SVG / PNG in
// Node, no browser) — and several methods side by side for one input. Input: any record with
// `tokens` and `scores` (what bertlab's explain functions return), or the two arrays.
import { check_not_sibling } from "../src/explain/wrong_input";
import type { Chart, HtmlChart } from "./chart";
import { displayable, vega_lite, with_static } from "./chart";
import { check_finite, label_expr } from "./data";
import { escape_html } from "./render/html";

/** What token-attribution plots take: `{ tokens, scores }` (integrated_gradients, saliency, occlusion... results). */
export interface TokenScores { tokens: string[]; scores: number[]; method?: string }

/** Options of plot_token_attributions and token_attribution_html: colour scale limit and whether special tokens show. */
export interface TokenAttributionOptions {
  title?: string;
  /** Colour scale limit: |score| at full colour (default: the largest |score|). */
  max_abs?: number;
  /** Leave [CLS] / [SEP] / [PAD] out of the picture (default false). */
  skip_special?: boolean;
}

const SPECIAL = new Set(["[CLS]", "[SEP]", "[PAD]"]);

function checked(r: TokenScores, fn: string, skip = false): TokenScores {
  check_not_sibling(fn, "result", r, ["integrated_gradients", "saliency", "input_x_gradient", "occlusion", r && typeof r === "object" && typeof (r as { method?: unknown }).method === "string" ? (r as { method: string }).method : ""]);
  if (!r || !Array.isArray(r.tokens) || !Array.isArray(r.scores)) throw new Error(`${fn}: expected { tokens, scores } (e.g. integrated_gradients(...)), got ${JSON.stringify(r)?.slice(0, 80)}`);
  if (r.tokens.length !== r.scores.length) throw new Error(`${fn}: ${r.tokens.length} tokens but ${r.scores.length} scores`);
  check_finite(r.scores, `${fn}: scores`);
  if (!skip) return r;
  const keep = r.tokens.map((t, i) => i).filter((i) => !SPECIAL.has(r.tokens[i]));
  return { ...r, tokens: keep.map((i) => r.tokens[i]), scores: keep.map((i) => r.scores[i]) };
}

/** captum's colour rule: hue 120 (green) for positive, 0 (red) for negative, lightness 100 − 50·|s|/max. */
export function attribution_color(score: number, max_abs: number): string {
  const x = max_abs > 0 ? Math.min(1, Math.abs(score) / max_abs) : 0;
  const hue = score >= 0 ? 120 : 0;
  return `hsl(${hue}, 75%, ${Math.round(100 - 50 * x)}%)`;
}

/** The text with tokens shaded by score (HTML, offline); hover a token for its score. */
export function token_attribution_html(result: TokenScores, opts: TokenAttributionOptions = {}): HtmlChart {
  const r = checked(result, "token_attribution_html", opts.skip_special);
  const max = opts.max_abs ?? Math.max(1e-12, ...r.scores.map(Math.abs));
  const title = opts.title ?? `Token attributions${r.method ? ` (${r.method})` : ""}`;
  const spans = r.tokens.map((t, i) => `<span class="bl-tok" data-score="${r.scores[i]}" title="${escape_html(`${t}: ${r.scores[i].toFixed(4)}`)}" `
    + `style="background:${attribution_color(r.scores[i], max)};padding:2px 3px;margin:1px;border-radius:3px;display:inline-block">${escape_html(t)}</span>`).join("");
  const html = `<div class="bertlab-token-attributions" style="font-family:sans-serif;font-size:14px;line-height:1.9;max-width:860px">`
    + `<div style="font-weight:bold;margin-bottom:4px">${escape_html(title)}</div>${spans}`
    + `<div style="font-size:11px;color:#555;margin-top:4px"><span style="background:${attribution_color(-1, 1)};padding:0 6px">−${max.toPrecision(3)}</span> `
    + `<span style="background:${attribution_color(1, 1)};padding:0 6px">+${max.toPrecision(3)}</span></div></div>`;
  const chart = displayable<HtmlChart>({ library: "html", html, title, width: Math.min(900, 40 + r.tokens.join(" ").length * 9), height: 60 + 30 * Math.ceil(r.tokens.length / 12) });
  return with_static(chart, () => plot_token_attributions(result, opts));
}

/** The same picture as a vega-lite chart: a row of token cells coloured by score (red–green diverging). */
export function plot_token_attributions(result: TokenScores, opts: TokenAttributionOptions = {}): Chart {
  return plot_attribution_comparison([result], { ...opts, title: opts.title ?? `Token attributions${result.method ? ` (${result.method})` : ""}` });
}

/** Options of plot_attribution_comparison: the token-attribution options plus per-method normalisation. */
export interface ComparisonOptions extends TokenAttributionOptions {
  /** Scale each method's scores to max |score| = 1 (default true: methods have different units). */
  normalize?: boolean;
}

/** Several methods for one input, one row each (tokens across), colour = score. */
export function plot_attribution_comparison(results: TokenScores[], opts: ComparisonOptions = {}): Chart {
  if (!Array.isArray(results) || results.length === 0) throw new Error("plot_attribution_comparison: expected a non-empty list of { tokens, scores, method } records");
  const rows = results.map((r) => checked(r, "plot_attribution_comparison", opts.skip_special));
  const tokens = rows[0].tokens;
  rows.forEach((r, i) => { if (r.tokens.join("\u0000") !== tokens.join("\u0000")) throw new Error(`plot_attribution_comparison: result ${i} has other tokens than result 0; compare methods on one input`); });
  const norm = opts.normalize ?? results.length > 1;
  const names = rows.map((r, i) => r.method ?? `method ${i}`);
  const values = rows.flatMap((r, m) => {
    const max = Math.max(1e-12, ...r.scores.map(Math.abs));
    return r.scores.map((s, i) => ({ method: names[m], method_order: m, position: i, token: tokens[i], score: s, shown: norm ? s / max : s }));
  });
  const lim = norm ? 1 : opts.max_abs ?? Math.max(1e-12, ...values.map((v) => Math.abs(v.shown)));
  const cell = Math.max(34, 8 * Math.max(...tokens.map((t) => t.length)));
  return vega_lite({
    data: { values },
    width: { step: cell }, height: { step: 26 },
    encoding: {
      x: { field: "position", type: "ordinal", title: null, axis: { labelExpr: label_expr(tokens), labelAngle: -45, orient: "top" } },
      y: { field: "method", type: "nominal", title: null, sort: { field: "method_order", op: "min" } }, // not sort: names (vega-lite breaks on "constructor")
    },
    layer: [
      { mark: { type: "rect", stroke: "white" }, encoding: {
        color: { field: "shown", type: "quantitative", title: norm ? "score / max|score|" : "score", scale: { scheme: "redyellowgreen", domain: [-lim, lim] } },
        tooltip: [{ field: "method" }, { field: "token" }, { field: "score", type: "quantitative", format: ".4f" }],
      } },
      { mark: { type: "text", fontSize: 9 }, encoding: { text: { field: "score", type: "quantitative", format: ".2f" } } },
    ],
  }, opts.title ?? "Attributions by method");
}
