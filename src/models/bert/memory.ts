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
 * training with dropout and weight gradients).
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

/**
 * The model forward's memory check (before any tensor is made): batch and seq from input_ids ([seq],
 * [batch, seq] or [batch, choices, seq]) or inputs_embeds ([batch, seq, hidden]).
 */
export function check_forward_memory(arch: string, config: SizedConfig & { output_attentions?: boolean; output_hidden_states?: boolean }, inputs: Record<string, unknown>): void {
  const ids = leading_shape(inputs.input_ids);
  const embeds = ids ? null : leading_shape(inputs.inputs_embeds);
  const dims = ids ?? (embeds ? embeds.slice(0, -1) : null);
  if (!dims || dims.length === 0) return; // the input checks name what is missing
  const seq = dims[dims.length - 1];
  const batch = dims.slice(0, -1).reduce((a, d) => a * d, 1);
  const output_attentions = (inputs.output_attentions as boolean | undefined) ?? config.output_attentions ?? false;
  const output_hidden_states = (inputs.output_hidden_states as boolean | undefined) ?? config.output_hidden_states ?? false;
  // A forward under a gradient tape (training, explain) is sized by its caller: explain's guard does; the backward
  // factor below was measured on the encoder only, not on an MLM head's vocabulary-sized loss gradient, so training
  // forwards are not refused on it.
  if (under_gradient_tape()) return;
  const grad = false;
  const bytes = forward_peak_bytes(config, arch, { batch, seq, grad, output_attentions, output_hidden_states });
  const reduce = [`fewer sequences per call (batch ${batch})`, `shorter inputs (${seq} tokens: tokenizer max_length)`];
  if (output_attentions) reduce.push("output_attentions: false");
  if (output_hidden_states) reduce.push("output_hidden_states: false");
  check_memory(`${arch}.forward`, bytes, `${grad ? "forward + backward; " : ""}reduce it with ${reduce.join(", ")}`);
}
