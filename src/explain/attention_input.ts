// Attention weights as plain arrays [layers][heads][query][key], from a model's `attentions` (a list of
// [batch, heads, seq, seq] tensors, pick `batch_index`) or nested arrays [layers][heads][seq][seq].
import { tf } from "../backend";
import { check_not_sibling } from "./wrong_input";

/** A model's attentions: the list of [batch, heads, seq, seq] tensors, or nested arrays. */
export type AttentionsLike = tf.Tensor[] | number[][][][] | number[][][][][];

/** Which batch row and how many positions of the attentions the attention explanations read (rollout, flow, entropy). */
export interface AttentionSelectOptions {
  /** Which row of the batch (default 0). */
  batch_index?: number;
  /** Keep the first `length` positions (e.g. the unpadded tokens); default all. */
  length?: number;
}

/**
 * A model's `attentions` (tensors or nested arrays) as plain [layers][heads][seq][seq] arrays for one batch row.
 * @example
 * ```ts
 * attention_stack(outputs.attentions, { batch_index: 0 })[0][1] // layer 0, head 1
 * ```
 */
export function attention_stack(attentions: AttentionsLike, opts: AttentionSelectOptions = {}, fn = "attentions"): number[][][][] {
  check_not_sibling(fn, "attentions", attentions);
  if (!Array.isArray(attentions) || attentions.length === 0) throw new Error("attentions: expected the model's attentions (one [batch, heads, seq, seq] per layer), got an empty or non-list value");
  const b = opts.batch_index ?? 0;
  const layers = attentions.map((a, l) => {
    const arr = (a instanceof tf.Tensor ? a.arraySync() : a) as number[][][] | number[][][][];
    const depth = depthOf(arr);
    if (depth === 4) {
      const rows = arr as number[][][][];
      if (!(Number.isInteger(b) && b >= 0 && b < rows.length)) throw new Error(`attentions: batch_index ${b} is out of range 0..${rows.length - 1}`);
      return rows[b];
    }
    if (depth === 3) return arr as number[][][];
    throw new Error(`attentions[${l}]: expected [batch, heads, seq, seq] or [heads, seq, seq], got ${depth} dimensions`);
  });
  const n = opts.length ?? layers[0][0].length;
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`attentions: length should be a positive integer (the positions kept), got ${String(opts.length)}`);
  return layers.map((l) => l.map((h) => h.slice(0, n).map((r) => r.slice(0, n))));
}

function depthOf(v: unknown): number {
  let d = 0;
  while (Array.isArray(v)) {
    d++;
    v = v[0];
  }
  return d;
}

export function identity(n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
}

export function matmul(a: number[][], b: number[][]): number[][] {
  const n = a.length;
  const m = b[0].length;
  const k = b.length;
  const out = Array.from({ length: n }, () => new Array<number>(m).fill(0));
  for (let i = 0; i < n; i++) for (let t = 0; t < k; t++) {
    const v = a[i][t];
    if (v === 0) continue;
    for (let j = 0; j < m; j++) out[i][j] += v * b[t][j];
  }
  return out;
}
