// Attention flow (Abnar & Zuidema 2020): the layers as a graph — node (l, i) is token i after layer l
// (l = 0: the input), edge (l, i) → (l−1, j) with capacity Â_l[i][j] (residual-averaged, head-averaged,
// re-normalised attention, as rollout) — and flow[l][i][j] = max-flow from (l, i) to input node (0, j),
// each row normalised to sum 1 (their compute_flows). Exact max-flow by Edmonds–Karp.
import type { AttentionsLike } from "./attention_input";
import { max_flow } from "./max_flow";
import { residual_attention, RolloutOptions } from "./rollout";

/** Options of attention_flow (Abnar & Zuidema 2020): the rollout options plus the layers whose output nodes are computed. */
export interface FlowOptions extends RolloutOptions {
  /** Which layers' output nodes to compute (default all, 1..L); the last layer alone is fastest. */
  layers?: number[] | "last";
}

/** attention_flow's result: the flow per computed layer and the last one's [seq][seq] matrix (plot_rollout draws it). */
export interface FlowResult {
  /** flow[l - 1][i][j] for each computed layer l, rows normalised (the layers listed in `layer_indices`). */
  layers: number[][][];
  layer_indices: number[];
  /** The last computed layer's flow [seq][seq]. */
  flow: number[][];
}

/** The layered graph's capacity matrix: node l·n + i; edges from layer l to layer l − 1. */
export function flow_graph(aug: number[][][]): number[][] {
  const L = aug.length;
  const n = aug[0].length;
  const N = (L + 1) * n;
  const cap = Array.from({ length: N }, () => new Array<number>(N).fill(0));
  for (let l = 1; l <= L; l++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) cap[l * n + i][(l - 1) * n + j] = aug[l - 1][i][j];
  return cap;
}

/**
 * Attention flow (Abnar & Zuidema 2020): the max-flow from each input token to each output position through the residual-augmented attention graph.
 * @example
 * ```ts
 * const flow = attention_flow(outputs.attentions); await show(plot_rollout(flow, tokens))
 * ```
 */
export function attention_flow(attentions: AttentionsLike, opts: FlowOptions = {}): FlowResult {
  const aug = residual_attention(attentions, opts, "attention_flow");
  const L = aug.length;
  const n = aug[0].length;
  const cap = flow_graph(aug);
  const layer_indices = opts.layers === "last" ? [L] : opts.layers ?? Array.from({ length: L }, (_, i) => i + 1);
  for (const l of layer_indices) if (!(Number.isInteger(l) && l >= 1 && l <= L)) throw new Error(`attention_flow: layer ${l} is out of range 1..${L}`);
  const layers = layer_indices.map((l) => Array.from({ length: n }, (_, i) => {
    const row = Array.from({ length: n }, (_, j) => max_flow(cap, l * n + i, j).value);
    const sum = row.reduce((a, b) => a + b, 0);
    return sum > 0 ? row.map((v) => v / sum) : row;
  }));
  return { layers, layer_indices, flow: layers[layers.length - 1] };
}
