// Logit lens: the MLM head (cls.predictions: transform + tied decoder) applied to every layer's hidden
// state at one position — what the model would predict there if it stopped after layer l
// (l = 0: the embeddings). Needs a model with an MLM head (BertForMaskedLM, BertForPreTraining).
import { tf } from "../backend";
import type { BertPreTrainedModel } from "../models";
import { lm_predictions } from "../models/bert/surgery";
import { encode, ExplainInputs, in_eval, TokenizerLike, tokens_of } from "./common";
import { check_inputs, check_memory, forward_bytes, int_option } from "./guard";

/** Options of logit_lens: the position explained, how many tokens per layer, and the tokenizer that names them. */
export interface LogitLensOptions {
  /** Position explained (default: the first [MASK], via tokenizer.mask_token_id). */
  position?: number;
  /** Tokens kept per layer (default 5). */
  k?: number;
  tokenizer?: TokenizerLike & { mask_token_id?: number | null };
}

/** One prediction of logit_lens: token id, text, probability and logit at a layer. */
export interface LensToken { id: number; token: string; prob: number; logit: number }

/** logit_lens' result: the top-k predictions at one position after each layer, and the final top tokens' probabilities per layer (plot_logit_lens draws it). */
export interface LogitLensResult {
  tokens: string[];
  position: number;
  /** One row per layer 0..L (0 = embeddings): the top-k predictions. */
  layers: { layer: number; top: LensToken[] }[];
  /** The last layer's top-k ids, and their probability at every layer: [layers][k] (the heatmap). */
  final_top: LensToken[];
  final_probs: number[][];
}

/**
 * The logit lens: the MLM head applied to every layer's hidden state at one position — what the model would predict after each layer.
 * @example
 * ```ts
 * await show(plot_logit_lens(logit_lens(mlm, inputs, { tokenizer })))
 * ```
 */
export function logit_lens(model: BertPreTrainedModel, inputs: ExplainInputs, options: LogitLensOptions = {}): LogitLensResult {
  const head = lm_predictions(model);
  if (!head) throw new Error(`logit_lens: ${model.constructor.name} has no MLM head (cls.predictions); use BertForMaskedLM or BertForPreTraining`);
  const enc = encode(inputs);
  check_inputs("logit_lens", model, enc);
  const vocab = (model.config as unknown as { vocab_size: number }).vocab_size;
  const k = int_option("logit_lens", "k", options.k, 5, 1, vocab);
  check_memory("logit_lens", forward_bytes(model, 1, enc.input_ids.length, false), "one forward of the input: shorten it (tokenizer max_length)");
  let position = options.position;
  if (position === undefined) {
    const mask = options.tokenizer?.mask_token_id;
    position = mask == null ? -1 : enc.input_ids.indexOf(mask);
    if (position < 0) throw new Error("logit_lens: no position given and no [MASK] token found in input_ids (pass { position } or { tokenizer })");
  }
  int_option("logit_lens", "position", position, 0, 0, enc.input_ids.length - 1);
  const logits = tf.tidy(() => {
    const out = in_eval(model, () => model.forward({
      input_ids: [enc.input_ids], attention_mask: [enc.attention_mask], token_type_ids: [enc.token_type_ids], output_hidden_states: true,
    })) as { hidden_states: tf.Tensor3D[] };
    const at = tf.stack(out.hidden_states.map((h) => h.slice([0, position!, 0], [1, 1, -1]).reshape([-1]))); // [layers, hidden]
    return head.forward(at.expandDims(0)).squeeze([0]) as tf.Tensor2D; // [layers, vocab]
  });
  const rows = logits.arraySync();
  logits.dispose();
  const name = (id: number) => (options.tokenizer ? options.tokenizer.convert_ids_to_tokens([id])[0] : String(id));
  const softmax = (r: number[]) => {
    const m = Math.max(...r);
    const e = r.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  };
  const probs = rows.map(softmax);
  const top = (l: number): LensToken[] => {
    const idx = probs[l].map((p, i) => [p, i] as const).sort((a, b) => b[0] - a[0]).slice(0, k);
    return idx.map(([p, i]) => ({ id: i, token: name(i), prob: p, logit: rows[l][i] }));
  };
  const layers = rows.map((_, l) => ({ layer: l, top: top(l) }));
  const final_top = layers[layers.length - 1].top;
  return {
    tokens: tokens_of(enc, options.tokenizer),
    position,
    layers,
    final_top,
    final_probs: probs.map((p) => final_top.map((t) => p[t.id])),
  };
}
