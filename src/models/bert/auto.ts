// Auto classes: the BERT class for a task, as transformers' AutoModelFor… mappings do for
// model_type "bert"; `model_class_for_config` picks the class named in config.architectures.
import type { PretrainedOptions } from "../../hub/resolve";
import { AutoConfig, BertConfig } from "./configuration_bert";
import { BertForMultipleChoice, BertForQuestionAnswering, BertForSequenceClassification, BertForTokenClassification } from "./classification_models";
import { BertForMaskedLM, BertForNextSentencePrediction, BertForPreTraining, BertLMHeadModel } from "./heads_models";
import { BertModel } from "./modeling_bert";
import { BertPreTrainedModel, FromPretrainedOptions, ModelClass } from "./pretrained";
import type { LoadingInfo } from "./checkpoint";

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

export const AutoModel = auto("AutoModel", BertModel);
export const AutoModelForPreTraining = auto("AutoModelForPreTraining", BertForPreTraining);
export const AutoModelForMaskedLM = auto("AutoModelForMaskedLM", BertForMaskedLM);
export const AutoModelForCausalLM = auto("AutoModelForCausalLM", BertLMHeadModel);
export const AutoModelForNextSentencePrediction = auto("AutoModelForNextSentencePrediction", BertForNextSentencePrediction);
export const AutoModelForSequenceClassification = auto("AutoModelForSequenceClassification", BertForSequenceClassification);
export const AutoModelForMultipleChoice = auto("AutoModelForMultipleChoice", BertForMultipleChoice);
export const AutoModelForTokenClassification = auto("AutoModelForTokenClassification", BertForTokenClassification);
export const AutoModelForQuestionAnswering = auto("AutoModelForQuestionAnswering", BertForQuestionAnswering);
