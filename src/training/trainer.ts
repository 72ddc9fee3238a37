// Hugging Face's Trainer for bertlab models: `new Trainer({ model, args, train_dataset, eval_dataset,
// data_collator, compute_metrics, callbacks })`, then `await trainer.train()`, `evaluate()`, `predict()`.
// One optimizer step = gradient_accumulation_steps micro-batches (loss / steps each), global-norm
// clipping, AdamW (decay / no-decay groups), the lr schedule; logs go to state.log_history and to
// callbacks' on_log (live charts); checkpoints (checkpoint-N) resume bit-identically: data order is
// a function of (seed, epoch), and every generator's state is saved with the weights and moments.
import * as fs from "fs";
import * as path from "path";
import { ready, tf } from "../backend";
import { AdamW, LegacyAdamW } from "./adamw";
import { CallbackHandler, DefaultFlowCallback, ProgressCallback, type CallbackEventName, type TrainerCallback } from "./callbacks";
import {
  get_last_checkpoint, load_model_weights, load_optimizer, load_rng_state, load_scheduler, rotate_checkpoints, save_optimizer,
  save_rng_state, save_scheduler, write_checkpoint, PREFIX_CHECKPOINT_DIR, TRAINER_STATE_NAME, TRAINING_ARGS_NAME,
} from "./checkpoint";
import { clip_grad_norm } from "./clip";
import { DataCollatorWithPadding, default_data_collator } from "./collators";
import type { CollatorTokenizer } from "./data_tokenizer";
import { concat_padded, round_to, speed_metrics, type Nested } from "./eval_utils";
import { GradientAccumulator } from "./accumulate";
import { masked_lm_loss } from "./masked_loss";
import { training_step_context } from "./trainer_memory";
import { with_training_step } from "../models/bert/memory";
import { OnnxTrainerStep, onnx_training_unsupported, type OnnxTrainableModel } from "./onnx_step";
import { LambdaLR, ReduceLROnPlateau, type LRScheduler } from "./lr_scheduler";
import { rows_of, type Feature, type FeatureSource, type TfBatch } from "./padding";
import { get_grouped_parameters } from "./param_groups";
import { Generator, set_seed } from "./rng";
import { get_scheduler } from "./schedules";
import { TrainerControl, TrainerState, type LogEntry } from "./trainer_state";
import { TrainingArguments, type TrainingArgumentsOptions } from "./training_args";
import { writeFileAtomicSync } from "../utils/fs";
import { interrupt_generation, interrupted_since } from "../utils/interrupt";
import { install_repr, pystr, short_repr } from "../utils/repr";

/** What the Trainer needs from a model (bertlab's BertPreTrainedModel subclasses have it all). */
export interface TrainableModel {
  named_parameters(): [string, tf.Variable][];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  forward(inputs: any): object;
  train(mode?: boolean): unknown;
  eval(): unknown;
  training?: boolean;
  save_pretrained(dir: string): void;
}

/** The Trainer's `data_collator`: a list of features in, a batch of tensors out (e.g. a DataCollatorWithPadding). */
export type Collator = (features: Feature[]) => TfBatch;

/** What compute_metrics receives (Python: `transformers.EvalPrediction`): predictions and label_ids. */
export interface EvalPrediction {
  /** Model outputs per example (logits); a list of arrays when the model returns several (e.g. start/end logits). */
  predictions: Nested[] | Nested[][];
  /** Labels per example; a list when there are several label fields. */
  label_ids: Nested[] | Nested[][] | null;
}

/** What Trainer.predict returns (Python: `transformers.trainer_utils.PredictionOutput`): predictions, label ids and metrics. */
export interface PredictionOutput extends EvalPrediction {
  metrics: LogEntry;
}

/** trainer.train()'s result (Python: `transformers.TrainOutput`): global_step, training_loss, metrics. */
export interface TrainOutput {
  global_step: number;
  training_loss: number;
  metrics: LogEntry;
}

/** The Trainer's constructor arguments (Python's keyword arguments): model, args, train_dataset, eval_dataset, data_collator, compute_metrics, callbacks... */
export interface TrainerOptions {
  model: TrainableModel;
  args: TrainingArguments | TrainingArgumentsOptions;
  /** Examples, or a Dataset (its numeric columns: text columns are dropped, as remove_unused_columns). */
  train_dataset?: Feature[] | FeatureSource | null;
  eval_dataset?: Feature[] | FeatureSource | null;
  /** Default: DataCollatorWithPadding(tokenizer) with a tokenizer, else default_data_collator. */
  data_collator?: Collator | null;
  tokenizer?: CollatorTokenizer | null;
  compute_metrics?: ((p: EvalPrediction) => Record<string, number>) | null;
  callbacks?: TrainerCallback[];
  /** Your own optimizer and/or scheduler instead of AdamW + get_scheduler(lr_scheduler_type). */
  optimizers?: [AdamW | null, LRScheduler | null];
  /** Training loss instead of the model's own `loss` output, e.g. `masked_lm_loss` (LM head on masked rows only). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  compute_loss?: ((model: any, inputs: TfBatch) => tf.Scalar) | null;
}

const NOT_PREDICTIONS = new Set(["loss", "hidden_states", "attentions", "cross_attentions", "past_key_values"]);

function disposeOutput(out: object): void {
  const tensors: tf.Tensor[] = [];
  const walk = (v: unknown) => {
    if (v instanceof tf.Tensor) tensors.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(out);
  tf.dispose(tensors);
}

function tick(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/**
 * Hugging Face's Trainer (Python: `transformers.Trainer`): the training loop with AdamW and a schedule, gradient accumulation and clipping, evaluation, logging, callbacks and resumable checkpoints.
 * @example
 * ```ts
 * const trainer = new Trainer({ model, args: new TrainingArguments({ output_dir: "out", num_train_epochs: 1 }), train_dataset, data_collator });
 * await trainer.train()
 * ```
 */
export class Trainer {
  model: TrainableModel;
  args: TrainingArguments;
  train_dataset: Feature[] | null;
  eval_dataset: Feature[] | null;
  data_collator: Collator;
  tokenizer: CollatorTokenizer | null;
  compute_metrics: ((p: EvalPrediction) => Record<string, number>) | null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  compute_loss_fn: ((model: any, inputs: TfBatch) => tf.Scalar) | null;
  optimizer: AdamW | null;
  lr_scheduler: LRScheduler | null;
  state = new TrainerState();
  control = new TrainerControl();
  readonly callback_handler: CallbackHandler;

  private tr_loss: tf.Scalar | null = null;
  private total_loss = 0;
  private globalstep_last_logged = 0;
  private last_grad_norm: number | null = null;
  /** The ONNX Runtime step of this train() run (train_engine "onnx" / "auto"), null on the tfjs path. */
  private onnx: OnnxTrainerStep | null = null;
  /** Where the last train() ran its steps, and why not on ONNX when it did not. */
  train_engine_used: { engine: "tfjs" | "onnx"; reason?: string } | null = null;

  constructor(options: TrainerOptions) {
    if (!options?.model) throw new Error("Trainer: options.model is required");
    if (!options.args) throw new Error("Trainer: options.args (TrainingArguments or its options) is required");
    this.model = options.model;
    this.args = options.args instanceof TrainingArguments ? options.args : new TrainingArguments(options.args);
    this.train_dataset = rows_of(options.train_dataset) ?? null;
    this.eval_dataset = rows_of(options.eval_dataset) ?? null;
    this.tokenizer = options.tokenizer ?? null;
    this.data_collator = options.data_collator ?? (this.tokenizer ? new DataCollatorWithPadding({ tokenizer: this.tokenizer }) : default_data_collator);
    this.compute_metrics = options.compute_metrics ?? null;
    this.compute_loss_fn = options.compute_loss ?? null;
    [this.optimizer, this.lr_scheduler] = options.optimizers ?? [null, null];
    this.callback_handler = new CallbackHandler([new DefaultFlowCallback(), ...(options.callbacks ?? []), new ProgressCallback()]);
    set_seed(this.args.seed);
    this.control = this.callback_handler.call("on_init_end", this.args, this.state, this.control);
  }

  add_callback(cb: TrainerCallback): void {
    this.callback_handler.add_callback(cb);
  }

  pop_callback(cb: TrainerCallback): TrainerCallback | undefined {
    return this.callback_handler.pop_callback(cb);
  }

  private emit(event: CallbackEventName, extra: { logs?: LogEntry; metrics?: LogEntry } = {}): void {
    this.control = this.callback_handler.call(event, this.args, this.state, this.control, {
      model: this.model, optimizer: this.optimizer, lr_scheduler: this.lr_scheduler, ...extra,
    });
  }

  /** AdamW (LegacyAdamW for optim "adamw_hf") over HF's decay / no-decay groups with the args' lr, betas, eps and weight_decay. */
  create_optimizer(): AdamW {
    if (!this.optimizer) {
      const a = this.args;
      const options = {
        lr: a.learning_rate, betas: [a.adam_beta1, a.adam_beta2] as [number, number], eps: a.adam_epsilon, weight_decay: a.weight_decay,
        param_groups: get_grouped_parameters(this.model, a.weight_decay),
      };
      this.optimizer = a.optim === "adamw_hf" ? new LegacyAdamW(options) : new AdamW(options);
    }
    return this.optimizer;
  }

  /** get_scheduler(lr_scheduler_type) with warmup from warmup_steps / warmup_ratio. */
  create_scheduler(num_training_steps: number): LRScheduler {
    if (!this.lr_scheduler) {
      this.lr_scheduler = get_scheduler(this.args.lr_scheduler_type, this.create_optimizer(), {
        num_warmup_steps: this.args.get_warmup_steps(num_training_steps), num_training_steps,
        scheduler_specific_kwargs: this.args.lr_scheduler_kwargs as never,
      });
    }
    return this.lr_scheduler;
  }

  /** Example indices of each training batch of `epoch` (a permutation seeded by (data_seed ?? seed) + epoch). */
  epoch_batches(epoch: number): number[][] {
    const n = this.train_dataset?.length ?? 0;
    const order = new Generator((this.args.data_seed ?? this.args.seed) + epoch * 7919).randperm(n);
    const bs = this.args.per_device_train_batch_size;
    const out: number[][] = [];
    for (let i = 0; i < n; i += bs) {
      const idx = order.slice(i, i + bs);
      if (idx.length < bs && this.args.dataloader_drop_last) break;
      out.push(idx);
    }
    return out;
  }

  /** The training loss on a batch: options.compute_loss if given, else the model's `loss` output (override for custom losses). */
  compute_loss(model: TrainableModel, inputs: TfBatch): tf.Scalar {
    if (this.compute_loss_fn) return this.compute_loss_fn(model, inputs);
    const out = model.forward(inputs) as { loss?: tf.Scalar };
    if (!(out.loss instanceof tf.Tensor)) {
      throw new Error(
        `The model did not return a loss from the inputs, only the following keys: ${Object.keys(out).join(",")}. ` +
          `For reference, the inputs it received are ${Object.keys(inputs).join(",")}.`,
      );
    }
    return out.loss;
  }

  private trainable(): tf.Variable[] {
    const seen = new Set<string>();
    return this.model.named_parameters().map(([, v]) => v).filter((v) => v.trainable && !seen.has(v.name) && seen.add(v.name));
  }

  /** Forward + backward of one micro-batch; returns the gradients of loss / gradient_accumulation_steps and adds that loss to tr_loss. */
  training_step(inputs: TfBatch, vars: tf.Variable[]): tf.NamedTensorMap {
    const gas = this.args.gradient_accumulation_steps;
    // the model's forward sizes the whole step before it allocates and names the Trainer's options if it does not fit
    const context = training_step_context(this.args, vars, this.optimizer);
    const { value, grads } = with_training_step(context, () => tf.variableGrads(() => {
      const loss = this.compute_loss(this.model, inputs);
      return gas > 1 ? (tf.div(loss, gas) as tf.Scalar) : loss;
    }, vars));
    const prev = this.tr_loss;
    this.tr_loss = tf.keep(prev ? (tf.add(prev, value) as tf.Scalar) : value);
    if (prev) prev.dispose();
    if (prev) value.dispose();
    return grads;
  }

  private optimizer_step(grads: tf.NamedTensorMap): void {
    let g = grads;
    if (this.args.max_grad_norm > 0) {
      const r = clip_grad_norm(grads, this.args.max_grad_norm);
      tf.dispose(Object.values(grads));
      g = r.grads;
      this.last_grad_norm = r.total_norm;
    }
    this.optimizer!.applyGradients(g);
    tf.dispose(Object.values(g));
    if (this.lr_scheduler instanceof LambdaLR) this.lr_scheduler.step();
  }

  private current_lr(): number {
    if (this.lr_scheduler) return this.lr_scheduler.get_last_lr()[0];
    return this.optimizer?.param_groups[0].lr ?? this.args.learning_rate;
  }

  /** Picks the step engine of this run (TrainingArguments.train_engine) and builds the ONNX step when it is used. */
  private async start_engine(): Promise<void> {
    const wanted = this.args.train_engine;
    if (wanted === "tfjs") {
      this.train_engine_used = { engine: "tfjs" };
      return;
    }
    const custom_loss = this.compute_loss_fn !== null && this.compute_loss_fn !== (masked_lm_loss as unknown);
    const model = this.model as unknown as OnnxTrainableModel;
    const why = onnx_training_unsupported(model, this.optimizer!, { gradient_accumulation_steps: this.args.gradient_accumulation_steps, custom_loss });
    if (why) {
      if (wanted === "onnx") throw new Error(`Trainer: train_engine 'onnx' cannot train this run: ${why}. Use train_engine 'tfjs' (or 'auto', which falls back).`);
      this.train_engine_used = { engine: "tfjs", reason: why };
      return;
    }
    this.onnx = await OnnxTrainerStep.create(model, this.optimizer!, { max_grad_norm: this.args.max_grad_norm, seed: this.args.seed, dropout: true });
    this.train_engine_used = { engine: "onnx" };
  }

  /** One step on ONNX Runtime: the loss joins tr_loss, the gradient norm (before clipping) is logged. */
  private async onnx_training_step(inputs: TfBatch): Promise<void> {
    const r = await this.onnx!.run(inputs);
    const prev = this.tr_loss;
    this.tr_loss = tf.keep(tf.scalar(r.loss + (prev ? prev.dataSync()[0] : 0)));
    prev?.dispose();
    if (this.args.max_grad_norm > 0) this.last_grad_norm = r.grad_norm;
  }

  /** Appends `{ ...logs, epoch, step }` to state.log_history and calls on_log. */
  log(logs: LogEntry): void {
    const entry: LogEntry = { ...logs };
    if (this.state.epoch !== null) entry.epoch = round_to(this.state.epoch, 2);
    entry.step = this.state.global_step;
    this.state.log_history.push(entry);
    this.emit("on_log", { logs: entry });
  }

  private async maybe_log_save_evaluate(): Promise<void> {
    if (this.control.should_log && this.state.global_step > this.globalstep_last_logged) {
      const tr = this.tr_loss ? this.tr_loss.dataSync()[0] : 0;
      this.tr_loss?.dispose();
      this.tr_loss = null;
      const logs: LogEntry = { loss: round_to(tr / (this.state.global_step - this.globalstep_last_logged), 4) };
      if (this.last_grad_norm !== null) logs.grad_norm = this.last_grad_norm;
      logs.learning_rate = this.current_lr();
      this.total_loss += tr;
      this.globalstep_last_logged = this.state.global_step;
      this.log(logs);
    }
    if (this.onnx && (this.control.should_evaluate || this.control.should_save)) this.onnx.sync();
    let metrics: LogEntry | null = null;
    if (this.control.should_evaluate) {
      metrics = await this.evaluate();
      if (this.lr_scheduler instanceof ReduceLROnPlateau) {
        const key = this.metric_key();
        if (!(key in metrics)) throw new Error(`reduce_lr_on_plateau needs the eval metric '${key}', but evaluate() returned ${Object.keys(metrics).join(", ")}`);
        this.lr_scheduler.step(metrics[key]);
      }
    }
    if (this.control.should_save) {
      this.save_checkpoint(metrics);
      this.emit("on_save");
    }
  }

  private metric_key(): string {
    const m = this.args.metric_for_best_model ?? "loss";
    return m.startsWith("eval_") ? m : `eval_${m}`;
  }

  /** Writes output_dir/checkpoint-<global_step> (model, optimizer, scheduler, rng, trainer state, args) and rotates old ones. */
  save_checkpoint(metrics: LogEntry | null = null): string {
    const name = `${PREFIX_CHECKPOINT_DIR}-${this.state.global_step}`;
    const final = path.join(this.args.output_dir, name);
    if (metrics && this.args.metric_for_best_model) {
      const v = metrics[this.metric_key()];
      if (typeof v === "number") {
        const better = this.state.best_metric === null || (this.args.greater_is_better ? v > this.state.best_metric : v < this.state.best_metric);
        if (better) {
          this.state.best_metric = v;
          this.state.best_model_checkpoint = final;
        }
      }
    }
    write_checkpoint(this.args.output_dir, name, (dir) => {
      this.model.save_pretrained(dir);
      if (this.optimizer) save_optimizer(this.optimizer, this.model, dir);
      if (this.lr_scheduler) save_scheduler(this.lr_scheduler, dir);
      save_rng_state(dir, (this.data_collator as { generator?: unknown }).generator);
      writeFileAtomicSync(path.join(dir, TRAINER_STATE_NAME), this.state.to_json_string());
      writeFileAtomicSync(path.join(dir, TRAINING_ARGS_NAME), JSON.stringify(this.args.to_dict(), null, 2) + "\n");
    });
    rotate_checkpoints(this.args.output_dir, this.args.save_total_limit, this.state.best_model_checkpoint);
    return final;
  }

  /** Saves the model (config.json + model.safetensors) to output_dir or `dir`. */
  save_model(dir?: string): void {
    this.model.save_pretrained(dir ?? this.args.output_dir);
  }

  /**
   * Trains for num_train_epochs (or max_steps). `resume_from_checkpoint`: a checkpoint folder, or true for
   * the last one in output_dir; the run then continues exactly where that checkpoint left off.
   */
  async train(options: { resume_from_checkpoint?: string | boolean | null } = {}): Promise<TrainOutput> {
    await ready();
    const args = this.args;
    if (!this.train_dataset || this.train_dataset.length === 0) throw new Error("Trainer.train: requires a train_dataset (a non-empty list of examples)");
    let resume = options.resume_from_checkpoint ?? args.resume_from_checkpoint ?? null;
    if (resume === false) resume = null;
    if (resume === true) {
      resume = get_last_checkpoint(args.output_dir);
      if (!resume) throw new Error(`No valid checkpoint found in output directory (${args.output_dir})`);
    }
    if (typeof resume === "string" && !fs.existsSync(path.join(resume, TRAINER_STATE_NAME))) {
      throw new Error(`Can't find a valid checkpoint at ${resume}`);
    }

    const gas = args.gradient_accumulation_steps;
    const len_dataloader = this.epoch_batches(0).length;
    if (len_dataloader === 0) throw new Error("Trainer.train: no full batch (dataset smaller than per_device_train_batch_size with dataloader_drop_last)");
    const num_update_steps_per_epoch = Math.max(Math.floor(len_dataloader / gas), 1);
    let max_steps: number;
    let num_train_epochs: number;
    if (args.max_steps > 0) {
      max_steps = args.max_steps;
      num_train_epochs = Math.floor(max_steps / num_update_steps_per_epoch) + (max_steps % num_update_steps_per_epoch > 0 ? 1 : 0);
    } else {
      max_steps = Math.ceil(args.num_train_epochs * num_update_steps_per_epoch);
      num_train_epochs = Math.ceil(args.num_train_epochs);
    }
    const steps = (v: number | null) => (v !== null && v < 1 ? Math.ceil(max_steps * v) : (v as number));

    this.create_optimizer();
    this.create_scheduler(max_steps);
    this.state = new TrainerState();
    Object.assign(this.state, {
      max_steps, num_train_epochs, train_batch_size: args.per_device_train_batch_size,
      logging_steps: steps(args.logging_steps), eval_steps: steps(args.eval_steps ?? args.logging_steps), save_steps: steps(args.save_steps),
    });
    let epochs_trained = 0;
    let steps_to_skip = 0;
    if (typeof resume === "string") {
      load_model_weights(this.model, resume);
      load_optimizer(this.optimizer!, this.model, resume);
      if (this.lr_scheduler) load_scheduler(this.lr_scheduler, resume);
      const saved = TrainerState.from_json(fs.readFileSync(path.join(resume, TRAINER_STATE_NAME), "utf8"), path.join(resume, TRAINER_STATE_NAME));
      Object.assign(this.state, { ...saved, max_steps, num_train_epochs });
      epochs_trained = Math.floor(this.state.global_step / num_update_steps_per_epoch);
      steps_to_skip = (this.state.global_step % num_update_steps_per_epoch) * gas;
      load_rng_state(resume, (this.data_collator as { generator?: unknown }).generator);
    }
    this.globalstep_last_logged = this.state.global_step;
    this.total_loss = 0;
    const start_step = this.state.global_step;
    this.tr_loss?.dispose();
    this.tr_loss = null;
    this.last_grad_norm = null;
    const vars = this.trainable();
    const nonEmbedding = this.model.named_parameters().filter(([n]) => !n.includes("embeddings")).reduce((s, [, v]) => s + v.size, 0);
    const accumulator = new GradientAccumulator();
    this.model.train();
    await this.start_engine();
    const start = performance.now();
    const interrupt_at = interrupt_generation();
    this.emit("on_train_begin");
    try {
      // a checkpoint taken at the end (global_step == max_steps) has nothing left to train
      for (let epoch = epochs_trained; epoch < num_train_epochs && this.state.global_step < max_steps; epoch++) {
        const batches = this.epoch_batches(epoch);
        const steps_in_epoch = batches.length;
        this.emit("on_epoch_begin");
        for (let step = 0; step < steps_in_epoch; step++) {
          if (steps_to_skip > 0) {
            steps_to_skip--;
            continue;
          }
          if (step % gas === 0) this.emit("on_step_begin");
          const inputs = this.data_collator(batches[step].map((i) => this.train_dataset![i]));
          let grads: tf.NamedTensorMap = {};
          try {
            if (this.onnx) await this.onnx_training_step(inputs);
            else grads = this.training_step(inputs, vars);
            if (inputs.input_ids) this.state.total_flos += 6 * inputs.input_ids.size * nonEmbedding;
          } finally {
            tf.dispose(Object.values(inputs));
          }
          const boundary = (step + 1) % gas === 0 || (steps_in_epoch <= gas && step + 1 === steps_in_epoch);
          if (gas > 1 || !boundary) {
            accumulator.add(grads);
            tf.dispose(Object.values(grads));
          }
          if (boundary) {
            if (this.onnx) {
              if (this.lr_scheduler instanceof LambdaLR) this.lr_scheduler.step();
            } else {
              this.optimizer_step(gas > 1 || accumulator.count > 0 ? accumulator.take() : grads);
            }
            this.state.global_step += 1;
            this.state.epoch = epoch + (step + 1) / steps_in_epoch;
            this.emit("on_step_end");
            await this.maybe_log_save_evaluate();
            await tick();
          } else {
            this.emit("on_substep_end");
          }
          if (boundary && interrupted_since(interrupt_at)) {
            // kernel interrupt (SIGINT / interrupt_request): stop at this step boundary, say so
            console.error(`Trainer: interrupted, stopping at step ${this.state.global_step} of ${max_steps} (KeyboardInterrupt)`);
            this.control.should_training_stop = true;
          }
          if (this.control.should_epoch_stop || this.control.should_training_stop) break;
        }
        accumulator.reset();
        this.emit("on_epoch_end");
        await this.maybe_log_save_evaluate();
        if (this.control.should_training_stop) break;
      }
    } finally {
      accumulator.reset();
      if (this.onnx) {
        this.onnx.sync();
        await this.onnx.dispose();
        this.onnx = null;
      }
    }
    if (this.args.load_best_model_at_end && this.state.best_model_checkpoint) load_model_weights(this.model, this.state.best_model_checkpoint);
    const left = this.tr_loss as tf.Scalar | null; // set by training_step during the loop
    const remaining = left ? left.dataSync()[0] : 0;
    left?.dispose();
    this.tr_loss = null;
    this.total_loss += remaining;
    const done = this.state.global_step - start_step;
    const train_loss = done > 0 ? this.total_loss / done : 0;
    const num_samples = args.max_steps > 0 ? max_steps * args.per_device_train_batch_size * gas : this.train_dataset.length * args.num_train_epochs;
    const metrics: LogEntry = { ...speed_metrics("train", start, num_samples, max_steps), total_flos: this.state.total_flos, train_loss };
    this.log(metrics);
    this.emit("on_train_end");
    await this.callback_handler.flush();
    return { global_step: this.state.global_step, training_loss: train_loss, metrics };
  }

  /** Loss (and, with compute_metrics, metrics) on eval_dataset; logged as eval_* entries. */
  async evaluate(options: { eval_dataset?: Feature[] | FeatureSource | null; metric_key_prefix?: string } = {}): Promise<LogEntry> {
    await ready();
    const dataset = rows_of(options.eval_dataset) ?? this.eval_dataset;
    if (!dataset || dataset.length === 0) throw new Error("Trainer: evaluation requires an eval_dataset");
    const prefix = options.metric_key_prefix ?? "eval";
    const start = performance.now();
    const loss_only = this.compute_metrics ? this.args.prediction_loss_only : true;
    const out = await this.prediction_loop(dataset, prefix, loss_only);
    const steps = Math.ceil(dataset.length / this.args.per_device_eval_batch_size);
    Object.assign(out.metrics, speed_metrics(prefix, start, dataset.length, steps));
    this.log(out.metrics);
    this.emit("on_evaluate", { metrics: out.metrics });
    return out.metrics;
  }

  /** Predictions (logits), labels and test_* metrics on a dataset; not logged. */
  async predict(test_dataset: Feature[] | FeatureSource, options: { metric_key_prefix?: string } = {}): Promise<PredictionOutput> {
    test_dataset = rows_of(test_dataset);
    await ready();
    if (!test_dataset?.length) throw new Error("Trainer.predict: test_dataset must be a non-empty list of examples");
    const prefix = options.metric_key_prefix ?? "test";
    const start = performance.now();
    const out = await this.prediction_loop(test_dataset, prefix, false);
    Object.assign(out.metrics, speed_metrics(prefix, start, test_dataset.length, Math.ceil(test_dataset.length / this.args.per_device_eval_batch_size)));
    this.emit("on_predict", { metrics: out.metrics });
    return out;
  }

  private async prediction_loop(dataset: Feature[], prefix: string, loss_only: boolean): Promise<PredictionOutput> {
    const was_training = this.model.training ?? true;
    this.model.eval();
    const bs = this.args.per_device_eval_batch_size;
    let loss_sum = 0;
    let loss_n = 0;
    const preds: Record<string, Nested[][]> = {};
    const labels: Record<string, Nested[][]> = {};
    try {
      for (let i = 0; i < dataset.length; i += bs) {
        const features = dataset.slice(i, i + bs);
        const inputs = this.data_collator(features);
        try {
          if (loss_only && this.compute_loss_fn) {
            // HF's prediction_step computes the loss with compute_loss too; a custom one (e.g. masked_lm_loss, the
            // MLM head on the masked rows only) then spares the full [batch, seq, vocab] logits here as in training
            const loss = tf.tidy(() => this.compute_loss(this.model, inputs));
            loss_sum += loss.dataSync()[0] * features.length;
            loss_n += features.length;
            loss.dispose();
            this.emit("on_prediction_step");
            await tick();
            continue;
          }
          const out = this.model.forward(inputs) as Record<string, unknown>;
          try {
            if (out.loss instanceof tf.Tensor) {
              loss_sum += out.loss.dataSync()[0] * features.length;
              loss_n += features.length;
            }
            if (!loss_only) {
              for (const [k, v] of Object.entries(out)) {
                if (NOT_PREDICTIONS.has(k) || !(v instanceof tf.Tensor)) continue;
                (preds[k] ??= []).push(v.arraySync() as Nested[]);
              }
              const label_keys = this.args.label_names ?? Object.keys(inputs).filter((k) => k.includes("label") || k === "start_positions" || k === "end_positions");
              for (const k of label_keys) if (inputs[k]) (labels[k] ??= []).push(inputs[k].arraySync() as Nested[]);
            }
          } finally {
            disposeOutput(out);
          }
        } finally {
          tf.dispose(Object.values(inputs));
        }
        this.emit("on_prediction_step");
        await tick();
      }
    } finally {
      this.model.train(was_training);
    }
    const one = (m: Record<string, Nested[][]>) => {
      const keys = Object.keys(m);
      if (keys.length === 0) return null;
      const cat = keys.map((k) => concat_padded(m[k]));
      return cat.length === 1 ? cat[0] : cat;
    };
    const predictions = (one(preds) ?? []) as Nested[] | Nested[][];
    const label_ids = one(labels) as Nested[] | Nested[][] | null;
    const metrics: LogEntry = {};
    if (loss_n > 0) metrics[`${prefix}_loss`] = loss_sum / loss_n;
    if (this.compute_metrics && !loss_only && label_ids !== null) {
      for (const [k, v] of Object.entries(this.compute_metrics({ predictions, label_ids }))) {
        metrics[k.startsWith(`${prefix}_`) ? k : `${prefix}_${k}`] = v;
      }
    }
    return { predictions, label_ids, metrics };
  }
}
// one line: what it trains, on what, how far (utils/repr.ts)
install_repr(Trainer, (t) =>
  `Trainer(model=${short_repr(t.model)}, args=TrainingArguments(output_dir=${pystr(t.args.output_dir)}, ...), train_dataset=${short_repr(t.train_dataset)}, eval_dataset=${short_repr(t.eval_dataset)}, optimizer=${short_repr(t.optimizer)}, lr_scheduler=${short_repr(t.lr_scheduler)}, global_step=${t.state.global_step}, max_steps=${t.state.max_steps})`,
);
