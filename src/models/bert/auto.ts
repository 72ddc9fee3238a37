// Auto classes: the BERT class for a task, as transformers' AutoModelFor… mappings do for
// model_type "bert"; `model_class_for_config` picks the class named in config.architectures.
import type { PretrainedOptions } from "../../hub/resolve";
import { AutoConfig, BertConfig } from "./configuration_bert";
import { BertForMultipleChoice, BertForQuestionAnswering, BertForSequenceClassification, BertForTokenClassification } from "./classification_models";
import { BertForMaskedLM, BertForNextSentencePrediction, BertForPreTraining, BertLMHeadModel } from "./heads_models";
import { BertModel } from "./modeling_bert";
import { BertPreTrainedModel, FromPretrainedOptions, ModelClass } from "./pretrained";
import type { LoadingInfo } from "./checkpoint";

/**
 * Every BERT model class by its Hugging Face name (the `architectures` a config.json may list).
 * @example
 * ```ts
 * MODEL_CLASSES.BertForMaskedLM
 * ```
 */
export const MODEL_CLASSES = {
  BertModel,
  BertForPreTraining,
  BertForMaskedLM,
  BertLMHeadModel,
  BertForNextSentencePrediction,
  BertForSequenceClassification,
  BertForMultipleChoice,
  BertForTokenClassification,
  BertForQuestionAnswering,
} as const;
/** The model class names the Auto classes know (keys of MODEL_CLASSES: BertModel, BertForMaskedLM, …). */
export type ModelClassName = keyof typeof MODEL_CLASSES;

/** The class named first in config.architectures (BertModel when none is named). */
export function model_class_for_config(config: BertConfig): ModelClass<BertPreTrainedModel> {
  const name = config.architectures?.[0];
  if (!name) return BertModel as unknown as ModelClass<BertPreTrainedModel>;
  const cls = (MODEL_CLASSES as Record<string, unknown>)[name];
  if (!cls) throw new Error(`config.architectures names '${name}', which bertlab does not implement; expected one of ${Object.keys(MODEL_CLASSES).join(", ")}`);
  return cls as ModelClass<BertPreTrainedModel>;
}

async function config_for(id_or_path: string, options: FromPretrainedOptions): Promise<BertConfig> {
  if (options.config instanceof BertConfig) return options.config;
  const { revision, cache_dir, local_files_only } = options as PretrainedOptions;
  if (options.config) return new BertConfig(options.config);
  return AutoConfig.from_pretrained(id_or_path, { revision, cache_dir, local_files_only });
}

function auto<T extends BertPreTrainedModel>(auto_name: string, cls: ModelClass<T>) {
  return class {
    static readonly model_class = cls;
    static async from_pretrained(id_or_path: string, options: FromPretrainedOptions & { output_loading_info: true }): Promise<[T, LoadingInfo]>;
    static async from_pretrained(id_or_path: string, options?: FromPretrainedOptions): Promise<T>;
    static async from_pretrained(id_or_path: string, options: FromPretrainedOptions = {}): Promise<T | [T, LoadingInfo]> {
      const config = await config_for(id_or_path, options);
      if (config.model_type !== "bert") throw new Error(`${auto_name}: unrecognized model_type '${config.model_type}'`);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      return (cls as any).from_pretrained(id_or_path, { ...options, config });
    }
    static from_config(config: BertConfig): T {
      return new cls(config);
    }
  };
}

/**
 * Loads the bare BERT encoder a checkpoint names (Python: `transformers.AutoModel`); bertlab's checkpoints are all BERT, so it is `BertModel.from_pretrained`.
 * @example
 * ```ts
 * const model = await AutoModel.from_pretrained("bertlab/mini-bert-uncased")
 * ```
 */
export const AutoModel = auto("AutoModel", BertModel);
/**
 * Loads the BERT with both pretraining heads a checkpoint names (Python: `transformers.AutoModelForPreTraining`); bertlab's checkpoints are all BERT, so it is `BertForPreTraining.from_pretrained`.
 * @example
 * ```ts
 * const model = await AutoModelForPreTraining.from_pretrained("bertlab/mini-bert-uncased")
 * ```
 */
export const AutoModelForPreTraining = auto("AutoModelForPreTraining", BertForPreTraining);
/**
 * Loads the masked-LM BERT a checkpoint names (Python: `transformers.AutoModelForMaskedLM`); bertlab's checkpoints are all BERT, so it is `BertForMaskedLM.from_pretrained`.
 * @example
 * ```ts
 * const model = await AutoModelForMaskedLM.from_pretrained("bertlab/mini-bert-uncased")
 * ```
 */
export const AutoModelForMaskedLM = auto("AutoModelForMaskedLM", BertForMaskedLM);
/**
 * Loads the causal-LM BERT a checkpoint names (Python: `transformers.AutoModelForCausalLM`); bertlab's checkpoints are all BERT, so it is `BertLMHeadModel.from_pretrained`.
 * @example
 * ```ts
 * const model = await AutoModelForCausalLM.from_pretrained("bertlab/mini-bert-uncased")
 * ```
 */
export const AutoModelForCausalLM = auto("AutoModelForCausalLM", BertLMHeadModel);
/**
 * Loads the next-sentence BERT a checkpoint names (Python: `transformers.AutoModelForNextSentencePrediction`); bertlab's checkpoints are all BERT, so it is `BertForNextSentencePrediction.from_pretrained`.
 * @example
 * ```ts
 * const model = await AutoModelForNextSentencePrediction.from_pretrained("bertlab/mini-bert-uncased")
 * ```
 */
export const AutoModelForNextSentencePrediction = auto("AutoModelForNextSentencePrediction", BertForNextSentencePrediction);
/**
 * Loads the sequence-classification BERT a checkpoint names (Python: `transformers.AutoModelForSequenceClassification`); bertlab's checkpoints are all BERT, so it is `BertForSequenceClassification.from_pretrained`.
 * @example
 * ```ts
 * const model = await AutoModelForSequenceClassification.from_pretrained("bertlab/mini-bert-uncased")
 * ```
 */
export const AutoModelForSequenceClassification = auto("AutoModelForSequenceClassification", BertForSequenceClassification);
/**
 * Loads the multiple-choice BERT a checkpoint names (Python: `transformers.AutoModelForMultipleChoice`); bertlab's checkpoints are all BERT, so it is `BertForMultipleChoice.from_pretrained`.
 * @example
 * ```ts
 * const model = await AutoModelForMultipleChoice.from_pretrained("bertlab/mini-bert-uncased")
 * ```
 */
export const AutoModelForMultipleChoice = auto("AutoModelForMultipleChoice", BertForMultipleChoice);
/**
 * Loads the token-classification BERT a checkpoint names (Python: `transformers.AutoModelForTokenClassification`); bertlab's checkpoints are all BERT, so it is `BertForTokenClassification.from_pretrained`.
 * @example
 * ```ts
 * const model = await AutoModelForTokenClassification.from_pretrained("bertlab/mini-bert-uncased")
 * ```
 */
export const AutoModelForTokenClassification = auto("AutoModelForTokenClassification", BertForTokenClassification);
/**
 * Loads the question-answering BERT a checkpoint names (Python: `transformers.AutoModelForQuestionAnswering`); bertlab's checkpoints are all BERT, so it is `BertForQuestionAnswering.from_pretrained`.
 * @example
 * ```ts
 * const model = await AutoModelForQuestionAnswering.from_pretrained("bertlab/mini-bert-uncased")
 * ```
 */
export const AutoModelForQuestionAnswering = auto("AutoModelForQuestionAnswering", BertForQuestionAnswering);
