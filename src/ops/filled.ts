// A float32 tensor whose values a callback writes in place — on the wasm backend straight into the
// tensor's memory in the wasm heap (allocated by tf.fill, which runs in wasm and makes no JS copy), so
// a checkpoint reader can pread a weight into its final home with no intermediate array. Other
// backends get one temporary Float32Array, handed to tf.tensor.
import { tf } from "../backend";

interface WasmBackendLike {
  typedArrayFromHeap(t: { shape: number[]; dtype: string; dataId: object }): Float32Array;
}

/** A new float32 tensor of `shape`, its numel(shape) values written by `fill` into the array it is given. */
export function filled_tensor(shape: number[], fill: (dest: Float32Array) => void): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  if (tf.getBackend() === "wasm" && n > 0) {
    const t = tf.fill(shape, 0, "float32");
    try {
      const view = (tf.backend() as unknown as WasmBackendLike).typedArrayFromHeap(t);
      if (view.length !== n) throw new Error(`filled_tensor: the wasm heap view holds ${view.length} values, expected ${n}`);
      fill(view); // nothing allocates in the wasm heap while `fill` runs, so the view stays valid
      return t;
    } catch (e) {
      t.dispose();
      throw e;
    }
  }
  const data = new Float32Array(n);
  fill(data);
  return tf.tensor(data, shape, "float32");
}
