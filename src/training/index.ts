// Training: AdamW (torch semantics), HF schedules, gradient clipping/accumulation, seeded RNG,
// MLM/NSP data collators and the Trainer.
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
export type { ScheduleInfo, ScheduleParam, ScheduleKwargs, LrLambdaOptions, GetSchedulerOptions } from "./schedules";
export { clip_grad_norm, clip_grad_norm_ } from "./clip";
export type { ClipResult } from "./clip";
export { GradientAccumulator } from "./accumulate";
export { Generator, default_generator, set_seed } from "./rng";
export type { GeneratorState } from "./rng";
