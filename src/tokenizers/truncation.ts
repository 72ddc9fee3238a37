// Truncation of one sequence or pair to max_length. Without overflow windows it follows Python's slow
// `truncate_sequences` (transformers 4.31; test/fixtures/tokenizer/slow_overflow.json is recorded from it):
// longest_first removes one token at a time from the longer sequence, the second on ties; a cut that the
// sequence cannot give (an impossible only_first/only_second, or a max_length below the special tokens)
// logs an error and keeps the input whole; only_second without a second sequence, or max_length 0,
// truncates nothing. With overflow windows (the fast tokenizer's return_overflowing_tokens, the pipelines)
// the truncated sequence is cut into windows of the remaining budget that overlap by `stride` tokens, as the
// fast (Rust) tokenizer does.
import type { TruncationStrategy } from "./options";

/** The kept token ranges [a0, a1) of the first sequence and [b0, b1) of the second. */
export interface Window {
  a0: number;
  a1: number;
  b0: number;
  b1: number;
}

export interface TruncationInput {
  lenA: number;
  /** -1 when there is no second sequence. */
  lenB: number;
  /** Special tokens the row will get ([CLS], [SEP]s). */
  nSpecial: number;
  strategy: TruncationStrategy;
  max_length: number | null;
  stride: number;
  side: "right" | "left";
  /** Windows (the fast tokenizer's overflow) instead of Python's slow truncate_sequences. */
  overflow: boolean;
  /** Python's logger.error (an impossible cut). */
  warn: (msg: string) => void;
  /** bertlab's own note where Python says nothing (only_second on a single sequence); warned once. */
  note?: (key: string, msg: string) => void;
}

/** Windows [start, end) of `len` tokens, each `budget` long, consecutive ones sharing `stride`. */
export function overflowRanges(len: number, budget: number, stride: number, side: "right" | "left"): [number, number][] {
  const step = budget - stride;
  const out: [number, number][] = [];
  if (side === "right") {
    for (let start = 0; ; start += step) {
      const stop = Math.min(start + budget, len);
      out.push([start, stop]);
      if (stop === len) break;
    }
  } else {
    for (let stop = len; ; stop -= step) {
      const start = Math.max(0, stop - budget);
      out.push([start, stop]);
      if (start === 0) break;
    }
  }
  return out;
}

export function truncateWindows(t: TruncationInput): Window[] {
  const { lenA, nSpecial, strategy, max_length, stride, side } = t;
  const pair = t.lenB >= 0;
  const lenB = pair ? t.lenB : 0;
  const full: Window = { a0: 0, a1: lenA, b0: 0, b1: lenB };
  const total = lenA + lenB + nSpecial;
  // Python: `if truncation_strategy != DO_NOT_TRUNCATE and max_length and total_len > max_length` (0 is falsy).
  if (strategy === "do_not_truncate" || max_length === null || (max_length === 0 && !t.overflow) || total <= max_length) return [full];
  if (t.overflow && max_length < nSpecial) {
    throw new Error(`max_length=${max_length} is too small: the special tokens alone need ${nSpecial} (${pair ? "[CLS] A [SEP] B [SEP]" : "[CLS] A [SEP]"}); use max_length >= ${nSpecial}, or add_special_tokens: false`);
  }
  if (strategy === "only_second" && !pair) {
    if (t.overflow) throw new Error("truncation 'only_second' needs a second sequence (text_pair); use 'only_first' or 'longest_first' for single texts");
    // Python's truncate_sequences keeps a single sequence whole here, without a word; bertlab says why once.
    t.note?.("only-second-single", `truncation 'only_second' has no second sequence to cut, so this ${total}-token input is not truncated to max_length=${max_length} (as transformers); use 'only_first' or true (longest_first) for single texts`);
    return [full];
  }
  const remove = total - max_length;

  if (strategy === "longest_first" && pair) {
    if (t.overflow) {
      throw new Error("Not possible to return overflowing tokens for pair of sequences with the `longest_first`. Please select another truncation strategy than `longest_first`, for instance `only_second` or `only_first`.");
    }
    let a = lenA, b = lenB;
    for (let k = 0; k < remove; k++) {
      if (a > b) a--;
      else if (b > 0) b--;
    }
    return [side === "right" ? { a0: 0, a1: a, b0: 0, b1: b } : { a0: lenA - a, a1: lenA, b0: lenB - b, b1: lenB }];
  }

  const second = strategy === "only_second";
  const len = second ? lenB : lenA;
  if (len <= remove) {
    const which = second ? "second" : "first";
    t.warn(
      `We need to remove ${remove} to truncate the input but the ${which} sequence has a length ${len}. ` +
        (strategy === "longest_first" ? "" : `Please select another truncation strategy than ${strategy}, for instance 'longest_first' or '${second ? "only_first" : "only_second"}'.`),
    );
    return [full];
  }
  const keep = len - remove;
  let ranges: [number, number][];
  if (t.overflow) {
    if (stride >= keep) {
      throw new Error(`stride (${stride}) must be smaller than the ${keep} tokens left for the truncated sequence at max_length=${max_length}; lower stride or raise max_length`);
    }
    ranges = overflowRanges(len, keep, stride, side);
  } else {
    ranges = [side === "right" ? [0, keep] : [remove, len]];
  }
  return ranges.map(([s, e]) => (second ? { a0: 0, a1: lenA, b0: s, b1: e } : { a0: s, a1: e, b0: 0, b1: lenB }));
}

/**
 * The slow tokenizer's `overflowing_tokens` (truncate_sequences of transformers 4.31): the removed tokens plus
 * `stride` kept ones, from the sequence that was cut — the first (only_first, or longest_first on one sequence)
 * or the second (only_second). Empty when nothing was cut or the cut was impossible (Python logs and keeps all).
 */
export function overflowing_tokens(ids: number[], pair_ids: number[] | null, num_tokens_to_remove: number, strategy: TruncationStrategy, stride: number, side: "right" | "left"): number[] {
  if (num_tokens_to_remove <= 0) return [];
  const cut = strategy === "only_first" || (strategy === "longest_first" && pair_ids === null) ? ids : strategy === "only_second" && pair_ids !== null ? pair_ids : null;
  if (cut === null || cut.length <= num_tokens_to_remove) return [];
  const window_len = Math.min(cut.length, stride + num_tokens_to_remove);
  return side === "left" ? cut.slice(0, window_len) : cut.slice(cut.length - window_len);
}
