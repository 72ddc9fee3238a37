// pipeline(task, model, options): the async factory of transformers.js / transformers. `model` is a hub
// id or folder (the model class comes from the task) or a model you built; the tokenizer is loaded from
// the same id unless given. Options other than the loading ones are the pipeline's call defaults.
import { AutoModelForMaskedLM, AutoModelForQuestionAnswering, AutoModelForSequenceClassification, AutoModelForTokenClassification } from "../models/bert/auto";
import { BertPreTrainedModel } from "../models/bert/pretrained";
import type { FromPretrainedOptions } from "../models/bert/pretrained";
import { AutoTokenizer } from "../tokenizers/auto";
import { BertTokenizer } from "../tokenizers/bert";
import { PreTrainedTokenizer } from "../tokenizers/tokenization_utils";
import type { PretrainedOptions } from "../hub/resolve";
import { cached_revision } from "../hub/download";
import { is_offline_mode } from "../hub/env";
import { shipped_model_path } from "../hub/shipped";
import { Pipeline, warn } from "./base";
import { FillMaskOptions, FillMaskPipeline } from "./fill_mask";
import { QuestionAnsweringOptions, QuestionAnsweringPipeline } from "./question_answering";
import { TextClassificationOptions, TextClassificationPipeline } from "./text_classification";
import { TokenClassificationOptions, TokenClassificationPipeline } from "./token_classification";

/** pipeline()'s loading options: tokenizer, use_fast, model_kwargs and the hub options (revision, cache_dir, local_files_only...). */
export interface PipelineLoadOptions extends PretrainedOptions {
  /** A tokenizer, or the id / folder to load one from (default: the model's id). */
  tokenizer?: PreTrainedTokenizer | string;
  /** false: load the slow `BertTokenizer` (Python's use_fast=False; decoding as the slow tokenizer); default: AutoTokenizer. */
  use_fast?: boolean;
  /** Passed to the model's from_pretrained (e.g. { quiet: true }). */
  model_kwargs?: FromPretrainedOptions;
}

/** Python's keyword form: `pipeline(task, { model, tokenizer, ...options })`. */
export type PipelineOptions<TaskOptions extends object> = PipelineLoadOptions & TaskOptions & {
  /** A hub id, a folder or a bertlab model (default: the task's default model, where Python has a BERT one). */
  model?: string | BertPreTrainedModel | null;
};

type Loader = { from_pretrained(id: string, options?: FromPretrainedOptions): Promise<BertPreTrainedModel> };

interface TaskInfo {
  /** The canonical task name. */
  task: string;
  auto: Loader;
  /** Model classes this task runs on (by constructor name). */
  classes: string[];
  /** A default model id (only where the Python default is a BERT), or null. */
  default_model: string | null;
  /** The shipped model for this task: the default offline (HF_HUB_OFFLINE with default_model not cached); named in the error where there is no default. */
  offline_model: string;
  make: (model: BertPreTrainedModel, tokenizer: PreTrainedTokenizer, defaults: object, task: string) => Pipeline;
}

const TASKS: Record<string, TaskInfo> = {
  "fill-mask": {
    task: "fill-mask", auto: AutoModelForMaskedLM, classes: ["BertForMaskedLM", "BertForPreTraining"], default_model: "bert-base-uncased", offline_model: "bertlab/mini-bert-uncased",
    make: (m, t, d, task) => new FillMaskPipeline(m, t, d, task),
  },
  "text-classification": {
    task: "text-classification", auto: AutoModelForSequenceClassification, classes: ["BertForSequenceClassification"], default_model: null,
    offline_model: "bertlab/mini-bert-uncased-sentiment",
    make: (m, t, d, task) => new TextClassificationPipeline(m, t, d, task),
  },
  "token-classification": {
    task: "token-classification", auto: AutoModelForTokenClassification, classes: ["BertForTokenClassification"],
    default_model: "dbmdz/bert-large-cased-finetuned-conll03-english", offline_model: "bertlab/mini-bert-uncased-conll03",
    make: (m, t, d, task) => new TokenClassificationPipeline(m, t, d, task),
  },
  "question-answering": {
    task: "question-answering", auto: AutoModelForQuestionAnswering, classes: ["BertForQuestionAnswering"], default_model: null,
    offline_model: "bertlab/mini-bert-uncased-squad",
    make: (m, t, d, task) => new QuestionAnsweringPipeline(m, t, d, task),
  },
};

/** A pipeline of a task known only at run time: callable with inputs (and options). */
export type AnyPipeline = Pipeline & ((inputs: unknown, ...rest: unknown[]) => Promise<unknown>);

/** Task aliases, as transformers. */
export const TASK_ALIASES: Record<string, string> = { "sentiment-analysis": "text-classification", ner: "token-classification" };

/** The task names pipeline() accepts (aliases included). */
export const SUPPORTED_TASKS: string[] = [...Object.keys(TASKS), ...Object.keys(TASK_ALIASES)];

const LOAD_KEYS = ["tokenizer", "model_kwargs", "use_fast", "revision", "cache_dir", "local_files_only", "token", "force_download", "subfolder", "progress_callback", "progress_bar"];

/**
 * Makes a task pipeline (Python: `transformers.pipeline`): "fill-mask", "text-classification" / "sentiment-analysis", "token-classification" / "ner", "question-answering"; `pipeline(task, model, options)` or the keyword form `pipeline(task, { model, ...options })`. Its result type follows the call as Python's value does.
 * @example
 * ```ts
 * const classifier = await pipeline("sentiment-analysis", "bertlab/mini-bert-uncased-sentiment");
 * (await classifier("We are very happy."))[0].label
 * ```
 */
export async function pipeline(task: "fill-mask", options: PipelineOptions<FillMaskOptions>): Promise<FillMaskPipeline>;
export async function pipeline<const O extends PipelineOptions<TextClassificationOptions>>(task: "text-classification" | "sentiment-analysis", options: O): Promise<TextClassificationPipeline<O>>;
export async function pipeline<const O extends PipelineOptions<TokenClassificationOptions>>(task: "token-classification" | "ner", options: O): Promise<TokenClassificationPipeline<O>>;
export async function pipeline<const O extends PipelineOptions<QuestionAnsweringOptions>>(task: "question-answering", options: O): Promise<QuestionAnsweringPipeline<O>>;
export async function pipeline(task: "fill-mask", model?: string | BertPreTrainedModel | null, options?: PipelineLoadOptions & FillMaskOptions): Promise<FillMaskPipeline>;
export async function pipeline<const O extends PipelineLoadOptions & TextClassificationOptions = {}>(task: "text-classification" | "sentiment-analysis", model?: string | BertPreTrainedModel | null, options?: O): Promise<TextClassificationPipeline<O>>;
export async function pipeline<const O extends PipelineLoadOptions & TokenClassificationOptions = {}>(task: "token-classification" | "ner", model?: string | BertPreTrainedModel | null, options?: O): Promise<TokenClassificationPipeline<O>>;
export async function pipeline<const O extends PipelineLoadOptions & QuestionAnsweringOptions = {}>(task: "question-answering", model?: string | BertPreTrainedModel | null, options?: O): Promise<QuestionAnsweringPipeline<O>>;
export async function pipeline(task: string, model?: string | BertPreTrainedModel | null | PipelineOptions<object>, options?: PipelineLoadOptions & object): Promise<AnyPipeline>;
/**
 * Makes a pipeline for `task` ("fill-mask", "text-classification" / "sentiment-analysis",
 * "token-classification" / "ner", "question-answering") from a hub id, a folder, or a model instance:
 * `pipeline(task, model, options)`, or Python's keyword form `pipeline(task, { model, tokenizer, ...options })`.
 */
export async function pipeline(task: string, model?: string | BertPreTrainedModel | null | PipelineOptions<object>, options: PipelineLoadOptions & object = {}): Promise<Pipeline> {
  if (typeof task !== "string") throw new TypeError(`pipeline: task must be a string, got ${typeof task}`);
  if (model !== null && typeof model === "object" && !(model instanceof BertPreTrainedModel)) {
    // the keyword form: pipeline(task, { model, tokenizer, ...options }) (a third argument adds options)
    const { model: m, ...rest } = model as PipelineOptions<object>;
    if (options === null || typeof options !== "object") throw new TypeError(`pipeline: options must be an object, got ${options === null ? "null" : typeof options}`);
    for (const k of Object.keys(options)) {
      if (k in rest || k === "model") throw new TypeError(`pipeline('${task}'): '${k}' is given twice (in the second and the third argument)`);
    }
    return pipeline(task, m ?? null, { ...rest, ...options });
  }
  const info = TASKS[TASK_ALIASES[task] ?? task];
  if (!info) throw new Error(`Unknown task ${task}, available tasks are ${JSON.stringify(SUPPORTED_TASKS)}`);
  if (options === null || typeof options !== "object") throw new TypeError(`pipeline: options must be an object, got ${options === null ? "null" : typeof options}`);
  const load: Record<string, unknown> = {};
  const defaults: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) (LOAD_KEYS.includes(k) ? load : defaults)[k] = v;
  const hub: PretrainedOptions = {};
  for (const k of LOAD_KEYS.slice(3)) if (load[k] !== undefined) (hub as Record<string, unknown>)[k] = load[k];

  let id: string | null = null;
  if (model === undefined || model === null) {
    if (!info.default_model) throw new Error(`pipeline('${task}'): give a model (a hub id, a folder, or a model instance); bertlab has no default BERT model for this task (offline, it ships ${info.offline_model})`);
    // offline without the hub default in the cache: the teaching model that ships with bertlab for this task
    const offline = is_offline_mode() && cached_revision(info.default_model) === null && shipped_model_path(info.offline_model) !== null;
    id = offline ? info.offline_model : info.default_model;
    warn(`No model was supplied, defaulted to ${id}${offline ? " (a small teaching model that ships with bertlab)" : ""}.`);
  } else if (typeof model === "string") id = model;
  else if (!(model instanceof BertPreTrainedModel)) {
    throw new TypeError(`pipeline('${task}'): model must be a hub id, a folder or a bertlab model, got ${typeof model}`);
  }

  const instance: BertPreTrainedModel = id !== null ? await info.auto.from_pretrained(id, { ...hub, ...((load.model_kwargs as FromPretrainedOptions) ?? {}) }) : (model as BertPreTrainedModel);
  const cls = instance.constructor.name;
  if (!info.classes.includes(cls)) {
    throw new Error(`The model '${cls}' is not supported for ${info.task}. Supported models are ${JSON.stringify(info.classes)}.`);
  }

  let tokenizer = load.tokenizer as PreTrainedTokenizer | string | undefined;
  if (tokenizer === undefined || tokenizer === null) {
    const from = id ?? (instance.config._name_or_path || null);
    if (!from) throw new Error("Impossible to guess which tokenizer to use. Please provide a PreTrainedTokenizer class or a path/identifier to a pretrained tokenizer.");
    tokenizer = from;
  }
  if (typeof tokenizer === "string") tokenizer = load.use_fast === false ? await BertTokenizer.from_pretrained(tokenizer, hub) : await AutoTokenizer.from_pretrained(tokenizer, hub);
  else if (!(tokenizer instanceof PreTrainedTokenizer)) throw new TypeError(`pipeline('${task}'): tokenizer must be a tokenizer or an id / folder, got ${typeof tokenizer}`);
  instance.eval();
  return info.make(instance, tokenizer, defaults, task);
}
