// Call options of a tokenizer (named as Python transformers' keyword arguments) and their
// resolution into padding / truncation strategies, as `_get_padding_truncation_strategies` does.

/** padding=: true / "longest", "max_length", false / "do_not_pad" (transformers' PaddingStrategy). */
export type PaddingOption = boolean | "longest" | "max_length" | "do_not_pad";
/** truncation=: true / "longest_first", "only_first", "only_second", false / "do_not_truncate" (transformers' TruncationStrategy). */
export type TruncationOption = boolean | "longest_first" | "only_first" | "only_second" | "do_not_truncate";

/** Internal option key: return_overflowing_tokens gives windows (rows) even from a slow tokenizer (the QA and token-classification pipelines). */
export const OVERFLOW_WINDOWS: unique symbol = Symbol("bertlab.overflow_windows");

/** encode / encode_plus / prepare_for_model options: add_special_tokens, padding, truncation, max_length, stride, return_* flags. */
export interface EncodeOptions {
  /** Add [CLS] ... [SEP] (and [SEP] after a pair). Default true. */
  add_special_tokens?: boolean;
  /** true/'longest': pad to the longest row; 'max_length': pad to max_length; false: no padding. */
  padding?: PaddingOption;
  /** true/'longest_first', 'only_first', 'only_second', or false. */
  truncation?: TruncationOption;
  /** Length limit for truncation / padding (default: model_max_length where one is needed). */
  max_length?: number | null;
  /** With return_overflowing_tokens: how many tokens consecutive windows share. */
  stride?: number;
  /** The text is already split into words (string[] per text); word_ids then index those words. */
  is_split_into_words?: boolean;
  pad_to_multiple_of?: number | null;
  /** 'tf': int32 tensors [batch, seq] (from `tf` of bertlab's backend). Default: plain arrays. */
  return_tensors?: "tf" | null;
  return_token_type_ids?: boolean;
  return_attention_mask?: boolean;
  /**
   * A fast tokenizer (BertTokenizerFast, what AutoTokenizer gives) cuts long inputs into several rows (windows,
   * `stride` tokens shared), with overflow_to_sample_mapping. The slow BertTokenizer, as Python's, keeps one
   * truncated row per input and adds `overflowing_tokens` (the cut tokens plus `stride` kept ones before them)
   * and `num_truncated_tokens`.
   */
  return_overflowing_tokens?: boolean;
  /** Internal (the pipelines): overflowing windows from any tokenizer, slow ones included. */
  [OVERFLOW_WINDOWS]?: boolean;
  return_special_tokens_mask?: boolean;
  /** [start, end) of each token as JavaScript string indices into its text. */
  return_offsets_mapping?: boolean;
  /** Adds `length`, the number of tokens of each row before padding. */
  return_length?: boolean;
  /** Print warnings (default true). */
  verbose?: boolean;
}

export type TextPairInput = string | string[] | string[][];

/** A tokenizer call's options (Python's keyword arguments): text_pair, padding, truncation, max_length, stride, return_tensors, return_offsets_mapping... */
export interface CallOptions extends EncodeOptions {
  /** The second sequence (or one per text in a batch). */
  text_pair?: TextPairInput | null;
}

export type PaddingStrategy = "longest" | "max_length" | "do_not_pad";
export type TruncationStrategy = "longest_first" | "only_first" | "only_second" | "do_not_truncate";

export interface Strategies {
  padding: PaddingStrategy;
  truncation: TruncationStrategy;
  max_length: number | null;
}

/** Python's LARGE_INTEGER: model_max_length above it means "no limit known". */
export const LARGE_INTEGER = 1e20;
/** Python's VERY_LARGE_INTEGER, the default model_max_length. */
export const VERY_LARGE_INTEGER = 1e30;

/** A value as an error message shows it: its type, and the value itself when short. */
export function describe(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return `an array (${x.length} items)`;
  if (typeof x === "object") return `an object (${(x as object).constructor?.name ?? "Object"})`;
  if (typeof x === "bigint") return `bigint ${x}n`;
  if (typeof x === "symbol" || typeof x === "function" || x === undefined) return typeof x;
  return `${typeof x} ${JSON.stringify(x)}`;
}

/**
 * transformers 4.31's error for rows of different lengths with return_tensors (BatchEncoding.convert_to_tensors),
 * word for word, then what it means here.
 */
export function unable_to_create_tensor(key: string, lengths: number[]): Error {
  return new Error(
    "Unable to create tensor, you should probably activate truncation and/or padding with 'padding=True' 'truncation=True' " +
      `to have batched tensors with the same length. Perhaps your features (\`${key}\` in this case) have excessive nesting ` +
      "(inputs type `list` where type `int` is expected)." +
      ` [bertlab: '${key}' has rows of lengths ${lengths.join(", ")}; pass padding: true and/or truncation: true]`,
  );
}

/**
 * transformers 4.31's error for the slow tokenizer's overflowing_tokens of different lengths with return_tensors
 * (BatchEncoding.convert_to_tensors), word for word, then what it means here.
 */
export function unable_to_create_overflow_tensor(lengths: number[]): Error {
  return new Error(
    "Unable to create tensor returning overflowing tokens of different lengths. Please see if a fast version of this tokenizer is available to have this feature available." +
      ` [bertlab: overflowing_tokens has lists of lengths ${lengths.join(", ")}; BertTokenizerFast (what AutoTokenizer gives) returns windows as rows instead, or leave return_tensors out]`,
  );
}

export function checkInt(name: string, v: unknown, min: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    throw new TypeError(`${name} must be an integer >= ${min}, got ${typeof v === "number" ? v : describe(v)}`);
  }
  return v;
}

export function resolveStrategies(
  o: EncodeOptions,
  model_max_length: number,
  has_pad_token: boolean,
  warn: (key: string, msg: string) => void,
): Strategies {
  const verbose = o.verbose ?? true;
  const padding = o.padding ?? false;
  let truncation: TruncationOption | undefined | null = o.truncation;
  let max_length = o.max_length ?? null;
  if (max_length !== null) checkInt("max_length", max_length, 0);
  if (o.pad_to_multiple_of != null) checkInt("pad_to_multiple_of", o.pad_to_multiple_of, 1);
  if (o.stride != null) checkInt("stride", o.stride, 0);

  // As in Python: max_length alone (no padding, truncation unset) activates truncation.
  if (max_length !== null && padding === false && (truncation === undefined || truncation === null)) {
    if (verbose) {
      warn("trunc-not-activated", "Truncation was not explicitly activated but `max_length` is provided a specific value, please use `truncation: true` to explicitly truncate examples to max length. Defaulting to 'longest_first' truncation strategy.");
    }
    truncation = "longest_first";
  }

  let pad: PaddingStrategy;
  if (padding === true || padding === "longest") pad = "longest";
  else if (padding === "max_length") pad = "max_length";
  else if (padding === false || padding === "do_not_pad") pad = "do_not_pad";
  else throw new TypeError(`padding must be true, false, 'longest', 'max_length' or 'do_not_pad', got ${JSON.stringify(padding)}`);
  if (pad === "longest" && max_length !== null && verbose && (truncation == null || truncation === false || truncation === "do_not_truncate")) {
    warn("max-length-ignored", "`max_length` is ignored when `padding`=true and there is no truncation strategy. To pad to max length, use `padding: 'max_length'`.");
  }

  let trunc: TruncationStrategy;
  if (truncation === true || truncation === "longest_first") trunc = "longest_first";
  else if (truncation === "only_first" || truncation === "only_second") trunc = truncation;
  else if (truncation === false || truncation === "do_not_truncate" || truncation == null) trunc = "do_not_truncate";
  else throw new TypeError(`truncation must be true, false, 'longest_first', 'only_first', 'only_second' or 'do_not_truncate', got ${JSON.stringify(truncation)}`);

  if (max_length === null) {
    if (pad === "max_length") {
      if (model_max_length > LARGE_INTEGER) {
        if (verbose) warn("no-max-pad", "Asking to pad to max_length but no maximum length is provided and the model has no predefined maximum length. Default to no padding.");
        pad = "do_not_pad";
      } else max_length = model_max_length;
    }
    if (trunc !== "do_not_truncate") {
      if (model_max_length > LARGE_INTEGER) {
        if (verbose) warn("no-max-trunc", "Asking to truncate to max_length but no maximum length is provided and the model has no predefined maximum length. Default to no truncation.");
        trunc = "do_not_truncate";
      } else max_length = model_max_length;
    }
  }
  if (pad !== "do_not_pad" && !has_pad_token) {
    throw new Error("Asking to pad but the tokenizer does not have a padding token (pad_token is null); set one, or pass padding: false");
  }
  const m = o.pad_to_multiple_of;
  if (trunc !== "do_not_truncate" && pad !== "do_not_pad" && m != null && max_length !== null && max_length % m !== 0) {
    throw new Error(`Truncation and padding are both activated but truncation length (${max_length}) is not a multiple of pad_to_multiple_of (${m}).`);
  }
  return { padding: pad, truncation: trunc, max_length };
}
