// Padding a list of examples into one rectangular batch, as tokenizer.pad(..., return_tensors) does:
// input_ids with pad_token_id, attention_mask 0 (created if absent), token_type_ids pad_token_type_id,
// special_tokens_mask 1, labels -100; scalar fields (label, next_sentence_label) become 1-D.
import { tf } from "../backend";
import type { CollatorTokenizer } from "./data_tokenizer";

/** One tokenized example. Arrays are per-token; numbers are per-example (labels). */
export type Feature = Record<string, number[] | number>;

/** A padded batch: per-token fields as [batch, seq], per-example fields as [batch]. */
export interface JsBatch {
  [key: string]: number[][] | number[];
}

/** A batch of tensors by input name (`input_ids`, `attention_mask`, `labels`, …), what the collators return. */
export type TfBatch = Record<string, tf.Tensor>;

/** How pad_features pads a batch: to the longest row, at least `max_length`, rounded up to a multiple. */
export interface PadOptions {
  pad_to_multiple_of?: number | null;
  /** Pad to this length at least (e.g. max_length). */
  max_length?: number | null;
  padding_side?: "left" | "right";
}

const PAD_VALUE: Record<string, number> = { attention_mask: 0, special_tokens_mask: 1, labels: -100 };

/** Accepts a list of examples, or one batch-encoding-like object of equal-length rows. */
/** What a `datasets`-style Dataset offers collators and the Trainer: its rows with the numeric columns. */
export interface FeatureSource {
  to_features(): Feature[];
}

/** A Dataset (anything with to_features) as its rows; arrays and null pass through. */
export function rows_of<T>(input: T | FeatureSource): T | Feature[] {
  return input && typeof (input as FeatureSource).to_features === "function" ? (input as FeatureSource).to_features() : (input as T);
}

export function as_features(input: Feature[] | Record<string, unknown> | FeatureSource, who: string): Feature[] {
  input = rows_of(input);
  if (Array.isArray(input)) {
    input.forEach((f, i) => {
      if (!f || typeof f !== "object" || !Array.isArray((f as Feature).input_ids)) {
        throw new Error(`${who}: example ${i} has no input_ids array (got ${JSON.stringify(f)?.slice(0, 80)})`);
      }
    });
    return input;
  }
  const ids = (input as { input_ids?: unknown }).input_ids;
  if (Array.isArray(ids) && ids.every((r) => Array.isArray(r))) {
    return (ids as number[][]).map((_, i) => {
      const f: Feature = {};
      for (const [k, v] of Object.entries(input)) if (Array.isArray(v)) f[k] = v[i] as number[] | number;
      return f;
    });
  }
  throw new Error(`${who}: expected a list of examples ({ input_ids: number[], ... }) or a batch with input_ids: number[][]`);
}

/**
 * Pads a list of tokenized examples to one batch with the tokenizer's pad id and side (Python: `tokenizer.pad(features)` in DataCollatorWithPadding).
 * @example
 * ```ts
 * const batch = pad_features(examples, tokenizer)
 * ```
 */
export function pad_features(features: Feature[], tok: Pick<CollatorTokenizer, "pad_token_id" | "padding_side" | "pad_token_type_id">, options: PadOptions = {}): JsBatch {
  if (!features.length) throw new Error("pad_features: got an empty list of examples");
  const side = options.padding_side ?? tok.padding_side ?? "right";
  const lengths = features.map((f) => (f.input_ids as number[]).length);
  let max = Math.max(...lengths, options.max_length ?? 0);
  const m = options.pad_to_multiple_of;
  if (m) max = Math.ceil(max / m) * m;
  const keys = new Set<string>();
  for (const f of features) for (const k of Object.keys(f)) keys.add(k);
  keys.add("attention_mask");
  const out: JsBatch = {};
  for (const key of keys) {
    const perToken = features.some((f) => Array.isArray(f[key])) || key === "attention_mask";
    if (!perToken) {
      out[key] = features.map((f, i) => {
        const v = f[key];
        if (typeof v !== "number") throw new Error(`pad_features: example ${i} lacks '${key}' that other examples have`);
        return v;
      });
      continue;
    }
    const padValue = key === "input_ids" ? tok.pad_token_id : key === "token_type_ids" ? tok.pad_token_type_id ?? 0 : PAD_VALUE[key] ?? 0;
    if (key === "input_ids" && (padValue === null || padValue === undefined)) {
      throw new Error("pad_features: the tokenizer has no pad_token_id; examples of different lengths cannot be padded");
    }
    out[key] = features.map((f, i) => {
      let row = f[key] as number[] | undefined;
      if (row === undefined) {
        if (key !== "attention_mask") throw new Error(`pad_features: example ${i} lacks '${key}' that other examples have`);
        row = new Array(lengths[i]).fill(1);
      }
      if (!Array.isArray(row) || row.length !== lengths[i]) {
        throw new Error(`pad_features: example ${i} has '${key}' of length ${Array.isArray(row) ? row.length : typeof row}, its input_ids ${lengths[i]}`);
      }
      const pad = new Array(max - row.length).fill(padValue as number);
      return side === "right" ? [...row, ...pad] : [...pad, ...row];
    });
  }
  return out;
}

/** [batch, seq] / [batch] int32 tensors (float32 for non-integer fields such as regression labels). */
export function to_tensors(batch: JsBatch): TfBatch {
  const out: TfBatch = {};
  for (const [k, v] of Object.entries(batch)) {
    const flat = (v as (number | number[])[]).flat() as number[];
    const dtype = flat.every((x) => Number.isInteger(x)) ? "int32" : "float32";
    out[k] = Array.isArray(v[0]) ? tf.tensor2d(v as number[][], [v.length, (v[0] as number[]).length], dtype) : tf.tensor1d(v as number[], dtype);
  }
  return out;
}
