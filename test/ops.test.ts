// linear / bmm against tf.matMul on random inputs: forward values and gradients, on the active
// backend (wasm here), through both bmm routes (2-D slices and the batched kernel).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { ready, tf } from "../src/backend";
import { linear, bmm, set_bmm_slice_limit, clear_linear_cache, linear_cache_size, set_linear_cache } from "../src/ops";

before(async () => {
  await ready();
});

function close(a: tf.Tensor, b: tf.Tensor, tol: number, what: string): void {
  assert.deepEqual(a.shape, b.shape, `${what}: shape`);
  const x = a.dataSync();
  const y = b.dataSync();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  assert.ok(m <= tol, `${what}: max |diff| ${m} > ${tol}`);
}

const rnd = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, "float32", seed);

/** Reference linear: x·Wᵀ + b with tf.matMul's transpose flag. */
function refLinear(x: tf.Tensor, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor {
  const y = tf.matMul(x.reshape([-1, w.shape[1]]), w, false, true);
  return (b ? tf.add(y, b) : y).reshape([...x.shape.slice(0, -1), w.shape[0]]);
}

test("linear forward equals x·Wᵀ + b for 2-D and 3-D inputs, with and without bias", () => {
  for (const [shape, out, seed] of [
    [[5, 7], 3, 1],
    [[2, 9, 32], 37, 2],
    [[1, 128, 64], 96, 3],
  ] as [number[], number, number][]) {
    tf.tidy(() => {
      const x = rnd(shape, seed);
      const w = rnd([out, shape[shape.length - 1]], seed + 10) as tf.Tensor2D;
      const b = rnd([out], seed + 20) as tf.Tensor1D;
      close(linear(x, w, b), refLinear(x, w, b), 1e-4, `linear ${shape}→${out}`);
      close(linear(x, w), refLinear(x, w), 1e-4, `linear no bias ${shape}→${out}`);
    });
  }
  clear_linear_cache();
});

test("linear gradients (x, W, b) equal tf.matMul's, through tf.variableGrads", () => {
  const x = tf.variable(rnd([2, 6, 16], 4));
  const w = tf.variable(rnd([24, 16], 5) as tf.Tensor2D);
  const b = tf.variable(rnd([24], 6) as tf.Tensor1D);
  const up = rnd([2, 6, 24], 7); // a non-uniform upstream gradient
  const ours = tf.variableGrads(() => tf.sum(tf.mul(linear(x, w as tf.Tensor2D, b as tf.Tensor1D), up)) as tf.Scalar, [x, w, b]);
  const ref = tf.variableGrads(() => tf.sum(tf.mul(refLinear(x, w as tf.Tensor2D, b as tf.Tensor1D), up)) as tf.Scalar, [x, w, b]);
  for (const v of [x, w, b]) close(ours.grads[v.name], ref.grads[v.name], 1e-4, `d/d${v.name}`);
  assert.ok(Math.abs(ours.value.dataSync()[0] - ref.value.dataSync()[0]) < 1e-3);
  const noBias = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(linear(xx, ww as tf.Tensor2D), up)));
  const refNoBias = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(refLinear(xx, ww as tf.Tensor2D), up)));
  const [g1, g2] = [noBias([x, w]), refNoBias([x, w])];
  close(g1[0], g2[0], 1e-4, "no-bias dx");
  close(g1[1], g2[1], 1e-4, "no-bias dW");
  tf.dispose([x, w, b, up, ours.value, ref.value, ...Object.values(ours.grads), ...Object.values(ref.grads), ...g1, ...g2]);
  clear_linear_cache();
});

test("linear's transposed-weight cache follows Variable.assign and frees disposed weights", () => {
  clear_linear_cache();
  const start = tf.memory().numTensors;
  const x = rnd([3, 4], 8);
  const init = rnd([2, 4], 9);
  const w = tf.variable(init as tf.Tensor2D);
  init.dispose();
  const y1 = linear(x, w as tf.Tensor2D);
  assert.equal(linear_cache_size(), 1);
  const y1b = linear(x, w as tf.Tensor2D);
  assert.equal(linear_cache_size(), 1, "a second call reuses the cached transpose");
  close(y1, y1b, 0, "cached call");
  const fresh = rnd([2, 4], 10);
  w.assign(fresh); // what every optimizer step does
  const y2 = linear(x, w as tf.Tensor2D);
  tf.tidy(() => close(y2, refLinear(x, fresh as tf.Tensor2D), 1e-5, "after assign"));
  assert.ok(Math.abs(y2.dataSync()[0] - y1.dataSync()[0]) > 1e-6, "assign must invalidate the cache");
  tf.dispose([y1, y1b, y2, fresh, x]);
  w.dispose();
  assert.equal(linear_cache_size(), 0, "the entry of a disposed weight is freed");
  assert.equal(tf.memory().numTensors, start, "no tensors leak");
});

test("linear without the cache gives the same values and leaves no tensors behind", () => {
  set_linear_cache(false);
  try {
    const x = rnd([4, 8], 11);
    const w = rnd([5, 8], 12) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const y = linear(x, w);
    assert.equal(tf.memory().numTensors, before + 1);
    close(y, refLinear(x, w), 1e-5, "uncached");
    tf.dispose([x, w, y]);
  } finally {
    set_linear_cache(true);
  }
});

test("linear rejects mismatched shapes with a clear message", () => {
  const x = tf.zeros([2, 5]);
  const w = tf.zeros([3, 4]) as tf.Tensor2D;
  assert.throws(() => linear(x, w), /linear: input last dimension 5 does not match weight \[3,4\] \(expected \[out, 5\]\)/);
  const b = tf.zeros([4]) as tf.Tensor1D;
  assert.throws(() => linear(tf.zeros([2, 4]), w, b), /bias has shape \[4\]; expected \[3\]/);
  tf.dispose([x, w, b]);
});

const BMM_SHAPES: [number[], number, number, number][] = [
  // [leading dims, m, k, n]
  [[2], 3, 4, 5],
  [[2, 4], 9, 8, 9], // [batch, heads, seq, head_dim] as in the goldens
  [[1, 12], 16, 64, 16],
  [[3, 2, 2], 5, 3, 7],
];

for (const limit of [1000, 0]) {
  test(`bmm equals tf.matMul (forward + gradients), slice limit ${limit}`, () => {
    set_bmm_slice_limit(limit);
    try {
      BMM_SHAPES.forEach(([lead, m, k, n], i) => {
        for (const transposeB of [false, true]) {
          const a = rnd([...lead, m, k], 100 + i);
          const b = rnd(transposeB ? [...lead, n, k] : [...lead, k, n], 200 + i);
          const up = rnd([...lead, m, n], 300 + i);
          const what = `bmm [${lead}] ${m}x${k}x${n} transposeB=${transposeB}`;
          close(bmm(a, b, transposeB), tf.matMul(a, b, false, transposeB), 1e-4, what);
          const f = (fn: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor) => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(fn(x, y), up)))([a, b]);
          const g = f((x, y) => bmm(x, y, transposeB));
          const r = f((x, y) => tf.matMul(x, y, false, transposeB));
          close(g[0], r[0], 1e-4, `${what} da`);
          close(g[1], r[1], 1e-4, `${what} db`);
          tf.dispose([a, b, up, ...g, ...r]);
        }
      });
    } finally {
      set_bmm_slice_limit(4096);
    }
  });
}

test("bmm: 2-D operands, broadcasting fallback, and errors", () => {
  tf.tidy(() => {
    const a = rnd([6, 5], 1);
    const b = rnd([7, 5], 2);
    close(bmm(a, b, true), tf.matMul(a, b, false, true), 1e-5, "2-D transposeB");
    const a4 = rnd([2, 3, 4, 5], 3);
    const shared = rnd([5, 6], 4);
    close(bmm(a4, shared), tf.matMul(a4, shared), 1e-5, "broadcast b");
    assert.throws(() => bmm(rnd([2, 3, 4], 5), rnd([2, 5, 4], 6)), /bmm: inner dimensions differ: a \[2,3,4\] has k=4, b \[2,5,4\] has k=5/);
  });
});

test("ops leave no tensors behind (1,000 small forward calls)", () => {
  const x = rnd([2, 9, 32], 1);
  const w = rnd([32, 32], 2) as tf.Tensor2D;
  const q = rnd([2, 4, 9, 8], 3);
  linear(x, w).dispose(); // warm the transpose cache
  const before = tf.memory().numTensors;
  for (let i = 0; i < 1000; i++) {
    tf.tidy(() => {
      const h = linear(x, w);
      bmm(q, q, true);
      return h;
    }).dispose();
  }
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, w, q]);
  clear_linear_cache();
});

test("SlicedMatMul wasm kernel: equals tf.matMul on views of the operands, checks shapes, leaks nothing", async () => {
  const { SLICED_MATMUL } = await import("../src/wasm_kernels");
  assert.ok(tf.getKernel(SLICED_MATMUL, "wasm"), "registered with the wasm backend");
  const a = rnd([5, 7, 3], 1);
  const b = rnd([5, 3, 4], 2);
  const before = tf.memory();
  const c = tf.engine().runKernel(SLICED_MATMUL, { a, b }, {}) as tf.Tensor;
  tf.tidy(() => close(c, tf.matMul(a, b), 1e-5, "sliced kernel"));
  c.dispose();
  assert.equal(tf.memory().numTensors, before.numTensors);
  assert.equal(tf.memory().numBytes, before.numBytes);
  assert.throws(() => tf.engine().runKernel(SLICED_MATMUL, { a, b: rnd([4, 3, 4], 3) }, {}), /expected a \[N, m, k\] and b \[N, k, n\], got \[5,7,3\] and \[4,3,4\]/);
  const empty = tf.engine().runKernel(SLICED_MATMUL, { a: tf.zeros([2, 3, 0]), b: tf.zeros([2, 0, 4]) }, {}) as tf.Tensor;
  assert.deepEqual(Array.from(empty.dataSync()), new Array(24).fill(0), "k = 0 is an empty sum");
  tf.dispose([a, b]);
});

test("tf.where with mixed dtypes (torch.where(mask, labels, -100)) upcasts as the cpu backend does, on every backend, leaking nothing", () => {
  const before = tf.memory();
  const labels = tf.tensor2d([[7592, 2003, 1012]], undefined, "int32");
  const mask = tf.tensor2d([[false, true, false]], undefined, "bool");
  const out = tf.where(mask, labels, -100);
  assert.equal(out.dtype, "float32", tf.getBackend());
  assert.deepEqual(out.arraySync(), [[-100, 2003, -100]]);
  const fill = tf.fill([1, 3], -100, "int32");
  const same = tf.where(mask, labels, fill);
  assert.equal(same.dtype, "int32");
  assert.deepEqual(same.arraySync(), [[-100, 2003, -100]]);
  tf.dispose([labels, mask, out, same, fill]);
  assert.equal(tf.memory().numTensors, before.numTensors);
  assert.equal(tf.memory().numBytes, before.numBytes);
});
