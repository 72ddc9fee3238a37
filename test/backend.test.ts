import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { tf, ready, backend_info } from "../src";

test("default backend is wasm here (tfjs-node is not installable) and the reason says why", async () => {
  const info = await ready();
  assert.equal(info.name, "wasm");
  assert.equal(tf.getBackend(), "wasm");
  assert.match(info.reason, /node unavailable/);
  assert.deepEqual(backend_info(), info);
});

test("the wasm backend has UnsortedSegmentSum, so embedding lookups train", async () => {
  await ready();
  const table = tf.variable(tf.tensor2d([[1, 2], [3, 4], [5, 6]]));
  const ids = tf.tensor1d([2, 0, 2], "int32");
  const g = tf.grad((t: tf.Tensor) => tf.gather(t, ids).sum())(table);
  assert.deepEqual(await g.array(), [[1, 1], [0, 0], [2, 2]]);
  const seg = tf.unsortedSegmentSum(tf.tensor2d([[1, 2], [3, 4], [5, 6]]), tf.tensor1d([1, 1, 5], "int32"), 3);
  assert.deepEqual(await seg.array(), [[0, 0], [4, 6], [0, 0]]);
  tf.dispose([table, ids, g, seg]);
});

test("wasm Identity shares the buffer (clones and tensors saved for gradients cost no copy) and frees it with the last reference", async () => {
  await ready();
  const backend = tf.backend() as unknown as { numDataIds(): number; wasm: { HEAPU8: Uint8Array } };
  const before = tf.memory().numTensors;
  const a = tf.tensor2d([[1, 2], [3, 4]]);
  const ids = backend.numDataIds();
  const c = a.clone();
  assert.equal(backend.numDataIds(), ids, "a clone adds no buffer");
  assert.deepEqual(await c.array(), [[1, 2], [3, 4]]);
  a.dispose(); // the clone keeps the shared buffer alive
  assert.deepEqual(await c.array(), [[1, 2], [3, 4]]);
  assert.equal(backend.numDataIds(), ids);
  c.dispose();
  assert.equal(backend.numDataIds(), ids - 1, "the buffer goes with its last reference");
  // 20 clones of 4 MB grow neither the buffers nor the heap
  const big = tf.ones([1000, 1000]);
  const heap = backend.wasm.HEAPU8.length;
  const clones = Array.from({ length: 20 }, () => big.clone());
  assert.equal(backend.wasm.HEAPU8.length, heap);
  // a Variable's assign swaps its buffer: an earlier clone keeps the old values
  const init = tf.tensor1d([1, 2, 3]);
  const next = tf.tensor1d([7, 8, 9]);
  const v = tf.variable(init);
  const snapshot = v.clone();
  v.assign(next);
  assert.deepEqual(await snapshot.array(), [1, 2, 3]);
  assert.deepEqual(await v.array(), [7, 8, 9]);
  // gradients through ops whose saved inputs are clones stay right
  const x = tf.tensor1d([0.5, -1, 2]);
  const g = tf.grad((t: tf.Tensor) => tf.mul(tf.exp(t), t).sum())(x); // d/dt (t·eᵗ) = eᵗ(1 + t)
  const want = [0.5, -1, 2].map((t) => Math.exp(t) * (1 + t));
  (await g.array() as number[]).forEach((got, i) => assert.ok(Math.abs(got - want[i]) < 1e-5, `grad[${i}] ${got} vs ${want[i]}`));
  tf.dispose([big, ...clones, init, next, v, snapshot, x, g]);
  assert.equal(tf.memory().numTensors, before);
});

function runWithBackend(value: string): { code: number; out: string } {
  const script = `require("./src").ready().then(i => console.log(JSON.stringify(i)), e => { console.error(e.message); process.exit(3); })`;
  try {
    const out = execFileSync(process.execPath, ["--import", "tsx", "-e", script], {
      cwd: __dirname + "/..", env: { ...process.env, BERTLAB_BACKEND: value }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"],
    });
    return { code: 0, out };
  } catch (e) {
    const err = e as { status: number; stderr: string };
    return { code: err.status, out: err.stderr };
  }
}

test("BERTLAB_BACKEND=cpu forces the cpu backend and computes on it", () => {
  const r = runWithBackend("cpu");
  assert.equal(r.code, 0, r.out);
  const info = JSON.parse(r.out.trim().split("\n").pop()!);
  assert.equal(info.name, "cpu");
  assert.equal(info.forced, true);
});

test("BERTLAB_BACKEND=node fails clearly when tfjs-node is not installed", () => {
  const r = runWithBackend("node");
  assert.equal(r.code, 3);
  assert.match(r.out, /BERTLAB_BACKEND=node was requested but the node backend could not be loaded/);
  assert.match(r.out, /npm install @tensorflow\/tfjs-node/);
});

test("an unknown BERTLAB_BACKEND is named in the error with the choices", () => {
  const r = runWithBackend("webgpu");
  assert.equal(r.code, 3);
  assert.match(r.out, /BERTLAB_BACKEND='webgpu'.*expected one of: node, wasm, cpu/);
});
