// Occlusion (captum Occlusion over the token axis): windows of `sliding_window` tokens (stride 1) are
// replaced by the [PAD] baseline (special tokens stay); a token's score is the mean of F(x) − F(occluded)
// over the windows that cover it. One batched forward.
import { tf } from "../backend";
import type { BertPreTrainedModel } from "../models";
import { encode, ExplainInputs, in_eval, l2_normalize, pad_baseline, target_scores, tokens_of } from "./common";
import type { AttributionOptions, TokenAttributions } from "./integrated_gradients";

export interface OcclusionOptions extends AttributionOptions {
  /** Tokens hidden at once (default 1). */
  sliding_window?: number;
}

/**
 * Occlusion (captum's Occlusion): the drop in the target's score when each token window is replaced by [PAD].
 * @example
 * ```ts
 * const occ = occlusion(clf, inputs, { target: 1, tokenizer }); await show(token_attribution_html(occ))
 * ```
 */
export function occlusion(model: BertPreTrainedModel, inputs: ExplainInputs, options: OcclusionOptions): TokenAttributions {
  const enc = encode(inputs);
  const base = pad_baseline(model, enc, options);
  const n = enc.input_ids.length;
  const w = options.sliding_window ?? 1;
  if (!(Number.isInteger(w) && w >= 1 && w <= n)) throw new Error(`occlusion: sliding_window must be an integer in 1..${n}, got ${w}`);
  const rows = [enc.input_ids];
  for (let s = 0; s + w <= n; s++) rows.push(enc.input_ids.map((id, i) => (i >= s && i < s + w ? base[i] : id)));
  const f = tf.tidy(() => {
    const rep = (v: number[]) => tf.tensor2d(new Array(rows.length).fill(v), undefined, "int32");
    const out = in_eval(model, () => model.forward({ input_ids: tf.tensor2d(rows, undefined, "int32"), attention_mask: rep(enc.attention_mask), token_type_ids: rep(enc.token_type_ids) }));
    return target_scores(out as Record<string, unknown>, options.target, model.constructor.name);
  });
  const F = Array.from(f.dataSync());
  f.dispose();
  const total = new Array(n).fill(0);
  const count = new Array(n).fill(0);
  for (let s = 0; s + w <= n; s++) {
    for (let i = s; i < s + w; i++) {
      total[i] += F[0] - F[s + 1];
      count[i] += 1;
    }
  }
  const scores = total.map((t, i) => (count[i] ? t / count[i] : 0));
  return {
    method: "occlusion",
    tokens: tokens_of(enc, options.tokenizer),
    input_ids: enc.input_ids,
    target: options.target,
    scores: options.normalize ? l2_normalize(scores) : scores,
  };
}
