// Peak memory of one BERT forward (and backward), estimated from the config and the input's shape before
// anything is allocated, and the memory budget calls are checked against. Shared by the model forward, the
// pipelines and the explanations (src/explain/guard.ts), so a request that cannot fit is refused with its size,
// the budget and the option that reduces it — instead of aborting wasm at 4 GB or corrupting its heap.
import * as os from "os";
import { tf } from "../../backend";

const GB = 1024 ** 3;
/** wasm32's heap cannot grow past 4 GiB; a quarter is left for what else the process holds. */
const WASM_HEAP = 4 * GB;
let budget_override: number | null = null;

/**
 * Bytes one call (a forward, a pipeline batch, an explanation) may allocate at once. Default: half the
 * machine's memory (on the wasm backend, at most 3 GiB of its 4 GiB heap), less what tfjs already holds.
 * `BERTLAB_MEMORY_BUDGET` (bytes, or "512MB", "2GB") or `set_memory_budget(bytes)` set it;
 * `set_memory_budget(null)` goes back to the default.
 */
export function memory_budget(): number {
  if (budget_override != null) return budget_override;
  const env = process.env.BERTLAB_MEMORY_BUDGET?.trim();
  if (env) {
    const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(env);
    if (!m) throw new Error(`BERTLAB_MEMORY_BUDGET="${env}": expected bytes or a size such as 512MB or 2GB`);
    return Number(m[1]) * { b: 1, kb: 1024, mb: 1024 ** 2, gb: GB }[(m[2] ?? "b").toLowerCase() as "b"];
  }
  const held = tf.memory().numBytes;
  const limit = tf.getBackend() === "wasm" ? Math.min(os.totalmem() / 2, WASM_HEAP * 0.75) : os.totalmem() / 2;
  return Math.max(0, limit - held);
}

/**
 * Sets the bytes one call may allocate at once (see memory_budget); a request estimated over it is refused
 * before it allocates anything, naming its size and the option that reduces it. `null` goes back to the default
 * (BERTLAB_MEMORY_BUDGET, else half the machine's memory less what tfjs holds). Anything but a positive number
 * or null is an error.
 * @example
 * ```ts
 * set_memory_budget(2 * 1024 ** 3);  // 2 GiB
 * set_memory_budget(null);           // back to the default
 * ```
 */
export function set_memory_budget(bytes: number | null): void {
  if (bytes !== null && !(typeof bytes === "number" && Number.isFinite(bytes) && bytes > 0)) {
    throw new Error(`set_memory_budget: expected a positive number of bytes or null (the default), got ${String(bytes)}`);
  }
  budget_override = bytes;
}

export const format_bytes = (n: number): string => (n >= GB ? `${(n / GB).toFixed(1)} GB` : `${(n / 1024 ** 2).toFixed(1)} MB`);

/** The config fields the estimate reads. */
export interface SizedConfig {
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  vocab_size: number;
}

/** The shape of one call: `batch` sequences of `seq` tokens; `grad` when a backward follows (training, saliency). */
export interface ForwardShape {
  batch: number;
  seq: number;
  grad?: boolean;
  output_attentions?: boolean;
  output_hidden_states?: boolean;
}

/**
 * Bytes (float32) one forward of the tfjs engine holds at its peak, from the config's shapes. The forward runs in
 * one tf.tidy, so every intermediate lives until the call returns: the peak is the sum over layers, not one
 * layer's working set. Per layer and sequence (s tokens, hidden h, H heads, intermediate I), with coefficients
 * measured with tf.profile (peakBytes) and rounded up:
 *   20·s·h   (q, k, v and their head-split copies, context, dense outputs, residuals, LayerNorms)
 * + 6·H·s²   (scores, the scaled + masked scores, probabilities, dropout / head-mask copies)
 * + 4·s·I    (intermediate, its GELU and the temporaries GELU makes)
 * plus 10·s·h for the embeddings, 3·s·V for an MLM / pre-training head's logits, L·H·s² more when
 * output_attentions and (L+1)·s·h when output_hidden_states (kept as outputs). The weights are already held and
 * not counted (the budget is what is free); the transient copy tfjs makes of dense kernels fits under the
 * measured peak (0.84× this estimate for a 2-layer model at batch 8 × 128 tokens). A backward (`grad`) keeps
 * what the forward made and makes its gradients: ×5 (measured 4.2× with tf.grad in eval mode, 4.7× for
 * training with dropout and weight gradients, without the optimizer). A whole training step — forward, backward and
 * the optimizer's update, with an MLM head's vocabulary-sized loss gradient — is sized by training_step_peak_bytes.
 */
export function forward_peak_bytes(config: SizedConfig, arch: string, shape: ForwardShape): number {
  const { hidden_size: h, num_hidden_layers: L, num_attention_heads: H, intermediate_size: I, vocab_size: V } = config;
  const { batch: b, seq: s } = shape;
  const per_layer = 20 * s * h + 6 * H * s * s + 4 * s * I;
  const lm = /MaskedLM|PreTraining|LMHead/.test(arch) ? 3 * s * V : 0;
  const kept = (shape.output_attentions ? L * H * s * s : 0) + (shape.output_hidden_states ? (L + 1) * s * h : 0);
  const activations = b * (L * per_layer + 10 * s * h + lm + kept);
  return 4 * activations * (shape.grad ? 5 : 1);
}

/** Refuses a request whose estimated size is over the budget, naming both and what reduces it. */
export function check_memory(fn: string, bytes: number, reduce: string): void {
  const budget = memory_budget();
  if (bytes > budget) {
    throw new Error(`${fn}: this request needs about ${format_bytes(bytes)} at once, over the memory budget of ${format_bytes(budget)} (${reduce}; set_memory_budget(bytes) or BERTLAB_MEMORY_BUDGET change the budget)`);
  }
}

/** True inside tf.grad / tf.variableGrads (a backward will follow this forward). */
export function under_gradient_tape(): boolean {
  const state = (tf.engine() as unknown as { state?: { gradientDepth?: number } }).state;
  return (state?.gradientDepth ?? 0) > 0; // activeTape may outlive a failed tf.grad; the depth is reset in a finally
}

/** [batch, seq] of a model input (tensor or nested array) without converting it; null when it has no shape yet. */
function leading_shape(v: unknown): number[] | null {
  if (v instanceof tf.Tensor) return v.shape;
  if (!Array.isArray(v)) return null;
  const shape: number[] = [];
  for (let level: unknown = v; Array.isArray(level); level = level[0]) shape.push(level.length);
  return shape;
}

/** What the check reads from the model: its mode, and (hook) how many positions its head gives vocabulary logits. */
export interface SizedModel {
  training?: boolean;
  /**
   * Hook for a head that computes vocabulary logits for some positions only (e.g. the labelled ones in training):
   * their number for these inputs, or null/undefined for every position.
   */
  vocab_logit_positions?: (inputs: Record<string, unknown>) => number | null | undefined;
}

/**
 * The model forward's memory check (before any tensor is made): batch and seq from input_ids ([seq],
 * [batch, seq] or [batch, choices, seq]) or inputs_embeds ([batch, seq, hidden]).
 */
export function check_forward_memory(arch: string, config: SizedConfig & { output_attentions?: boolean; output_hidden_states?: boolean }, inputs: Record<string, unknown>, model?: SizedModel): void {
  const ids = leading_shape(inputs.input_ids);
  const embeds = ids ? null : leading_shape(inputs.inputs_embeds);
  const dims = ids ?? (embeds ? embeds.slice(0, -1) : null);
  if (!dims || dims.length === 0) return; // the input checks name what is missing
  const seq = dims[dims.length - 1];
  const batch = dims.slice(0, -1).reduce((a, d) => a * d, 1);
  const output_attentions = (inputs.output_attentions as boolean | undefined) ?? config.output_attentions ?? false;
  const output_hidden_states = (inputs.output_hidden_states as boolean | undefined) ?? config.output_hidden_states ?? false;
  if (under_gradient_tape()) {
    // A training step (training mode, or inside Optimizer.compute_gradients / the Trainer) is sized as a whole step.
    // Other forwards under a tape (explain's gradients, in eval mode) are sized by their caller (explain/guard.ts).
    if (model?.training || step_context) check_training_memory(arch, config, batch, seq, model?.vocab_logit_positions?.(inputs) ?? vocab_logits ?? undefined);
    return;
  }
  const grad = false;
  const bytes = forward_peak_bytes(config, arch, { batch, seq, grad, output_attentions, output_hidden_states });
  const reduce = [`fewer sequences per call (batch ${batch})`, `shorter inputs (${seq} tokens: tokenizer max_length)`];
  if (output_attentions) reduce.push("output_attentions: false");
  if (output_hidden_states) reduce.push("output_hidden_states: false");
  check_memory(`${arch}.forward`, bytes, `${grad ? "forward + backward; " : ""}reduce it with ${reduce.join(", ")}`);
}

/** The shape of one training step: `batch` sequences of `seq` tokens, forward + backward + the optimizer's update. */
export interface TrainingStepShape {
  batch: number;
  seq: number;
  /**
   * Positions that get vocabulary-sized logits: by default all batch × seq for an MLM / pre-training / LM head
   * and none for other architectures; the labelled count when only labelled positions get logits (masked_lm_loss
   * on a BertModel's output, or a head that does the same).
   */
  vocab_positions?: number;
  /** Parameters differentiated (their gradients are made); default: the config's BERT parameter count. */
  parameters?: number;
  /** The largest one parameter (the optimizer updates one at a time); default: the word embeddings, vocab × hidden. */
  largest_parameter?: number;
  /** Whether the optimizer's per-parameter state (AdamW's two moments) already exists; false: this step makes it. */
  optimizer_state?: boolean;
  /** More parameter-sized copies the caller holds at the update (the Trainer: accumulated and clipped gradients). */
  gradient_copies?: number;
  /**
   * The tfjs backend: on "cpu" the embedding lookup's gradient (UnsortedSegmentSum) loops over the vocabulary and
   * holds a masked copy of the batch's gradient per vocabulary row until it returns — vocab × tokens × (hidden + 2)
   * floats that tfjs's byte counter does not see (8 GB for mini-BERT at 8 × 64 tokens).
   */
  backend?: string;
}

/** BERT's parameter count from its config (embeddings, layers, pooler; an MLM head's transform and decoder bias). */
export function bert_parameter_count(config: SizedConfig & { max_position_embeddings?: number; type_vocab_size?: number }, arch = "BertModel"): number {
  const { hidden_size: h, num_hidden_layers: L, intermediate_size: I, vocab_size: V } = config;
  const P = config.max_position_embeddings ?? 512;
  const T = config.type_vocab_size ?? 2;
  const embeddings = (V + P + T) * h + 2 * h;
  const layer = 4 * (h * h + h) + 2 * h * I + I + h + 4 * h;
  const lm = is_lm(arch) ? h * h + 3 * h + V : 0;
  const pooler = /MaskedLM|LMHead/.test(arch) ? 0 : h * h + h; // the MLM and LM heads have no pooler
  return embeddings + L * layer + pooler + lm;
}

const is_lm = (arch: string) => /MaskedLM|PreTraining|LMHead/.test(arch);

/** Coefficients (floats) of training_step_peak_bytes, fitted to scripts/measure-train-memory.ts (bench/results/train-memory.md). */
const TRAIN = {
  /** per layer, per token: s·h-sized tensors the tape holds (every op's output and dropout mask) and their gradients */
  token_hidden: 125,
  /** per layer: H·s²-sized tensors per sequence (scores, probabilities, dropout mask, their gradients) */
  attention: 20,
  /** per layer, per token: s·I-sized tensors (intermediate, GELU's temporaries, their gradients) */
  intermediate: 34,
  /** embeddings and the head, per token: s·h-sized */
  embeddings: 10,
  /** vocabulary-sized tensors per position with logits (the logits, softmax, one-hot, difference, gradients) */
  vocab: 9,
  /** the word embeddings' dense gradient and its transposed copy (vocab × hidden each) */
  embedding_grad: 2,
  /** the optimizer's temporaries of the largest parameter, and the moments it creates (per parameter) */
  update: 7,
  moments: 3,
};

/**
 * Bytes (float32) one training step holds at its peak above what was held before it (the weights, and the
 * optimizer state once it exists). tfjs keeps every tensor the forward made (and every gradient the backward
 * made) until the step's tape is done, so the peak is the sum, at one of two moments:
 *  - the end of the backward: per layer 125·s·h + 20·H·s² + 34·s·I floats per sequence (every op's output, the
 *    dropout masks, their gradients), 10·s·h for the embeddings and head, 9·V per position with vocabulary
 *    logits (logits, softmax, one-hot, difference, their gradients), the word embeddings' dense gradient and its
 *    transposed copy (2·V·h) and the parameters' gradients (P);
 *  - the optimizer's update: the gradients (P, and `gradient_copies` more P), the moments AdamW creates on its
 *    first step (counted 3·P) and the update's temporaries of the largest parameter (7 × V·h for the word embeddings).
 * On the cpu backend the word embeddings' gradient adds V × b·s × (h + 2) floats at the end of the backward.
 * The coefficients are measured upper bounds (scripts/measure-train-memory.ts: tf.profile's peakBytes of
 * classification, token-classification, QA, MLM and pre-training steps of 2- and 4-layer models on the wasm and
 * cpu backends; the table is in bench/results/train-memory.md), rounded up by 10–20 %.
 */
export function training_step_peak_bytes(config: SizedConfig, arch: string, shape: TrainingStepShape): number {
  const { hidden_size: h, num_hidden_layers: L, num_attention_heads: H, intermediate_size: I, vocab_size: V } = config;
  const { batch: b, seq: s } = shape;
  const per_layer = TRAIN.token_hidden * s * h + TRAIN.attention * H * s * s + TRAIN.intermediate * s * I; // per sequence
  const vocab = TRAIN.vocab * (shape.vocab_positions ?? (is_lm(arch) ? b * s : 0)) * V;
  const P = shape.parameters ?? bert_parameter_count(config, arch);
  const largest = shape.largest_parameter ?? V * h;
  const segment_sum = shape.backend === "cpu" ? V * (b * s * (h + 2) + h) : 0;
  const backward = b * (L * per_layer + TRAIN.embeddings * s * h) + vocab + TRAIN.embedding_grad * V * h + P + segment_sum;
  const update = (1 + (shape.gradient_copies ?? 0)) * P + (shape.optimizer_state ? 0 : TRAIN.moments * P) + TRAIN.update * largest;
  return 4 * Math.max(backward, update);
}

/** What the training loop running now tells the forward's memory check (set by Optimizer.compute_gradients and the Trainer). */
export interface TrainingStepContext {
  /** Who is refusing: "Trainer.training_step", "AdamW.compute_gradients"... */
  fn: string;
  /** Elements of the parameters differentiated, and of the largest one. */
  parameters?: number;
  largest_parameter?: number;
  optimizer_state?: boolean;
  gradient_copies?: number;
  /** The options that reduce a step, in the caller's words (e.g. per_device_train_batch_size 32 → 16 with gradient_accumulation_steps 2). */
  reduce?: (batch: number, seq: number) => string[];
}

let step_context: TrainingStepContext | null = null;
let vocab_logits: number | null = null;

/**
 * Runs `fn` — a forward whose output a loss then projects onto the vocabulary for `positions` positions only
 * (masked_lm_loss: the labelled ones) — so that the training step's memory check counts those logits (and their
 * gradient) instead of none (a BertModel forward) or every position (an MLM head).
 */
export function with_vocab_logits<T>(positions: number, fn: () => T): T {
  const outer = vocab_logits;
  vocab_logits = positions;
  try {
    return fn();
  } finally {
    vocab_logits = outer;
  }
}

/** Runs `fn` (a step's forward and backward) with `context` visible to the forward's memory check. */
export function with_training_step<T>(context: TrainingStepContext, fn: () => T): T {
  const outer = step_context;
  step_context = context;
  try {
    return fn();
  } finally {
    step_context = outer;
  }
}

/** Elements of a list of variables, and of the largest. */
export function parameter_sizes(vars: Array<{ size: number }>): { parameters: number; largest_parameter: number } {
  let parameters = 0;
  let largest_parameter = 0;
  for (const v of vars) {
    parameters += v.size;
    largest_parameter = Math.max(largest_parameter, v.size);
  }
  return { parameters, largest_parameter };
}

/**
 * The memory check of a forward under a gradient tape in training mode (a training step): the whole step's peak —
 * forward, backward and the optimizer's update — against the budget, refused before the forward allocates,
 * naming the size, the budget and the options that reduce it.
 */
function check_training_memory(arch: string, config: SizedConfig, batch: number, seq: number, vocab_positions: number | undefined): void {
  const ctx = step_context;
  const bytes = training_step_peak_bytes(config, arch, {
    batch, seq, vocab_positions,
    parameters: ctx?.parameters, largest_parameter: ctx?.largest_parameter,
    optimizer_state: ctx?.optimizer_state ?? false, gradient_copies: ctx?.gradient_copies, backend: tf.getBackend(),
  });
  const budget = memory_budget();
  if (bytes <= budget) return;
  const reduce = ctx?.reduce?.(batch, seq) ?? [
    `fewer sequences per step (batch ${batch}; accumulate gradients over smaller batches: optimizer.compute_gradients(closure) per micro-batch, then optimizer.step())`,
    `shorter inputs (${seq} tokens: tokenizer max_length)`,
  ];
  if (tf.getBackend() === "cpu") reduce.push("the wasm backend (BERTLAB_BACKEND=wasm: on cpu the embeddings' gradient holds vocabulary × tokens × hidden floats)");
  const lm = is_lm(arch) && vocab_positions === undefined ? "; an MLM head's logits over the vocabulary for every position are counted: masked_lm_loss computes them for the labelled positions only" : "";
  throw new Error(
    `${ctx?.fn ?? `${arch}.forward`}: this training step (forward, backward and optimizer update) needs about ${format_bytes(bytes)} at once, ` +
      `over the memory budget of ${format_bytes(budget)} (reduce it with ${reduce.join(", ")}${lm}; set_memory_budget(bytes) or BERTLAB_MEMORY_BUDGET change the budget)`,
  );
}
