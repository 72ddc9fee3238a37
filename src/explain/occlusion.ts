// Occlusion (captum Occlusion over the token axis): windows of `sliding_window` tokens (stride 1) are
// replaced by the [PAD] baseline (special tokens stay); a token's score is the mean of F(x) − F(occluded)
// over the windows that cover it. One batched forward.
import { tf } from "../backend";
import type { BertPreTrainedModel } from "../models";
import { encode, ExplainInputs, in_eval, l2_normalize, pad_baseline, target_scores, tokens_of } from "./common";
import type { AttributionOptions, TokenAttributions } from "./integrated_gradients";
import { bool_option, check_inputs, check_memory, check_target, fitting_batch, forward_bytes, int_option } from "./guard";

/** Options of occlusion (captum's `Occlusion`): the attribution options plus window size and batching. */
export interface OcclusionOptions extends AttributionOptions {
  /** Tokens hidden at once (default 1). */
  sliding_window?: number;
  /** Occluded copies run per forward (default: all of them in one). */
  internal_batch_size?: number;
}

/**
 * Occlusion (captum's Occlusion): the drop in the target's score when each token window is replaced by [PAD].
 * @example
 * ```ts
 * const occ = occlusion(clf, inputs, { target: 1, tokenizer }); await show(token_attribution_html(occ))
 * ```
 */
export function occlusion(model: BertPreTrainedModel, inputs: ExplainInputs, options: OcclusionOptions): TokenAttributions {
  const fn = "occlusion";
  const target = check_target(fn, options?.target);
  const enc = encode(inputs);
  const base = pad_baseline(model, enc, options);
  check_inputs(fn, model, enc, base);
  bool_option(fn, "normalize", options.normalize);
  const n = enc.input_ids.length;
  const w = int_option(fn, "sliding_window", options.sliding_window, 1, 1, n);
  const rows = [enc.input_ids];
  for (let s = 0; s + w <= n; s++) rows.push(enc.input_ids.map((id, i) => (i >= s && i < s + w ? base[i] : id)));
  const chunk = Math.min(int_option(fn, "internal_batch_size", options.internal_batch_size, rows.length, 1), rows.length);
  const fit = fitting_batch(model, n, false);
  check_memory(fn, forward_bytes(model, chunk, n, false), fit >= 1
    ? `${chunk} occluded copies of ${n} tokens in one forward; internal_batch_size ≤ ${fit} fits`
    : `even one copy of ${n} tokens does not fit: shorten the input (tokenizer max_length)`);
  const F: number[] = [];
  for (let start = 0; start < rows.length; start += chunk) {
    const part = rows.slice(start, start + chunk);
    const f = tf.tidy(() => {
      const rep = (v: number[]) => tf.tensor2d(new Array(part.length).fill(v), undefined, "int32");
      const out = in_eval(model, () => model.forward({ input_ids: tf.tensor2d(part, undefined, "int32"), attention_mask: rep(enc.attention_mask), token_type_ids: rep(enc.token_type_ids) }));
      return target_scores(out as Record<string, unknown>, target, model.constructor.name);
    });
    F.push(...f.dataSync());
    f.dispose();
  }
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
    target,
    scores: options.normalize ? l2_normalize(scores) : scores,
  };
}
