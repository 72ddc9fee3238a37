// The few tensor primitives BERT spends its time in. Models call these instead of tf.matMul
// directly, so the fast paths for each backend (2-D matmuls on wasm, explicit transposes,
// batched attention products) live in one place.
import { tf } from "../backend";

/** y = x · weightᵀ + bias, with weight in PyTorch's [out, in] layout. x: [..., in] → [..., out]. */
export function linear(x: tf.Tensor, weight: tf.Tensor2D, bias?: tf.Tensor1D | null): tf.Tensor {
  return tf.tidy(() => {
    const inDim = x.shape[x.shape.length - 1];
    const outDim = weight.shape[0];
    if (weight.shape[1] !== inDim) {
      throw new Error(`linear: input last dimension ${inDim} does not match weight [${weight.shape}] (expected [out, ${inDim}])`);
    }
    const x2d = x.reshape([-1, inDim]); // [rows, in]
    let y = tf.matMul(x2d, weight, false, true); // [rows, out]
    if (bias) y = tf.add(y, bias);
    return y.reshape([...x.shape.slice(0, -1), outDim]);
  });
}

/** Batched product over leading dims: a [..., m, k] · b [..., k, n] → [..., m, n] (b given as [..., n, k] when transposeB). */
export function bmm(a: tf.Tensor, b: tf.Tensor, transposeB = false): tf.Tensor {
  return tf.matMul(a, b, false, transposeB);
}
