// BatchEncoding: what calling a tokenizer returns. The fields are the model inputs with Hugging Face
// names (plain arrays, or int32 tensors with return_tensors 'tf'); the methods answer the fast
// tokenizer's alignment questions (word_ids, sequence_ids, char_to_token, ...), whatever the format.
import { tf } from "../backend";
import * as util from "util";
import { format_tensor } from "../utils/format";
import { JUPYTER_DISPLAY, MimeBundle, escape_html } from "../utils/displayable";

/** Where each token of a row came from: built only when asked for (offsets, word_ids, ...). */
export interface RowAlignment {
  /** [start, end) in the original text (JavaScript string indices); [0, 0] for special and pad tokens. */
  starts: number[];
  ends: number[];
  words: (number | null)[];
  seqs: (number | null)[];
}

/** The token runs of one or two sequences a row was assembled from (to build its alignment lazily). */
export interface RowSource {
  /** Per sequence: its starts / ends / words arrays and the kept range [from, to). */
  parts: { starts: number[]; ends: number[]; words: number[]; from: number; to: number }[];
  /** Special tokens were added ([CLS] A [SEP] (B [SEP])). */
  special: boolean;
  padLeft: number;
  padRight: number;
}

/** One encoded row (a sequence or pair, after truncation and padding). */
export interface EncodedRow {
  ids: number[];
  type_ids: number[];
  special: number[];
  attention: number[];
  /** Which input (batch index) this row came from. */
  sample: number;
  /** Length before padding. */
  length: number;
  source: RowSource | null;
  align: RowAlignment | null;
}

/** The row's alignment (built on first use). */
export function alignmentOf(r: EncodedRow): RowAlignment {
  if (r.align) return r.align;
  const src = r.source!;
  const n = r.ids.length;
  const starts = new Array<number>(n).fill(0);
  const ends = new Array<number>(n).fill(0);
  const words = new Array<number | null>(n).fill(null);
  const seqs = new Array<number | null>(n).fill(null);
  let k = src.padLeft + (src.special ? 1 : 0);
  src.parts.forEach((p, seq) => {
    for (let j = p.from; j < p.to; j++, k++) {
      starts[k] = p.starts[j];
      ends[k] = p.ends[j];
      words[k] = p.words[j];
      seqs[k] = seq;
    }
    if (src.special) k++;
  });
  return (r.align = { starts, ends, words, seqs });
}

/** Character offsets [start, end) of each token in its text (return_offsets_mapping). */
export type Offsets = [number, number][];

/** The container types of the fields: one row (number[]), a batch (number[][]) or tensors. */
export type Ids = number[] | number[][] | tf.Tensor2D;
export type OffsetsOf<T> = T extends tf.Tensor ? tf.Tensor3D : T extends number[][] ? Offsets[] : Offsets;
export type PerRowOf<T> = T extends tf.Tensor ? tf.Tensor1D : T extends number[][] ? number[] : number;


/**
 * A tokenizer's output (Python: `transformers.BatchEncoding`): input_ids, token_type_ids, attention_mask (arrays or tensors) and the alignment methods tokens(), word_ids(), sequence_ids(), char_to_token()...
 * @example
 * ```ts
 * const enc = tokenizer("Hello world"); enc.input_ids; enc.tokens()
 * ```
 */
export class BatchEncoding<T extends Ids = Ids> {
  /** Token ids `[batch, seq]` (or `[seq]` for one text without tensors). */
  declare input_ids: T;
  /** 0 for the first sequence (and its [CLS]/[SEP]), 1 for the second. Absent with return_token_type_ids false. */
  declare token_type_ids: T;
  /** 1 for real tokens, 0 for padding. Absent with return_attention_mask false. */
  declare attention_mask: T;
  declare special_tokens_mask?: T;
  /** [start, end) of each token in its text (JavaScript string indices, so text.slice(start, end)). */
  declare offset_mapping?: OffsetsOf<T>;
  /** With return_overflowing_tokens (fast tokenizer): the input each row (window) came from. */
  declare overflow_to_sample_mapping?: PerRowOf<T>;
  /**
   * With return_overflowing_tokens (slow tokenizer, as Python's): the tokens truncation cut, plus `stride` kept ones
   * before them; one list per input in a batch. With return_tensors 'tf', a `[batch, k]` tensor (`[1, k]` for one
   * text; float32 when nothing was cut, as tf.constant([[]])); lists of different lengths raise, as in Python.
   */
  declare overflowing_tokens?: T extends tf.Tensor ? tf.Tensor2D : T extends number[] ? number[] : T extends number[][] ? number[][] : number[] | number[][];
  /** With return_overflowing_tokens (slow tokenizer): total length − max_length (negative when the input fits); one per input in a batch (`[batch]` int32 with return_tensors). */
  declare num_truncated_tokens?: T extends tf.Tensor ? tf.Tensor1D : T extends number[] ? number : T extends number[][] ? number[] : number | number[];
  /** With return_length: the number of tokens of each row before padding. */
  declare length?: PerRowOf<T>;

  // Native private fields: not enumerable, so spreading / printing an encoding shows the model inputs only.
  #rows: EncodedRow[];
  #idToToken: (id: number) => string;

  constructor(fields: Partial<Record<string, unknown>>, rows: EncodedRow[], id_to_token: (id: number) => string) {
    Object.assign(this, fields);
    this.#rows = rows;
    this.#idToToken = id_to_token;
  }

  private row(batch_index: number): EncodedRow {
    const rows = this.#rows;
    if (!Number.isInteger(batch_index) || batch_index < 0 || batch_index >= rows.length) {
      throw new RangeError(`BatchEncoding: batch_index ${batch_index} is out of range; this encoding has ${rows.length} row(s)`);
    }
    return rows[batch_index];
  }

  /** Number of rows (texts, or windows with return_overflowing_tokens). */
  get n_sequences(): number {
    return this.#rows.length;
  }

  /** The field names present, in Hugging Face order. */
  keys(): string[] {
    return Object.keys(this);
  }

  /** The tokens of a row, as strings ([CLS], pieces, [SEP], [PAD]). */
  tokens(batch_index = 0): string[] {
    return this.row(batch_index).ids.map(this.#idToToken);
  }

  /** For each token, the index of the word it came from in its sequence (null for special and pad tokens). */
  word_ids(batch_index = 0): (number | null)[] {
    return alignmentOf(this.row(batch_index)).words.slice();
  }

  /** For each token, 0 or 1 for the sequence it belongs to (null for special and pad tokens). */
  sequence_ids(batch_index = 0): (number | null)[] {
    return alignmentOf(this.row(batch_index)).seqs.slice();
  }

  // The alignment methods take (batch_index, index) or, as in Python, just (index) for row 0. As Python's fast
  // tokenizer, negative indices count from the end and a token index past the end gives null (Python's None).

  private tokenIndex(fn: string, a: number, b: number | undefined): [EncodedRow, number] | null {
    const [batch, token] = b === undefined ? [0, a] : [a, b];
    const r = this.row(batch < 0 ? this.#rows.length + batch : batch);
    if (!Number.isInteger(token)) throw new RangeError(`${fn}: token_index must be an integer, got ${token}`);
    const t = token < 0 ? r.ids.length + token : token;
    return t >= 0 && t < r.ids.length ? [r, t] : null;
  }

  /** The [start, end) span of a token in its original text, or null for special/pad tokens (and past the end). */
  token_to_chars(batch_or_token_index: number, token_index?: number): { start: number; end: number } | null {
    const at = this.tokenIndex("token_to_chars", batch_or_token_index, token_index);
    if (!at) return null;
    const a = alignmentOf(at[0]);
    if (a.seqs[at[1]] === null) return null;
    return { start: a.starts[at[1]], end: a.ends[at[1]] };
  }

  /** The word of a token (null for special/pad tokens, and past the end). */
  token_to_word(batch_or_token_index: number, token_index?: number): number | null {
    const at = this.tokenIndex("token_to_word", batch_or_token_index, token_index);
    return at ? alignmentOf(at[0]).words[at[1]] : null;
  }

  /** The sequence (0 or 1) of a token (null for special/pad tokens, and past the end). */
  token_to_sequence(batch_or_token_index: number, token_index?: number): number | null {
    const at = this.tokenIndex("token_to_sequence", batch_or_token_index, token_index);
    return at ? alignmentOf(at[0]).seqs[at[1]] : null;
  }

  /** The index of the token covering a character of the text (sequence 0 or 1), or null. */
  char_to_token(batch_or_char_index: number, char_index?: number, sequence_index = 0): number | null {
    const [batch, c] = char_index === undefined ? [0, batch_or_char_index] : [batch_or_char_index, char_index];
    const a = alignmentOf(this.row(batch));
    for (let t = 0; t < a.seqs.length; t++) {
      if (a.seqs[t] === sequence_index && a.starts[t] <= c && c < a.ends[t]) return t;
    }
    return null;
  }

  /** The word covering a character of the text (sequence 0 or 1), or null. */
  char_to_word(batch_or_char_index: number, char_index?: number, sequence_index = 0): number | null {
    const [batch, c] = char_index === undefined ? [0, batch_or_char_index] : [batch_or_char_index, char_index];
    const t = this.char_to_token(batch, c, sequence_index);
    return t === null ? null : alignmentOf(this.row(batch)).words[t];
  }

  /** The [start, end) token span of a word (in sequence 0 or 1), or null when it was truncated away. */
  word_to_tokens(batch_or_word_index: number, word_index?: number, sequence_index = 0): { start: number; end: number } | null {
    const [batch, w] = word_index === undefined ? [0, batch_or_word_index] : [batch_or_word_index, word_index];
    const a = alignmentOf(this.row(batch));
    let start = -1, end = -1;
    for (let t = 0; t < a.seqs.length; t++) {
      if (a.seqs[t] === sequence_index && a.words[t] === w) {
        if (start < 0) start = t;
        end = t + 1;
      }
    }
    return start < 0 ? null : { start, end };
  }

  /** The [start, end) character span of a word (in sequence 0 or 1), or null. */
  word_to_chars(batch_or_word_index: number, word_index?: number, sequence_index = 0): { start: number; end: number } | null {
    const [batch, w] = word_index === undefined ? [0, batch_or_word_index] : [batch_or_word_index, word_index];
    const span = this.word_to_tokens(batch, w, sequence_index);
    if (!span) return null;
    const a = alignmentOf(this.row(batch));
    return { start: a.starts[span.start], end: a.ends[span.end - 1] };
  }

  /**
   * Printed like Python's BatchEncoding, a dict of the fields, tensors torch-style:
   * `{'input_ids': tensor([[  101,  7592, ...]]), 'token_type_ids': ..., 'attention_mask': ...}`.
   */
  [Symbol.for("nodejs.util.inspect.custom")](_depth: number, options: object, inspect: (v: unknown, o: object) => string): string {
    const fields = Object.entries(this).map(([k, v]) => `'${k}': ${v instanceof tf.Tensor ? format_tensor(v) : inspect(v, options)}`);
    return `{${fields.join(", ")}}`;
  }

  /**
   * Rich display in a notebook (Deno's `Symbol.for("Jupyter.display")` convention): text/plain is the Python
   * dict print above; text/html one table per row of tokens and each per-token field (ids, type ids, mask...).
   */
  [JUPYTER_DISPLAY](): MimeBundle {
    const text = util.inspect(this, { depth: 4 });
    const per_token = Object.entries(this)
      .filter(([k]) => !["offset_mapping", "overflow_to_sample_mapping", "length", "overflowing_tokens", "num_truncated_tokens"].includes(k))
      .map(([k, v]) => [k, v instanceof tf.Tensor ? v.arraySync() : v] as [string, unknown]);
    const rows = this.#rows.map((_, b) => {
      const pick = (v: unknown) => (Array.isArray(v) && Array.isArray(v[0]) ? (v as unknown[][])[b] : Array.isArray(v) ? v : []) as unknown[];
      const lines: [string, unknown[]][] = [["tokens", this.tokens(b)], ...per_token.map(([k, v]) => [k, pick(v)] as [string, unknown[]])];
      const n = lines[0][1].length;
      const cell = "padding:1px 6px;border:1px solid #ddd;text-align:center;white-space:pre";
      const head = `<tr><th style="${cell};background:#f4f4f4;color:#555"></th>${Array.from({ length: n }, (_, i) => `<th style="${cell};background:#f4f4f4;color:#555">${i}</th>`).join("")}</tr>`;
      const body = lines.map(([k, vs]) => `<tr><th style="${cell};background:#f4f4f4;text-align:left">${escape_html(k)}</th>${vs.map((v) => `<td style="${cell}">${escape_html(String(v))}</td>`).join("")}</tr>`).join("");
      const caption = this.#rows.length > 1 ? `<div style="font-family:monospace;font-size:12px;color:#555">row ${b}</div>` : "";
      return `${caption}<div style="overflow-x:auto"><table style="border-collapse:collapse;font-family:monospace;font-size:12px">${head}${body}</table></div>`;
    });
    return { "text/plain": text, "text/html": rows.join("") };
  }

  /** Frees the tensors of a return_tensors 'tf' encoding (no-op for arrays). */
  dispose(): void {
    for (const v of Object.values(this)) if (v instanceof tf.Tensor) v.dispose();
  }
}
