// Checkpoint folders, as HF's Trainer lays them out: output_dir/checkpoint-N/ with the model
// (save_pretrained: config.json + model.safetensors), optimizer.json + optimizer.safetensors (groups,
// steps, moments keyed by HF parameter names so they load into a fresh model), scheduler.json,
// rng_state.json, trainer_state.json and training_args.json. A checkpoint is written into a hidden
// temp folder and renamed into place when complete (../utils/atomic_dir.ts).
import * as fs from "fs";
import * as path from "path";
import { tf } from "../backend";
import { readSafetensors, writeSafetensors, type TensorData } from "../hub/safetensors";
import { writeFileAtomicSync } from "../utils/fs";
import { read_json_file } from "../utils/read_file";
import { recover_dir, write_dir_atomic } from "../utils/atomic_dir";
import { default_generator as nn_generator } from "../nn";
import type { AdamW, AdamWStateDict } from "./adamw";
import { LambdaLR, ReduceLROnPlateau, type LRScheduler } from "./lr_scheduler";
import { default_generator, type Generator, type GeneratorState } from "./rng";

/**
 * The prefix of the Trainer's checkpoint folders, `checkpoint-<step>` (Python: `transformers.trainer_utils.PREFIX_CHECKPOINT_DIR`).
 */
export const PREFIX_CHECKPOINT_DIR = "checkpoint";
export const OPTIMIZER_NAME = "optimizer.json";
export const OPTIMIZER_TENSORS_NAME = "optimizer.safetensors";
export const SCHEDULER_NAME = "scheduler.json";
export const RNG_STATE_NAME = "rng_state.json";
export const TRAINER_STATE_NAME = "trainer_state.json";
export const TRAINING_ARGS_NAME = "training_args.json";

/** What checkpointing needs from a model. */
export interface CheckpointModel {
  named_parameters(): [string, tf.Variable][];
  save_pretrained(dir: string): void;
}

const CHECKPOINT_RE = new RegExp(`^${PREFIX_CHECKPOINT_DIR}-(\\d+)$`);

/** checkpoint-N folders of output_dir, oldest (smallest N) first. */
export function sorted_checkpoints(output_dir: string): string[] {
  if (!fs.existsSync(output_dir)) return [];
  recover_dir(output_dir); // a checkpoint a killed save had committed is finished first

  return fs
    .readdirSync(output_dir)
    .filter((n) => CHECKPOINT_RE.test(n) && fs.statSync(path.join(output_dir, n)).isDirectory())
    .sort((a, b) => Number(CHECKPOINT_RE.exec(a)![1]) - Number(CHECKPOINT_RE.exec(b)![1]))
    .map((n) => path.join(output_dir, n));
}

/** HF `get_last_checkpoint`: the checkpoint-N folder with the largest N, or null. */
export function get_last_checkpoint(output_dir: string): string | null {
  const all = sorted_checkpoints(output_dir);
  return all.length ? all[all.length - 1] : null;
}

/**
 * Deletes the oldest checkpoints beyond save_total_limit (HF `_rotate_checkpoints`): the best checkpoint
 * is moved just before the newest so it survives, and a limit of 1 keeps both when they differ.
 */
export function rotate_checkpoints(output_dir: string, save_total_limit: number | null, best_model_checkpoint: string | null = null): string[] {
  if (save_total_limit === null || save_total_limit <= 0) return [];
  const sorted = sorted_checkpoints(output_dir);
  const best = best_model_checkpoint === null ? -1 : sorted.findIndex((c) => path.resolve(c) === path.resolve(best_model_checkpoint));
  if (best >= 0) {
    for (let i = best; i < sorted.length - 2; i++) [sorted[i], sorted[i + 1]] = [sorted[i + 1], sorted[i]];
  }
  let limit = save_total_limit;
  if (best >= 0 && limit === 1 && path.resolve(sorted[sorted.length - 1]) !== path.resolve(best_model_checkpoint!)) limit = 2;
  const removed = sorted.slice(0, Math.max(0, sorted.length - limit));
  for (const dir of removed) fs.rmSync(dir, { recursive: true, force: true });
  return removed;
}

function json(file: string, value: unknown): void {
  writeFileAtomicSync(file, JSON.stringify(value, null, 2) + "\n");
}

function readJson<T>(file: string): T {
  if (!fs.existsSync(file)) throw new Error(`checkpoint file missing: ${file}`);
  return read_json_file(file, "checkpoint file") as T;
}

function nameMaps(model: CheckpointModel): { toHf: Map<string, string>; toVar: Map<string, string> } {
  const toHf = new Map<string, string>();
  const toVar = new Map<string, string>();
  for (const [hf, v] of model.named_parameters()) {
    toHf.set(v.name, hf);
    toVar.set(hf, v.name);
  }
  return { toHf, toVar };
}

/** optimizer.json (groups and steps, HF parameter names) + optimizer.safetensors (`<name>.exp_avg`, ...). */
export function save_optimizer(optimizer: AdamW, model: CheckpointModel, dir: string): void {
  const sd = optimizer.state_dict();
  const { toHf } = nameMaps(model);
  const hf = (n: string) => {
    const h = toHf.get(n);
    if (!h) throw new Error(`save_optimizer: optimizer variable '${n}' is not a parameter of the model`);
    return h;
  };
  const tensors = new Map<string, TensorData>();
  const state: Record<string, { step: number }> = {};
  for (const [name, s] of Object.entries(sd.state)) {
    const h = hf(name);
    state[h] = { step: s.step };
    tensors.set(`${h}.exp_avg`, s.exp_avg);
    tensors.set(`${h}.exp_avg_sq`, s.exp_avg_sq);
    if (s.max_exp_avg_sq) tensors.set(`${h}.max_exp_avg_sq`, s.max_exp_avg_sq);
  }
  writeSafetensors(path.join(dir, OPTIMIZER_TENSORS_NAME), tensors, { format: "bertlab-optimizer" });
  json(path.join(dir, OPTIMIZER_NAME), {
    optimizer: (optimizer.constructor as { className?: string }).className ?? "AdamW",
    param_groups: sd.param_groups.map((g) => ({ ...g, params: g.params.map(hf) })),
    state,
  });
}

/**
 * Loads an optimizer state saved by save_optimizer from a checkpoint folder (Python: `optimizer.load_state_dict(torch.load("optimizer.pt"))`); `model` maps the saved parameter names to its variables.
 * @example
 * ```ts
 * load_optimizer(optimizer, model, "out/checkpoint-500")
 * ```
 */
export function load_optimizer(optimizer: AdamW, model: CheckpointModel, dir: string): void {
  const meta = readJson<{ param_groups: AdamWStateDict["param_groups"]; state: Record<string, { step: number }> }>(path.join(dir, OPTIMIZER_NAME));
  const { tensors } = readSafetensors(path.join(dir, OPTIMIZER_TENSORS_NAME));
  const { toVar } = nameMaps(model);
  const v = (h: string) => {
    const n = toVar.get(h);
    if (!n) throw new Error(`load_optimizer: checkpoint parameter '${h}' is not in the model`);
    return n;
  };
  const get = (k: string) => {
    const t = tensors.get(k);
    if (!t) throw new Error(`load_optimizer: ${OPTIMIZER_TENSORS_NAME} lacks '${k}'`);
    return t;
  };
  const state: AdamWStateDict["state"] = {};
  for (const [h, s] of Object.entries(meta.state)) {
    state[v(h)] = { step: s.step, exp_avg: get(`${h}.exp_avg`), exp_avg_sq: get(`${h}.exp_avg_sq`), max_exp_avg_sq: tensors.get(`${h}.max_exp_avg_sq`) };
    if (!state[v(h)].max_exp_avg_sq) delete state[v(h)].max_exp_avg_sq;
  }
  optimizer.load_state_dict({ state, param_groups: meta.param_groups.map((g) => ({ ...g, params: g.params.map(v) })) });
}

/**
 * Writes a learning-rate scheduler's state into a checkpoint folder (Python: `torch.save(scheduler.state_dict(), "scheduler.pt")`).
 * @example
 * ```ts
 * save_scheduler(scheduler, "out/checkpoint-500")
 * ```
 */
export function save_scheduler(scheduler: LRScheduler, dir: string): void {
  json(path.join(dir, SCHEDULER_NAME), { type: scheduler instanceof ReduceLROnPlateau ? "ReduceLROnPlateau" : "LambdaLR", state: scheduler.state_dict() });
}

/**
 * Loads a learning-rate scheduler's state from a checkpoint folder (Python: `scheduler.load_state_dict(torch.load("scheduler.pt"))`).
 * @example
 * ```ts
 * load_scheduler(scheduler, "out/checkpoint-500")
 * ```
 */
export function load_scheduler(scheduler: LRScheduler, dir: string): void {
  const { type, state } = readJson<{ type: string; state: never }>(path.join(dir, SCHEDULER_NAME));
  const mine = scheduler instanceof ReduceLROnPlateau ? "ReduceLROnPlateau" : "LambdaLR";
  if (type !== mine) throw new Error(`load_scheduler: ${SCHEDULER_NAME} holds a ${type}, the trainer has a ${mine}`);
  if (scheduler instanceof LambdaLR) scheduler.load_state_dict(state);
  else scheduler.load_state_dict(state);
}

/** The random generators' states saved with a checkpoint (`rng_state.json`) so resumed training draws the same numbers. */
export interface RngState {
  /** bertlab's default generator (collators, NSP pairs, data order helpers). */
  training: GeneratorState;
  /** The model library's generator (dropout masks, weight init). */
  nn: GeneratorState;
  /** The data collator's own generator, when it has one other than the default. */
  collator?: GeneratorState;
}

/**
 * The state of every random generator bertlab uses (Python: the Trainer's `rng_state.pth`), to save with a checkpoint.
 * @example
 * ```ts
 * const state = capture_rng_state()
 * ```
 */
export function capture_rng_state(collator_generator?: unknown): RngState {
  const out: RngState = { training: default_generator.get_state(), nn: nn_generator.get_state() };
  if (collator_generator && collator_generator !== default_generator) out.collator = (collator_generator as Generator).get_state();
  return out;
}

/**
 * Puts every random generator back to a captured state, so a resumed run draws the same numbers.
 * @example
 * ```ts
 * restore_rng_state(capture_rng_state())
 * ```
 */
export function restore_rng_state(state: RngState, collator_generator?: unknown): void {
  default_generator.set_state(state.training);
  nn_generator.set_state(state.nn);
  if (state.collator !== undefined && collator_generator && collator_generator !== default_generator) (collator_generator as Generator).set_state(state.collator);
}

/**
 * Writes the generators' state into a checkpoint folder (rng_state.json, atomically).
 * @example
 * ```ts
 * save_rng_state("out/checkpoint-500")
 * ```
 */
export function save_rng_state(dir: string, collator_generator?: unknown): void {
  json(path.join(dir, RNG_STATE_NAME), capture_rng_state(collator_generator));
}

/**
 * Restores the generators' state saved in a checkpoint folder (rng_state.json), as the Trainer does on resume.
 * @example
 * ```ts
 * load_rng_state("out/checkpoint-500")
 * ```
 */
export function load_rng_state(dir: string, collator_generator?: unknown): void {
  restore_rng_state(readJson<RngState>(path.join(dir, RNG_STATE_NAME)), collator_generator);
}

/** Copies model.safetensors of a checkpoint into the model's variables (every parameter must be there). */
export function load_model_weights(model: CheckpointModel, dir: string): void {
  const file = path.join(dir, "model.safetensors");
  if (!fs.existsSync(file)) throw new Error(`load_model_weights: no model.safetensors in ${dir}`);
  const { tensors } = readSafetensors(file);
  for (const [name, v] of model.named_parameters()) {
    const t = tensors.get(name);
    if (!t) throw new Error(`load_model_weights: ${file} has no '${name}'`);
    if (t.shape.join() !== v.shape.join()) throw new Error(`load_model_weights: '${name}' is [${t.shape}] in ${file}, [${v.shape}] in the model`);
    tf.tidy(() => v.assign(tf.tensor(t.data, t.shape, "float32")));
  }
}

/**
 * Writes a complete checkpoint folder all-or-nothing (../utils/atomic_dir.ts: a hidden temp folder, then a
 * journaled rename; an existing folder of that name is replaced only once the new one is complete, and a
 * folder a killed writer left is finished or deleted by the next save); returns its path.
 */
export function write_checkpoint(output_dir: string, name: string, write: (tmp: string) => void): string {
  return write_dir_atomic(path.join(output_dir, name), write);
}

