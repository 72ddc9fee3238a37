// text-classification / sentiment-analysis, as transformers 4.31's TextClassificationPipeline: the legacy
// top-1 answer without top_k, sorted top_k lists with it, function_to_apply (softmax / sigmoid / none) with
// HF's defaults by problem_type and num_labels, and text pairs given as { text, text_pair }.
import type { BertPreTrainedModel } from "../models/bert/pretrained";
import type { PreTrainedTokenizer } from "../tokenizers/tokenization_utils";
import type { TruncationOption } from "../tokenizers/options";
import { tf } from "../backend";
import { batch_size_of, EncodedRowInputs, Pipeline, warn } from "./base";
import { argmax, check_int, describe, f32, sigmoid, softmax } from "./functions";
import type { OptionOf } from "./narrow";

/** What the text-classification pipeline applies to the logits (HF `ClassificationFunction`): softmax, sigmoid (multi-label) or none. */
export type ClassificationFunction = "softmax" | "sigmoid" | "none";

/** text-classification's call options (Python's keyword arguments): top_k, function_to_apply, truncation, batch_size. */
export interface TextClassificationOptions {
  /** How many labels to return, best first; null: all of them. Left out: the legacy single best label. */
  top_k?: number | null;
  /** Deprecated: true = every label (top_k null), false = the best one (top_k 1). */
  return_all_scores?: boolean;
  /** Default: sigmoid for multi-label or one label, softmax otherwise (as HF). */
  function_to_apply?: ClassificationFunction;
  /** Passed to the tokenizer. */
  truncation?: TruncationOption;
  max_length?: number;
  /** Inputs per model call (padded to the longest); default 1. */
  batch_size?: number;
}

/** A text pair for text-classification, as Python's `{"text": ..., "text_pair": ...}`. */
export interface TextPair {
  text: string;
  text_pair?: string | null;
}

/** A text-classification input: a text, or a `{ text, text_pair }` pair. */
export type TextClassificationInput = string | TextPair;

/** One label of a text-classification result (exported as TextClassificationResult): the label and its score. */
export interface LabelScore {
  /** The label name (config.id2label). */
  label: string;
  /** Its probability after function_to_apply. */
  score: number;
}

/** The text-classification pipeline's resolved postprocess parameters (from its call options). */
export interface TextClassificationPostprocessParams {
  /** null = all labels. */
  top_k: number | null;
  /** Legacy mode: top_k 1 gives one record (not a list), and labels stay unsorted otherwise. */
  legacy: boolean;
  function_to_apply: ClassificationFunction | null;
}

/**
 * One input's scores as Python's postprocess gives them: one record in legacy mode (no top_k anywhere and
 * return_all_scores not true), a list otherwise.
 */
export type TextClassificationScores<O, D> = "top_k" extends keyof O
  ? LabelScore[]
  : "top_k" extends keyof D
    ? LabelScore[]
    : [OptionOf<O, D, "return_all_scores">] extends [false | undefined] ? LabelScore : [OptionOf<O, D, "return_all_scores">] extends [true] ? LabelScore[] : LabelScore | LabelScore[];

/** A single text: Python wraps the legacy answer in a list (`[{label, score}]`) when the call gives no top_k. */
export type TextClassificationTextOutput<O, D> = "top_k" extends keyof O ? TextClassificationScores<O, D> : TextClassificationScores<O, D>[];

/** `D`: the options the pipeline was made with (their top_k / return_all_scores decide when the call's do not). */
export interface TextClassificationPipeline<D extends TextClassificationOptions = {}> {
  <const O extends TextClassificationOptions = {}>(text: string, options?: O): Promise<TextClassificationTextOutput<O, D>>;
  <const O extends TextClassificationOptions = {}>(pair: TextPair, options?: O): Promise<TextClassificationScores<O, D>>;
  <const O extends TextClassificationOptions = {}>(texts: readonly TextClassificationInput[], options?: O): Promise<TextClassificationScores<O, D>[]>;
}

const FUNCTIONS: ClassificationFunction[] = ["softmax", "sigmoid", "none"];

// eslint-disable-next-line @typescript-eslint/no-unused-vars -- D types the call signatures (the interface above)
export class TextClassificationPipeline<D extends TextClassificationOptions = {}> extends Pipeline<TextClassificationOptions> {
  constructor(model: BertPreTrainedModel, tokenizer: PreTrainedTokenizer, defaults: TextClassificationOptions = {}, task = "text-classification") {
    super(task, model, tokenizer, defaults);
  }

  /** Python's _sanitize_parameters: top_k / return_all_scores / function_to_apply into postprocess parameters. */
  sanitize(options: TextClassificationOptions): TextClassificationPostprocessParams {
    let top_k: number | null = 1;
    let legacy = true;
    if ("top_k" in options && options.top_k !== undefined) {
      top_k = options.top_k === null ? null : check_int("text-classification: top_k", options.top_k, 1);
      legacy = false;
    } else if (options.return_all_scores !== undefined) {
      warn("`return_all_scores` is now deprecated,  if want a similar functionality use `top_k=None` instead of `return_all_scores=True` or `top_k=1` instead of `return_all_scores=False`.");
      top_k = options.return_all_scores ? null : 1;
    }
    let fn: ClassificationFunction | null = null;
    if (options.function_to_apply != null) {
      const f = String(options.function_to_apply).toLowerCase() as ClassificationFunction;
      if (!FUNCTIONS.includes(f)) throw new Error(`text-classification: function_to_apply must be 'softmax', 'sigmoid' or 'none', got ${describe(options.function_to_apply)}`);
      fn = f;
    }
    return { top_k, legacy, function_to_apply: fn };
  }

  /** HF's default score function: sigmoid for multi-label or a single label, softmax for several labels. */
  default_function(): ClassificationFunction {
    const c = this.model.config;
    if (c.problem_type === "multi_label_classification" || c.num_labels === 1) return "sigmoid";
    if (c.problem_type === "single_label_classification" || c.num_labels > 1) return "softmax";
    const fromConfig = (c as unknown as { function_to_apply?: string }).function_to_apply;
    return FUNCTIONS.includes(fromConfig as ClassificationFunction) ? (fromConfig as ClassificationFunction) : "none";
  }

  /** Tokenizes a text or a { text, text_pair } record. */
  preprocess(input: TextClassificationInput, options: TextClassificationOptions = {}): EncodedRowInputs {
    const tok = { truncation: options.truncation, max_length: options.max_length };
    if (typeof input === "string") return this.tokenizer(input, tok);
    if (Array.isArray(input)) {
      throw new Error('The pipeline received invalid inputs, if you are trying to send text pairs, you can try to send a dictionary `{"text": "My text", "text_pair": "My pair"}` in order to send a text pair.');
    }
    if (input && typeof input === "object" && typeof (input as TextPair).text === "string") {
      const { text, text_pair, ...rest } = input as TextPair & Record<string, unknown>;
      if (Object.keys(rest).length) throw new Error(`text-classification: a text pair is { text, text_pair }; unexpected key(s) ${JSON.stringify(Object.keys(rest))}`);
      if (text_pair != null && typeof text_pair !== "string") throw new TypeError(`text-classification: text_pair must be a string, got ${describe(text_pair)}`);
      return this.tokenizer(text, { ...tok, text_pair: text_pair ?? null });
    }
    throw new TypeError(`text-classification: expected a text, a { text, text_pair } record, or an array of them, got ${describe(input)}`);
  }

  /** The logits of one input ([num_labels]). */
  forward(inputs: EncodedRowInputs): number[] {
    return this.forward_batch([inputs], 1)[0];
  }

  /** forward for several inputs, `batch_size` per model call. */
  forward_batch(inputs: EncodedRowInputs[], batch_size: number): number[][] {
    return this.forward_rows(inputs, batch_size, (out, b) => {
      const logits = out.logits;
      if (!(logits instanceof tf.Tensor) || logits.rank !== 2) throw new Error(`text-classification needs a sequence-classification model (output 'logits' [batch, num_labels]); ${this.model.constructor.name} returned ${Object.keys(out).join(", ")}`);
      const n = logits.shape[1];
      return Array.from(logits.dataSync().subarray(b * n, (b + 1) * n));
    });
  }

  /** Scores from the logits of one input, as Python's postprocess. */
  postprocess(logits: ArrayLike<number>, params: TextClassificationPostprocessParams): LabelScore | LabelScore[] {
    const fn = params.function_to_apply ?? this.default_function();
    const scores = fn === "softmax" ? softmax(logits) : fn === "sigmoid" ? sigmoid(logits) : Array.from(logits);
    const label = (i: number): string => {
      const l = this.model.config.id2label[String(i)];
      if (l === undefined) throw new Error(`text-classification: the model gave ${scores.length} logits but config.id2label has no entry for ${i}`);
      return l;
    };
    if (params.top_k === 1 && params.legacy) {
      const i = argmax(scores);
      return { label: label(i), score: f32(scores[i]) };
    }
    let dict = scores.map((s, i) => ({ label: label(i), score: f32(s) }));
    if (!params.legacy) {
      dict = dict.map((d, i) => ({ d, i })).sort((a, b) => b.d.score - a.d.score || a.i - b.i).map((x) => x.d);
      if (params.top_k !== null) dict = dict.slice(0, params.top_k);
    }
    return dict;
  }

  protected async _call(inputs: unknown, options?: TextClassificationOptions): Promise<unknown> {
    await this.ensure_ready();
    const opts = this.merged(options, this.task);
    const params = this.sanitize(opts);
    const batched = Array.isArray(inputs);
    const items = (batched ? inputs : [inputs]) as TextClassificationInput[];
    if (batched && items.length === 0) throw new Error(`${this.task}: got an empty array of inputs`);
    const encoded = items.map((x) => this.preprocess(x, opts));
    const results = this.forward_batch(encoded, batch_size_of(this.task, opts.batch_size)).map((l) => this.postprocess(l, params));
    if (batched) return results;
    // As Python: a single text in legacy mode (no top_k in the call) comes back as a list.
    const legacyCall = options?.top_k === undefined;
    return typeof inputs === "string" && legacyCall ? [results[0]] : results[0];
  }
}
