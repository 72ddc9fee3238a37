// Training: AdamW (torch semantics), HF schedules, gradient clipping/accumulation, seeded RNG,
// MLM/NSP data collators and the Trainer.
import "./torch_habits"; // t.item(), t.tolist(); loss.backward() & co. fail saying what to write instead
export { Optimizer } from "./optimizer";
export type { LossClosure, ComputedGradients } from "./optimizer";
export { BACKWARD_HINT, NUMPY_HINT, CUDA_HINT } from "./torch_habits";
export { INDEX_HINT, INPLACE_HINT, REQUIRES_GRAD_HINT } from "./torch_tensor";
export type { TorchMinMax, TorchIndex } from "./torch_tensor";
export { AdamW, LegacyAdamW } from "./adamw";
export type { AdamWOptions, AdamWGroupOptions, AdamWParamGroup, AdamWStateDict, AdamWParamState, LegacyAdamWOptions } from "./adamw";
export { get_decay_parameter_names, get_grouped_parameters, is_layer_norm_parameter } from "./param_groups";
export type { NamedParameters } from "./param_groups";
export { LambdaLR, ReduceLROnPlateau } from "./lr_scheduler";
export type { LRScheduler, LrLambda, SchedulableOptimizer, LRParamGroup, LambdaLRState, ReduceLROnPlateauOptions, ReduceLROnPlateauState } from "./lr_scheduler";
export {
  SchedulerType, SCHEDULES, get_scheduler, lr_lambda, lr_curve,
  get_constant_schedule, get_constant_schedule_with_warmup, get_linear_schedule_with_warmup, get_cosine_schedule_with_warmup,
  get_cosine_with_hard_restarts_schedule_with_warmup, get_polynomial_decay_schedule_with_warmup, get_inverse_sqrt_schedule,
  get_reduce_on_plateau_schedule, get_cosine_with_min_lr_schedule_with_warmup, get_cosine_with_min_lr_schedule_with_warmup_lr_rate,
  get_wsd_schedule,
} from "./schedules";
export type { ScheduleInfo, ScheduleParam, ScheduleKwargs, LrLambdaOptions, GetSchedulerOptions, PlateauSchedulerName, LambdaSchedulerName } from "./schedules";
export { clip_grad_norm, clip_grad_norm_ } from "./clip";
export type { ClipResult } from "./clip";
export { GradientAccumulator } from "./accumulate";
export { Generator, default_generator, set_seed } from "./rng";
export type { GeneratorState } from "./rng";
export { DataCollator, DataCollatorWithPadding, DataCollatorForLanguageModeling, DataCollatorForWholeWordMask, default_data_collator } from "./collators";
export type { CollatorInput, LanguageModelingCollatorOptions, PaddingCollatorOptions } from "./collators";
export { pad_features, to_tensors, rows_of } from "./padding";
export type { Feature, JsBatch, TfBatch, PadOptions, FeatureSource } from "./padding";
export type { CollatorTokenizer } from "./data_tokenizer";
export { create_nsp_examples, create_examples_from_document } from "./nsp";
export type { NSPExample, NSPOptions, NSPDocument } from "./nsp";
export * from "./trainer_api";
export { masked_lm_loss, labelled_positions, type LabelledPositions } from "./masked_loss";
export type { MaskedLMModelLike } from "./masked_loss";
