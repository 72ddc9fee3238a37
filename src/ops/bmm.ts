// Batched products for attention: [..., m, k] · [..., k, n] → [..., m, n] (the second operand given
// as [..., n, k] when transposeB). On wasm, batched (rank-3/4) matMul and the transpose flags miss
// XNNPACK's fast path (a scalar loop, ~2 GFLOP/s). There the product runs as the SlicedMatMul kernel
// (src/wasm_kernels.ts): one fast-path 2-D matMul per batch entry on views of the operands, after an
// explicit transpose of the right operand when transposeB; the gradients (tf.customGrad) take the
// same route. Without that kernel, small batches fall back to unstack + 2-D matMul + stack (whose
// copies and per-op overhead lose beyond ~16 products) and larger ones to tf.matMul.
// Measured in bench/README.md.
import { tf } from "../backend";
import { onWasm } from "./tape";
import { SLICED_MATMUL } from "../wasm_kernels";

/** Largest batch (product of leading dims) split into 2-D matMuls on wasm. */
export let SLICE_LIMIT = 4096;
/** Largest batch for the unstack fallback (when the SlicedMatMul kernel is not registered). */
const UNSTACK_LIMIT = 16;

/** Overrides the slicing threshold (0 = always use tf.matMul's batched kernel). */
export function set_bmm_slice_limit(n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`set_bmm_slice_limit: expected a non-negative integer, got ${n}`);
  SLICE_LIMIT = n;
}

/** Swaps the last two axes of a rank-3 tensor. */
function swapLast(x: tf.Tensor3D): tf.Tensor3D {
  return tf.transpose(x, [0, 2, 1]);
}

/** a [N, m, k] · b [N, k, n], no transpose flags. */
function mm3(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  const N = a.shape[0];
  if (N > SLICE_LIMIT) return tf.matMul(a, b);
  if (tf.getKernel(SLICED_MATMUL, "wasm")) return tf.engine().runKernel(SLICED_MATMUL, { a, b }, {}) as tf.Tensor3D;
  if (N > UNSTACK_LIMIT) return tf.matMul(a, b);
  if (N === 1) return tf.matMul(a.reshape([a.shape[1], a.shape[2]]), b.reshape([b.shape[1], b.shape[2]])).expandDims(0) as tf.Tensor3D;
  const as = tf.unstack(a) as tf.Tensor2D[];
  const bs = tf.unstack(b) as tf.Tensor2D[];
  return tf.stack(as.map((ai, i) => tf.matMul(ai, bs[i]))) as tf.Tensor3D; // [N, m, n]
}

/** C = A·B (transposeB: B given as Bᵀ), all rank 3, differentiable through the same fast route. */
const product = (transposeB: boolean) =>
  tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const a3 = a as tf.Tensor3D;
    const b3 = b as tf.Tensor3D;
    save([a3, b3]);
    return {
      value: mm3(a3, transposeB ? swapLast(b3) : b3),
      // in a tidy: tfjs keeps a gradFunc's temporaries (the transposed copies) until the backward pass's scope ends
      gradFunc: (dy: tf.Tensor3D, saved: tf.Tensor[]) => {
        const [as, bs] = saved as [tf.Tensor3D, tf.Tensor3D];
        const g = dy as tf.Tensor3D; // [N, m, n]
        if (transposeB) {
          // C = A·Bᵀ with b = B [N, n, k]: dA = dC·B, dB = dCᵀ·A
          return tf.tidy(() => [mm3(g, bs), mm3(swapLast(g), as)]);
        }
        // C = A·B: dA = dC·Bᵀ, dB = Aᵀ·dC
        return tf.tidy(() => [mm3(g, swapLast(bs)), mm3(swapLast(as), g)]);
      },
    };
  });
const plain = product(false);
const transposed = product(true);

/** Batched product over leading dims: a [..., m, k] · b [..., k, n] → [..., m, n] (b given as [..., n, k] when transposeB). */
export function bmm(a: tf.Tensor, b: tf.Tensor, transposeB = false): tf.Tensor {
  if (a.rank < 2 || b.rank < 2) throw new Error(`bmm: expected tensors of rank ≥ 2, got [${a.shape}] and [${b.shape}]`);
  const lead = a.shape.slice(0, -2);
  const sameLead = a.rank === b.rank && lead.every((d, i) => d === b.shape[i]);
  const k = a.shape[a.rank - 1];
  const kb = transposeB ? b.shape[b.rank - 1] : b.shape[b.rank - 2];
  if (k !== kb) {
    throw new Error(`bmm: inner dimensions differ: a [${a.shape}] has k=${k}, b [${b.shape}] has k=${kb}${transposeB ? " (transposeB)" : ""}`);
  }
  // broadcasting leading dims, or no fast path to take: tf.matMul as is
  if (!sameLead || a.rank === 2) return a.rank === 2 && b.rank === 2 && onWasm() ? bmm2d(a as tf.Tensor2D, b as tf.Tensor2D, transposeB) : tf.matMul(a, b, false, transposeB);
  const N = lead.reduce((x, y) => x * y, 1);
  if (!onWasm() || N > SLICE_LIMIT) return tf.matMul(a, b, false, transposeB); // native backends, or large batches
  return tf.tidy(() => {
    const m = a.shape[a.rank - 2];
    const n = transposeB ? b.shape[b.rank - 2] : b.shape[b.rank - 1];
    const a3 = a.reshape([N, m, k]) as tf.Tensor3D;
    const b3 = b.reshape([N, ...b.shape.slice(-2)]) as tf.Tensor3D;
    const c = (transposeB ? transposed : plain)(a3, b3); // [N, m, n]
    return c.reshape([...lead, m, n]);
  });
}

/** 2-D case on wasm: route through the rank-3 path with N = 1 (plain matMul, explicit transpose). */
function bmm2d(a: tf.Tensor2D, b: tf.Tensor2D, transposeB: boolean): tf.Tensor {
  return tf.tidy(() => {
    const c = (transposeB ? transposed : plain)(a.expandDims(0), b.expandDims(0)) as tf.Tensor3D;
    return c.reshape([c.shape[1], c.shape[2]]);
  });
}
