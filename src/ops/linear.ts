// linear(x, W, b) = x·Wᵀ + b with W in PyTorch's [out, in] layout.
// Forward: x reshaped to 2-D, times the cached Wᵀ [in, out] (plain matMul: the wasm fast path).
// Backward (tf.customGrad): dx = dy·W and dW = dyᵀ·x, both plain 2-D matMuls after an explicit
// transpose, db = 1ᵀ·dy (a [1, rows] matMul: 4–8× faster on wasm than tf.sum over axis 0) — never
// matMul's transpose flags, which miss the fast path on wasm.
import { tf } from "../backend";
import { transposedWeight } from "./transpose_cache";
import { recordingGradients } from "./tape";

function check(x: tf.Tensor, weight: tf.Tensor2D, bias?: tf.Tensor1D | null): void {
  if (weight.rank !== 2) throw new Error(`linear: weight must be 2-D [out, in], got shape [${weight.shape}]`);
  const inDim = x.shape[x.shape.length - 1];
  if (weight.shape[1] !== inDim) {
    throw new Error(`linear: input last dimension ${inDim} does not match weight [${weight.shape}] (expected [out, ${inDim}])`);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== weight.shape[0])) {
    throw new Error(`linear: bias has shape [${bias.shape}]; expected [${weight.shape[0]}] (the weight's out dimension)`);
  }
}

/** x2d [rows, in] · Wᵀ [in, out] (+ b). */
function forward2d(x2d: tf.Tensor2D, weight: tf.Tensor2D, bias?: tf.Tensor1D | null): tf.Tensor2D {
  const { t, owned } = transposedWeight(weight);
  // the bias rides along in the same XNNPACK call (_FusedMatMul) instead of a separate Add pass
  const y = (bias ? tf.fused.matMul({ a: x2d, b: t, bias }) : tf.matMul(x2d, t)) as tf.Tensor2D; // [rows, out]
  if (owned) t.dispose();
  return y;
}

type Args = Array<tf.Tensor | tf.GradSaveFunc>;

// tidyGrads: tfjs runs a customGrad's gradFunc outside any tidy and keeps what it allocates until the
// whole backward pass's scope ends (for a training step: the step), so each gradFunc frees its own
// temporaries (here gᵀ and the ones row: for an MLM decoder a [vocab, rows] copy of dlogits) itself.

/** Σ over rows of [rows, out] → [out], as a ones-row matMul. */
function sumRows(g: tf.Tensor2D): tf.Tensor1D {
  return tf.matMul(tf.ones([1, g.shape[0]]), g).reshape([g.shape[1]]);
}

const withBias = tf.customGrad((...args: Args) => {
  const [x, w, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  const x2d = x as tf.Tensor2D; // [rows, in]
  save([x2d, w]);
  return {
    value: forward2d(x2d, w as tf.Tensor2D, b as tf.Tensor1D),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D; // [rows, out]
      return tf.tidy(() => [tf.matMul(g, ws), tf.matMul(tf.transpose(g), xs), sumRows(g)]); // gᵀ freed here, see tidyGrads
    },
  };
});

const noBias = tf.customGrad((...args: Args) => {
  const [x, w, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  const x2d = x as tf.Tensor2D;
  save([x2d, w]);
  return {
    value: forward2d(x2d, w as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D;
      return tf.tidy(() => [tf.matMul(g, ws), tf.matMul(tf.transpose(g), xs)]);
    },
  };
});

/** y = x · weightᵀ + bias, with weight in PyTorch's [out, in] layout. x: [..., in] → [..., out]. */
export function linear(x: tf.Tensor, weight: tf.Tensor2D, bias?: tf.Tensor1D | null): tf.Tensor {
  check(x, weight, bias);
  return tf.tidy(() => {
    const inDim = weight.shape[1];
    const outDim = weight.shape[0];
    const x2d = x.reshape([-1, inDim]) as tf.Tensor2D; // [rows, in]
    let y: tf.Tensor;
    if (!recordingGradients()) y = forward2d(x2d, weight, bias);
    else y = bias ? withBias(x2d, weight, bias) : noBias(x2d, weight);
    return y.reshape([...x.shape.slice(0, -1), outDim]); // [..., out]
  });
}
