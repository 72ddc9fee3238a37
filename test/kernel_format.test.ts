// format_tensor against real PyTorch 1.13 reprs (test/fixtures/kernel/torch_repr.json, made by make_torch_repr.py).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as util from "node:util";
import { tf, ready } from "../src/backend";
import { format_tensor, format_values, inspect, install_inspect, print_options, set_printoptions } from "../src/utils/format";

type Case = { name: string; dtype: string; shape: number[]; data: Array<number | boolean | string>; repr: string };
const fixture: { cases: Case[] } = JSON.parse(
  fs.readFileSync(path.join(__dirname, "fixtures", "kernel", "torch_repr.json"), "utf8"),
);

const num = (v: number | boolean | string) => (v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : Number(v));

function to_tensor(c: Case): tf.Tensor {
  if (c.dtype === "bool") return tf.tensor(c.data.map((v) => (v ? 1 : 0)), c.shape, "bool");
  if (c.dtype === "int64") return tf.tensor(c.data.map(num), c.shape, "int32");
  return tf.tensor(Float32Array.from(c.data.map(num)), c.shape, "float32");
}

test("format_tensor matches torch's repr for every fixture case (int64 ↔ tfjs int32)", async () => {
  await ready();
  assert.ok(fixture.cases.length >= 20);
  for (const c of fixture.cases) {
    const t = to_tensor(c);
    assert.equal(format_tensor(t), c.repr, `case ${c.name}`);
    t.dispose();
  }
});

test("the seed's NSP logits print as in the walkthrough", async () => {
  await ready();
  const t = tf.tensor2d([[5.995, -5.5033]]);
  assert.equal(format_tensor(t), "tensor([[ 5.9950, -5.5033]])");
  t.dispose();
});

test("summarized 3-D logits use 3 edge items with `...` rows and columns", () => {
  const c = fixture.cases.find((x) => x.name === "logits_3d_summarized")!;
  const s = format_values(Float32Array.from(c.data.map(num)), c.shape, "float32");
  const lines = s.split("\n");
  assert.equal(lines.length, 7);
  assert.equal(lines[3].trim(), "...,");
  assert.ok(lines.every((l) => l.length <= 80), "no line past 80 columns");
  assert.match(lines[0], /^tensor\(\[\[\[.*, {2}\.\.\., /);
});

test("non-default dtypes are named, disposed tensors say so, bad input is named", async () => {
  await ready();
  assert.equal(format_values([1, 2], [2], "complex64"), "tensor([1, 2], dtype=complex64)");
  const t = tf.tensor1d([1, 2]);
  t.dispose();
  assert.equal(format_tensor(t), "tensor(<disposed>, shape=[2], dtype=float32)");
  assert.throws(() => format_tensor([1, 2] as unknown as tf.Tensor), /format_tensor: expected a tf.Tensor, got \[ 1, 2 \]/);
});

test("util.inspect (console.log, a cell's last expression) uses the torch-style repr, records too", async () => {
  await ready();
  install_inspect();
  const logits = tf.tensor2d([[5.995, -5.5033]]);
  assert.equal(util.inspect(logits), "tensor([[ 5.9950, -5.5033]])");
  const out = inspect({ logits, loss: undefined });
  assert.match(out, /logits: tensor\(\[\[ 5\.9950, -5\.5033\]\]\)/);
  const before = tf.memory().numTensors;
  util.inspect(logits);
  assert.equal(tf.memory().numTensors, before, "printing allocates no tensors");
  logits.dispose();
});

test("set_printoptions changes precision/threshold like torch's and rejects bad options by name", () => {
  const saved = { ...print_options };
  try {
    set_printoptions({ precision: 2 });
    assert.equal(format_values([0.123456, -1.5], [2], "float32"), "tensor([ 0.12, -1.50])");
    set_printoptions({ precision: 4, threshold: 4, edgeitems: 1 });
    assert.equal(format_values([1, 2, 3, 4, 5], [5], "int32"), "tensor([1,  ..., 5])");
  } finally {
    set_printoptions(saved);
  }
  assert.deepEqual({ ...print_options }, saved);
  assert.throws(() => set_printoptions({ precision: -1 }), /precision must be an integer in \[0, 20\], got -1/);
  assert.throws(() => set_printoptions({ colour: 1 } as never), /unknown option "colour"/);
});
