// TrainingArguments: Hugging Face's names and defaults (transformers 4.31, plus the newer
// `eval_strategy` spelling and `lr_scheduler_kwargs`), validated the same way.
import type { SchedulerType } from "./schedules";
import { dataclass_repr, install_repr } from "../utils/repr";

/** When TrainingArguments logs, evaluates or saves (HF `IntervalStrategy`): never, every N steps, or each epoch. */
export type IntervalStrategy = "no" | "steps" | "epoch";

/** TrainingArguments' fields with transformers' names (output_dir, learning_rate, num_train_epochs, per_device_train_batch_size, ...). */
export interface TrainingArgumentsOptions {
  output_dir: string;
  overwrite_output_dir?: boolean;
  evaluation_strategy?: IntervalStrategy;
  /** Newer HF name of evaluation_strategy. */
  eval_strategy?: IntervalStrategy;
  per_device_train_batch_size?: number;
  per_device_eval_batch_size?: number;
  gradient_accumulation_steps?: number;
  learning_rate?: number;
  weight_decay?: number;
  adam_beta1?: number;
  adam_beta2?: number;
  adam_epsilon?: number;
  max_grad_norm?: number;
  num_train_epochs?: number;
  max_steps?: number;
  lr_scheduler_type?: SchedulerType | string;
  lr_scheduler_kwargs?: Record<string, unknown>;
  warmup_ratio?: number;
  warmup_steps?: number;
  logging_strategy?: IntervalStrategy;
  logging_first_step?: boolean;
  /** Steps between logs; a value below 1 is a fraction of the total steps. */
  logging_steps?: number;
  save_strategy?: IntervalStrategy;
  save_steps?: number;
  save_total_limit?: number | null;
  eval_steps?: number | null;
  eval_delay?: number;
  seed?: number;
  /** Seed for the data order only (default: seed). */
  data_seed?: number | null;
  dataloader_drop_last?: boolean;
  /** No terminal progress bar (it is also off when stderr is not a TTY). */
  disable_tqdm?: boolean;
  prediction_loss_only?: boolean;
  load_best_model_at_end?: boolean;
  metric_for_best_model?: string | null;
  greater_is_better?: boolean | null;
  resume_from_checkpoint?: string | boolean | null;
  label_names?: string[] | null;
  /** "adamw_torch" (default; torch.optim.AdamW) or "adamw_hf" (the old transformers.AdamW, LegacyAdamW). */
  optim?: "adamw_torch" | "adamw_torch_fused" | "adamw_hf";
  /**
   * Where training steps run (a bertlab option, not HF's): "tfjs" (default; autograd on the tfjs backend),
   * "onnx" (one ONNX Runtime graph per step: forward + hand-derived backward + clipping + AdamW — several
   * times faster on CPU; BertForMaskedLM / BertForPreTraining / BertForSequenceClassification, an error
   * naming the reason otherwise), or "auto" (onnx when onnxruntime-node loads and the run qualifies, else tfjs).
   */
  train_engine?: "tfjs" | "onnx" | "auto";
  /** Accepted so Python argument lists port unchanged; they have no effect here. */
  do_train?: boolean;
  do_eval?: boolean;
  do_predict?: boolean;
  logging_dir?: string | null;
  report_to?: string | string[] | null;
  run_name?: string | null;
  remove_unused_columns?: boolean;
  dataloader_num_workers?: number;
  dataloader_pin_memory?: boolean;
  push_to_hub?: boolean;
  /** Mixed precision is not available: true is an error. */
  fp16?: boolean;
  bf16?: boolean;
}

/** HF arguments accepted for compatibility that change nothing in bertlab. */
const INERT = ["do_train", "do_eval", "do_predict", "logging_dir", "report_to", "run_name", "remove_unused_columns", "dataloader_num_workers", "dataloader_pin_memory", "push_to_hub", "fp16", "bf16"];

const STRATEGIES = ["no", "steps", "epoch"];

/**
 * The Trainer's settings with transformers' names and defaults (Python: `transformers.TrainingArguments`).
 * @example
 * ```ts
 * new TrainingArguments({ output_dir: "out", learning_rate: 2e-5, per_device_train_batch_size: 16, num_train_epochs: 3 })
 * ```
 */
export class TrainingArguments {
  output_dir: string;
  overwrite_output_dir = false;
  evaluation_strategy: IntervalStrategy = "no";
  per_device_train_batch_size = 8;
  per_device_eval_batch_size = 8;
  gradient_accumulation_steps = 1;
  learning_rate = 5e-5;
  weight_decay = 0.0;
  adam_beta1 = 0.9;
  adam_beta2 = 0.999;
  adam_epsilon = 1e-8;
  max_grad_norm = 1.0;
  num_train_epochs = 3.0;
  max_steps = -1;
  lr_scheduler_type: string = "linear";
  lr_scheduler_kwargs: Record<string, unknown> = {};
  warmup_ratio = 0.0;
  warmup_steps = 0;
  logging_strategy: IntervalStrategy = "steps";
  logging_first_step = false;
  logging_steps = 500;
  save_strategy: IntervalStrategy = "steps";
  save_steps = 500;
  save_total_limit: number | null = null;
  eval_steps: number | null = null;
  eval_delay = 0;
  seed = 42;
  data_seed: number | null = null;
  dataloader_drop_last = false;
  disable_tqdm = false;
  prediction_loss_only = false;
  load_best_model_at_end = false;
  metric_for_best_model: string | null = null;
  greater_is_better: boolean | null = null;
  resume_from_checkpoint: string | boolean | null = null;
  label_names: string[] | null = null;
  optim: "adamw_torch" | "adamw_torch_fused" | "adamw_hf" = "adamw_torch";
  train_engine: "tfjs" | "onnx" | "auto" = "tfjs";

  constructor(options: TrainingArgumentsOptions) {
    if (!options || typeof options.output_dir !== "string" || !options.output_dir) {
      throw new Error("TrainingArguments: output_dir is required (where checkpoints and trainer_state.json go)");
    }
    const known = new Set(Object.keys(this));
    known.add("output_dir");
    known.add("eval_strategy");
    for (const k of Object.keys(options)) {
      if (!known.has(k) && !INERT.includes(k)) throw new TypeError(`TrainingArguments got an unexpected keyword argument '${k}'`);
    }
    const o = options as TrainingArgumentsOptions & Record<string, unknown>;
    if (o.fp16 || o.bf16) throw new Error(`TrainingArguments: ${o.fp16 ? "fp16" : "bf16"} mixed precision is not available in bertlab (tfjs trains in float32); leave it false`);
    if (o.push_to_hub) throw new Error("TrainingArguments: push_to_hub is not available in bertlab (no uploads); save with trainer.save_model(dir)");
    const { eval_strategy, ...given } = options;
    const rest = Object.fromEntries(Object.entries(given).filter(([k]) => !INERT.includes(k)));
    Object.assign(this, rest);
    this.output_dir = options.output_dir;
    if (eval_strategy !== undefined) this.evaluation_strategy = eval_strategy;
    this.validate();
  }

  /** Newer HF name. */
  get eval_strategy(): IntervalStrategy {
    return this.evaluation_strategy;
  }

  private validate(): void {
    for (const k of ["evaluation_strategy", "logging_strategy", "save_strategy"] as const) {
      if (!STRATEGIES.includes(this[k])) throw new Error(`${k} must be one of 'no', 'steps', 'epoch', got '${this[k]}'`);
    }
    for (const k of ["per_device_train_batch_size", "per_device_eval_batch_size", "gradient_accumulation_steps"] as const) {
      if (!Number.isInteger(this[k]) || this[k] < 1) throw new Error(`${k} must be a positive integer, got ${this[k]}`);
    }
    if (this.evaluation_strategy === "steps" && (this.eval_steps === null || this.eval_steps === 0)) {
      if (this.logging_steps > 0) this.eval_steps = this.logging_steps;
      else throw new Error(`evaluation strategy ${this.evaluation_strategy} requires either non-zero --eval_steps or --logging_steps`);
    }
    if (this.logging_strategy === "steps" && this.logging_steps === 0) throw new Error(`logging strategy ${this.logging_strategy} requires non-zero --logging_steps`);
    if (this.load_best_model_at_end) {
      if (this.evaluation_strategy !== this.save_strategy) {
        throw new Error(
          `--load_best_model_at_end requires the save and eval strategy to match, but found\n- Evaluation strategy: ${this.evaluation_strategy}\n- Save strategy: ${this.save_strategy}`,
        );
      }
      if (this.evaluation_strategy === "steps" && this.save_steps % (this.eval_steps as number) !== 0) {
        throw new Error(
          `--load_best_model_at_end requires the saving steps to be a round multiple of the evaluation steps, but found ${this.save_steps}, which is not a round multiple of ${this.eval_steps}.`,
        );
      }
      if (this.metric_for_best_model === null) this.metric_for_best_model = "loss";
    }
    if (this.metric_for_best_model !== null && this.greater_is_better === null) {
      this.greater_is_better = !this.metric_for_best_model.endsWith("loss");
    }
    if (this.lr_scheduler_type === "reduce_lr_on_plateau" && this.evaluation_strategy === "no") {
      throw new Error("lr_scheduler_type reduce_lr_on_plateau requires an eval strategy");
    }
    if (!(this.warmup_ratio >= 0 && this.warmup_ratio <= 1)) throw new Error("warmup_ratio must lie in range [0,1]");
    if (this.warmup_ratio > 0 && this.warmup_steps > 0) {
      console.warn("Both warmup_ratio and warmup_steps given, warmup_steps will override any effect of warmup_ratio during training");
    }
    if (!["adamw_torch", "adamw_torch_fused", "adamw_hf"].includes(this.optim)) {
      throw new Error(`optim '${this.optim}' is not available; expected 'adamw_torch' (default) or 'adamw_hf'`);
    }
    if (!["tfjs", "onnx", "auto"].includes(this.train_engine)) {
      throw new Error(`train_engine '${this.train_engine}' is not available; expected 'tfjs' (default), 'onnx' or 'auto'`);
    }
    if (!(this.learning_rate >= 0)) throw new Error(`learning_rate must be >= 0, got ${this.learning_rate}`);
    if (this.max_steps === 0 || (this.max_steps < 0 && !(this.num_train_epochs > 0))) {
      throw new Error(`set max_steps > 0 or num_train_epochs > 0 (got max_steps=${this.max_steps}, num_train_epochs=${this.num_train_epochs})`);
    }
  }

  /** HF `get_warmup_steps`: warmup_steps if set, else ceil(num_training_steps × warmup_ratio). */
  get_warmup_steps(num_training_steps: number): number {
    return this.warmup_steps > 0 ? this.warmup_steps : Math.ceil(num_training_steps * this.warmup_ratio);
  }

  /** Examples per optimizer update. */
  get train_batch_size(): number {
    return this.per_device_train_batch_size;
  }

  get eval_batch_size(): number {
    return this.per_device_eval_batch_size;
  }

  /** Plain JSON (written as training_args.json into checkpoints). */
  to_dict(): Record<string, unknown> {
    return { ...(this as object) } as Record<string, unknown>;
  }
}
install_repr(TrainingArguments, (a) => dataclass_repr(a, a.to_dict())); // transformers' TrainingArguments.__str__ (utils/repr.ts)
