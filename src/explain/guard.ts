// Checks every explanation makes before it allocates anything: option types and ranges (clear errors naming
// the option), inputs that fit the model (ids in the vocabulary, no more tokens than max_position_embeddings),
// and the memory a call needs — estimated from its shapes and refused when over the budget, naming the size
// and the option that reduces it — so a request never leaves the backend half-allocated (on wasm a failed 4 GB
// allocation aborts the process or corrupts the heap). `no_tape_leak` frees what tf.grad keeps for the
// backward pass when the forward throws (tfjs leaves those tensors on its tape).
import { tf } from "../backend";
import type { BertPreTrainedModel } from "../models";
import type { AttributionTarget, Encoded } from "./common";
import { forward_peak_bytes, memory_budget } from "../models/bert/memory";

export { memory_budget, set_memory_budget, format_bytes, check_memory } from "../models/bert/memory";

type Cfg = { hidden_size: number; num_hidden_layers: number; num_attention_heads: number; intermediate_size: number; vocab_size: number; max_position_embeddings: number; type_vocab_size?: number };

/** Bytes a forward (and backward, when `grad`) of `batch` sequences of `seq` tokens holds at its peak (see forward_peak_bytes). */
export function forward_bytes(model: BertPreTrainedModel, batch: number, seq: number, grad: boolean): number {
  return forward_peak_bytes(model.config as unknown as Cfg, model.constructor.name, { batch, seq, grad });
}

/** The largest batch (≥ 1) whose forward(/backward) fits the budget, or 0 if not even one sequence fits. */
export function fitting_batch(model: BertPreTrainedModel, seq: number, grad: boolean): number {
  const one = forward_bytes(model, 1, seq, grad);
  return Math.floor(memory_budget() / one);
}

function shown(v: unknown): string {
  if (typeof v === "string") return `the string ${JSON.stringify(v.slice(0, 30))}`;
  if (Array.isArray(v)) return "an array";
  if (v === null) return "null";
  if (typeof v === "object") return JSON.stringify(v)?.slice(0, 60) ?? "an object";
  return String(v);
}

/** An integer option in [min, max] (or undefined → the default). */
export function int_option(fn: string, name: string, v: unknown, dflt: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in ${min}..${max}`;
    throw new Error(`${fn}: ${name} should be an integer ${range}, got ${shown(v)}`);
  }
  return v;
}

export function bool_option(fn: string, name: string, v: unknown): boolean | undefined {
  if (v !== undefined && typeof v !== "boolean") throw new Error(`${fn}: ${name} should be true or false, got ${shown(v)}`);
  return v as boolean | undefined;
}

const TARGET_FORMS = "a class index (integer), { class }, { class, position }, { start }, { end } or { token_id, position }";

/** An AttributionTarget of one of its forms with non-negative integer fields (ranges are checked against the output). */
export function check_target(fn: string, target: unknown): AttributionTarget {
  const int = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 0;
  if (typeof target === "number") {
    if (!int(target)) throw new Error(`${fn}: target should be ${TARGET_FORMS}, got ${shown(target)}`);
    return target;
  }
  if (target === null || typeof target !== "object" || Array.isArray(target)) throw new Error(`${fn}: target should be ${TARGET_FORMS}, got ${target === undefined ? "nothing" : shown(target)}`);
  const t = target as Record<string, unknown>;
  const keys = Object.keys(t).sort().join(",");
  const forms = ["class", "class,position", "start", "end", "position,token_id"];
  if (!forms.includes(keys)) throw new Error(`${fn}: target should be ${TARGET_FORMS}, got { ${Object.keys(t).join(", ")} }`);
  for (const [k, v] of Object.entries(t)) {
    if (k === "position" && v === undefined) continue;
    if (!int(v)) throw new Error(`${fn}: target.${k} should be a non-negative integer, got ${shown(v)}`);
  }
  return target as AttributionTarget;
}

/**
 * The encoded inputs fit the model: at most max_position_embeddings tokens, ids integers in the vocabulary,
 * token types in range, a 0/1 mask; baseline ids likewise.
 */
export function check_inputs(fn: string, model: BertPreTrainedModel, enc: Encoded, baseline_ids?: number[]): void {
  const c = model.config as unknown as Cfg;
  const n = enc.input_ids.length;
  if (n === 0) throw new Error(`${fn}: input_ids is empty`);
  if (n > c.max_position_embeddings) {
    throw new Error(`${fn}: the input has ${n} tokens, more than this model's max_position_embeddings (${c.max_position_embeddings}); truncate it: tokenizer(text, { truncation: true, max_length: ${c.max_position_embeddings} })`);
  }
  const ids = (name: string, list: unknown[], hi: number) => {
    list.forEach((v, i) => {
      if (!(typeof v === "number" && Number.isInteger(v) && v >= 0 && v < hi)) throw new Error(`${fn}: ${name}[${i}] should be an integer in 0..${hi - 1}, got ${shown(v)}`);
    });
  };
  ids("input_ids", enc.input_ids, c.vocab_size);
  ids("token_type_ids", enc.token_type_ids, c.type_vocab_size ?? 2);
  ids("attention_mask", enc.attention_mask, 2);
  if (baseline_ids) {
    if (!Array.isArray(baseline_ids)) throw new Error(`${fn}: baseline_ids should be an array of token ids, got ${shown(baseline_ids)}`);
    ids("baseline_ids", baseline_ids, c.vocab_size);
  }
}

/**
 * `tf.grad(f)` that frees what the tape kept for the backward pass when f throws (tfjs leaves those saved
 * tensors behind: 260+ of them for a BERT forward), so a failing explanation leaks nothing.
 */
export function no_tape_leak<T extends tf.Tensor>(f: (x: T) => tf.Tensor): (x: T) => T {
  const g = tf.grad(f as (x: tf.Tensor) => tf.Tensor) as unknown as (x: T) => T;
  return (x: T) => {
    try {
      return g(x);
    } catch (e) {
      const state = (tf.engine() as unknown as { state: { gradientDepth: number; activeTape: Array<{ saved?: tf.Tensor[] }> | null } }).state;
      if (state && state.gradientDepth === 0 && Array.isArray(state.activeTape)) {
        for (const node of state.activeTape) for (const t of node.saved ?? []) t.dispose();
        state.activeTape = null;
      }
      throw e;
    }
  };
}
