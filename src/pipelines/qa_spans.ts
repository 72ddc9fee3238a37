// Extractive QA span selection, as transformers 4.31's select_starts_ends / decode_spans: the logits of
// tokens that cannot be part of an answer (p_mask 1, padding) are set to -10000, start and end go through
// a softmax each, the null answer's score is p_start[0] * p_end[0], [CLS] is then zeroed, and the top_k
// spans start ≤ end < start + max_answer_len are scored p_start * p_end. Pure: arrays in, arrays out.

/** The answer spans chosen from start / end probabilities (HF `select_starts_ends`), best first, with the no-answer score. */
export interface QaSpanSelection {
  /** Token indices of the chosen spans (inclusive ends), best first. */
  starts: number[];
  ends: number[];
  scores: number[];
  /** min(min_null_score, p_start[0] * p_end[0]) when handle_impossible_answer, else min_null_score unchanged. */
  min_null_score: number;
}

/** Softmax with the logits of undesired tokens set to -10000 (as the pipeline does). */
export function masked_softmax(logits: ArrayLike<number>, desired: boolean[]): number[] {
  const v = Array.from(logits, (x, i) => (desired[i] ? x : -10000));
  let max = -Infinity;
  for (const x of v) if (x > max) max = x;
  let sum = 0;
  const e = v.map((x) => {
    const y = Math.exp(x - max);
    sum += y;
    return y;
  });
  return e.map((x) => x / sum);
}

/**
 * The top_k spans among all start ≤ end < start + max_answer_len (both ends allowed), as decode_spans
 * after select_starts_ends. Ties keep the order of (start, end).
 */
export function select_starts_ends(
  start_logits: ArrayLike<number>,
  end_logits: ArrayLike<number>,
  p_mask: ArrayLike<number>,
  attention_mask: ArrayLike<number> | null,
  min_null_score = 1000000,
  top_k = 1,
  handle_impossible_answer = false,
  max_answer_len = 15,
): QaSpanSelection {
  const n = start_logits.length;
  if (end_logits.length !== n || p_mask.length !== n || (attention_mask && attention_mask.length !== n)) {
    throw new Error(`select_starts_ends: start_logits (${n}), end_logits (${end_logits.length}), p_mask (${p_mask.length})${attention_mask ? ` and attention_mask (${attention_mask.length})` : ""} must have one entry per token`);
  }
  if (!Number.isInteger(top_k) || top_k < 1) throw new Error(`top_k parameter should be >= 1 (got ${top_k})`);
  if (!Number.isInteger(max_answer_len) || max_answer_len < 1) throw new Error(`max_answer_len parameter should be >= 1 (got ${max_answer_len})`);
  const desired = Array.from({ length: n }, (_, i) => p_mask[i] === 0 && (attention_mask ? attention_mask[i] === 1 : true));
  const ps = masked_softmax(start_logits, desired);
  const pe = masked_softmax(end_logits, desired);
  if (handle_impossible_answer) min_null_score = Math.min(min_null_score, ps[0] * pe[0]);
  ps[0] = pe[0] = 0; // mask [CLS]
  // Every candidate in the band, best first (ties: row-major order, as numpy's argmax / stable sort).
  const cands: { s: number; e: number; score: number }[] = [];
  for (let s = 0; s < n; s++) {
    for (let e = s; e < Math.min(n, s + max_answer_len); e++) cands.push({ s, e, score: ps[s] * pe[e] });
  }
  cands.sort((a, b) => b.score - a.score || a.s - b.s || a.e - b.e);
  const picked = cands.slice(0, top_k).filter((c) => desired[c.s] && desired[c.e]);
  return { starts: picked.map((c) => c.s), ends: picked.map((c) => c.e), scores: picked.map((c) => c.score), min_null_score };
}
