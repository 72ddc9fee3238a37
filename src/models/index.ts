// Public names of the models folder (and the small nn library it is built on).
export { BertConfig, AutoConfig, TRANSFORMERS_VERSION } from "./bert/configuration_bert";
export type { BertConfigDict, PositionEmbeddingType, ProblemType } from "./bert/configuration_bert";
export { BertEmbeddings } from "./bert/embeddings";
export { BertSelfAttention } from "./bert/self_attention";
export { BertSelfOutput, BertAttention } from "./bert/attention";
export { BertIntermediate, BertOutput } from "./bert/feed_forward";
export { BertLayer } from "./bert/layer";
export { BertEncoder } from "./bert/encoder";
export { BertPooler } from "./bert/pooler";
export { BertPredictionHeadTransform, BertLMPredictionHead, BertOnlyMLMHead, BertOnlyNSPHead, BertPreTrainingHeads } from "./bert/heads";
export { BertPreTrainedModel, without_init } from "./bert/pretrained";
export type { FromPretrainedOptions, SavePretrainedOptions } from "./bert/pretrained";
export { BertModel } from "./bert/modeling_bert";
export { BertForPreTraining, BertForMaskedLM, BertLMHeadModel, BertForNextSentencePrediction } from "./bert/heads_models";
export { BertForSequenceClassification, BertForMultipleChoice, BertForTokenClassification, BertForQuestionAnswering, infer_problem_type } from "./bert/classification_models";
export {
  AutoModel, AutoModelForPreTraining, AutoModelForMaskedLM, AutoModelForCausalLM, AutoModelForNextSentencePrediction,
  AutoModelForSequenceClassification, AutoModelForMultipleChoice, AutoModelForTokenClassification, AutoModelForQuestionAnswering,
  MODEL_CLASSES, model_class_for_config,
} from "./bert/auto";
export type { ModelClassName } from "./bert/auto";
export { load_checkpoint, apply_checkpoint, loading_messages } from "./bert/checkpoint";
export type { LoadingInfo, Checkpoint } from "./bert/checkpoint";
export { dispose_output } from "./bert/outputs";
export type {
  PastKeyValues, BertModelOutput, BertForPreTrainingOutput, MaskedLMOutput, CausalLMOutputWithCrossAttentions,
  NextSentencePredictorOutput, SequenceClassifierOutput, MultipleChoiceModelOutput, TokenClassifierOutput, QuestionAnsweringModelOutput,
} from "./bert/outputs";
export type { BertInputs, TensorInput } from "./bert/inputs";
export { FLOAT32_MIN } from "./bert/masks";
export * as nn from "../nn";
export { manual_seed, hf_name } from "../nn";
