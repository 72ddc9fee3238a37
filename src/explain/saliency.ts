// Gradient attributions on the embeddings' output at the input: saliency |∂F/∂e| (captum Saliency,
// abs=True) and input × gradient e ⊙ ∂F/∂e (captum LayerGradientXActivation on the embeddings).
import { tf } from "../backend";
import type { BertPreTrainedModel } from "../models";
import { embed, encode, ExplainInputs, forward_from_embeddings, token_scores, tokens_of } from "./common";
import type { AttributionOptions, TokenAttributions } from "./integrated_gradients";
import { bool_option, check_inputs, check_memory, check_target, forward_bytes, no_tape_leak } from "./guard";

function gradient_attribution(model: BertPreTrainedModel, inputs: ExplainInputs, options: AttributionOptions, method: "saliency" | "input_x_gradient"): TokenAttributions {
  const target = check_target(method, options?.target);
  const enc = encode(inputs);
  check_inputs(method, model, enc);
  bool_option(method, "normalize", options.normalize);
  check_memory(method, forward_bytes(model, 1, enc.input_ids.length, true), "one forward and backward of the input: shorten it (tokenizer max_length)");
  const grad = no_tape_leak((e: tf.Tensor) => forward_from_embeddings(model, enc, e, target).sum());
  const t = tf.tidy(() => {
    const e = embed(model, enc); // [1, s, h]
    const g = grad(e); // [1, s, h]
    return (method === "saliency" ? tf.abs(g) : tf.mul(e, g)).squeeze([0]) as tf.Tensor2D; // [s, h]
  });
  const attributions = t.arraySync();
  t.dispose();
  return {
    method,
    tokens: tokens_of(enc, options.tokenizer),
    input_ids: enc.input_ids,
    target,
    scores: token_scores(attributions, options.normalize ?? false),
    attributions,
  };
}

/** |∂F/∂embedding| per hidden unit; per-token score = its sum over the hidden size. */
export function saliency(model: BertPreTrainedModel, inputs: ExplainInputs, options: AttributionOptions): TokenAttributions {
  return gradient_attribution(model, inputs, options, "saliency");
}

/** embedding ⊙ ∂F/∂embedding; per-token score = its sum over the hidden size. */
export function input_x_gradient(model: BertPreTrainedModel, inputs: ExplainInputs, options: AttributionOptions): TokenAttributions {
  return gradient_attribution(model, inputs, options, "input_x_gradient");
}
