// token-classification / ner, as transformers 4.31's TokenClassificationPipeline with a fast tokenizer:
// bertlab's tokenizer gives offsets and word ids, so start/end are JavaScript string indices into the text
// and every aggregation strategy (none / simple / first / average / max) and stride are available.
import { tf } from "../backend";
import type { BertPreTrainedModel } from "../models/bert/pretrained";
import type { PreTrainedTokenizer } from "../tokenizers/tokenization_utils";
import { LARGE_INTEGER, OVERFLOW_WINDOWS } from "../tokenizers/options";
import { batch_size_of, Pipeline, warn } from "./base";
import { check_int, describe } from "./functions";
import type { OptionOf } from "./narrow";
import {
  AGGREGATION_STRATEGIES, AggregationStrategy, GroupedEntity, TokenClassificationChunk, TokenClassificationContext, TokenEntity,
  token_classification_postprocess,
} from "./token_aggregation";

/** token-classification's call options (Python's keyword arguments): aggregation_strategy, ignore_labels, stride, offset_mapping. */
export interface TokenClassificationOptions {
  /** "none" (default): one entity per token; "simple": B-/I- groups; "first" / "average" / "max": words first. */
  aggregation_strategy?: AggregationStrategy;
  /** Labels left out of the result (default ["O"]). */
  ignore_labels?: readonly string[];
  /** Your own [start, end) per token (one list per text in a batch); replaces the tokenizer's offsets. */
  offset_mapping?: readonly (readonly [number, number])[] | readonly (readonly (readonly [number, number])[])[];
  /** Long texts: chunks of model_max_length tokens overlapping by `stride` tokens, entities merged. */
  stride?: number;
  /** Deprecated (HF): true = "simple" (or "first" with ignore_subwords). */
  grouped_entities?: boolean;
  /** Deprecated (HF): with grouped_entities, "first". */
  ignore_subwords?: boolean;
  /** Chunks per model call (padded to the longest); default 1. */
  batch_size?: number;
}

/** One chunk's model inputs and alignment (logits still empty). */
export type TokenClassificationInputs = TokenClassificationChunk & { token_type_ids?: number[]; attention_mask?: number[] };

/** The token-classification pipeline's resolved parameters (from its call options). */
export interface TokenClassificationParams {
  aggregation_strategy: AggregationStrategy;
  ignore_labels: string[];
  stride: number | null;
}

/**
 * One text's entities: one per token with aggregation "none" (the default), grouped (words / B-I spans)
 * otherwise; the union when the options' types cannot say.
 */
export type TokenClassificationOutput<O, D> = TokenEntitiesOf<OptionOf<O, D, "grouped_entities">, OptionOf<O, D, "ignore_subwords">, OptionOf<O, D, "aggregation_strategy">>;

/** HF's rule: the deprecated grouped_entities / ignore_subwords, when given, decide; else aggregation_strategy. */
type TokenEntitiesOf<G, I, A> = [G] extends [undefined]
  ? [I] extends [undefined]
    ? [A] extends ["none" | undefined] ? TokenEntity[] : [A] extends [Exclude<AggregationStrategy, "none">] ? GroupedEntity[] : (TokenEntity | GroupedEntity)[]
    : TokenEntity[]
  : [G] extends [true] ? GroupedEntity[] : [G] extends [false | null] ? TokenEntity[] : (TokenEntity | GroupedEntity)[];

/** `D`: the options the pipeline was made with (their aggregation_strategy decides when the call's does not). */
export interface TokenClassificationPipeline<D extends TokenClassificationOptions = {}> {
  <const O extends TokenClassificationOptions = {}>(text: string, options?: O): Promise<TokenClassificationOutput<O, D>>;
  <const O extends TokenClassificationOptions = {}>(texts: readonly string[], options?: O): Promise<TokenClassificationOutput<O, D>[]>;
}

// eslint-disable-next-line @typescript-eslint/no-unused-vars -- D types the call signatures (the interface above)
export class TokenClassificationPipeline<D extends TokenClassificationOptions = {}> extends Pipeline<TokenClassificationOptions> {
  constructor(model: BertPreTrainedModel, tokenizer: PreTrainedTokenizer, defaults: TokenClassificationOptions = {}, task = "token-classification") {
    super(task, model, tokenizer, defaults);
  }

  /** Python's _sanitize_parameters (legacy grouped_entities / ignore_subwords, stride checks). */
  sanitize(options: TokenClassificationOptions): TokenClassificationParams {
    let strategy: AggregationStrategy | undefined = options.aggregation_strategy;
    if (options.grouped_entities != null || options.ignore_subwords != null) {
      strategy = options.grouped_entities && options.ignore_subwords ? "first" : options.grouped_entities ? "simple" : "none";
      const shown = `AggregationStrategy.${strategy.toUpperCase()}`;
      if (options.grouped_entities != null) warn(`\`grouped_entities\` is deprecated and will be removed in version v5.0.0, defaulted to \`aggregation_strategy="${shown}"\` instead.`);
      if (options.ignore_subwords != null) warn(`\`ignore_subwords\` is deprecated and will be removed in version v5.0.0, defaulted to \`aggregation_strategy="${shown}"\` instead.`);
    }
    if (strategy !== undefined) {
      const s = String(strategy).toLowerCase() as AggregationStrategy;
      if (!AGGREGATION_STRATEGIES.includes(s)) throw new Error(`token-classification: aggregation_strategy must be one of ${AGGREGATION_STRATEGIES.map((x) => `'${x}'`).join(", ")}, got ${describe(strategy)}`);
      strategy = s;
    }
    const ignore_labels = options.ignore_labels ?? ["O"];
    if (!Array.isArray(ignore_labels) || ignore_labels.some((l) => typeof l !== "string")) throw new TypeError(`token-classification: ignore_labels must be an array of label names, got ${describe(ignore_labels)}`);
    let stride: number | null = null;
    if (options.stride != null) {
      stride = check_int("token-classification: stride", options.stride, 0);
      if (stride >= this.tokenizer.model_max_length) {
        throw new Error("`stride` must be less than `tokenizer.model_max_length` (or even lower if the tokenizer adds special tokens)");
      }
      if ((strategy ?? "none") === "none") {
        throw new Error('`stride` was provided to process all the text but `aggregation_strategy="AggregationStrategy.NONE"`, please select another one instead.');
      }
    }
    return { aggregation_strategy: strategy ?? "none", ignore_labels, stride };
  }

  /** The tokenizer pieces the post-processing needs. */
  context(): TokenClassificationContext {
    const tok = this.tokenizer;
    return {
      id2label: this.model.config.id2label,
      convert_ids_to_tokens: (id) => tok.convert_ids_to_tokens(id),
      convert_tokens_to_string: (t) => tok.convert_tokens_to_string(t),
      unk_token_id: tok.unk_token_id,
      continuing_subword_prefix: (tok as unknown as { wordpiece_tokenizer?: { continuing_subword_prefix?: string } }).wordpiece_tokenizer?.continuing_subword_prefix ?? "##",
    };
  }

  /** Tokenizes one text into chunks (one unless stride splits a long text), with offsets and word ids. */
  preprocess(sentence: string, params: TokenClassificationParams, offset_mapping: [number, number][] | null = null): TokenClassificationInputs[] {
    if (typeof sentence !== "string") throw new TypeError(`token-classification: expected a text (string) or an array of texts, got ${describe(sentence)}`);
    const limited = this.tokenizer.model_max_length > 0 && this.tokenizer.model_max_length <= LARGE_INTEGER;
    const enc = this.tokenizer([sentence], {
      truncation: limited,
      return_special_tokens_mask: true,
      return_offsets_mapping: true,
      ...(params.stride !== null ? { return_overflowing_tokens: true, [OVERFLOW_WINDOWS]: true as const, padding: true, stride: params.stride } : {}),
    });
    const ids = enc.input_ids as number[][];
    return ids.map((input_ids, i) => {
      if (offset_mapping && offset_mapping.length !== input_ids.length) {
        throw new Error(`token-classification: offset_mapping has ${offset_mapping.length} entries but the text has ${input_ids.length} tokens (special tokens included)`);
      }
      return {
        input_ids,
        token_type_ids: (enc.token_type_ids as number[][] | undefined)?.[i],
        attention_mask: (enc.attention_mask as number[][] | undefined)?.[i],
        special_tokens_mask: (enc.special_tokens_mask as number[][])[i],
        offset_mapping: offset_mapping ?? (enc.offset_mapping as [number, number][][])[i],
        // User offsets come without word ids: HF's offset rules decide what a sub-word is.
        word_ids: offset_mapping ? null : enc.word_ids(i),
        logits: [],
      };
    });
  }

  /** The model's logits for one chunk ([seq, num_labels]). */
  forward(chunk: TokenClassificationInputs): TokenClassificationChunk {
    return this.forward_batch([chunk], 1)[0];
  }

  /** forward for several chunks, `batch_size` per model call. */
  forward_batch(chunks: TokenClassificationInputs[], batch_size: number): TokenClassificationChunk[] {
    return this.forward_rows(chunks, batch_size, (out, b, length, i) => {
      const l = out.logits;
      if (!(l instanceof tf.Tensor) || l.rank !== 3) throw new Error(`token-classification needs a token-classification model (output 'logits' [batch, seq, num_labels]); ${this.model.constructor.name} returned ${Object.keys(out).join(", ")}`);
      const logits = tf.tidy(() => l.slice([b, 0, 0], [1, length, -1]).squeeze([0]).arraySync() as number[][]);
      const c = chunks[i];
      return { logits, input_ids: c.input_ids, special_tokens_mask: c.special_tokens_mask, offset_mapping: c.offset_mapping, word_ids: c.word_ids };
    });
  }

  postprocess(sentence: string, chunks: TokenClassificationChunk[], params: TokenClassificationParams): (TokenEntity | GroupedEntity)[] {
    return token_classification_postprocess(sentence, chunks, this.context(), params.aggregation_strategy, params.ignore_labels);
  }

  protected async _call(inputs: unknown, options?: TokenClassificationOptions): Promise<unknown> {
    await this.ensure_ready();
    const opts = this.merged(options, this.task);
    const params = this.sanitize(opts);
    const batched = Array.isArray(inputs);
    const texts = (batched ? inputs : [inputs]) as string[];
    if (batched && texts.length === 0) throw new Error(`${this.task}: At least one input is required.`);
    // offset_mapping: one list for a single text, one list per text for a batch.
    let offsets: ([number, number][] | null)[] = texts.map(() => null);
    if (opts.offset_mapping) {
      const om = opts.offset_mapping as unknown[];
      const perText = (Array.isArray(om[0]) && Array.isArray((om[0] as unknown[])[0]) ? om : [om]) as [number, number][][];
      if (perText.length !== texts.length) throw new Error("offset_mapping should have the same batch size as the input");
      offsets = perText;
    }
    // All chunks of all texts go through the model together (batch_size per call), then regroup per text.
    const encoded = texts.map((t, i) => this.preprocess(t, params, offsets[i]));
    const outputs = this.forward_batch(encoded.flat(), batch_size_of(this.task, opts.batch_size));
    let k = 0;
    const results = texts.map((t, i) => this.postprocess(t, outputs.slice(k, (k += encoded[i].length)), params));
    return batched ? results : results[0];
  }
}
