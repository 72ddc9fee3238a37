// pipeline(task, model): transformers-style task pipelines over bertlab's BERT models and tokenizer.
export { pipeline, SUPPORTED_TASKS, TASK_ALIASES } from "./pipeline";
export type { PipelineLoadOptions, PipelineOptions, AnyPipeline } from "./pipeline";
export { Pipeline, PipelineException, pipeline_warnings } from "./base";
export { FillMaskPipeline } from "./fill_mask";
export type { FillMaskOptions, FillMaskResult, FillMaskModelOutput, FillMaskPostprocessParams } from "./fill_mask";
export { TextClassificationPipeline } from "./text_classification";
export type { TextClassificationOptions, TextClassificationInput, TextPair, LabelScore as TextClassificationResult, ClassificationFunction, TextClassificationPostprocessParams } from "./text_classification";
export { TokenClassificationPipeline } from "./token_classification";
// (plots has its own TokenClassificationOptions and LabelScore, hence the pipeline-specific names here.)
export type { TokenClassificationOptions as TokenClassificationPipelineOptions, TokenClassificationParams } from "./token_classification";
export { token_classification_postprocess, gather_pre_entities, aggregate_words, group_entities, aggregate_overlapping_entities, get_tag, AGGREGATION_STRATEGIES } from "./token_aggregation";
export type { AggregationStrategy, TokenEntity, GroupedEntity, TokenClassificationChunk, TokenClassificationContext } from "./token_aggregation";
export { QuestionAnsweringPipeline, qa_postprocess, qa_char_span } from "./question_answering";
export type { QuestionAnsweringOptions, QuestionAnsweringInput, QuestionAnsweringResult, QaWindow, QaPostprocessParams, QaPreprocessParams } from "./question_answering";
export { select_starts_ends } from "./qa_spans";
export type { QaSpanSelection } from "./qa_spans";
