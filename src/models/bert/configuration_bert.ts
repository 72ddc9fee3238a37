// BertConfig: every config.json key of BERT with Hugging Face's defaults, the PretrainedConfig label
// rules (num_labels ⇄ id2label/label2id, string keys in JSON), and save/load of config.json.
// Keys bertlab does not model are kept in `extra` and written back unchanged.
import * as fs from "fs";
import * as path from "path";
import { cached_file, PretrainedOptions, split_hub_options } from "../../hub/resolve";
import { read_json_file } from "../../utils/read_file";
import { write_files_atomic } from "../../utils/atomic_dir";
import { BERT_DEFAULTS } from "./config_defaults";
import { config_repr, install_repr } from "../../utils/repr";

/** config.position_embedding_type: "absolute", "relative_key" or "relative_key_query" (as transformers). */
export type PositionEmbeddingType = "absolute" | "relative_key" | "relative_key_query";
/** config.problem_type: how BertForSequenceClassification computes its loss ("regression", "single_label_classification", "multi_label_classification"). */
export type ProblemType = "regression" | "single_label_classification" | "multi_label_classification";
const PROBLEM_TYPES: ProblemType[] = ["regression", "single_label_classification", "multi_label_classification"];
const POSITION_TYPES: PositionEmbeddingType[] = ["absolute", "relative_key", "relative_key_query"];

/** The transformers version written into config.json (the version bertlab's goldens come from). */
export const TRANSFORMERS_VERSION = "4.31.0";

/** Constructor / config.json keys. Everything is optional; HF defaults fill the rest. */
export interface BertConfigDict {
  vocab_size?: number;
  hidden_size?: number;
  num_hidden_layers?: number;
  num_attention_heads?: number;
  intermediate_size?: number;
  hidden_act?: string;
  hidden_dropout_prob?: number;
  attention_probs_dropout_prob?: number;
  max_position_embeddings?: number;
  type_vocab_size?: number;
  initializer_range?: number;
  layer_norm_eps?: number;
  pad_token_id?: number | null;
  position_embedding_type?: PositionEmbeddingType;
  use_cache?: boolean;
  classifier_dropout?: number | null;
  is_decoder?: boolean;
  add_cross_attention?: boolean;
  tie_word_embeddings?: boolean;
  num_labels?: number;
  id2label?: Record<string | number, string> | null;
  label2id?: Record<string, number> | null;
  problem_type?: ProblemType | null;
  architectures?: string[] | null;
  output_hidden_states?: boolean;
  output_attentions?: boolean;
  return_dict?: boolean;
  /** Heads removed by `prune_heads`, by layer: `{ "0": [1, 2] }` (rebuilt pruned on load, as HF). */
  pruned_heads?: Record<string | number, number[]>;
  torch_dtype?: string | null;
  transformers_version?: string;
  model_type?: string;
  _name_or_path?: string;
  [key: string]: unknown;
}

// PretrainedConfig's own defaults (4.31) for the keys bertlab models; a key equal to its default is
// left out of config.json, as `to_diff_dict` does. BERT's own keys are always written.
const COMMON_DEFAULTS: Record<string, unknown> = {
  return_dict: true,
  output_hidden_states: false,
  output_attentions: false,
  torch_dtype: null,
  tie_word_embeddings: true,
  is_decoder: false,
  add_cross_attention: false,
  architectures: null,
  problem_type: null,
  pad_token_id: null,
  id2label: { "0": "LABEL_0", "1": "LABEL_1" },
  label2id: { LABEL_0: 0, LABEL_1: 1 },
  pruned_heads: {},
  _name_or_path: "",
};

const BERT_KEYS = [
  "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "hidden_act",
  "hidden_dropout_prob", "attention_probs_dropout_prob", "max_position_embeddings", "type_vocab_size",
  "initializer_range", "layer_norm_eps", "position_embedding_type", "use_cache", "classifier_dropout",
] as const;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkInt(name: string, v: unknown, min: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    throw new Error(`BertConfig: ${name} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function checkProb(name: string, v: unknown): number {
  if (typeof v !== "number" || !(v >= 0 && v <= 1)) throw new Error(`BertConfig: ${name} must be a probability in [0, 1], got ${JSON.stringify(v)}`);
  return v;
}

/** `{ layer: [heads] }` with integer layer keys (strings, as config.json) and integer heads. */
function checkPrunedHeads(v: unknown): Record<string, number[]> {
  if (!isPlainObject(v)) throw new Error(`BertConfig: pruned_heads must be an object { layer: [heads] }, got ${JSON.stringify(v)}`);
  const out: Record<string, number[]> = {};
  for (const [k, heads] of Object.entries(v)) {
    if (!Number.isInteger(Number(k)) || Number(k) < 0) throw new Error(`BertConfig: pruned_heads key '${k}' is not a layer index`);
    if (!Array.isArray(heads) || !heads.every((h) => Number.isInteger(h) && h >= 0)) {
      throw new Error(`BertConfig: pruned_heads['${k}'] must be a list of head indices, got ${JSON.stringify(heads)}`);
    }
    out[String(Number(k))] = [...heads];
  }
  return out;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]);
    return out;
  }
  return v;
}

function jsonEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

/**
 * A BERT model's configuration (Python: `transformers.BertConfig`): the same fields and defaults, read from / written to config.json.
 * @example
 * ```ts
 * const config = new BertConfig({ hidden_size: 128, num_hidden_layers: 2 }); const model = new BertModel(config)
 * ```
 */
export class BertConfig {
  readonly model_type = "bert";
  vocab_size = BERT_DEFAULTS.vocab_size;
  hidden_size = BERT_DEFAULTS.hidden_size;
  num_hidden_layers = BERT_DEFAULTS.num_hidden_layers;
  num_attention_heads = BERT_DEFAULTS.num_attention_heads;
  intermediate_size = BERT_DEFAULTS.intermediate_size;
  hidden_act = BERT_DEFAULTS.hidden_act;
  hidden_dropout_prob = 0.1;
  attention_probs_dropout_prob = 0.1;
  max_position_embeddings = BERT_DEFAULTS.max_position_embeddings;
  type_vocab_size = BERT_DEFAULTS.type_vocab_size;
  initializer_range = 0.02;
  layer_norm_eps = BERT_DEFAULTS.layer_norm_eps;
  pad_token_id: number | null = 0;
  position_embedding_type: PositionEmbeddingType = BERT_DEFAULTS.position_embedding_type;
  use_cache = true;
  classifier_dropout: number | null = null;
  is_decoder = BERT_DEFAULTS.is_decoder;
  add_cross_attention = BERT_DEFAULTS.add_cross_attention;
  tie_word_embeddings = BERT_DEFAULTS.tie_word_embeddings;
  problem_type: ProblemType | null = null;
  architectures: string[] | null = null;
  output_hidden_states = false;
  output_attentions = false;
  return_dict = true;
  torch_dtype: string | null = null;
  transformers_version: string | null = null;
  _name_or_path = "";
  /** Labels by class index (keys are the index as a string, as in config.json). */
  id2label: Record<string, string> = { "0": "LABEL_0", "1": "LABEL_1" };
  label2id: Record<string, number> | null = { LABEL_0: 0, LABEL_1: 1 };
  /** Heads removed by `model.prune_heads`, by layer index (string keys, as in config.json). */
  pruned_heads: Record<string, number[]> = {};
  /** config.json keys bertlab does not model; kept and written back. */
  extra: Record<string, unknown> = {};

  constructor(kwargs: BertConfigDict = {}) {
    if (!isPlainObject(kwargs)) throw new TypeError(`BertConfig: expected an object of config keys, got ${JSON.stringify(kwargs)}`);
    const rest: Record<string, unknown> = { ...kwargs };
    const take = (k: string): unknown => {
      const v = rest[k];
      delete rest[k];
      return v;
    };
    const self = this as unknown as Record<string, unknown>;
    for (const k of BERT_KEYS) {
      const v = take(k);
      if (v !== undefined) self[k] = v;
    }
    for (const k of ["pad_token_id", "is_decoder", "add_cross_attention", "tie_word_embeddings", "architectures",
      "output_hidden_states", "output_attentions", "return_dict", "torch_dtype", "transformers_version", "_name_or_path"]) {
      const v = take(k);
      if (v !== undefined) self[k] = v;
    }
    const model_type = take("model_type");
    if (model_type !== undefined && model_type !== "bert") {
      throw new Error(`BertConfig: model_type '${model_type}' is not 'bert'; bertlab implements BERT models only`);
    }

    // Labels, as PretrainedConfig.__init__.
    const id2label = take("id2label");
    const label2id = take("label2id");
    const num_labels = take("num_labels");
    if (label2id !== undefined && label2id !== null && !isPlainObject(label2id)) throw new Error("Argument label2id should be a dictionary.");
    if (id2label !== undefined && id2label !== null) {
      if (!isPlainObject(id2label)) throw new Error("Argument id2label should be a dictionary.");
      const entries = Object.entries(id2label);
      if (num_labels !== undefined && num_labels !== null && entries.length !== num_labels) {
        console.warn(`You passed along \`num_labels=${num_labels}\` with an incompatible id to label map: ${JSON.stringify(id2label)}. The number of labels wil be overwritten to ${entries.length}.`);
      }
      const map: Record<string, string> = {};
      for (const [k, v] of entries) {
        const i = Number(k);
        if (!Number.isInteger(i)) throw new Error(`BertConfig: id2label key '${k}' is not an integer`);
        map[String(i)] = String(v);
      }
      this.id2label = map;
      this.label2id = (label2id as Record<string, number> | undefined) ?? null;
    } else {
      // As HF: without id2label, num_labels (default 2) rebuilds both maps; a lone label2id is replaced.
      this.num_labels = num_labels === undefined || num_labels === null ? 2 : checkInt("num_labels", num_labels, 0);
    }
    const pruned = take("pruned_heads");
    if (pruned !== undefined && pruned !== null) this.pruned_heads = checkPrunedHeads(pruned);
    const problem_type = take("problem_type");
    if (problem_type !== undefined && problem_type !== null && !PROBLEM_TYPES.includes(problem_type as ProblemType)) {
      throw new Error(`The config parameter \`problem_type\` was not understood: received ${problem_type} but only 'regression', 'single_label_classification' and 'multi_label_classification' are valid.`);
    }
    this.problem_type = (problem_type as ProblemType | undefined) ?? null;
    this.extra = rest;
    this.validate();
  }

  /** Number of labels = size of id2label; setting it rebuilds LABEL_i maps when the size changes. */
  get num_labels(): number {
    return Object.keys(this.id2label).length;
  }

  set num_labels(n: number) {
    checkInt("num_labels", n, 0);
    if (Object.keys(this.id2label ?? {}).length !== n) {
      this.id2label = {};
      for (let i = 0; i < n; i++) this.id2label[String(i)] = `LABEL_${i}`;
      this.label2id = {};
      for (let i = 0; i < n; i++) this.label2id[`LABEL_${i}`] = i;
    }
  }

  /** Per-head size; hidden_size must divide evenly. */
  get attention_head_size(): number {
    return this.hidden_size / this.num_attention_heads;
  }

  /** Throws a clear error for a config no BERT can be built from. */
  validate(): void {
    for (const k of ["vocab_size", "hidden_size", "num_attention_heads", "intermediate_size", "max_position_embeddings", "type_vocab_size"] as const) {
      checkInt(k, this[k], 1);
    }
    checkInt("num_hidden_layers", this.num_hidden_layers, 0);
    if (this.hidden_size % this.num_attention_heads !== 0) {
      throw new Error(`The hidden size (${this.hidden_size}) is not a multiple of the number of attention heads (${this.num_attention_heads})`);
    }
    checkProb("hidden_dropout_prob", this.hidden_dropout_prob);
    checkProb("attention_probs_dropout_prob", this.attention_probs_dropout_prob);
    if (this.classifier_dropout !== null) checkProb("classifier_dropout", this.classifier_dropout);
    if (!POSITION_TYPES.includes(this.position_embedding_type)) {
      throw new Error(`BertConfig: position_embedding_type '${this.position_embedding_type}' is not one of ${POSITION_TYPES.join(", ")}`);
    }
    if (typeof this.layer_norm_eps !== "number" || !(this.layer_norm_eps > 0)) throw new Error(`BertConfig: layer_norm_eps must be > 0, got ${this.layer_norm_eps}`);
    if (typeof this.hidden_act !== "string") throw new Error(`BertConfig: hidden_act must be a string (e.g. "gelu"), got ${JSON.stringify(this.hidden_act)}`);
  }

  /** Every key (defaults included), id2label keys as strings, sorted like HF's JSON. */
  to_dict(): Record<string, unknown> {
    const out: Record<string, unknown> = { ...this.extra };
    const self = this as unknown as Record<string, unknown>;
    for (const k of BERT_KEYS) out[k] = self[k];
    for (const k of Object.keys(COMMON_DEFAULTS)) out[k] = self[k];
    out.id2label = { ...this.id2label };
    out.label2id = this.label2id === null ? null : { ...this.label2id };
    out.pruned_heads = Object.fromEntries(Object.entries(this.pruned_heads).map(([k, v]) => [k, [...v]]));
    out.model_type = "bert";
    out.transformers_version = this.transformers_version ?? TRANSFORMERS_VERSION;
    return sortKeys(out) as Record<string, unknown>;
  }

  /** What config.json holds: common keys only where they differ from PretrainedConfig's defaults. */
  to_diff_dict(): Record<string, unknown> {
    const all = this.to_dict();
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(all)) {
      if (k in COMMON_DEFAULTS && jsonEqual(v, COMMON_DEFAULTS[k])) continue;
      out[k] = v;
    }
    return out;
  }

  to_json_string(use_diff = true): string {
    return JSON.stringify(use_diff ? this.to_diff_dict() : this.to_dict(), null, 2) + "\n";
  }

  /** Writes `<dir>/config.json` atomically (under the folder's write lock, ../../utils/atomic_dir.ts). */
  save_pretrained(dir: string): void {
    write_files_atomic(dir, [{ name: "config.json", data: this.to_json_string() }]);
  }

  /**
   * Sets keys as HF's `setattr(config, key, value)` does for from_pretrained keyword overrides:
   * `num_labels` rebuilds the label maps when the count changes; unknown keys go to `extra`.
   * The result is validated.
   */
  update(changes: BertConfigDict): this {
    const self = this as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined) continue;
      if (k === "model_type") {
        if (v !== "bert") throw new Error(`BertConfig: model_type '${v}' is not 'bert'`);
      } else if (k === "num_labels") {
        this.num_labels = v as number;
      } else if (k === "id2label" || k === "label2id" || k === "problem_type") {
        const fresh = new BertConfig({ id2label: k === "id2label" ? v as Record<string, string> : this.id2label, label2id: k === "label2id" ? v as Record<string, number> : this.label2id, problem_type: k === "problem_type" ? v as ProblemType : this.problem_type });
        this.id2label = fresh.id2label;
        this.label2id = fresh.label2id;
        this.problem_type = fresh.problem_type;
      } else if (k === "pruned_heads") {
        this.pruned_heads = checkPrunedHeads(v);
      } else if (k === "extra") {
        throw new Error("BertConfig.update: 'extra' is not a config key");
      } else if (Object.prototype.hasOwnProperty.call(this, k)) {
        self[k] = v;
      } else {
        this.extra[k] = v;
      }
    }
    this.validate();
    return this;
  }

  /** A deep copy, optionally with some keys changed (see `update`). */
  copy(changes: BertConfigDict = {}): BertConfig {
    return new BertConfig(this.to_dict()).update(changes);
  }

  static from_dict(dict: BertConfigDict): BertConfig {
    return new BertConfig(dict);
  }

  static from_json_file(file: string): BertConfig {
    return config_from_file(file, read_config_json(file));
  }

  /** Loads config.json of a model id or folder; `kwargs` override keys (like HF's **kwargs). */
  static async from_pretrained(id_or_path: string, options: PretrainedOptions & BertConfigDict = {}): Promise<BertConfig> {
    const { hub, rest: overrides } = split_hub_options(options);
    const file = await cached_file(id_or_path, "config.json", hub);
    const dict = read_config_json(file as string);
    return config_from_file(file as string, { ...dict, _name_or_path: id_or_path }).update(overrides);
  }
}
install_repr(BertConfig, config_repr); // transformers' "BertConfig {\n  ...json...\n}" (utils/repr.ts)

/** A config from a file's dict; a value the config refuses is reported with the file's path first. */
function config_from_file(file: string, dict: BertConfigDict): BertConfig {
  try {
    return new BertConfig(dict);
  } catch (e) {
    if (e instanceof Error && !e.message.includes(file)) e.message = `${file}: ${e.message}`;
    throw e;
  }
}

/** config.json as a dict: a regular file holding a JSON object, or an error naming the file. */
function read_config_json(file: string): BertConfigDict {
  let dict: unknown;
  try {
    dict = read_json_file(file, "config file");
  } catch (e) {
    throw new Error(`It looks like the config file at '${file}' is not a valid JSON file: ${(e as Error).message}`);
  }
  if (dict === null || typeof dict !== "object" || Array.isArray(dict)) throw new Error(`The config file at '${file}' holds ${JSON.stringify(dict)?.slice(0, 40)}; expected a JSON object`);
  return dict as BertConfigDict;
}

/** AutoConfig: reads config.json and builds the config class of its model_type (BERT here). */
export class AutoConfig {
  static async from_pretrained(id_or_path: string, options: PretrainedOptions & BertConfigDict = {}): Promise<BertConfig> {
    const file = await cached_file(id_or_path, "config.json", split_hub_options(options).hub);
    const dict = read_config_json(file as string);
    if (dict.model_type !== undefined && dict.model_type !== "bert") {
      throw new Error(`AutoConfig: ${id_or_path} has model_type '${dict.model_type}'; bertlab supports model_type 'bert' only`);
    }
    return BertConfig.from_pretrained(id_or_path, options);
  }

  static for_model(model_type: string, kwargs: BertConfigDict = {}): BertConfig {
    if (model_type !== "bert") throw new Error(`AutoConfig.for_model: unrecognized model type '${model_type}'; expected 'bert'`);
    return new BertConfig(kwargs);
  }
}
