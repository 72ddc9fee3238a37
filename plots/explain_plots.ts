// Pictures of the model-level explanations: the logit lens (layer × rank table coloured by probability),
// head importance / entropy (layer × head heatmap) and attention rollout / flow (query × key heatmap,
// drawn by plot_attention).
import { check_not_sibling } from "../src/explain/wrong_input";
import type { Chart } from "./chart";
import { vega_lite } from "./chart";
import { plot_attention, AttentionPlotOptions } from "./attention";
import { matrix } from "./data";

/** What plot_logit_lens takes: logit_lens' result (tokens, position, the top predictions per layer). */
export interface LogitLensLike {
  position: number;
  tokens: string[];
  layers: { layer: number; top: { token: string; prob: number }[] }[];
}

/** Layer-by-layer predictions as a table: rows = layers (0 = embeddings), columns = rank, cell = token, colour = probability. */
export function plot_logit_lens(result: LogitLensLike, opts: { title?: string } = {}): Chart {
  check_not_sibling("plot_logit_lens", "result", result, ["logit_lens"]);
  if (!result || !Array.isArray(result.layers)) throw new Error("plot_logit_lens: expected logit_lens(...)'s result { layers, tokens, position }");
  const values = result.layers.flatMap((l) => l.top.map((t, rank) => ({ layer: l.layer === 0 ? "embeddings" : `layer ${l.layer}`, rank: rank + 1, token: t.token, prob: t.prob })));
  const order = result.layers.map((l) => (l.layer === 0 ? "embeddings" : `layer ${l.layer}`));
  const k = Math.max(...result.layers.map((l) => l.top.length));
  const width = Math.max(70, 9 * Math.max(...values.map((v) => v.token.length)) + 16);
  return vega_lite({
    data: { values },
    width: { step: width }, height: { step: 26 },
    encoding: {
      x: { field: "rank", type: "ordinal", title: "rank", axis: { orient: "top", labelAngle: 0 } },
      y: { field: "layer", type: "ordinal", title: null, sort: order },
    },
    layer: [
      { mark: { type: "rect", stroke: "white" }, encoding: { color: { field: "prob", type: "quantitative", title: "probability", scale: { scheme: "blues", domain: [0, 1] } },
        tooltip: [{ field: "layer" }, { field: "rank" }, { field: "token" }, { field: "prob", type: "quantitative", format: ".3f" }] } },
      { mark: { type: "text", fontSize: 11 }, encoding: { text: { field: "token" }, color: { condition: { test: "datum.prob > 0.5", value: "white" }, value: "black" } } },
    ],
  }, opts.title ?? `Logit lens at position ${result.position} (${result.tokens[result.position] ?? "?"}): top ${k} per layer`);
}

/** A layer × head heatmap of per-head numbers (head_importance(...).importance, .entropy, attention_entropy(...)). */
export function plot_head_importance(values: unknown, opts: { title?: string; label?: string; scheme?: string } = {}): Chart {
  check_not_sibling("plot_head_importance", "values", values, ["head_importance"]);
  const m = matrix((values as { importance?: unknown })?.importance ?? values, "plot_head_importance");
  const cells = m.flatMap((row, l) => row.map((v, h) => ({ layer: l, head: h, value: v })));
  const label = opts.label ?? "importance";
  return vega_lite({
    data: { values: cells },
    width: { step: 30 }, height: { step: 30 },
    encoding: {
      x: { field: "head", type: "ordinal", title: "head" },
      y: { field: "layer", type: "ordinal", title: "layer" },
    },
    layer: [
      { mark: { type: "rect" }, encoding: { color: { field: "value", type: "quantitative", title: label, scale: { scheme: opts.scheme ?? "viridis" } },
        tooltip: [{ field: "layer" }, { field: "head" }, { field: "value", type: "quantitative", format: ".3f", title: label }] } },
      { mark: { type: "text", fontSize: 9 }, encoding: { text: { field: "value", type: "quantitative", format: ".2f" }, color: { value: "white" } } },
    ],
  }, opts.title ?? `Head ${label} (layer × head)`);
}

/** Attention rollout or flow as a query × key heatmap: `attention_rollout(...)` / `attention_flow(...)` or a [seq][seq] matrix. */
export function plot_rollout(result: unknown, tokens: string[], opts: AttentionPlotOptions = {}): Chart {
  check_not_sibling("plot_rollout", "result", result, ["attention_rollout", "attention_flow"]);
  const r = result as { rollout?: number[][]; flow?: number[][] };
  const m = r?.rollout ?? r?.flow ?? result;
  const what = r?.flow ? "Attention flow" : "Attention rollout";
  return plot_attention(matrix(m, "plot_rollout"), tokens, { title: `${what}: output token (y) ← input token (x)`, ...opts });
}
