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
