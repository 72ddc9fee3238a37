import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { tf, ready } from "../src/backend";
import { clip_grad_norm } from "../src/training/clip";
import { GradientAccumulator } from "../src/training/accumulate";
import { Generator, default_generator, set_seed } from "../src/training/rng";

// Python's json writes the inf norm as a bare `Infinity` token, which JSON.parse rejects.
const CLIP_TEXT = fs.readFileSync(path.join(__dirname, "fixtures/optim/clip_grad_norm.json"), "utf8").replace(/: Infinity\b/g, ': "Infinity"');
const CLIP = JSON.parse(CLIP_TEXT, (_k, v) => (v === "Infinity" ? Infinity : v));
const SHAPES = [[3], [2, 4], [5]];

test("clip_grad_norm matches torch.nn.utils.clip_grad_norm_ (L2, inf, L1; clipped and not) on clip_grad_norm.json", async () => {
  await ready();
  assert.equal(CLIP.cases.length, 6);
  assert.ok(CLIP.cases.some((c: { norm_type: number }) => c.norm_type === Infinity));
  for (const c of CLIP.cases) {
    const before = tf.memory().numTensors;
    const grads: tf.NamedTensorMap = {};
    c.grads_before.forEach((g: number[], i: number) => (grads[`g${i}`] = tf.tensor(g, SHAPES[i])));
    const { grads: out, total_norm } = clip_grad_norm(grads, c.max_norm, c.norm_type);
    assert.ok(Math.abs(total_norm - c.total_norm) <= 2e-7 * c.total_norm, `norm ${c.norm_type}: ${total_norm} vs ${c.total_norm}`);
    c.grads_after.forEach((g: number[], i: number) => {
      const got = out[`g${i}`].dataSync();
      g.forEach((e, j) => assert.ok(Math.abs(got[j] - e) <= 2e-7 * Math.abs(e) + 1e-9, `max_norm ${c.max_norm} norm ${c.norm_type} g${i}[${j}]: ${got[j]} vs ${e}`));
    });
    tf.dispose([...Object.values(grads), ...Object.values(out)]);
    assert.equal(tf.memory().numTensors, before, "no leaked tensors");
  }
  const bad = { g: tf.tensor1d([NaN, 1]) };
  assert.throws(() => clip_grad_norm(bad, 1, 2, true), /total norm of order 2 for gradients from `parameters` is non-finite/);
  assert.throws(() => clip_grad_norm(bad, 1, -1), /norm_type must be a non-negative number or 'inf', got -1/);
  bad.g.dispose();
});

test("GradientAccumulator sums micro-batch gradients and hands them over", async () => {
  await ready();
  const acc = new GradientAccumulator();
  const before = tf.memory().numTensors;
  const a = { w: tf.tensor1d([1, 2]), b: tf.scalar(1) };
  const b = { w: tf.tensor1d([3, 4]), b: tf.scalar(-2) };
  acc.add(a);
  acc.add(b, 0.5);
  assert.equal(acc.count, 2);
  tf.dispose([...Object.values(a), ...Object.values(b)]);
  const sums = acc.take();
  assert.deepEqual(Array.from(sums.w.dataSync()), [2.5, 4]);
  assert.deepEqual(Array.from(sums.b.dataSync()), [0]);
  assert.equal(acc.count, 0);
  tf.dispose(Object.values(sums));
  assert.equal(tf.memory().numTensors, before);
  const w2 = tf.ones([2]), b0 = tf.scalar(0), w3 = tf.ones([3]);
  acc.add({ w: w2, b: b0 });
  assert.throws(() => acc.add({ w: w3, b: b0 }), /gradient 'w' has shape \[3\], earlier ones \[2\]/);
  // a shape refused on a later gradient leaves the earlier ones unsummed too (nothing half-added)
  const b1 = tf.tensor1d([5]);
  assert.throws(() => acc.add({ w: w2, b: b1 }), /gradient 'b' has shape \[1\], earlier ones \[\]/);
  assert.deepEqual(Array.from(acc.grads.w.dataSync()), [1, 1]);
  assert.equal(acc.count, 1);
  b1.dispose();
  acc.reset();
  // Python's GradientAccumulator: a call with another number of gradients raises (the count stays), across reset() too
  acc.add({ w: w2, b: b0 });
  assert.throws(() => acc.add({ w: w2 }), { message: "Expected 2 gradients, but got 1" });
  assert.throws(() => acc.add({ w: w2, b: b0, c: b0 }), { message: "Expected 2 gradients, but got 3" });
  assert.throws(() => acc.add({ w: w2, c: b0 }), /gradient\(s\) \["c"\] were not in the first call \(\["b"\] are missing\)/);
  assert.equal(acc.count, 1);
  acc.reset();
  assert.throws(() => acc.add({ w: w2 }), { message: "Expected 2 gradients, but got 1" });
  tf.dispose([w2, b0, w3]);
  assert.equal(tf.memory().numTensors, before);
});

test("Generator: seeded streams are reproducible, state round-trips through JSON, draws have the right distribution", () => {
  const g = new Generator(1234);
  const first = Array.from({ length: 5 }, () => g.next_uint32());
  assert.deepEqual(Array.from({ length: 5 }, () => new Generator(1234)).map((x) => x.next_uint32()), Array(5).fill(first[0]));
  assert.notDeepEqual(new Generator(1235).next_uint32(), first[0]);
  const saved = JSON.parse(JSON.stringify(g.get_state()));
  const next = [g.random(), g.randint(10), g.normal(), g.randint(-5, 5)];
  const h = new Generator(0).set_state(saved);
  assert.deepEqual([h.random(), h.randint(10), h.normal(), h.randint(-5, 5)], next);
  // uniformity and bernoulli rate over many draws (fixed seed: deterministic)
  const r = new Generator(7);
  const counts = new Array(10).fill(0);
  let hits = 0;
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < 100000; i++) {
    counts[r.randint(10)]++;
    if (r.bernoulli(0.15)) hits++;
    const z = r.normal();
    sum += z;
    sq += z * z;
  }
  for (const c of counts) assert.ok(Math.abs(c - 10000) < 400, `randint bucket ${c}`);
  assert.ok(Math.abs(hits / 100000 - 0.15) < 0.004, `bernoulli rate ${hits / 100000}`);
  assert.ok(Math.abs(sum / 100000) < 0.01 && Math.abs(sq / 100000 - 1) < 0.02, "normal mean 0, variance 1");
  const perm = new Generator(3).randperm(50);
  assert.deepEqual([...perm].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
  assert.notDeepEqual(perm, Array.from({ length: 50 }, (_, i) => i));
  set_seed(99);
  const d1 = default_generator.next_uint32();
  set_seed(99);
  assert.equal(default_generator.next_uint32(), d1);
  assert.throws(() => g.randint(3, 3), /expected integers low < high/);
  assert.throws(() => g.set_state({ algorithm: "xoshiro128**", s: [0, 0, 0, 0], seed: 0 }), /all-zero state/);
  assert.throws(() => new Generator(NaN), /seed must be a finite number, got NaN/);
});
