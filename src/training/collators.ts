// Data collators, Hugging Face's names and rules: they pad a list of examples into a batch and, for
// masked language modelling, choose the positions to predict. Calling one (`collator(features)`)
// returns int32 tensors ready for `model.forward`; `collate_js(features)` gives the same batch as arrays.
// Every random draw comes from a Generator (bertlab's default one unless given), so batches are
// reproducible after `set_seed` and resumable from a checkpoint's rng_state.json.
import { Callable, type CallSignature } from "../utils/callable";
import { special_mask_of, vocab_size_of, type CollatorTokenizer } from "./data_tokenizer";
import { as_features, pad_features, to_tensors, type Feature, type FeatureSource, type JsBatch, type TfBatch } from "./padding";
import { default_generator, type Generator } from "./rng";

/** What a data collator accepts: a list of features, a dict of columns, or a dataset-like source of features. */
export type CollatorInput = Feature[] | Record<string, unknown> | FeatureSource;

/** Base: `collator(features)` → tensors; subclasses implement collate_js. */
export abstract class DataCollator extends Callable<[CollatorInput], TfBatch> {
  protected _call(features: CollatorInput): TfBatch {
    return to_tensors(this.collate_js(features));
  }
  abstract collate_js(features: CollatorInput): JsBatch;
}
export interface DataCollator extends CallSignature<[CollatorInput], TfBatch> {}

function rename_labels(batch: JsBatch): JsBatch {
  for (const old of ["label", "label_ids"]) {
    if (old in batch) {
      batch.labels = batch[old];
      delete batch[old];
    }
  }
  return batch;
}

/** HF `default_data_collator`: stacks equal-length examples (no padding), `label` → `labels`. */
export function default_data_collator(features: CollatorInput): TfBatch {
  const list = as_features(features, "default_data_collator");
  const lengths = new Set(list.map((f) => (f.input_ids as number[]).length));
  if (lengths.size > 1) throw new Error(`default_data_collator: examples have different lengths (${[...lengths].join(", ")}); use DataCollatorWithPadding`);
  return to_tensors(rename_labels(pad_features(list, { pad_token_id: 0 })));
}

/** Options of DataCollatorWithPadding (Python keyword names): the tokenizer and how far to pad. */
export interface PaddingCollatorOptions {
  tokenizer: CollatorTokenizer;
  pad_to_multiple_of?: number | null;
  max_length?: number | null;
}

/** HF `DataCollatorWithPadding`: pads input_ids / attention_mask / token_type_ids; `label` → `labels`. */
export class DataCollatorWithPadding extends DataCollator {
  readonly tokenizer: CollatorTokenizer;
  readonly pad_to_multiple_of: number | null;
  readonly max_length: number | null;
  constructor(options: PaddingCollatorOptions) {
    super();
    if (!options?.tokenizer) throw new Error("DataCollatorWithPadding: options.tokenizer is required");
    this.tokenizer = options.tokenizer;
    this.pad_to_multiple_of = options.pad_to_multiple_of ?? null;
    this.max_length = options.max_length ?? null;
  }
  collate_js(features: CollatorInput): JsBatch {
    const list = as_features(features, "DataCollatorWithPadding");
    return rename_labels(pad_features(list, this.tokenizer, { pad_to_multiple_of: this.pad_to_multiple_of, max_length: this.max_length }));
  }
}

/** Options of DataCollatorForLanguageModeling (Python keyword names): masking probabilities, padding multiple and random generator. */
export interface LanguageModelingCollatorOptions {
  tokenizer: CollatorTokenizer;
  /** Masked LM (true, default) or causal LM labels (false: labels = input_ids with padding → -100). */
  mlm?: boolean;
  /** Fraction of eligible tokens selected for prediction (default 0.15). */
  mlm_probability?: number;
  /** Of the selected: fraction replaced by [MASK] (default 0.8). */
  mask_replace_prob?: number;
  /** Of the selected: fraction replaced by a random token (default 0.1); the rest stay unchanged. */
  random_replace_prob?: number;
  pad_to_multiple_of?: number | null;
  generator?: Generator;
}

/**
 * HF `DataCollatorForLanguageModeling`: each non-special, non-padding token is selected with
 * mlm_probability; selected tokens get labels (the original id; -100 elsewhere) and become [MASK]
 * (80%), a random id from the vocabulary (10%) or stay unchanged (10%).
 */
export class DataCollatorForLanguageModeling extends DataCollator {
  readonly tokenizer: CollatorTokenizer;
  readonly mlm: boolean;
  readonly mlm_probability: number;
  readonly mask_replace_prob: number;
  readonly random_replace_prob: number;
  readonly pad_to_multiple_of: number | null;
  generator: Generator;

  constructor(options: LanguageModelingCollatorOptions) {
    super();
    const who = this.constructor.name;
    if (!options?.tokenizer) throw new Error(`${who}: options.tokenizer is required`);
    this.tokenizer = options.tokenizer;
    this.mlm = options.mlm ?? true;
    this.mlm_probability = options.mlm_probability ?? 0.15;
    this.mask_replace_prob = options.mask_replace_prob ?? 0.8;
    this.random_replace_prob = options.random_replace_prob ?? 0.1;
    this.pad_to_multiple_of = options.pad_to_multiple_of ?? null;
    this.generator = options.generator ?? default_generator;
    if (this.mlm && (this.tokenizer.mask_token_id === null || this.tokenizer.mask_token_id === undefined)) {
      throw new Error(
        "This tokenizer does not have a mask token which is necessary for masked language modeling. You should pass `mlm=False` to train on causal language modeling instead.",
      );
    }
    for (const [k, v] of [["mlm_probability", this.mlm_probability], ["mask_replace_prob", this.mask_replace_prob], ["random_replace_prob", this.random_replace_prob]] as const) {
      if (!(v >= 0 && v <= 1)) throw new Error(`${k} should be between 0 and 1, got ${v}`);
    }
    if (this.mask_replace_prob + this.random_replace_prob > 1) {
      throw new Error(`The sum of mask_replace_prob (${this.mask_replace_prob}) and random_replace_prob (${this.random_replace_prob}) should not exceed 1`);
    }
  }

  collate_js(features: CollatorInput): JsBatch {
    const list = as_features(features, this.constructor.name);
    const batch = pad_features(list, this.tokenizer, { pad_to_multiple_of: this.pad_to_multiple_of });
    const input_ids = batch.input_ids as number[][];
    const stm = batch.special_tokens_mask as number[][] | undefined;
    delete batch.special_tokens_mask;
    if (!this.mlm) {
      const pad = this.tokenizer.pad_token_id;
      batch.labels = input_ids.map((row) => row.map((id) => (pad !== null && id === pad ? -100 : id)));
      return batch;
    }
    const probability = input_ids.map((row, i) => {
      const special = stm ? stm[i] : special_mask_of(this.tokenizer, row, this.constructor.name);
      return row.map((id, j) => (special[j] || id === this.tokenizer.pad_token_id ? 0 : this.mlm_probability));
    });
    const [ids, labels] = this.mask_tokens(input_ids, probability);
    batch.input_ids = ids;
    batch.labels = labels;
    return batch;
  }

  /**
   * `torch_mask_tokens` given each position's selection probability (0 for special tokens and padding):
   * returns the new input ids and the labels (original id where selected, -100 elsewhere).
   */
  mask_tokens(input_ids: number[][], probability: number[][]): [number[][], number[][]] {
    const g = this.generator;
    const mask_id = this.tokenizer.mask_token_id as number;
    const vocab = this.random_replace_prob > 0 ? vocab_size_of(this.tokenizer, this.constructor.name) : 0;
    const scaled_random = this.mask_replace_prob >= 1 ? 0 : this.random_replace_prob / (1 - this.mask_replace_prob);
    const ids = input_ids.map((r) => [...r]);
    const labels = input_ids.map((row, i) =>
      row.map((id, j) => {
        const p = probability[i][j];
        if (!(p > 0 && (p >= 1 || g.random() < p))) return -100;
        if (g.random() < this.mask_replace_prob) ids[i][j] = mask_id;
        else if (scaled_random > 0 && g.random() < scaled_random) ids[i][j] = g.randint(vocab);
        return id;
      }),
    );
    return [ids, labels];
  }
}

/** Python's round(): halves go to the even neighbour. */
function py_round(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
}

/**
 * HF `DataCollatorForWholeWordMask`: chooses whole words (a token plus its `##` continuation pieces)
 * until round(len × mlm_probability) tokens are covered, then applies the 80/10/10 replacement to them.
 */
export class DataCollatorForWholeWordMask extends DataCollatorForLanguageModeling {
  /** Upper bound on predictions per example (HF's max_predictions). */
  max_predictions = 512;

  override collate_js(features: CollatorInput): JsBatch {
    const list = as_features(features, "DataCollatorForWholeWordMask");
    const tok = this.tokenizer;
    if (!tok.convert_ids_to_tokens) throw new Error("DataCollatorForWholeWordMask: the tokenizer needs convert_ids_to_tokens (to find ## pieces)");
    const mask_labels = list.map((f) => this.whole_word_mask(tok.convert_ids_to_tokens!(f.input_ids as number[])));
    const withMasks = list.map((f, i) => ({ ...f, mask_labels: mask_labels[i] }));
    const batch = pad_features(withMasks, tok, { pad_to_multiple_of: this.pad_to_multiple_of });
    const input_ids = batch.input_ids as number[][];
    const chosen = batch.mask_labels as number[][];
    delete batch.mask_labels;
    delete batch.special_tokens_mask;
    const probability = input_ids.map((row, i) => {
      const special = special_mask_of(tok, row, "DataCollatorForWholeWordMask");
      return row.map((id, j) => (special[j] || id === tok.pad_token_id ? 0 : chosen[i][j]));
    });
    const [ids, labels] = this.mask_tokens(input_ids, probability);
    batch.input_ids = ids;
    batch.labels = labels;
    return batch;
  }

  /** `_whole_word_mask`: 1 for every token of the chosen words, 0 elsewhere. */
  whole_word_mask(tokens: string[]): number[] {
    const cand: number[][] = [];
    tokens.forEach((t, i) => {
      if (t === "[CLS]" || t === "[SEP]") return;
      if (cand.length >= 1 && t.startsWith("##")) cand[cand.length - 1].push(i);
      else cand.push([i]);
    });
    this.generator.shuffle(cand);
    const num_to_predict = Math.min(this.max_predictions, Math.max(1, py_round(tokens.length * this.mlm_probability)));
    const covered = new Set<number>();
    let count = 0;
    for (const word of cand) {
      if (count >= num_to_predict) break;
      if (count + word.length > num_to_predict) continue;
      if (word.some((i) => covered.has(i))) continue;
      for (const i of word) covered.add(i);
      count += word.length;
    }
    return tokens.map((_, i) => (covered.has(i) ? 1 : 0));
  }
}
