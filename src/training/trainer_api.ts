// The Trainer's public pieces in one import.
export { Trainer } from "./trainer";
export type { TrainerOptions, TrainableModel, Collator, EvalPrediction, PredictionOutput, TrainOutput } from "./trainer";
export { TrainingArguments } from "./training_args";
export type { TrainingArgumentsOptions, IntervalStrategy } from "./training_args";
export { TrainerState, TrainerControl } from "./trainer_state";
// `LogEntry` (kernel) and `ProgressCallback` (hub downloads) are other folders' public names: ours go out renamed.
export type { LogEntry as TrainerLogEntry } from "./trainer_state";
export { CallbackHandler, DefaultFlowCallback, ProgressCallback as TrainerProgressCallback } from "./callbacks";
export type { TrainerCallback, CallbackEvent, CallbackEventName } from "./callbacks";
export {
  get_last_checkpoint, sorted_checkpoints, rotate_checkpoints, save_optimizer, load_optimizer, save_scheduler, load_scheduler,
  save_rng_state, load_rng_state, capture_rng_state, restore_rng_state, load_model_weights, PREFIX_CHECKPOINT_DIR,
} from "./checkpoint";
export type { RngState, CheckpointModel } from "./checkpoint";
