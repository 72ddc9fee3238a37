// Cache of transposed dense weights: wᵀ [in, out] per weight tensor, so a forward pass does a plain
// 2-D matMul (XNNPACK's fast path on wasm, which also keeps its packed-weight operator per tensor).
// An entry is valid while the weight keeps its dataId: Variable.assign (every optimizer step) gives
// the variable a new dataId, so the next call re-transposes. Entries of disposed weights are freed.
import { tf } from "../backend";

interface Entry {
  dataId: object;
  transposed: tf.Tensor2D;
}

const cache = new Map<tf.Tensor, Entry>();
let enabled = process.env.BERTLAB_LINEAR_CACHE !== "0";
let sinceSweep = 0;

function sweep(): void {
  for (const [w, e] of cache) {
    if (w.isDisposed || w.dataId !== e.dataId) {
      e.transposed.dispose();
      cache.delete(w);
    }
  }
}

/**
 * wᵀ for a [out, in] weight. Cached (kept outside any tidy) when caching is on; otherwise a fresh
 * tensor the caller's tidy disposes. Read `owned` to know whether the caller may dispose it.
 */
export function transposedWeight(weight: tf.Tensor2D): { t: tf.Tensor2D; owned: boolean } {
  if (!enabled) return { t: tf.transpose(weight), owned: true };
  if (++sinceSweep >= 256) {
    sinceSweep = 0;
    sweep();
  }
  const hit = cache.get(weight);
  if (hit && hit.dataId === weight.dataId && !hit.transposed.isDisposed) return { t: hit.transposed, owned: false };
  if (hit) hit.transposed.dispose();
  const t = tf.keep(tf.transpose(weight));
  cache.set(weight, { dataId: weight.dataId, transposed: t });
  return { t, owned: false };
}

/** Turns the cache on/off (off: every call transposes; `BERTLAB_LINEAR_CACHE=0` starts it off). Clears it. */
export function set_linear_cache(on: boolean): void {
  enabled = on;
  clear_linear_cache();
}

/** Frees every cached transpose (e.g. before counting tensors in a leak test). */
export function clear_linear_cache(): void {
  for (const e of cache.values()) e.transposed.dispose();
  cache.clear();
}

/** Number of cached transposes (each is one tfjs tensor). */
export function linear_cache_size(): number {
  sweep();
  return cache.size;
}
