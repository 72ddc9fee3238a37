// Attention rollout (Abnar & Zuidema 2020): per layer the head-averaged attention plus the residual,
// Â = 0.5·A + 0.5·I, rows re-normalised to 1; then multiplied through the layers,
// R_l = Â_l · R_{l−1} (R_0 = Â_0). R_L[i][j]: how much output token i draws on input token j.
import { attention_stack, AttentionSelectOptions, AttentionsLike, identity, matmul } from "./attention_input";

/** Options of attention_rollout (Abnar & Zuidema 2020): the batch row, length and whether the residual is added. */
export interface RolloutOptions extends AttentionSelectOptions {
  /** Add the residual connection (0.5·A + 0.5·I) before re-normalising (default true). */
  add_residual?: boolean;
}

/** attention_rollout's result: the rollout per layer and the last layer's [seq][seq] matrix (plot_rollout draws it). */
export interface RolloutResult {
  /** R_l for every layer l: [layers][seq][seq]. */
  layers: number[][][];
  /** The last layer's rollout [seq][seq]. */
  rollout: number[][];
}

/** Â_l per layer: head mean, residual-averaged, rows re-normalised ([layers][seq][seq]). */
export function residual_attention(attentions: AttentionsLike, opts: RolloutOptions = {}, fn = "residual_attention"): number[][][] {
  const stack = attention_stack(attentions, opts, fn);
  const add = opts.add_residual ?? true;
  return stack.map((heads) => {
    const n = heads[0].length;
    const I = identity(n);
    return Array.from({ length: n }, (_, i) => {
      const row = Array.from({ length: n }, (_, j) => {
        const mean = heads.reduce((s, h) => s + h[i][j], 0) / heads.length;
        return add ? 0.5 * mean + 0.5 * I[i][j] : mean;
      });
      const sum = row.reduce((a, b) => a + b, 0);
      return sum > 0 ? row.map((v) => v / sum) : row;
    });
  });
}

/**
 * Attention rollout (Abnar & Zuidema 2020): attention matrices multiplied through the layers with the residual added.
 * @example
 * ```ts
 * const r = attention_rollout(outputs.attentions); await show(plot_rollout(r, tokens))
 * ```
 */
export function attention_rollout(attentions: AttentionsLike, opts: RolloutOptions = {}): RolloutResult {
  const aug = residual_attention(attentions, opts, "attention_rollout");
  const layers: number[][][] = [aug[0]];
  for (let l = 1; l < aug.length; l++) layers.push(matmul(aug[l], layers[l - 1]));
  return { layers, rollout: layers[layers.length - 1] };
}
