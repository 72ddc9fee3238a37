// Per-head query and key vectors with the attention weights (what bertviz's neuron view shows), captured
// from one forward through forward hooks on every layer's attention.self.query / .key.
import { tf } from "../backend";
import type { BertPreTrainedModel } from "../models";
import type { BertSelfAttention } from "../models/bert/self_attention";
import type { Module } from "../nn";
import { encode, ExplainInputs, in_eval, TokenizerLike, tokens_of } from "./common";

/** attention_details' result: the tokens and, per layer, queries / keys / attention per head — neuron_view's input. */
export interface AttentionDetails {
  tokens: string[];
  /**
   * Per layer: queries / keys [heads][seq][head_size] (before the 1/√d scaling), attention [heads][seq][seq], and for
   * relative_key(_query) models the relative position scores [heads][query][key] (q·R[i−j], + k·R[i−j]) that join q·k
   * before the scaling.
   */
  layers: { queries: number[][][]; keys: number[][][]; attention: number[][][]; relative?: number[][][] }[];
}

/**
 * Per layer and head: queries, keys and attention weights (and relative-position scores) as plain arrays — what bertviz's neuron view shows (Python: bertviz `neuron_view`'s data).
 * @example
 * ```ts
 * await show(neuron_view(attention_details(model, inputs, { tokenizer })))
 * ```
 */
export function attention_details(model: BertPreTrainedModel, inputs: ExplainInputs, options: { tokenizer?: TokenizerLike } = {}): AttentionDetails {
  const enc = encode(inputs);
  const selves = model.named_modules().filter(([p]) => /encoder\.layer\.\d+\.attention\.self$/.test(p)).map(([, m]) => m as BertSelfAttention);
  const captured: { q?: number[][][]; k?: number[][][] }[] = selves.map(() => ({}));
  // [1, seq, all_head] → [heads][seq][head_size]
  const split = (t: tf.Tensor, s: BertSelfAttention) => tf.tidy(() => t.reshape([t.shape[1]!, s.num_attention_heads, s.attention_head_size]).transpose([1, 0, 2]).arraySync() as number[][][]);
  const hooks = selves.flatMap((s, i) => [
    (s.query as Module).register_forward_hook((_m, _a, out) => { captured[i].q = split(out as tf.Tensor, s); }),
    (s.key as Module).register_forward_hook((_m, _a, out) => { captured[i].k = split(out as tf.Tensor, s); }),
  ]);
  let attention: number[][][][];
  try {
    attention = tf.tidy(() => {
      const out = in_eval(model, () => model.forward({ input_ids: [enc.input_ids], attention_mask: [enc.attention_mask], token_type_ids: [enc.token_type_ids], output_attentions: true })) as { attentions: tf.Tensor4D[] };
      return out.attentions.map((a) => (a.arraySync() as number[][][][])[0]);
    });
  } finally {
    hooks.forEach((h) => h.remove());
  }
  return {
    tokens: tokens_of(enc, options.tokenizer),
    layers: captured.map((c, l) => ({ queries: c.q!, keys: c.k!, attention: attention[l], ...(selves[l].distance_embedding ? { relative: relative_scores(selves[l], c.q!, c.k!) } : {}) })),
  };
}

/** The layer's own relative position scores for the captured queries / keys: [heads][query][key]. */
function relative_scores(s: BertSelfAttention, q: number[][][], k: number[][][]): number[][][] {
  return tf.tidy(() => (s.relative_position_scores(tf.tensor4d([q]), tf.tensor4d([k]), false).arraySync() as number[][][][])[0]);
}
