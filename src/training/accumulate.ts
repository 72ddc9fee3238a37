// Gradient accumulation: sum the gradients of several micro-batches (each computed from
// loss / gradient_accumulation_steps, as HF's Trainer does) before one optimizer step.
import { tf } from "../backend";

/**
 * Sums the gradients of several micro-batches before one step (Python: `transformers.GradientAccumulator`); a call with another number of gradients raises.
 * @example
 * ```ts
 * const acc = new GradientAccumulator(); acc.add(grads1); acc.add(grads2); optimizer.step(acc.take())
 * ```
 */
export class GradientAccumulator {
  private sums: tf.NamedTensorMap = {};
  /** Micro-batches added since the last take()/reset(). */
  count = 0;
  /** The gradient names of the first call (null entries included): every later call must give the same ones. */
  private names: string[] | null = null;

  /**
   * Adds `grads` (not disposed: the caller still owns them), optionally scaled. As Python's GradientAccumulator,
   * a call with a different number of gradients than the first raises (`Expected 2 gradients, but got 1`), and
   * so does one naming other gradients or giving another shape; nothing is added then.
   */
  add(grads: tf.NamedTensorMap, scale = 1): void {
    if (grads === null || typeof grads !== "object") throw new TypeError(`GradientAccumulator.add: expected a map of gradients (name → tensor), got ${grads === null ? "null" : typeof grads}`);
    const keys = Object.keys(grads);
    if (this.names === null) this.names = keys;
    else if (keys.length !== this.names.length) throw new Error(`Expected ${this.names.length} gradients, but got ${keys.length}`);
    else {
      const known = new Set(this.names);
      const other = keys.filter((k) => !known.has(k));
      if (other.length) throw new Error(`GradientAccumulator.add: gradient(s) ${JSON.stringify(other)} were not in the first call (${JSON.stringify(this.names.filter((k) => !keys.includes(k)))} are missing)`);
    }
    // every shape is checked before anything is summed, so a refused call leaves the sums as they were
    for (const [name, g] of Object.entries(grads)) {
      const prev = g == null ? undefined : this.sums[name];
      if (prev && !tf.util.arraysEqual(prev.shape, g.shape)) {
        throw new Error(`GradientAccumulator.add: gradient '${name}' has shape [${g.shape}], earlier ones [${prev.shape}]`);
      }
    }
    for (const [name, g] of Object.entries(grads)) {
      if (g == null) continue;
      const prev = this.sums[name];
      const next = tf.tidy(() => {
        const s = scale === 1 ? g.toFloat() : tf.mul(g, scale);
        return prev ? tf.add(prev, s) : s === g ? g.clone() : s;
      });
      if (prev) prev.dispose();
      this.sums[name] = next;
    }
    this.count += 1;
  }

  /** The running sums (still owned by the accumulator). */
  get grads(): tf.NamedTensorMap {
    return this.sums;
  }

  /** Hands the sums over to the caller (who disposes them) and starts again. */
  take(): tf.NamedTensorMap {
    const out = this.sums;
    this.sums = {};
    this.count = 0;
    return out;
  }

  /** Drops and disposes the sums. */
  reset(): void {
    tf.dispose(Object.values(this.sums));
    this.sums = {};
    this.count = 0;
  }
}
