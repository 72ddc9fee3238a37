// Integrated gradients with captum's LayerIntegratedGradients semantics on the embeddings' output:
//   attr = (e(x) − e(b)) ⊙ Σ_k w_k ∂F/∂e |_{e(b) + α_k (e(x) − e(b))}
// (α, w from `approximation_parameters`), with the steps run in chunks of `internal_batch_size`, and
// captum's convergence delta Σ attr − (F(x) − F(b)).
//   const r = integrated_gradients(model, inputs, { target: 1, tokenizer });
//   r.scores  // one number per token;  r.delta  // completeness error
import { tf } from "../backend";
import type { BertPreTrainedModel } from "../models";
import { AttributionTarget, BaselineOptions, embed, encode, ExplainInputs, forward_from_embeddings, pad_baseline, token_scores, tokens_of } from "./common";
import { approximation_parameters, IntegrationMethod } from "./quadrature";
import { bool_option, check_inputs, check_memory, check_target, fitting_batch, forward_bytes, int_option, no_tape_leak } from "./guard";

/** Options of the gradient attributions (integrated_gradients, saliency and friends): the output explained, the baseline and normalisation. */
export interface AttributionOptions extends BaselineOptions {
  /** Which output is explained (see AttributionTarget). */
  target: AttributionTarget;
  /** L2-normalise the per-token scores (captum's BERT tutorial `summarize_attributions`). Default false. */
  normalize?: boolean;
}

/** integrated_gradients' options (captum's names): target, n_steps, method ("gausslegendre", "riemann_*"), internal_batch_size, tokenizer / baseline. */
export interface IntegratedGradientsOptions extends AttributionOptions {
  n_steps?: number; // default 50
  method?: IntegrationMethod; // default "gausslegendre"
  /** Steps evaluated per forward/backward pass (default: all n_steps at once). */
  internal_batch_size?: number;
}

/** What every attribution method returns: plain arrays, one entry per token. */
export interface TokenAttributions {
  method: string;
  tokens: string[];
  input_ids: number[];
  target: AttributionTarget;
  /** Per-token score: sum over the hidden size (L2-normalised when `normalize`). */
  scores: number[];
  /** [seq, hidden] attributions on the embeddings' output (gradient methods). */
  attributions?: number[][];
}

/** integrated_gradients' result: per-token scores, attributions [seq, hidden], the baseline, F(x), F(baseline) and captum's convergence delta. */
export interface IntegratedGradientsResult extends TokenAttributions {
  baseline_ids: number[];
  n_steps: number;
  integration: IntegrationMethod;
  /** F(x) and F(baseline): the explained logit on the input and on the [PAD] baseline. */
  f_input: number;
  f_baseline: number;
  /** captum's convergence delta: Σ attributions − (F(x) − F(baseline)) (signed; completeness wants it ≈ 0). */
  delta: number;
}

/**
 * Integrated gradients on the embeddings' output, as captum's LayerIntegratedGradients (Gauss–Legendre or Riemann points, [PAD] baseline): per-token scores and the convergence delta.
 * @example
 * ```ts
 * const ig = integrated_gradients(clf, inputs, { target: 1, tokenizer, n_steps: 50 }); ig.scores; ig.delta
 * ```
 */
export function integrated_gradients(model: BertPreTrainedModel, inputs: ExplainInputs, options: IntegratedGradientsOptions): IntegratedGradientsResult {
  const fn = "integrated_gradients";
  const target = check_target(fn, options?.target);
  const enc = encode(inputs);
  const baseline_ids = pad_baseline(model, enc, options);
  check_inputs(fn, model, enc, baseline_ids);
  const n_steps = int_option(fn, "n_steps", options.n_steps, 50, 1, 1_000_000);
  const integration = options.method ?? "gausslegendre";
  const chunk = Math.min(int_option(fn, "internal_batch_size", options.internal_batch_size, n_steps, 1), n_steps);
  bool_option(fn, "normalize", options.normalize);
  const seq = enc.input_ids.length;
  const fit = fitting_batch(model, seq, true);
  check_memory(fn, forward_bytes(model, chunk, seq, true), fit >= 1
    ? `${chunk} steps of ${seq} tokens at once (internal_batch_size${options.internal_batch_size === undefined ? " defaults to n_steps" : ""}); internal_batch_size ≤ ${fit} fits`
    : `even one step of ${seq} tokens does not fit: shorten the input (tokenizer max_length)`);
  const { alphas, step_sizes } = approximation_parameters(integration, n_steps);
  const F = (e: tf.Tensor) => forward_from_embeddings(model, enc, e, target);
  const grad = no_tape_leak((e: tf.Tensor) => F(e).sum());

  // F(x) and F(baseline) first, outside the gradient: a target the model's output does not have fails here
  const [fi, fb] = tf.tidy(() => F(tf.concat([embed(model, enc), embed(model, enc, baseline_ids)], 0)).arraySync()); // [2]
  const attr = tf.tidy(() => {
    const e_in = embed(model, enc); // [1, s, h]
    const e_base = embed(model, enc, baseline_ids); // [1, s, h]
    const diff = tf.sub(e_in, e_base); // [1, s, h]
    let total: tf.Tensor = tf.zerosLike(e_in.squeeze([0])); // [s, h]
    for (let start = 0; start < n_steps; start += chunk) {
      const a = alphas.slice(start, start + chunk);
      const w = step_sizes.slice(start, start + chunk);
      const next = tf.tidy(() => {
        const scaled = tf.add(e_base, tf.mul(tf.tensor(a).reshape([-1, 1, 1]), diff)); // [k, s, h]
        const g = grad(scaled); // [k, s, h]
        return tf.add(total, tf.sum(tf.mul(g, tf.tensor(w).reshape([-1, 1, 1])), 0)); // [s, h]
      });
      total.dispose();
      total = next;
    }
    return tf.mul(total, diff.squeeze([0])) as tf.Tensor2D; // [s, h]
  });
  const attributions = attr.arraySync();
  attr.dispose();
  const sum = attributions.reduce((s, r) => s + r.reduce((a, b) => a + b, 0), 0);
  return {
    method: "integrated_gradients",
    tokens: tokens_of(enc, options.tokenizer),
    input_ids: enc.input_ids,
    target,
    scores: token_scores(attributions, options.normalize ?? false),
    attributions,
    baseline_ids,
    n_steps,
    integration,
    f_input: fi,
    f_baseline: fb,
    delta: sum - (fi - fb),
  };
}
