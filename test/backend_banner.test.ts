// Node scripts that use bertlab print no tfjs "Hi, looks like you are running TensorFlow.js in Node.js"
// banner (src/backend.ts switches off that one message), while tfjs's real warnings still reach stderr.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { spawnSync } from "node:child_process";

const DIST = path.join(__dirname, "..", "dist", "src");
const BANNER = /looks like you are running TensorFlow\.js in Node\.js/;

function run(script: string, env: NodeJS.ProcessEnv = {}): { stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["-e", script], { env: { ...process.env, ...env }, encoding: "utf8", timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  return { stdout: r.stdout, stderr: r.stderr };
}

test("the cpu backend (forced, or used before ready()) prints no tfjs banner; real tfjs warnings still print", () => {
  const forced = run(`const b = require(${JSON.stringify(DIST)}); b.ready().then(() => { console.log(b.backend_info().name, b.tf.tensor([1, 2]).sum().dataSync()[0]); });`, { BERTLAB_BACKEND: "cpu" });
  assert.equal(forced.stdout.trim(), "cpu 3");
  assert.doesNotMatch(forced.stderr + forced.stdout, BANNER);

  const early = run(`const b = require(${JSON.stringify(DIST)}); const t = b.tf.tensor([1, 2]); console.log(b.tf.getBackend(), t.sum().dataSync()[0]); b.tf.env().setPlatform("node", b.tf.env().platform);`);
  assert.match(early.stdout, / 3\n/);
  assert.doesNotMatch(early.stderr + early.stdout, BANNER);
  assert.match(early.stderr, /Platform node has already been set/, "a real tfjs warning is not hidden");
});

test("without bertlab's switch the same script does print the banner (the test can fail)", () => {
  const tfjs = require.resolve("@tensorflow/tfjs", { paths: [path.join(__dirname, "..")] });
  const plain = run(`const tf = require(${JSON.stringify(tfjs)}); tf.setBackend("cpu"); tf.tensor([1, 2]).dataSync();`);
  assert.match(plain.stderr + plain.stdout, BANNER);
});
