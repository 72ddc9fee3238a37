// Assembling model inputs: one row per truncation window ([CLS] A [SEP] (B [SEP])), padding the rows,
// and the output fields (plain arrays, or int32 tensors with return_tensors 'tf').
import { tf } from "../backend";
import { EncodedRow, alignmentOf } from "./encoding";
import { unable_to_create_overflow_tensor, unable_to_create_tensor, type EncodeOptions } from "./options";
import type { Segmented } from "./segmented";
import type { Window } from "./truncation";

/** Rows of ids, type ids and special-token masks for each window of the sequence (pair). */
/** `pair_type`: the second sequence's token type without special tokens (slow tokenizer 0, fast 1; with them always 1). */
export function build_rows(a: Segmented, b: Segmented | null, windows: Window[], sample: number, special: { cls: number; sep: number } | null, pair_type: 0 | 1 = 0): EncodedRow[] {
  const add = special !== null;
  const nSpecial = add ? (b ? 3 : 2) : 0;
  return windows.map((w) => {
    const n = w.a1 - w.a0 + (b ? w.b1 - w.b0 : 0) + nSpecial;
    const ids = new Array<number>(n);
    const specialMask = new Array<number>(n).fill(0);
    const type_ids = new Array<number>(n).fill(0);
    let k = 0;
    const put = (id: number): void => {
      specialMask[k] = 1;
      ids[k++] = id;
    };
    if (special) put(special.cls);
    for (let j = w.a0; j < w.a1; j++) ids[k++] = a.ids[j];
    if (special) put(special.sep);
    if (b) {
      if (add || pair_type === 1) type_ids.fill(1, k); // without special tokens the slow tokenizer gives the pair type 0 too
      for (let j = w.b0; j < w.b1; j++) ids[k++] = b.ids[j];
      if (special) put(special.sep);
    }
    const parts = [{ starts: a.starts, ends: a.ends, words: a.words, from: w.a0, to: w.a1 }];
    if (b) parts.push({ starts: b.starts, ends: b.ends, words: b.words, from: w.b0, to: w.b1 });
    return {
      ids, type_ids, special: specialMask, attention: new Array<number>(n).fill(1), sample, length: n,
      source: { parts, special: add, padLeft: 0, padRight: 0 }, align: null,
    };
  });
}

/**
 * The most token positions (rows × padded length) one call pads to: 2^24 = 16,777,216. Each position
 * costs 4–8 JavaScript array slots (ids, type ids, mask, special mask, offsets), so this is about 1 GB;
 * a larger `max_length` (2^32, 3e8) would end the process with V8's out-of-memory abort instead.
 */
export const MAX_PADDED_POSITIONS = 2 ** 24;

/** Pads every row to `max_length` (null: the longest row), rounded up to a multiple of `multiple`. */
export function pad_rows(rows: EncodedRow[], max_length: number | null, multiple: number | null, pad: { id: number; type_id: number; side: "right" | "left" }): void {
  if (rows.length === 0) return;
  let target = max_length ?? rows.reduce((m, r) => Math.max(m, r.ids.length), 0);
  if (multiple !== null && target % multiple !== 0) target = (Math.floor(target / multiple) + 1) * multiple;
  if (target * rows.length > MAX_PADDED_POSITIONS) {
    const field = max_length !== null && target === max_length ? `max_length ${max_length}` : `pad_to_multiple_of ${multiple} (padded length ${target})`;
    throw new Error(
      `padding to ${field} for ${rows.length} row(s) would make ${target * rows.length} token positions; bertlab pads at most ` +
      `${MAX_PADDED_POSITIONS} (2^24) per call. Use a max_length the model can take (its max_position_embeddings, usually 512).`,
    );
  }
  const right = pad.side === "right";
  for (const r of rows) {
    const n = target - r.ids.length;
    if (n <= 0) continue;
    // No spreading into push/unshift: rows and padding may be longer than the engine's argument limit.
    const fill = <V>(arr: V[], v: V): V[] => (right ? arr.concat(new Array<V>(n).fill(v)) : new Array<V>(n).fill(v).concat(arr));
    r.ids = fill(r.ids, pad.id);
    r.type_ids = fill(r.type_ids, pad.type_id);
    r.special = fill(r.special, 1);
    r.attention = fill(r.attention, 0);
    if (r.align) {
      const a = r.align;
      r.align = { starts: fill(a.starts, 0), ends: fill(a.ends, 0), words: fill<number | null>(a.words, null), seqs: fill<number | null>(a.seqs, null) };
    }
    if (r.source) {
      if (right) r.source.padRight += n;
      else r.source.padLeft += n;
    }
  }
}

/** The BatchEncoding fields the options ask for, as arrays ([seq] or [batch][seq]) or int32 tensors. */
/** `padded_length`: `length` counts the padding (the fast tokenizer's len(encoding.ids)); else the tokens before padding (slow). */
export function encoding_fields(rows: EncodedRow[], batched: boolean, o: EncodeOptions, model_input_names: string[], padded_length = false): Record<string, unknown> {
  const wantTypes = o.return_token_type_ids ?? model_input_names.includes("token_type_ids");
  const wantMask = o.return_attention_mask ?? model_input_names.includes("attention_mask");
  const tensors = o.return_tensors === "tf";
  const len = rows.length ? rows[0].ids.length : 0;
  if (tensors && rows.some((r) => r.ids.length !== len)) throw unable_to_create_tensor("input_ids", rows.map((r) => r.ids.length));
  const grid = (get: (r: EncodedRow) => number[]): unknown => {
    if (!tensors) return batched ? rows.map(get) : get(rows[0]);
    const flat = new Int32Array(rows.length * len);
    rows.forEach((r, i) => flat.set(get(r), i * len));
    return tf.tensor2d(flat, [rows.length, len], "int32"); // [batch, seq]
  };
  const fields: Record<string, unknown> = {};
  fields.input_ids = grid((r) => r.ids);
  if (wantTypes) fields.token_type_ids = grid((r) => r.type_ids);
  if (wantMask) fields.attention_mask = grid((r) => r.attention);
  if (o.return_special_tokens_mask) fields.special_tokens_mask = grid((r) => r.special);
  if (o.return_offsets_mapping) {
    const pairs = (r: EncodedRow): [number, number][] => {
      const a = alignmentOf(r);
      return a.starts.map((s, k) => [s, a.ends[k]]);
    };
    if (!tensors) fields.offset_mapping = batched ? rows.map(pairs) : pairs(rows[0]);
    else {
      const flat = new Int32Array(rows.length * len * 2);
      rows.forEach((r, i) => {
        const a = alignmentOf(r);
        a.starts.forEach((s, k) => {
          flat[(i * len + k) * 2] = s;
          flat[(i * len + k) * 2 + 1] = a.ends[k];
        });
      });
      fields.offset_mapping = tf.tensor3d(flat, [rows.length, len, 2], "int32"); // [batch, seq, 2]
    }
  }
  const perRow = (get: (r: EncodedRow) => number): unknown => {
    const v = rows.map(get);
    if (tensors) return tf.tensor1d(v, "int32"); // [batch]
    return batched ? v : v[0];
  };
  if (o.return_overflowing_tokens) fields.overflow_to_sample_mapping = perRow((r) => r.sample);
  if (o.return_length) fields.length = perRow((r) => (padded_length ? r.ids.length : r.length));
  return fields;
}

/** One input's slow overflow (Python's prepare_for_model with return_overflowing_tokens). */
export interface SlowOverflow {
  overflowing_tokens: number[];
  num_truncated_tokens: number;
}

/**
 * The slow tokenizer's overflow fields, which Python puts first in the encoding: one list and one count per
 * input (unbatched for one text). With return_tensors they become tensors as transformers'
 * BatchEncoding.convert_to_tensors makes them with tf.constant: `[batch, k]` (one text: `[1, k]`) int32 and
 * `[batch]` int32 counts. tf.constant takes the shape from the first list and checks the others only when the
 * tensor has elements: lists of different lengths raise transformers' own error, but when the first list is
 * empty the result is an empty float32 `[batch, 0]` whatever the others hold (torch.tensor does the same; the
 * golden records it), and `note` says so. Python converts these before input_ids, so this error wins.
 */
export function slow_overflow_fields(cut: SlowOverflow[], batched: boolean, tensors: boolean, note?: (key: string, msg: string) => void): Record<string, unknown> {
  const lists = cut.map((c) => c.overflowing_tokens);
  const counts = cut.map((c) => c.num_truncated_tokens);
  if (!tensors) return batched ? { overflowing_tokens: lists, num_truncated_tokens: counts } : { overflowing_tokens: lists[0], num_truncated_tokens: counts[0] };
  const k = lists[0].length;
  if (k > 0 && lists.some((l) => l.length !== k)) throw unable_to_create_overflow_tensor(lists.map((l) => l.length));
  if (k === 0 && lists.some((l) => l.length > 0)) {
    note?.("overflow-empty-first", `overflowing_tokens: the first input had nothing cut, so (as transformers' tf.constant) the tensor is an empty [${lists.length}, 0] and the other inputs' overflow (lengths ${lists.map((l) => l.length).join(", ")}) is not in it; leave return_tensors out to get the lists`);
  }
  return {
    overflowing_tokens: k === 0 ? tf.zeros([lists.length, 0], "float32") : tf.tensor2d(lists.flat(), [lists.length, k], "int32"), // [batch, k]
    num_truncated_tokens: tf.tensor1d(counts, "int32"), // [batch]
  };
}
