// Losses handed to the user stay usable for as long as the user holds them, and a loop that never disposes
// anything stays flat in memory. tfjs frees a tensor only on dispose() and the garbage collector cannot help a
// synchronous loop (FinalizationRegistry callbacks wait for the loop to end), so the rule is set at the step:
//   - `hand_over(t)` gives `t` to the user; it is a normal tensor until the next optimizer step starts;
//   - `release_handed_over()` (each optimizer step / compute_gradients calls it first) copies the value of every
//     handed-over tensor still on the backend into the tensor object and frees the backend data, so
//     tf.memory() counts only the current step's loss;
//   - a released tensor comes back by itself when it is used again — `loss.item()`, `tf.stack(losses)`,
//     printing — (its `dataId` re-uploads the copied value) and is released again at the next step;
//   - `loss.dispose()` frees it for good, as always.
// A tensor the user drops is plain garbage: its copied value goes with it. The values are small (a loss is one
// number), so keeping every loss of a run (`losses.push(loss)`) costs what keeping the numbers costs.
import { tf } from "../backend";

interface State {
  /** The backend data while the tensor is on the backend. */
  dataId: object;
  /** The copied values while it is released (null while on the backend). */
  values: tf.TypedArray | null;
}

const STATE = new WeakMap<tf.Tensor, State>();
/** Handed-over tensors whose data is on the backend now (released at the next step). */
const ON_BACKEND = new Set<tf.Tensor>();

function materialize(t: tf.Tensor, state: State): void {
  const values = state.values!;
  state.values = null;
  // kept: a tf.tidy around the use must not free it; the fresh wrapper is dropped, its data adopted by `t`.
  const fresh = tf.keep(tf.tensor(values, t.shape, t.dtype));
  state.dataId = fresh.dataId;
  ON_BACKEND.add(t);
}

/**
 * Hands a numeric tensor to the user (see the file header): alive until the user disposes or drops it,
 * its backend memory released at each optimizer step and re-uploaded on use. `t` must be kept (tf.keep) or
 * made outside any tf.tidy scope. Returns `t`.
 */
export function hand_over<T extends tf.Tensor>(t: T): T {
  if (STATE.has(t)) return t;
  if (t.dtype === "string" || t.dtype === "complex64") throw new TypeError(`hand_over: numeric tensors only, got ${t.dtype}`);
  const state: State = { dataId: t.dataId, values: null };
  STATE.set(t, state);
  Object.defineProperty(t, "dataId", {
    get(this: tf.Tensor) {
      if (state.values !== null) materialize(this, state);
      return state.dataId;
    },
    configurable: true,
    enumerable: true,
  });
  Object.defineProperty(t, "dispose", {
    value: function dispose(this: tf.Tensor): void {
      if (this.isDisposed) return;
      ON_BACKEND.delete(this);
      if (state.values !== null) {
        state.values = null;
        (this as unknown as { isDisposedInternal: boolean }).isDisposedInternal = true;
        return;
      }
      tf.Tensor.prototype.dispose.call(this);
    },
    writable: true,
    configurable: true,
    enumerable: false,
  });
  ON_BACKEND.add(t);
  return t;
}

/** Copies the values of the handed-over tensors still on the backend and frees their backend data. */
export function release_handed_over(): void {
  for (const t of ON_BACKEND) {
    const state = STATE.get(t)!;
    if (t.isDisposed || state.values !== null) continue;
    const values = (t.dataSync() as tf.TypedArray).slice();
    tf.engine().disposeTensor(t); // frees this object's reference to the data (reads dataId, dtype, size)
    state.values = values;
  }
  ON_BACKEND.clear();
}

/** Whether `t` was handed to the user (released at each optimizer step, re-uploaded on use). */
export function is_handed_over(t: tf.Tensor): boolean {
  return STATE.has(t);
}

/** How many handed-over tensors hold backend data now (for tests and memory reports). */
export function handed_over_on_backend(): number {
  return ON_BACKEND.size;
}
