// The one input object every BERT model takes (HF keyword names), and its conversion to tensors.
// Values may be tfjs tensors or nested number arrays; arrays become int32 (ids, masks, labels of
// integers) or float32 (embeddings, float labels). Conversion happens inside the model's tidy scope,
// so tensors made here are freed; tensors the caller passes are never disposed.
import { tf } from "../../backend";
import type { PastKeyValues } from "./outputs";

/** What a model input may be: a tensor, nested number arrays, or a typed array. */
export type TensorInput = tf.Tensor | number[] | number[][] | number[][][] | number[][][][];

/** A BERT model's inputs, HF's forward() arguments by name: input_ids, attention_mask, token_type_ids, labels, output_attentions...; tensors or nested arrays. */
export interface BertInputs {
  input_ids?: TensorInput; // [batch, seq] ([batch, num_choices, seq] for multiple choice)
  attention_mask?: TensorInput; // [batch, past + seq], 1 = attend
  token_type_ids?: TensorInput; // [batch, seq]
  position_ids?: TensorInput; // [batch | 1, seq]
  inputs_embeds?: TensorInput; // [batch, seq, hidden]
  labels?: TensorInput;
  next_sentence_label?: TensorInput;
  start_positions?: TensorInput;
  end_positions?: TensorInput;
  encoder_hidden_states?: TensorInput; // [batch, encoder_seq, hidden]
  encoder_attention_mask?: TensorInput; // [batch, encoder_seq]
  head_mask?: TensorInput; // [layers, heads] or [heads]: 1 keeps a head, 0 drops it
  past_key_values?: PastKeyValues;
  use_cache?: boolean;
  output_hidden_states?: boolean;
  output_attentions?: boolean;
  return_dict?: boolean;
}

/** Keys a tokenizer may return besides model inputs; they are accepted and ignored. */
const TOKENIZER_EXTRAS = new Set(["special_tokens_mask", "offset_mapping", "overflowing_tokens", "num_truncated_tokens", "length", "word_ids", "sequence_ids", "overflow_to_sample_mapping"]);
const KNOWN = new Set<string>([
  "input_ids", "attention_mask", "token_type_ids", "position_ids", "inputs_embeds", "labels", "next_sentence_label",
  "start_positions", "end_positions", "encoder_hidden_states", "encoder_attention_mask", "past_key_values", "use_cache",
  "output_hidden_states", "output_attentions", "return_dict", "head_mask",
]);

/** Throws for keys no BERT model takes (typos such as `attention_masks`). */
export function check_input_keys(model: string, inputs: object): void {
  if (inputs === null || typeof inputs !== "object" || Array.isArray(inputs) || inputs instanceof tf.Tensor) {
    throw new TypeError(`${model}.forward: expected one object of named inputs ({ input_ids, attention_mask, ... }), got ${inputs instanceof tf.Tensor ? "a tensor" : JSON.stringify(inputs)}`);
  }
  for (const k of Object.keys(inputs)) {
    if (!KNOWN.has(k) && !TOKENIZER_EXTRAS.has(k)) {
      throw new Error(`${model}.forward() got an unexpected keyword argument '${k}'; expected some of: ${[...KNOWN].join(", ")}`);
    }
  }
}

function isAllIntegers(v: unknown): boolean {
  if (typeof v === "number") return Number.isInteger(v);
  if (Array.isArray(v)) return v.every(isAllIntegers);
  return false;
}

/**
 * A tensor for input `name`: int32 for ids/masks, float32 for embeddings, and for "auto" the tensor's own
 * dtype (arrays: int32 when every value is an integer). `rank` (one number or several) is checked.
 */
export function to_tensor(name: string, v: TensorInput, dtype: "int32" | "float32" | "auto", rank?: number | number[]): tf.Tensor {
  let t: tf.Tensor;
  if (v instanceof tf.Tensor) {
    if (v.isDisposed) throw new Error(`${name}: the tensor was already disposed`);
    if (dtype === "auto") t = v.dtype === "bool" ? v.toInt() : v;
    else if (dtype === "int32") t = v.dtype === "int32" ? v : v.toInt();
    else t = v.dtype === "float32" ? v : v.toFloat();
  } else if (Array.isArray(v) || typeof v === "number") {
    const dt = dtype === "auto" ? (isAllIntegers(v) ? "int32" : "float32") : dtype;
    try {
      t = tf.tensor(v as number[], undefined, dt);
    } catch (e) {
      throw new Error(`${name}: could not make a tensor from the given array (${(e as Error).message}); expected a rectangular nested array of numbers`);
    }
  } else {
    throw new TypeError(`${name}: expected a tf.Tensor or a nested array of numbers, got ${typeof v}`);
  }
  const ranks = rank === undefined ? undefined : Array.isArray(rank) ? rank : [rank];
  if (ranks && !ranks.includes(t.rank)) {
    throw new Error(`${name} must have rank ${ranks.join(" or ")} (${describeRank(name, ranks)}), got shape [${t.shape}]`);
  }
  return t;
}

function describeRank(name: string, ranks: number[]): string {
  const per_token = ["input_ids", "token_type_ids", "attention_mask", "position_ids"].includes(name);
  const one = (r: number): string => (per_token ? (r === 1 ? "[seq]" : r === 2 ? "[batch, seq]" : "[batch, seq, seq]") : r === 3 ? "[batch, seq, hidden]" : `${r} dimensions`);
  return ranks.map(one).join(" or ");
}

/** Min and max of an int tensor (a small synchronous read, used to validate ids). */
export function int_range(t: tf.Tensor): [number, number] {
  if (t.size === 0) return [0, 0];
  const [mn, mx] = tf.tidy(() => [t.min().dataSync()[0], t.max().dataSync()[0]]);
  return [mn, mx];
}

/** Throws when ids fall outside [0, size). */
export function check_ids(name: string, ids: tf.Tensor, size: number, what: string): void {
  const [mn, mx] = int_range(ids);
  if (mn < 0 || mx >= size) {
    const bad = mn < 0 ? mn : mx;
    throw new Error(`${name} contains ${bad}, outside [0, ${size}) (${what})`);
  }
}
