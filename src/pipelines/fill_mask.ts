// fill-mask: the most likely tokens for each [MASK] of a text, as transformers 4.31's FillMaskPipeline
// (top_k, targets with its warnings for words outside the vocabulary, several [MASK]s, batches).
import { tf } from "../backend";
import type { BertPreTrainedModel } from "../models/bert/pretrained";
import type { PreTrainedTokenizer } from "../tokenizers/tokenization_utils";
import { batch_size_of, Pipeline, PipelineException, warn } from "./base";
import { check_int, describe, f32, softmax, topk_indices } from "./functions";

/** fill-mask's call options (Python's keyword arguments): top_k, targets, batch_size. */
export interface FillMaskOptions {
  /** How many predictions per [MASK] (default 5; capped at the number of targets). */
  top_k?: number;
  /** Score only these tokens. A word outside the vocabulary is replaced by its first token (with a warning). */
  targets?: string | string[];
  /** Texts per model call (padded to the longest); default 1. */
  batch_size?: number;
}

/** One fill-mask prediction, as transformers' dict: `{ score, token, token_str, sequence }`. */
export interface FillMaskResult {
  /** Probability of the token (softmax over the whole vocabulary). */
  score: number;
  /** Its id. */
  token: number;
  /** The token decoded alone (e.g. "paris", "##ulf"). */
  token_str: string;
  /** The text with this token in the [MASK]'s place (decoded; special tokens kept when there are several masks). */
  sequence: string;
}

/** What the model gives back for one text: its ids and the logits rows at the [MASK] positions. */
export interface FillMaskModelOutput {
  input_ids: number[];
  /** Positions of the [MASK] tokens in input_ids. */
  masked_index: number[];
  /** One vocabulary-sized row of logits per [MASK]. */
  logits: ArrayLike<number>[];
}

/** One tokenized text and the positions of its [MASK]s. */
export interface FillMaskInputs {
  input_ids: number[];
  token_type_ids?: number[];
  attention_mask?: number[];
  masked_index: number[];
}

/** The fill-mask pipeline's resolved postprocess parameters (from its call options): how many predictions and which target ids. */
export interface FillMaskPostprocessParams {
  top_k: number;
  target_ids: number[] | null;
}

/** Whether a string type is one known text (a literal) rather than `string` or a template with holes. */
type IsLiteral<S extends string> = {} extends Record<S, 1> ? false : true;

/**
 * What fill-mask gives for a text of type `S`, as Python's value: one `[MASK]` → one list of predictions
 * (`FillMaskResult[]`), several → one list per mask (`FillMaskResult[][]`). Counted on the text's type: a
 * literal says how many `[MASK]`s it has; a plain `string` (or a template with `${...}` holes) cannot say,
 * so it gives the union — narrow it with `Array.isArray(preds[0])`, or write the text as a literal.
 */
export type FillMaskOutput<S extends string> = S extends string
  ? IsLiteral<S> extends true
    ? S extends `${string}[MASK]${infer Rest}`
      ? Rest extends `${string}[MASK]${string}` ? FillMaskResult[][] : FillMaskResult[]
      : never // no [MASK]: the call throws
    : FillMaskResult[] | FillMaskResult[][]
  : never;

/**
 * What fill-mask gives for an array of texts: as Python, a list of one text gives that text's result, and
 * longer lists one result per text (a tuple when the array is written out; otherwise both cases are possible).
 */
export type FillMaskBatchOutput<T extends readonly string[]> = number extends T["length"]
  ? FillMaskOutput<T[number]>[] | FillMaskOutput<T[number]>
  : T extends readonly [infer A extends string]
    ? FillMaskOutput<A>
    : { -readonly [K in keyof T]: FillMaskOutput<T[K] & string> };

export interface FillMaskPipeline {
  <const S extends string>(text: S, options?: FillMaskOptions): Promise<FillMaskOutput<S>>;
  <const T extends readonly string[]>(texts: T, options?: FillMaskOptions): Promise<FillMaskBatchOutput<T>>;
}

/**
 * The fill-mask pipeline (Python: `transformers.FillMaskPipeline`): the top_k tokens for each [MASK], as records { score, token, token_str, sequence }.
 * @example
 * ```ts
 * const unmasker = await pipeline("fill-mask", "bertlab/mini-bert-uncased");
 * (await unmasker("Paris is the [MASK] of France."))[0].token_str
 * ```
 */
export class FillMaskPipeline extends Pipeline<FillMaskOptions> {
  constructor(model: BertPreTrainedModel, tokenizer: PreTrainedTokenizer, defaults: FillMaskOptions = {}, task = "fill-mask") {
    super(task, model, tokenizer, defaults);
    if (tokenizer.mask_token_id === null) throw new PipelineException("fill-mask", "bert", "The tokenizer does not define a `mask_token`.");
  }

  /** The ids of `targets`, as Python's get_target_ids (unknown words: their first token, with a warning). */
  get_target_ids(targets: string | string[]): number[] {
    const list = typeof targets === "string" ? [targets] : targets;
    if (!Array.isArray(list) || list.some((t) => typeof t !== "string")) {
      throw new TypeError(`fill-mask: targets must be a string or an array of strings, got ${describe(targets)}`);
    }
    const vocab = this.tokenizer.get_vocab();
    const ids: number[] = [];
    for (const target of list) {
      let id = vocab.get(target);
      if (id === undefined) {
        const pieces = this.tokenizer(target, { add_special_tokens: false, return_attention_mask: false, return_token_type_ids: false, max_length: 1, truncation: true }).input_ids;
        if (pieces.length === 0) {
          warn(`The specified target token \`${target}\` does not exist in the model vocabulary. We cannot replace it with anything meaningful, ignoring it`);
          continue;
        }
        id = pieces[0];
        warn(`The specified target token \`${target}\` does not exist in the model vocabulary. Replacing with \`${this.tokenizer.convert_ids_to_tokens(id)}\`.`);
      }
      if (!ids.includes(id)) ids.push(id);
    }
    if (ids.length === 0) throw new Error("At least one target must be provided when passed.");
    return ids;
  }

  /** Resolves call options into postprocess parameters. */
  sanitize(options: FillMaskOptions): FillMaskPostprocessParams {
    const top_k = check_int("fill-mask: top_k", options.top_k ?? 5, 1);
    const target_ids = options.targets != null ? this.get_target_ids(options.targets) : null;
    return { top_k, target_ids };
  }

  /** Tokenizes one text; throws PipelineException when it has no [MASK]. */
  preprocess(text: string): FillMaskInputs {
    if (typeof text !== "string") throw new TypeError(`fill-mask: expected a text (string) or an array of texts, got ${describe(text)}`);
    const enc = this.tokenizer(text);
    const mask = this.tokenizer.mask_token_id!;
    const masked_index: number[] = [];
    enc.input_ids.forEach((id, i) => { if (id === mask) masked_index.push(i); });
    if (masked_index.length === 0) {
      throw new PipelineException("fill-mask", "bert", `No mask_token (${this.tokenizer.mask_token}) found on the input`);
    }
    return { input_ids: enc.input_ids, token_type_ids: enc.token_type_ids, attention_mask: enc.attention_mask, masked_index };
  }

  /** The model's logits rows at the [MASK] positions of one text. */
  forward(inputs: FillMaskInputs): FillMaskModelOutput {
    return this.forward_batch([inputs], 1)[0];
  }

  /** forward for several texts, `batch_size` per model call. */
  forward_batch(inputs: FillMaskInputs[], batch_size: number): FillMaskModelOutput[] {
    return this.forward_rows(inputs, batch_size, (out, b, _length, i) => {
      // BertForMaskedLM gives `logits`; BertForPreTraining `prediction_logits` (same head).
      const logits = (out.logits ?? out.prediction_logits) as tf.Tensor3D | undefined;
      if (!(logits instanceof tf.Tensor) || logits.rank !== 3) throw new Error(`fill-mask needs a masked-LM model (output 'logits' [batch, seq, vocab]); ${this.model.constructor.name} returned ${Object.keys(out).join(", ")}`);
      const { input_ids, masked_index } = inputs[i];
      const vocab = logits.shape[2];
      const picked = tf.tidy(() => logits.slice([b, 0, 0], [1, -1, -1]).gather(masked_index, 1)); // [1, masks, vocab]
      const data = picked.dataSync() as Float32Array;
      picked.dispose();
      return { input_ids, masked_index, logits: masked_index.map((_, k) => data.slice(k * vocab, (k + 1) * vocab)) };
    });
  }

  /** Top-k tokens per [MASK] from the logits rows (one list, or one list per [MASK] when there are several). */
  postprocess(output: FillMaskModelOutput, params: FillMaskPostprocessParams): FillMaskResult[] | FillMaskResult[][] {
    const { input_ids, masked_index, logits } = output;
    const target_ids = params.target_ids;
    const top_k = target_ids && target_ids.length < params.top_k ? target_ids.length : params.top_k;
    const single = masked_index.length === 1;
    const pad = this.tokenizer.pad_token_id;
    const result = masked_index.map((pos, i) => {
      let probs = softmax(logits[i]);
      if (target_ids) probs = target_ids.map((t) => probs[t]);
      return topk_indices(probs, top_k).map((j): FillMaskResult => {
        const token = target_ids ? target_ids[j] : j;
        const tokens = input_ids.slice();
        tokens[pos] = token;
        const kept = tokens.filter((t) => t !== pad);
        return {
          score: f32(probs[j]),
          token,
          token_str: this.tokenizer.decode([token]),
          sequence: this.tokenizer.decode(kept, { skip_special_tokens: single }),
        };
      });
    });
    return single ? result[0] : result;
  }

  protected async _call(inputs: unknown, options?: FillMaskOptions): Promise<unknown> {
    await this.ensure_ready();
    const opts = this.merged(options, "fill-mask");
    const params = this.sanitize(opts);
    const batched = Array.isArray(inputs);
    const texts = (batched ? inputs : [inputs]) as string[];
    if (batched && texts.length === 0) throw new Error("fill-mask: got an empty array of texts");
    const encoded = texts.map((t) => this.preprocess(t));
    const outputs = this.forward_batch(encoded, batch_size_of("fill-mask", opts.batch_size));
    const results = outputs.map((o) => this.postprocess(o, params));
    // As Python: a list of one text gives that text's result.
    return batched && results.length > 1 ? results : results[0];
  }
}
