// PreTrainedTokenizer: what every bertlab tokenizer shares, with Python transformers' call semantics.
// Subclasses say how a stretch of text becomes ids (`_encode_segment`) and how ids map to tokens; this
// class splits special tokens out of the text, truncates, adds [CLS]/[SEP], pads, returns arrays or
// int32 tensors, and decodes.
import { tf } from "../backend";
import { Callable } from "../utils/callable";
import { describe } from "./options";
import { IdsInput, clean_up_tokenization, numbersToTensor, toIdList } from "./decoding";
import { BatchEncoding, EncodedRow, Ids } from "./encoding";
import { CallOptions, EncodeOptions, LARGE_INTEGER, OVERFLOW_WINDOWS, PaddingOption, Strategies, TextPairInput, VERY_LARGE_INTEGER, resolveStrategies } from "./options";
import { SlowOverflow, build_rows, encoding_fields, pad_rows, slow_overflow_fields } from "./rows";
import { Segmented } from "./segmented";
import { overflowing_tokens, truncateWindows } from "./truncation";
import { install_repr, tokenizer_repr, type TokenizerLike } from "../utils/repr";

function token_types_without_specials(): Error {
  return new Error("Asking to return token_type_ids while setting add_special_tokens to false results in an undefined behavior. Please set add_special_tokens to true or leave return_token_type_ids out.");
}

export const SPECIAL_TOKENS_ATTRIBUTES = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"] as const;
export type SpecialTokenName = (typeof SPECIAL_TOKENS_ATTRIBUTES)[number];

/** Options every tokenizer takes (Python: `PreTrainedTokenizerBase`'s keyword arguments, as in tokenizer_config.json). */
export interface PreTrainedTokenizerOptions {
  /** The longest input the model takes (truncation to "max_length" uses it). @default a very large integer (no limit) */
  model_max_length?: number;
  /** Where padding goes. @default "right" */
  padding_side?: "right" | "left";
  /** Which end truncation cuts. @default "right" */
  truncation_side?: "right" | "left";
  /** The inputs the model takes, in order. @default ["input_ids", "token_type_ids", "attention_mask"] */
  model_input_names?: string[];
  /** decode() removes spaces before punctuation and in contractions ("do n't" → "don't"). @default true */
  clean_up_tokenization_spaces?: boolean;
  bos_token?: string | null;
  eos_token?: string | null;
  unk_token?: string | null;
  sep_token?: string | null;
  pad_token?: string | null;
  cls_token?: string | null;
  mask_token?: string | null;
  additional_special_tokens?: string[];
  /** The id or folder it was loaded from. */
  name_or_path?: string;
}

/** decode's options (Python's keyword arguments): skip_special_tokens, clean_up_tokenization_spaces. */
export interface DecodeOptions {
  skip_special_tokens?: boolean;
  /** Default: the tokenizer's clean_up_tokenization_spaces (true for BERT). */
  clean_up_tokenization_spaces?: boolean;
  spaces_between_special_tokens?: boolean;
}

/** Options of tokenizer.tokenize: a second text and whether the special tokens are added. */
export interface TokenizeOptions {
  /** A second text, tokenized after the first. */
  pair?: string | null;
  /** Add [CLS]/[SEP] around the tokens. Default false. */
  add_special_tokens?: boolean;
}


type Single = string;
type Batch = string[] | [string, string][];

/** The call signatures of a tokenizer instance (`tokenizer(text, options)`), as in Python. */
export interface PreTrainedTokenizer {
  (text: Single | Batch | string[][], options: CallOptions & { return_tensors: "tf" }): BatchEncoding<tf.Tensor2D>;
  (text: Single | Batch | string[][], options: CallOptions & { return_overflowing_tokens: true; [OVERFLOW_WINDOWS]: true }): BatchEncoding<number[][]>;
  (text: Batch | string[][], options: CallOptions & { return_overflowing_tokens: true }): BatchEncoding<number[][]>;
  (text: string[], options: CallOptions & { is_split_into_words: true }): BatchEncoding<number[]>;
  (text: string[][], options: CallOptions & { is_split_into_words: true }): BatchEncoding<number[][]>;
  (text: Single, options?: CallOptions): BatchEncoding<number[]>;
  (text: Batch, options?: CallOptions): BatchEncoding<number[][]>;
  (text: Single | Batch | string[][], options?: CallOptions): BatchEncoding<Ids>;
  // Python's positional text_pair: tokenizer(question, context, { return_tensors: "tf" })
  (text: Single | string[] | string[][], text_pair: TextPairInput | null, options: CallOptions & { return_tensors: "tf" }): BatchEncoding<tf.Tensor2D>;
  (text: Single, text_pair: Single | null, options?: CallOptions): BatchEncoding<number[]>;
  (text: string[], text_pair: string[] | null, options?: CallOptions): BatchEncoding<number[][]>;
  (text: Single | string[] | string[][], text_pair: TextPairInput | null, options?: CallOptions): BatchEncoding<Ids>;
}

interface Item {
  a: string | string[];
  b: string | string[] | null;
}

export abstract class PreTrainedTokenizer extends Callable<[Single | Batch | string[][], (CallOptions | TextPairInput | null)?, CallOptions?], BatchEncoding<Ids>> {
  model_max_length: number;
  padding_side: "right" | "left";
  truncation_side: "right" | "left";
  model_input_names: string[];
  clean_up_tokenization_spaces: boolean;
  name_or_path: string;
  pad_token_type_id = 0;
  /**
   * The token type of a pair's second sequence without special tokens: 0 in the slow (Python) tokenizer, 1 in the
   * fast (Rust) one, which also allows return_token_type_ids with add_special_tokens false.
   */
  protected readonly pair_type_id_without_special_tokens: 0 | 1 = 0;
  /** Whether return_length counts the padding: the fast tokenizer reports len(encoding.ids) after padding, the slow one before. */
  protected readonly length_includes_padding: boolean = false;
  /** return_overflowing_tokens cuts long inputs into windows (fast tokenizers) instead of adding Python's slow `overflowing_tokens`. */
  protected readonly overflow_windows: boolean = false;
  bos_token: string | null;
  eos_token: string | null;
  unk_token: string | null;
  sep_token: string | null;
  pad_token: string | null;
  cls_token: string | null;
  mask_token: string | null;
  additional_special_tokens: string[];
  private warned = new Set<string>();
  /** Special and added tokens matched in the text before tokenizing (longest first). */
  private noSplit: string[] = [];

  constructor(options: PreTrainedTokenizerOptions = {}) {
    super();
    this.model_max_length = options.model_max_length ?? VERY_LARGE_INTEGER;
    this.padding_side = options.padding_side ?? "right";
    this.truncation_side = options.truncation_side ?? "right";
    for (const [k, v] of [["padding_side", this.padding_side], ["truncation_side", this.truncation_side]] as const) {
      if (v !== "right" && v !== "left") throw new Error(`${k} must be 'right' or 'left', got ${JSON.stringify(v)}`);
    }
    this.model_input_names = options.model_input_names ?? ["input_ids", "token_type_ids", "attention_mask"];
    this.clean_up_tokenization_spaces = options.clean_up_tokenization_spaces ?? true;
    this.name_or_path = options.name_or_path ?? "";
    this.bos_token = options.bos_token ?? null;
    this.eos_token = options.eos_token ?? null;
    this.unk_token = options.unk_token ?? null;
    this.sep_token = options.sep_token ?? null;
    this.pad_token = options.pad_token ?? null;
    this.cls_token = options.cls_token ?? null;
    this.mask_token = options.mask_token ?? null;
    this.additional_special_tokens = options.additional_special_tokens ?? [];
  }

  // ---- what subclasses provide ----

  /** Number of tokens in the base vocabulary. */
  abstract get vocab_size(): number;
  /** token -> id of the whole vocabulary (added tokens included). */
  abstract get_vocab(): Map<string, number>;
  /** Tokenizes text[from, to) (no special tokens inside) into `out`. */
  protected abstract _encode_segment(text: string, from: number, to: number, out: Segmented): void;
  protected abstract _convert_token_to_id(token: string): number | undefined;
  protected abstract _convert_id_to_token(id: number): string | undefined;
  /** Added (non-vocabulary) tokens: matched whole in the text, and kept apart when decoding. */
  protected added_tokens(): string[] {
    return [];
  }
  /** Tokens matched whole in the text besides the special and added ones. */
  protected extra_no_split_tokens(): string[] {
    return [];
  }
  /** Whether added (non-special) tokens match the lower-cased text (do_lower_case tokenizers). */
  protected lowercase_added_tokens(): boolean {
    return false;
  }
  private lowerView = false;

  /** Call after the special tokens / vocabulary are set up. */
  protected _init_no_split(): void {
    const special = this.all_special_tokens;
    const toks = new Set([...special, ...this.added_tokens(), ...this.extra_no_split_tokens()]);
    this.noSplit = [...toks].filter((t) => t.length > 0).sort((a, b) => b.length - a.length);
    this.lowerView = this.lowercase_added_tokens() && this.added_tokens().some((t) => !special.includes(t));
  }

  protected warn_once(key: string, msg: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    console.warn(msg);
  }

  // ---- special tokens ----

  private tokenId(t: string | null): number | null {
    return t === null ? null : this.convert_tokens_to_ids(t);
  }
  get bos_token_id(): number | null { return this.tokenId(this.bos_token); }
  get eos_token_id(): number | null { return this.tokenId(this.eos_token); }
  get unk_token_id(): number | null { return this.tokenId(this.unk_token); }
  get sep_token_id(): number | null { return this.tokenId(this.sep_token); }
  get pad_token_id(): number | null { return this.tokenId(this.pad_token); }
  get cls_token_id(): number | null { return this.tokenId(this.cls_token); }
  get mask_token_id(): number | null { return this.tokenId(this.mask_token); }

  /** Special token attribute -> token, for those that are set (Python's special_tokens_map). */
  get special_tokens_map(): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    for (const k of SPECIAL_TOKENS_ATTRIBUTES) if (this[k] !== null) out[k] = this[k]!;
    if (this.additional_special_tokens.length) out.additional_special_tokens = [...this.additional_special_tokens];
    return out;
  }

  /** The special tokens, unique, in Python's order ([UNK], [SEP], [PAD], [CLS], [MASK] for BERT). */
  get all_special_tokens(): string[] {
    const out: string[] = [];
    for (const k of SPECIAL_TOKENS_ATTRIBUTES) {
      const t = this[k];
      if (t !== null && !out.includes(t)) out.push(t);
    }
    for (const t of this.additional_special_tokens) if (!out.includes(t)) out.push(t);
    return out;
  }

  /** The ids of additional_special_tokens (Python's additional_special_tokens_ids). */
  get additional_special_tokens_ids(): number[] {
    return this.additional_special_tokens.map((t) => this.convert_tokens_to_ids(t));
  }

  get all_special_ids(): number[] {
    return this.all_special_tokens.map((t) => this.convert_tokens_to_ids(t));
  }

  // ---- token <-> id ----

  convert_tokens_to_ids(tokens: string): number;
  convert_tokens_to_ids(tokens: string[]): number[];
  convert_tokens_to_ids(tokens: string | string[]): number | number[] {
    if (typeof tokens === "string") return this.tokenToId(tokens);
    if (!Array.isArray(tokens)) throw new TypeError(`convert_tokens_to_ids: expected a token (string) or an array of tokens, got ${describe(tokens)}`);
    return tokens.map((t) => this.tokenToId(t));
  }

  private tokenToId(t: string): number {
    const id = this._convert_token_to_id(t);
    if (id !== undefined) return id;
    const unk = this.unk_token === null ? undefined : this._convert_token_to_id(this.unk_token);
    if (unk === undefined) throw new Error(`token '${t}' is not in the vocabulary and the tokenizer has no unknown token`);
    return unk;
  }

  convert_ids_to_tokens(ids: number, skip_special_tokens?: boolean): string;
  convert_ids_to_tokens(ids: IdsInput, skip_special_tokens?: boolean): string[];
  convert_ids_to_tokens(ids: number | IdsInput, skip_special_tokens = false): string | string[] {
    if (typeof ids === "number") return this.idToToken(ids);
    const special = skip_special_tokens ? new Set(this.all_special_ids) : null;
    const out: string[] = [];
    for (const id of toIdList(ids, "convert_ids_to_tokens")) {
      if (special && special.has(id)) continue;
      out.push(this.idToToken(id));
    }
    return out;
  }

  private idToToken(id: number): string {
    const t = this._convert_id_to_token(id);
    if (t !== undefined) return t;
    if (this.unk_token === null) throw new Error(`id ${id} is not in the vocabulary (size ${this.vocab_size})`);
    return this.unk_token;
  }

  /** Python's convert_tokens_to_string: join, glue "##" pieces, strip. */
  convert_tokens_to_string(tokens: string[]): string {
    return tokens.join(" ").split(" ##").join("").trim();
  }

  // ---- special-token layout ----

  num_special_tokens_to_add(pair = false): number {
    return pair ? 3 : 2;
  }

  /** [CLS] A [SEP] (B [SEP]). */
  build_inputs_with_special_tokens(token_ids_0: number[], token_ids_1?: number[] | null): number[] {
    const cls = this.requireId("cls_token"), sep = this.requireId("sep_token");
    if (token_ids_1 == null) return [cls, ...token_ids_0, sep];
    return [cls, ...token_ids_0, sep, ...token_ids_1, sep];
  }

  /** 1 for special tokens, 0 for sequence tokens. */
  get_special_tokens_mask(token_ids_0: number[], token_ids_1?: number[] | null, already_has_special_tokens = false): number[] {
    if (already_has_special_tokens) {
      if (token_ids_1 != null) throw new Error("You should not supply a second sequence if the provided sequence of ids is already formatted with special tokens for the model.");
      const special = new Set(this.all_special_ids);
      return token_ids_0.map((id) => (special.has(id) ? 1 : 0));
    }
    if (token_ids_1 != null) return [1, ...token_ids_0.map(() => 0), 1, ...token_ids_1.map(() => 0), 1];
    return [1, ...token_ids_0.map(() => 0), 1];
  }

  create_token_type_ids_from_sequences(token_ids_0: number[], token_ids_1?: number[] | null): number[] {
    const first = new Array<number>(token_ids_0.length + 2).fill(0);
    if (token_ids_1 == null) return first;
    return [...first, ...new Array<number>(token_ids_1.length + 1).fill(1)];
  }

  private requireId(k: "cls_token" | "sep_token"): number {
    const t = this[k];
    if (t === null) throw new Error(`this tokenizer has no ${k}; it cannot add special tokens`);
    return this.convert_tokens_to_ids(t);
  }

  // ---- tokenizing ----

  /** Splits text into special/added tokens (matched whole, leftmost-longest) and the stretches between. */
  protected segment(text: string, out: Segmented): void {
    let pos = 0;
    const toks = this.noSplit;
    if (toks.length) {
      // With do_lower_case, Python matches added tokens in the text lower-cased char by char (special
      // tokens kept as they are); `view` is that text and map[i] the index in `text` of view[i].
      const { view, map } = this.lowerView ? this.lowered_view(text) : { view: text, map: null };
      const at = (i: number): number => (map ? map[i] : i);
      // Next occurrence of each token from `pos`, found with native indexOf.
      const next = toks.map((t) => view.indexOf(t));
      let vpos = 0;
      for (;;) {
        let best = -1;
        for (let k = 0; k < toks.length; k++) {
          if (next[k] >= 0 && next[k] < vpos) next[k] = view.indexOf(toks[k], vpos);
          if (next[k] >= 0 && (best < 0 || next[k] < next[best])) best = k; // ties: longer first (sorted)
        }
        if (best < 0) break;
        const t = toks[best];
        const s = at(next[best]), e = at(next[best] + t.length);
        if (s > pos) this._encode_segment(text, pos, s, out);
        out.push(this.convert_tokens_to_ids(t), s, e, out.n_words++);
        out.pushLiteral(t);
        pos = e;
        vpos = next[best] + t.length;
      }
    }
    if (pos < text.length) this._encode_segment(text, pos, text.length, out);
  }

  /** The text lower-cased one character at a time, special/added tokens kept whole (Python's tokenize). */
  private lowered_view(text: string): { view: string; map: number[] | null } {
    let view = "";
    const map: number[] = [];
    let i = 0;
    outer: while (i < text.length) {
      for (const t of this.noSplit) {
        if (text.startsWith(t, i)) {
          view += t;
          for (let k = 0; k < t.length; k++) map.push(i + k);
          i += t.length;
          continue outer;
        }
      }
      const cp = text.codePointAt(i)!;
      const w = cp > 0xffff ? 2 : 1;
      const l = text.slice(i, i + w).toLowerCase();
      view += l;
      for (let k = 0; k < l.length; k++) map.push(i);
      i += w;
    }
    map.push(text.length);
    return { view, map: view.length === text.length ? null : map };
  }

  /** Tokens and offsets of one text (a string, or pre-split words). */
  protected encode_text(text: string | string[], arg: string): Segmented {
    if (typeof text === "string") {
      const out = new Segmented();
      this.segment(text, out);
      return out;
    }
    // Pre-split words: each word tokenized alone; word_ids index the words, offsets are within each word.
    const out = new Segmented();
    text.forEach((w, j) => {
      if (typeof w !== "string") throw new TypeError(`${arg}: with is_split_into_words every word must be a string, got ${describe(w)} at index ${j}`);
      const s = new Segmented();
      this.segment(w, s);
      for (let k = 0; k < s.ids.length; k++) {
        out.push(s.ids[k], s.starts[k], s.ends[k], j);
        const lit = s.literal?.get(k);
        if (lit !== undefined) out.pushLiteral(lit);
      }
    });
    out.n_words = text.length;
    return out;
  }

  /** The tokens of a text (no special tokens unless asked), as Python's tokenize. */
  tokenize(text: string, options: TokenizeOptions = {}): string[] {
    if (typeof text !== "string") throw new TypeError(`tokenize: text must be a string, got ${describe(text)}`);
    const toToken = (id: number): string => this.idToToken(id);
    const a = this.encode_text(text, "text").tokens(toToken);
    const cls = options.add_special_tokens ? [this.cls_token!] : [];
    const sep = options.add_special_tokens ? [this.sep_token!] : [];
    if (options.pair != null) {
      if (typeof options.pair !== "string") throw new TypeError(`tokenize: pair must be a string, got ${describe(options.pair)}`);
      const b = this.encode_text(options.pair, "pair").tokens(toToken);
      return [...cls, ...a, ...sep, ...b, ...sep];
    }
    return [...cls, ...a, ...sep];
  }

  /** Token ids of a text (and pair), as Python's encode; with return_tensors 'tf' a [1, seq] int32 tensor. */
  encode(text: string | string[], options?: EncodeOptions & { return_tensors?: null }): number[];
  encode(text: string | string[], options: EncodeOptions & { return_tensors: "tf" }): tf.Tensor2D;
  encode(text: string | string[], text_pair: string | string[] | null, options?: EncodeOptions & { return_tensors?: null }): number[];
  encode(text: string | string[], text_pair: string | string[] | null, options: EncodeOptions & { return_tensors: "tf" }): tf.Tensor2D;
  encode(text: string | string[], a?: string | string[] | null | EncodeOptions, b?: EncodeOptions): number[] | tf.Tensor2D {
    let pair: string | string[] | null = null;
    let options: EncodeOptions = {};
    if (typeof a === "string" || Array.isArray(a) || a === null) {
      pair = a;
      options = b ?? {};
    } else if (a !== undefined) {
      options = a;
    }
    if (typeof text !== "string" && !(Array.isArray(text) && options.is_split_into_words)) {
      throw new TypeError(`encode: text must be a string (or an array of words with is_split_into_words), got ${describe(text)}`);
    }
    if (options.return_overflowing_tokens) throw new Error("encode returns one sequence of ids; use the tokenizer call for return_overflowing_tokens");
    const enc = this._call(text, { ...options, text_pair: pair, return_token_type_ids: false, return_attention_mask: false, return_special_tokens_mask: false, return_offsets_mapping: false });
    return enc.input_ids as number[] | tf.Tensor2D;
  }

  /** Python's encode_plus: one text (and pair) to a BatchEncoding. */
  encode_plus(text: string, options: CallOptions = {}): BatchEncoding<Ids> {
    if (typeof text !== "string" && !(Array.isArray(text) && options.is_split_into_words)) throw new TypeError(`encode_plus: text must be a string, got ${describe(text)}`);
    return this._call(text, options);
  }

  /**
   * Python's batch_encode_plus: texts (or [text, pair] pairs) to a BatchEncoding; with is_split_into_words, word
   * lists (string[][]) or pairs of word lists ([words, pair_words][]).
   */
  batch_encode_plus(batch: string[] | [string, string][] | string[][] | [string[], string[]][], options: CallOptions = {}): BatchEncoding<Ids> {
    if (!Array.isArray(batch)) throw new TypeError(`batch_encode_plus: expected an array of texts or [text, pair] pairs, got ${describe(batch)}`);
    const isWordPair = (x: unknown): x is [string[], string[]] => Array.isArray(x) && x.length === 2 && Array.isArray(x[0]) && Array.isArray(x[1]);
    if (options.is_split_into_words && batch.length > 0 && batch.some(isWordPair)) {
      const bad = batch.findIndex((x) => !isWordPair(x));
      if (bad >= 0) throw new TypeError(`batch_encode_plus: batch[${bad}] must be a [words, pair_words] pair like the others, got ${describe(batch[bad])}`);
      if (options.text_pair != null) throw new TypeError("batch_encode_plus: the batch already holds [words, pair_words] pairs; leave text_pair out");
      const pairs = batch as [string[], string[]][];
      return this._call(pairs.map((p) => p[0]), { ...options, text_pair: pairs.map((p) => p[1]) });
    }
    return this._call(batch as string[], options);
  }

  // ---- the call ----

  private items(text: unknown, pair: TextPairInput | null | undefined, split: boolean): { batched: boolean; items: Item[] } {
    const isWords = (x: unknown): x is string[] => Array.isArray(x) && x.every((w) => typeof w === "string");
    const bad = (arg: string, x: unknown): TypeError =>
      new TypeError(
        split
          ? `${arg} must be a list of words (string[]) or a batch of them (string[][]) with is_split_into_words, got ${describe(x)}; ` +
            "for pairs of word lists pass text_pair (words, or one list per text), or batch_encode_plus([[words, pair_words], ...])"
          : `${arg} must be a string, an array of strings, or an array of [text, text_pair] pairs; got ${describe(x)}`,
      );
    if (!split) {
      if (typeof text === "string") {
        if (pair != null && typeof pair !== "string") throw new TypeError(`text_pair must be a string when text is a string, got ${describe(pair)}`);
        return { batched: false, items: [{ a: text, b: pair ?? null }] };
      }
      if (!Array.isArray(text)) throw bad("text", text);
      if (pair != null) {
        if (!isWords(pair) || pair.length !== text.length) {
          throw new TypeError(`text_pair must be an array of ${text.length} strings (one per text), got ${describe(pair)}`);
        }
      }
      const items = text.map((t, i): Item => {
        if (typeof t === "string") return { a: t, b: pair ? (pair as string[])[i] : null };
        if (Array.isArray(t) && t.length === 2 && typeof t[0] === "string" && typeof t[1] === "string" && pair == null) return { a: t[0], b: t[1] };
        throw new TypeError(`text[${i}] must be a string or a [text, text_pair] pair of strings, got ${describe(t)}`);
      });
      return { batched: true, items };
    }
    if (isWords(text)) {
      if (pair != null && !isWords(pair)) throw bad("text_pair", pair);
      return { batched: false, items: [{ a: text, b: (pair as string[] | null) ?? null }] };
    }
    if (!Array.isArray(text) || !text.every(isWords)) throw bad("text", text);
    if (pair != null && (!Array.isArray(pair) || pair.length !== text.length || !(pair as unknown[]).every(isWords))) {
      throw new TypeError(`text_pair must be a batch of ${text.length} word lists (string[][]), got ${describe(pair)}`);
    }
    return { batched: true, items: text.map((t, i) => ({ a: t, b: pair ? (pair as string[][])[i] : null })) };
  }

  protected _call(text: Single | Batch | string[][], second: CallOptions | TextPairInput | null = {}, third?: CallOptions): BatchEncoding<Ids> {
    // tokenizer(text, options) or, as Python's positional text_pair, tokenizer(text, text_pair, options)
    const positional = second === null || typeof second === "string" || Array.isArray(second);
    let options = (positional ? third ?? {} : second) as CallOptions;
    if (options === null || typeof options !== "object" || Array.isArray(options)) throw new TypeError(`tokenizer options must be an object, got ${describe(options)}`);
    if (positional) {
      if (options.text_pair != null) throw new TypeError("tokenizer() got multiple values for argument 'text_pair' (positional and in the options)");
      options = { ...options, text_pair: second as TextPairInput | null };
    } else if (third !== undefined) {
      throw new TypeError(`tokenizer(text, options) takes the options second; a third argument means the second is text_pair (a string or list), got ${describe(second)}`);
    }
    if (options.return_tensors != null && options.return_tensors !== "tf") {
      throw new Error(`return_tensors must be 'tf' (or left out for plain arrays), got ${JSON.stringify(options.return_tensors)}`);
    }
    const split = options.is_split_into_words ?? false;
    const { batched, items } = this.items(text, options.text_pair, split);
    const st = resolveStrategies(options, this.model_max_length, this.pad_token !== null, (k, m) => this.warn_once(k, m));
    const add = options.add_special_tokens ?? true;
    if (options.return_token_type_ids === true && !add && this.pair_type_id_without_special_tokens === 0) throw token_types_without_specials();
    const overflow = options.return_overflowing_tokens ?? false;
    const windows = overflow && (this.overflow_windows || options[OVERFLOW_WINDOWS] === true);
    // The slow tokenizer's overflow (Python's prepare_for_model): one truncated row per input, plus what was cut.
    const flat = overflow && !windows;
    const row_options = flat ? { ...options, return_overflowing_tokens: false } : options;
    const cut: SlowOverflow[] = [];
    const rows: EncodedRow[] = [];
    items.forEach((it, i) => {
      const a = this.encode_text(it.a, batched ? `text[${i}]` : "text");
      const b = it.b === null ? null : this.encode_text(it.b, batched ? `text_pair[${i}]` : "text_pair");
      if (flat) cut.push(this.overflow_fields(a.ids, b && b.ids, add, st, options));
      this.prepare_rows(a, b, i, add, st, row_options, rows, this.pair_type_id_without_special_tokens);
    });
    this.pad_rows(rows, st, options.pad_to_multiple_of ?? null);
    // return_length: the slow tokenizer counts padding for one text (encode_plus pads inside prepare_for_model), not in a batch
    // Python's slow overflow fields come first, and with return_tensors are converted first (their error wins).
    const lead = flat ? slow_overflow_fields(cut, batched, options.return_tensors === "tf", (k, m) => this.warn_once(k, m)) : {};
    return this.to_batch_encoding(rows, batched || windows, row_options, this.length_includes_padding || !batched, lead);
  }

  /**
   * Python's slow overflow fields (prepare_for_model with return_overflowing_tokens): the tokens truncation cuts,
   * with `stride` kept tokens before them (truncate_sequences), and total length − max_length (negative when it fits).
   */
  private overflow_fields(ids: number[], pair_ids: number[] | null, add: boolean, st: Strategies, options: EncodeOptions): SlowOverflow {
    if (st.truncation === "longest_first" && pair_ids !== null) {
      throw new Error("Not possible to return overflowing tokens for pair of sequences with the `longest_first`. Please select another truncation strategy than `longest_first`, for instance `only_second` or `only_first`.");
    }
    const max_length = st.max_length;
    if (max_length === null) {
      // Python fails here on total_len - None (a TypeError); the count needs a max_length.
      throw new TypeError(
        "return_overflowing_tokens on the slow tokenizer needs a max_length (num_truncated_tokens is the total length minus max_length): " +
          (this.model_max_length > LARGE_INTEGER ? "pass max_length (this tokenizer has no model_max_length)" : `pass max_length, or truncation: true for the model's ${this.model_max_length}`),
      );
    }
    const total = ids.length + (pair_ids?.length ?? 0) + (add ? this.num_special_tokens_to_add(pair_ids !== null) : 0);
    // Python truncates only `if truncation_strategy != DO_NOT_TRUNCATE and max_length and total_len > max_length`.
    const remove = st.truncation === "do_not_truncate" || max_length === 0 ? 0 : Math.max(0, total - max_length);
    return { overflowing_tokens: overflowing_tokens(ids, pair_ids, remove, st.truncation, options.stride ?? 0, this.truncation_side), num_truncated_tokens: total - max_length };
  }

  private prepare_rows(a: Segmented, b: Segmented | null, sample: number, add: boolean, st: Strategies, o: EncodeOptions, rows: EncodedRow[], pair_type: 0 | 1): void {
    const windows = truncateWindows({
      lenA: a.ids.length,
      lenB: b ? b.ids.length : -1,
      nSpecial: add ? this.num_special_tokens_to_add(b !== null) : 0,
      strategy: st.truncation,
      max_length: st.max_length,
      stride: o.stride ?? 0,
      side: this.truncation_side,
      overflow: o.return_overflowing_tokens ?? false,
      warn: (m) => console.error(m),
      note: (k, m) => this.warn_once(k, m),
    });
    const special = add ? { cls: this.requireId("cls_token"), sep: this.requireId("sep_token") } : null;
    for (const r of build_rows(a, b, windows, sample, special, pair_type)) {
      if (st.truncation === "do_not_truncate" && r.length > this.model_max_length && (o.verbose ?? true)) {
        this.warn_once("too-long", `Token indices sequence length is longer than the specified maximum sequence length for this model (${r.length} > ${this.model_max_length}). Running this sequence through the model will result in indexing errors`);
      }
      rows.push(r);
    }
  }

  private pad_rows(rows: EncodedRow[], st: Strategies, multiple: number | null): void {
    if (st.padding === "do_not_pad") return;
    pad_rows(rows, st.padding === "longest" ? null : st.max_length!, multiple, { id: this.pad_token_id!, type_id: this.pad_token_type_id, side: this.padding_side });
  }

  /** `lead`: fields that come before the model inputs (the slow overflow fields); its tensors are freed if the rest fails. */
  private to_batch_encoding(rows: EncodedRow[], batched: boolean, o: EncodeOptions, padded_length = false, lead: Record<string, unknown> = {}): BatchEncoding<Ids> {
    let fields: Record<string, unknown>;
    try {
      fields = encoding_fields(rows, batched, o, this.model_input_names, padded_length);
    } catch (e) {
      for (const v of Object.values(lead)) if (v instanceof tf.Tensor) v.dispose();
      throw e;
    }
    return new BatchEncoding({ ...lead, ...fields }, rows, (id) => this.idToToken(id));
  }

  // ---- ids to model inputs ----

  /**
   * Python's prepare_for_model: the token ids of a sequence (and pair), without special tokens, made into model
   * inputs — special tokens, truncation, padding — as one (unbatched) BatchEncoding, as the slow tokenizer does on
   * every class (so without special tokens the pair's token type is 0). With return_overflowing_tokens it adds the
   * slow tokenizer's `overflowing_tokens` and `num_truncated_tokens`; `length` counts the padded row. Tensors are
   * 1-D `[seq]` as in Python, or `[1, seq]` with `prepend_batch_axis: true`.
   */
  prepare_for_model(ids: number[], pair_ids: number[] | null = null, options: EncodeOptions & { prepend_batch_axis?: boolean } = {}): BatchEncoding<Ids> {
    const check = (name: string, v: unknown): number[] => {
      if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x))) throw new TypeError(`prepare_for_model: ${name} must be an array of token ids (integers), got ${describe(v)}`);
      return v;
    };
    check("ids", ids);
    if (pair_ids !== null && pair_ids !== undefined) check("pair_ids", pair_ids);
    else pair_ids = null;
    const add = options.add_special_tokens ?? true;
    if (options.return_token_type_ids === true && !add) throw token_types_without_specials();
    const st = resolveStrategies(options, this.model_max_length, this.pad_token !== null, (k, m) => this.warn_once(k, m));
    const overflow = options.return_overflowing_tokens ?? false;
    const cut = overflow ? this.overflow_fields(ids, pair_ids, add, st, options) : null;
    const segmented = (list: number[]): Segmented => {
      const out = new Segmented();
      list.forEach((id, k) => out.push(id, 0, 0, k));
      return out;
    };
    const rows: EncodedRow[] = [];
    this.prepare_rows(segmented(ids), pair_ids && segmented(pair_ids), 0, add, st, { ...options, return_overflowing_tokens: false }, rows, 0);
    const row = rows[0];
    row.source = null; // ids carry no text: no offsets or words (Python's slow BatchEncoding has none either)
    row.align = { starts: row.ids.map(() => 0), ends: row.ids.map(() => 0), words: row.ids.map(() => null), seqs: row.ids.map(() => null) };
    this.pad_rows(rows, st, options.pad_to_multiple_of ?? null);
    const tensors = options.return_tensors === "tf";
    // As Python's BatchEncoding(..., prepend_batch_axis): made as one text's [1, k] / [1], squeezed below without it.
    const lead = cut ? slow_overflow_fields([cut], tensors, tensors) : {};
    const enc = this.to_batch_encoding(rows, tensors, { ...options, return_overflowing_tokens: false, return_length: false }, false, lead) as BatchEncoding<Ids> & Record<string, unknown>;
    if (options.return_length) enc.length = row.ids.length;
    if (options.return_tensors === "tf" && !options.prepend_batch_axis) {
      for (const [k, v] of Object.entries(enc)) {
        if (!(v instanceof tf.Tensor)) continue;
        enc[k] = v.squeeze([0]); // [seq]
        v.dispose();
      }
    }
    return enc;
  }

  // ---- padding already-encoded inputs (data collators) ----

  /**
   * Python's `pad`: pads encoded inputs (a list of per-example records, or a record of lists) to the
   * longest (padding true, the default) or to max_length. input_ids, token_type_ids, attention_mask and
   * special_tokens_mask are padded; other keys (e.g. labels) are kept as they are. Given tensors, it returns
   * tensors (Python infers return_tensors from the inputs); `return_tensors: "tf"` asks for them from arrays.
   */
  pad(
    encoded_inputs: object[] | object,
    options: { padding?: PaddingOption; max_length?: number | null; pad_to_multiple_of?: number | null; return_attention_mask?: boolean; return_tensors?: "tf" | null } = {},
  ): BatchEncoding<Ids> {
    let cols: Record<string, unknown[]>;
    let batched = true;
    // As Python: tensors in, tensors out, unless return_tensors says otherwise.
    const first = Array.isArray(encoded_inputs) ? encoded_inputs[0] : encoded_inputs;
    const tensors_in = !!first && typeof first === "object" && (first as Record<string, unknown>)[this.model_input_names[0]] instanceof tf.Tensor;
    const return_tensors = options.return_tensors ?? (tensors_in ? "tf" : null);
    if (Array.isArray(encoded_inputs)) {
      cols = {};
      encoded_inputs.forEach((ex: unknown, i) => {
        if (!ex || typeof ex !== "object") throw new TypeError(`pad: encoded_inputs[${i}] must be a record like { input_ids, ... }, got ${describe(ex)}`);
        for (const [k, v] of Object.entries(ex)) (cols[k] ??= []).push(v);
      });
    } else if (encoded_inputs && typeof encoded_inputs === "object") {
      // A record of tensors (e.g. a return_tensors 'tf' encoding) is read as nested arrays.
      const rec: Record<string, unknown> = Object.fromEntries(Object.entries(encoded_inputs).map(([k, v]) => [k, v instanceof tf.Tensor ? v.arraySync() : v]));
      const ids = rec[this.model_input_names[0]];
      batched = Array.isArray(ids) && (ids.length === 0 || Array.isArray(ids[0]));
      cols = Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, batched ? (v as unknown[]) : [v]]));
    } else {
      throw new TypeError(`pad: expected a list of encodings or a record of lists, got ${describe(encoded_inputs)}`);
    }
    const main = this.model_input_names[0];
    if (!cols[main]) {
      throw new Error(`You should supply an encoding or a list of encodings to this method that includes ${main}, but you provided ${JSON.stringify(Object.keys(cols))}`);
    }
    const st = resolveStrategies({ padding: options.padding ?? true, truncation: false, max_length: options.max_length, pad_to_multiple_of: options.pad_to_multiple_of }, this.model_max_length, this.pad_token !== null, (k, m) => this.warn_once(k, m));
    const asList = (k: string, v: unknown, i: number): number[] => {
      if (v instanceof tf.Tensor) return Array.from(v.dataSync());
      if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw new TypeError(`pad: ${k}[${i}] must be an array of numbers, got ${describe(v)}`);
      return Array.from(v as ArrayLike<number>);
    };
    const wantMask = options.return_attention_mask ?? this.model_input_names.includes("attention_mask");
    const rows: EncodedRow[] = cols[main].map((v, i) => {
      const ids = asList(main, v, i);
      const n = ids.length;
      const get = (k: string, dflt: number): number[] => (cols[k] ? asList(k, cols[k][i], i) : new Array<number>(n).fill(dflt));
      return {
        ids, type_ids: get("token_type_ids", 0), special: get("special_tokens_mask", 0), attention: get("attention_mask", 1),
        sample: i, length: n, source: null,
        align: { starts: new Array<number>(n).fill(0), ends: new Array<number>(n).fill(0), words: new Array<number | null>(n).fill(null), seqs: new Array<number | null>(n).fill(null) },
      };
    });
    this.pad_rows(rows, st, options.pad_to_multiple_of ?? null);
    const enc = this.to_batch_encoding(rows, batched, {
      return_tensors,
      return_token_type_ids: "token_type_ids" in cols,
      return_attention_mask: wantMask,
      return_special_tokens_mask: "special_tokens_mask" in cols,
    }) as BatchEncoding<Ids> & Record<string, unknown>;
    const padded = new Set(["input_ids", "token_type_ids", "attention_mask", "special_tokens_mask"]);
    for (const [k, v] of Object.entries(cols)) {
      if (padded.has(k)) continue;
      const value = batched ? v : v[0];
      enc[k] = return_tensors === "tf" && Array.isArray(value) && !(value[0] instanceof tf.Tensor) ? numbersToTensor(k, value) : value;
    }
    return enc;
  }

  // ---- decoding ----

  /** Ids back to text, as Python's decode. Accepts a number[], a typed array, a [1, n] array or tensor. */
  decode(token_ids: IdsInput, options: DecodeOptions = {}): string {
    const ids = toIdList(token_ids, "decode");
    const tokens = this.convert_ids_to_tokens(ids, options.skip_special_tokens ?? false);
    const added = new Set(this.added_tokens());
    const subTexts: string[] = [];
    let cur: string[] = [];
    for (const t of tokens) {
      if (added.has(t)) {
        if (cur.length) subTexts.push(this.convert_tokens_to_string(cur));
        cur = [];
        subTexts.push(t);
      } else cur.push(t);
    }
    if (cur.length) subTexts.push(this.convert_tokens_to_string(cur));
    const text = subTexts.join(options.spaces_between_special_tokens ?? true ? " " : "");
    return options.clean_up_tokenization_spaces ?? this.clean_up_tokenization_spaces ? clean_up_tokenization(text) : text;
  }

  /** decode for each row of a [batch, seq] array or tensor. */
  batch_decode(sequences: number[][] | tf.Tensor, options: DecodeOptions = {}): string[] {
    let rows: number[][];
    if (sequences instanceof tf.Tensor) {
      if (sequences.rank !== 2) throw new Error(`batch_decode: expected a [batch, seq] tensor, got shape [${sequences.shape}]`);
      rows = (sequences.arraySync() as number[][]).map((r) => r.map(Math.round));
    } else if (Array.isArray(sequences)) {
      rows = sequences.map((r, i) => {
        if (!Array.isArray(r) && !ArrayBuffer.isView(r)) throw new TypeError(`batch_decode: sequences[${i}] must be an array of ids, got ${describe(r)}`);
        return Array.from(r as ArrayLike<number>);
      });
    } else throw new TypeError(`batch_decode: expected an array of id arrays or a [batch, seq] tensor, got ${describe(sequences)}`);
    return rows.map((r) => this.decode(r, options));
  }
}
install_repr(PreTrainedTokenizer, (t) => tokenizer_repr(t as unknown as TokenizerLike)); // transformers' one-line repr (utils/repr.ts)
